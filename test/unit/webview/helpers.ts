/** Small synthetic runs for the webview unit tests. */
import type { EvalRecord, ProbeRecord, RunSummary, TrainRecord } from '../../../src/protocol/records';
import type { RunSeries, SweepPoint } from '../../../src/protocol/webview';
import { DEFAULT_SETTINGS, type PanelData } from '../../../webview/src/core/panelState';

export function summary(runId: string, patch: Partial<RunSummary> = {}): RunSummary {
  return {
    formatVersion: 1,
    runId,
    name: runId,
    status: 'running',
    stepsDone: 0,
    totalSteps: 100,
    best: null,
    final: {},
    backend: 'cpu',
    implementation: 'tfjs',
    durationMs: 0,
    packageVersion: '0.1.0',
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: null,
    experimentFile: '/x.hrnn.yaml',
    tags: { model: 'hamiltonian', task: 'adding', hidden: 8, length: 10, tau: 0.1 },
    ...patch,
  };
}

export function trainRecord(step: number): TrainRecord {
  return {
    type: 'train',
    step,
    epoch: 0,
    loss: 1 / (1 + step * 0.01) + 0.01 * Math.sin(step),
    gradNorm: 0.5 + 0.1 * Math.cos(step),
    lr: 1e-3,
    wallMs: step * 10,
  };
}

export function evalRecord(step: number, split: 'validation' | 'test', metric: 'mse' | 'accuracy' = 'mse'): EvalRecord {
  const rec: EvalRecord = { type: 'eval', step, split, loss: 1 / (1 + step * 0.01), wallMs: step * 10 + 1 };
  rec[metric] = metric === 'mse' ? rec.loss : 0.5 + step / 1e5;
  return rec;
}

export function probeRecord(step: number, T: number, hamiltonian = true): ProbeRecord {
  const arr = (f: (n: number) => number) => Array.from({ length: T }, (_, i) => f(i + 1));
  const p: ProbeRecord = { type: 'probe', step, gradientOverTime: arr((n) => 1e-3 * n), stateNorm: arr((n) => n / T), wallMs: step * 10 + 2 };
  if (hamiltonian) {
    p.energy = arr(() => 1);
    p.modifiedEnergy = arr(() => 1.01);
    p.momentumNorm = arr((n) => 1 - n / (2 * T));
  }
  return p;
}

export function makeRun(
  runId: string,
  opts: {
    train?: number;
    evalEvery?: number;
    splits?: Array<'validation' | 'test'>;
    metric?: 'mse' | 'accuracy';
    probes?: number[];
    T?: number;
    hamiltonian?: boolean;
    label?: string;
    colorIndex?: number;
  } = {},
): RunSeries {
  const train: TrainRecord[] = [];
  const evals: EvalRecord[] = [];
  for (let s = 1; s <= (opts.train ?? 0); s++) {
    train.push(trainRecord(s));
    if (opts.evalEvery && s % opts.evalEvery === 0) for (const split of opts.splits ?? ['test']) evals.push(evalRecord(s, split, opts.metric));
  }
  return {
    runId,
    runDir: `/runs/${runId}`,
    label: opts.label ?? runId,
    colorIndex: opts.colorIndex ?? 0,
    summary: summary(runId),
    train,
    eval: evals,
    probes: (opts.probes ?? []).map((step) => probeRecord(step, opts.T ?? 10, opts.hamiltonian ?? true)),
  };
}

export function panelWith(runs: RunSeries[], sweep: SweepPoint[] = []): PanelData {
  return { title: 't', settings: { ...DEFAULT_SETTINGS }, runs, sweep, seq: 0, awaitingSnapshot: false };
}
