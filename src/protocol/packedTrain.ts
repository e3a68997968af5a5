/**
 * The wire form of a run's train records in a snapshot (issue 12): one typed column per field
 * instead of one object per record. VS Code moves typed arrays between the extension host and a
 * webview as binary buffers (for extensions whose engine is 1.57 or later), outside the message's
 * JSON text, so a snapshot of long runs costs the host's event loop (which serialises the message)
 * and each hop to the webview a fraction of what the same records as objects cost. The host packs
 * right before posting; the webview unpacks on receipt; everything between sees `RunSeries` as
 * before. Pure: no vscode, no DOM, no Node.
 */
import type { TrainRecord } from './records';
import type { RunSeries, TrainReduction } from './webview';

/** The fields of a train record that travel as columns (what a long run's overview keeps). */
const COLUMNS = ['step', 'epoch', 'loss', 'gradNorm', 'lr', 'wallMs'] as const;
type Column = (typeof COLUMNS)[number];

/**
 * A run's train records as columns, row i of each column one record; with its smoothed lines
 * (`trainReduction.smoothing`) when it has them. NaN stays NaN (JSON would have made it null).
 */
export type PackedTrain = Record<Column, Float64Array> & { smoothedLoss?: Float64Array; smoothedGradNorm?: Float64Array };

const COLUMN_NAMES: ReadonlySet<string> = new Set(COLUMNS);

/** Whether the columns carry `r` whole: a train record with every column and no other field. */
function packable(r: TrainRecord): boolean {
  const keys = Object.keys(r);
  return r.type === 'train' && keys.length === COLUMNS.length + 1 && keys.every((k) => k === 'type' || COLUMN_NAMES.has(k));
}

/**
 * Train records (and their smoothing, when `reduction` has it) as columns, with the reduction as it
 * travels beside them (its smoothed lines moved into the columns); null when there are none or one
 * carries more than the columns hold (e.g. `gradNormByGroup`): packing never loses a field.
 */
export function packTrain(rows: readonly TrainRecord[], reduction?: TrainReduction): { packedTrain: PackedTrain; trainReduction?: TrainReduction } | null {
  if (rows.length === 0) return null;
  for (const r of rows) if (!packable(r)) return null;
  const packed = {} as PackedTrain;
  for (const c of COLUMNS) {
    const col = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) col[i] = numberOrNaN(rows[i][c]);
    packed[c] = col;
  }
  const smoothing = reduction?.smoothing;
  if (smoothing) {
    packed.smoothedLoss = Float64Array.from(smoothing.loss, numberOrNaN);
    packed.smoothedGradNorm = Float64Array.from(smoothing.gradNorm, numberOrNaN);
  }
  return {
    packedTrain: packed,
    ...(reduction ? { trainReduction: { ...reduction, ...(smoothing ? { smoothing: { weight: smoothing.weight, loss: [], gradNorm: [] } } : {}) } } : {}),
  };
}

/** `run` with its train records as columns (`packedTrain`, `train` empty); unchanged when already packed or not packable (packTrain). */
export function packRun(run: RunSeries): RunSeries {
  if (run.packedTrain) return run;
  const packed = packTrain(run.train, run.trainReduction);
  return packed ? { ...run, train: [], ...packed } : run;
}

/** `run` with the records of its `packedTrain` back in `train` (and its smoothed lines); unchanged when not packed. */
export function unpackRun(run: RunSeries): RunSeries {
  const p = run.packedTrain;
  if (!p) return run;
  const n = p.step?.length ?? 0;
  for (const c of COLUMNS) {
    if (!(p[c] instanceof Float64Array) || p[c].length !== n) throw new Error(`run ${run.runId}: its packed train column "${c}" is missing or not ${n} long`);
  }
  const train = new Array<TrainRecord>(n);
  for (let i = 0; i < n; i++) {
    train[i] = { type: 'train', step: p.step[i], epoch: p.epoch[i], loss: p.loss[i], gradNorm: p.gradNorm[i], lr: p.lr[i], wallMs: p.wallMs[i] };
  }
  const { packedTrain: _packed, ...rest } = run;
  const smoothing = run.trainReduction?.smoothing;
  if (smoothing && p.smoothedLoss && p.smoothedGradNorm) {
    return {
      ...rest,
      train,
      trainReduction: {
        ...run.trainReduction,
        total: run.trainReduction?.total ?? n,
        smoothing: { weight: smoothing.weight, loss: Array.from(p.smoothedLoss), gradNorm: Array.from(p.smoothedGradNorm) },
      },
    };
  }
  return { ...rest, train };
}

/**
 * Bytes a message costs on its way to the webview: its JSON text without the typed arrays, plus
 * their bytes (what VS Code moves for it).
 */
export function wireBytes(message: unknown): number {
  let binary = 0;
  const text = JSON.stringify(message, (_key, value: unknown) => {
    if (ArrayBuffer.isView(value)) {
      binary += value.byteLength;
      return null;
    }
    return value;
  });
  return (text === undefined ? 0 : new TextEncoder().encode(text).length) + binary;
}

function numberOrNaN(v: unknown): number {
  return typeof v === 'number' ? v : NaN;
}
