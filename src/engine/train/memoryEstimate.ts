/**
 * An estimate of the peak memory of one training run, from the resolved experiment alone:
 * plain arithmetic, nothing is allocated, so a run that cannot fit can be refused before it starts
 * (the CLI does so). It follows what trainer.ts, the model, the kernels and the tasks allocate;
 * when one of them changes what it keeps, the matching term here should change too.
 *
 * Notation: T sequence length, B training batch, m hidden size (k = m rows of W), d input size
 * (2 for adding, 1 for MNIST), F readout features (m, or 2m for readout yz), C outputs (1 or 10),
 * Bp probe batch, Be evaluation chunk = min(250, split size), Bs statistics batch, P parameters,
 * Pt trained parameters; every number a float32 (4 bytes). The peak is
 *
 *   runtime + data + parameters + kernel + max(training step, probes, evaluation, statistics)
 *
 * since the first four live through the whole run and the last four happen one at a time:
 *   runtime     Node.js, TensorFlow.js and its backend: RUNTIME_BYTES
 *   data        adding: test set testSize*T*d + probe batch Bp*T*d; MNIST: the IDX files (bytes)
 *               and the probe batch
 *   parameters  P (weights) + P (checkpoint copy) [+ P best-validation weights, MNIST]
 *               + Pt * (optimizer moments: Adam 2, momentum 1, SGD 0) + Pt * 4 (gradient, clipped
 *               copy, update temporaries)
 *   kernel      fused kernel only, kept between steps: its workspace (native/hrnn_kernel.c
 *               make_layout) - prepared weights (2*mp*mp packed W and W^T, full) and gradients,
 *               per row 7*lm of state, adjoints and scratch + 4m of output and its gradient, the
 *               inputs T*rows*d (rows = max(B, Be, Bs)), and
 *                 stored:     T*B*2*lm (y_n and H_{n+1}, or y_n and z_n, every step): O(T)
 *                 reversible: floor((T-1)/anchorEvery)*B*2*lm anchors, none without: O(1) in T
 *               with mp = m rounded up to the widest tile (32 floats) and lm = mp + 16 (padding)
 *   training    composite tfjs ops: T * (c_train * B*m + B*d) + 8*B*F - the gradient tape keeps
 *               every intermediate of the forward pass and every gradient of the backward pass
 *               until the gradient is complete (tfjs-core tape.ts), so memory grows with T;
 *               fused kernel: 16*B*F tensors around the one operation + the kernel's copy of the
 *               inputs T*B*d; both: the batch arrays 2*T*B*d (one in use, one awaiting collection)
 *   probes      always composite (they perturb and collect every state): T * (c_probe * Bp*m + Bp*d)
 *   evaluation  no gradient, states freed step by step: c_eval * Be*m + 3*T*Be*d (inputs, per-step
 *               tensors, the chunk copy); fused: 4*Be*F + 3*T*Be*d
 *   statistics  readoutNorm fixed, one forward pass inside a tidy (kept until its end):
 *               composite T * (c_fwd * Bs*m + Bs*d); fused 4*Bs*F + 2*T*Bs*d
 * The constants c_* are floats per sequence and per hidden unit (per time step, except c_eval),
 * measured with tf.profile (peak tensor bytes of one step at T = 20 and T = 40, B = 16, m = 32,
 * d = 2: the difference per time step over B*m*4 bytes) and rounded up. Against the peak RSS of
 * real runs (wasm backend) the estimate came out 15-75% high: safe for refusing, not for planning.
 * Stacked layers (model.layers = L): parameters, kernel workspaces and the per-step tape terms count
 * every layer (layers >= 2 read m inputs per step instead of d), and each layer below the top adds
 * its state sequence T*B*m, with its gradient (x2) while training and a stacked copy (x2) elsewhere.
 * Not counted: the wasm kernel's extra copy of the inputs in each worker thread (d floats a step).
 */
import type { ModelKind, ResolvedExperiment } from '../../experiment/schema';
import { MNIST_PIXELS, MNIST_TRAIN, MNIST_VALIDATION } from '../tasks/mnist';
import { EVAL_CHUNK } from './evaluate';

/** What runs the recurrence in training steps: a fused kernel (hrnn_kernel.c, peer_kernel.c) or the composite ops. */
export type RecurrenceImplementation = 'fused' | 'composite';

export type MemoryTermName = 'runtime' | 'data' | 'parameters' | 'kernel' | 'training' | 'probes' | 'evaluation' | 'statistics';

export interface MemoryTerm {
  name: MemoryTermName;
  bytes: number;
  /** What it is, with the numbers that make it up: `composite tfjs ops keep every state: batch 50 x hidden 128 x length 1000`. */
  detail: string;
  /** The keys that make it smaller, for a refusal message. */
  lower: string;
}

export interface MemoryEstimate {
  /** Estimated peak, bytes. */
  bytes: number;
  /** The terms that make up the peak (the largest of the phases only), largest first. */
  terms: MemoryTerm[];
  implementation: RecurrenceImplementation;
}

const FLOAT = 4;
/** Node.js, TensorFlow.js and a backend before any tensor (measured ~120 MB RSS; tfjs-node loads more). */
export const RUNTIME_BYTES = 256 * 1024 * 1024;
/** The widest tile of the fused kernel (AVX-512: 2 vectors of 16 floats) and its row padding. */
const KERNEL_TILE = 32;
const KERNEL_ROW_PAD = 16;
/** MNIST IDX files: 60,000 + 10,000 images of 784 bytes and their labels. */
const MNIST_FILE_BYTES = (MNIST_TRAIN + MNIST_VALIDATION + 10000) * (MNIST_PIXELS + 1);

interface PerStep {
  /** One training step (forward and backward with the tape). */
  train: number;
  /** The probes: gradients with respect to perturbations of every state, and a collected run. */
  probe: number;
  /** A forward pass inside a tidy, no tape (readout statistics). */
  forward: number;
  /** An evaluation chunk (per chunk, not per step: states are released as they go). */
  evaluation: number;
}

/** Measured constants (see the header); the alpha term of the Hamiltonian adds a few tensors per step. */
function perStepFloats(exp: ResolvedExperiment): PerStep {
  const kind: ModelKind = exp.model.kind;
  if (kind === 'hamiltonian') {
    const alpha = exp.model.alpha !== 0;
    const base: PerStep =
      exp.model.variant === 'full' ? { train: 39, probe: 43, forward: 11, evaluation: 17 } : { train: 24, probe: 45, forward: 10, evaluation: 14 };
    return alpha ? { train: base.train + 6, probe: base.probe + 6, forward: base.forward + 2, evaluation: base.evaluation + 2 } : base;
  }
  const peers: Record<Exclude<ModelKind, 'hamiltonian'>, PerStep> = {
    'tanh-rnn': { train: 18, probe: 22, forward: 6, evaluation: 7 },
    lstm: { train: 89, probe: 88, forward: 26, evaluation: 29 },
    gru: { train: 76, probe: 73, forward: 23, evaluation: 24 },
    cornn: { train: 55, probe: 59, forward: 16, evaluation: 19 },
  };
  return peers[kind];
}

/** Parameters of the recurrent cell (the layouts of hamiltonian.ts and peers.ts). */
function cellParameters(kind: ModelKind, variant: 'full' | 'diagonal', m: number, d: number): number {
  switch (kind) {
    case 'hamiltonian':
      return variant === 'full' ? m * m + m * d + m : 3 * m + m * d;
    case 'tanh-rnn':
      return d * m + m * m + m;
    case 'lstm':
      return 4 * (d * m + m * m + m);
    case 'gru':
      return 3 * (d * m + m * m + 2 * m);
    case 'cornn':
      return d * m + 2 * m * m + m;
  }
}

/** m rounded up to the fused kernel's widest tile (the padded hidden size mp of make_layout). */
function kernelPadded(m: number): number {
  return Math.ceil(m / KERNEL_TILE) * KERNEL_TILE;
}

/**
 * The peak memory of training `exp`, with the recurrence run by `implementation` (what
 * model/kernelChoice.ts would pick: `fused` when a kernel loads and the model allows it).
 */
export function estimateTrainingMemory(exp: ResolvedExperiment, implementation: RecurrenceImplementation): MemoryEstimate {
  const hamiltonian = exp.model.kind === 'hamiltonian';
  // Sequence outputs (copy) and a mean readout read every state; reading [y_n; z_n] collects them with
  // the composite ops (model/sequenceModel.ts), reading y_n alone takes the kernel's sequence form.
  const readsEveryState = exp.task.kind === 'copy' || (exp.model.readoutPool ?? 'last') !== 'last';
  const fused = hamiltonian && implementation === 'fused' && !(readsEveryState && exp.model.readout === 'yz');
  // The peers' kernel (native/peer_kernel.c) also returns every state, so it runs whatever is read.
  const peerFused = !hamiltonian && implementation === 'fused';
  const mnist = exp.task.kind === 'smnist' || exp.task.kind === 'psmnist';
  const copy = exp.task.kind === 'copy';
  const T = exp.task.length;
  const B = exp.training.batchSize;
  const m = exp.model.hidden;
  const d = mnist ? (exp.task.noisePadding ? 28 : 1) : copy ? exp.task.alphabet + 2 : 2;
  const L = exp.model.layers ?? 1; // run folders written before stacking have no `layers`
  // Input floats per step summed over the layers: d for layer 1, m for each layer above.
  const dAll = d + (L - 1) * m;
  const below = L - 1; // layers whose state sequence the next layer reads
  const F = hamiltonian && exp.model.readout === 'yz' ? 2 * m : m;
  const C = mnist ? 10 : copy ? exp.task.alphabet : 1;
  const Bp = exp.probes.batchSize;
  const probesOn = exp.probes.every !== null;
  const trainSize = mnist ? (exp.task.trainLimit ?? MNIST_TRAIN) : Infinity;
  // The split evaluated every evalEvery steps: adding's test set, MNIST's validation (and test at the end).
  const evalSize = mnist ? Math.min(exp.task.evalLimit ?? 10000, 10000) : exp.task.testSize;
  const Be = Math.min(EVAL_CHUNK, evalSize);
  // trainer.ts: statisticsBatch(min(500, max(batchSize, 100))), at most the training set.
  const Bs = exp.model.readoutNorm === 'fixed' ? Math.min(500, Math.max(B, 100), trainSize) : 0;
  const c = perStepFloats(exp);
  const shape = `batch ${B} x hidden ${m} x length ${T}${L > 1 ? ` x ${L} layers` : ''}`;
  const sizeKeys = 'training.batchSize, task.length or model.hidden';
  const term = (name: MemoryTermName, floats: number, detail: string, lower: string): MemoryTerm => ({ name, bytes: floats * FLOAT, detail, lower });

  // Alive through the whole run.
  const terms: MemoryTerm[] = [{ name: 'runtime', bytes: RUNTIME_BYTES, detail: 'Node.js and TensorFlow.js', lower: 'nothing' }];
  if (mnist) terms.push({ name: 'data', bytes: MNIST_FILE_BYTES + Bp * T * d * FLOAT, detail: 'the MNIST images', lower: 'nothing' });
  else
    terms.push(term('data', (exp.task.testSize + (probesOn ? Bp : 0)) * T * d, `test set of ${exp.task.testSize} sequences of length ${T}`, 'task.testSize'));

  const P = cellParameters(exp.model.kind, exp.model.variant, m, d) + below * cellParameters(exp.model.kind, exp.model.variant, m, m) + F * C + C;
  const recurrentTrained = (exp.training.recurrentLearningRate ?? exp.training.learningRate) > 0;
  const Pt = recurrentTrained ? P : F * C + C;
  const moments = exp.training.optimizer === 'adam' ? 2 : exp.training.momentum > 0 ? 1 : 0;
  const bestWeights = mnist ? P : 0; // MNIST keeps the best-validation weights for the final test
  terms.push(
    term('parameters', 2 * P + bestWeights + Pt * (moments + 4), `${P} parameters with their gradients and ${exp.training.optimizer} state`, 'model.hidden'),
  );

  if (fused) {
    const mp = kernelPadded(m);
    const lm = mp + KERNEL_ROW_PAD;
    const full = exp.model.variant === 'full';
    // Prepared weights (packed W and W^T, or w and s) and V^T, b; the padded gradients likewise.
    const weights = L * (full ? 2 * mp * mp + mp : 3 * mp) + dAll * mp;
    const gradients = L * (full ? mp * lm + mp : 3 * mp) + dAll * mp;
    // Evaluation and statistics reuse the context with their own rows (no saved states without a tape).
    const rows = Math.max(B, Be, Bs);
    // Per row: y, z and their adjoints, the force and activation scratch (7 rows); out and gout (2 x 2m); the inputs.
    // Stacked: one context per layer, each with its own rows and its copy of its inputs.
    const scratch = L * rows * (7 * lm + 4 * m) + T * rows * dAll;
    const reversible = exp.model.backprop === 'reversible';
    const anchors = reversible && exp.model.anchorEvery !== null ? Math.floor((T - 1) / exp.model.anchorEvery) : 0;
    // Stored: y_n and H_{n+1} (full) or y_n and z_n (diagonal) for every step, 2 rows each; reversible: the anchors only.
    const saved = L * (reversible ? anchors * B * 2 * lm : T * B * 2 * lm);
    const detail = reversible
      ? `fused kernel with reversible backprop (states rebuilt, not stored${anchors > 0 ? `, ${anchors} anchors` : ''}): batch ${B} x hidden ${m}`
      : `the fused kernel stores every state: ${shape}`;
    const lower = reversible
      ? `training.batchSize or model.hidden${anchors > 0 ? ', or raise model.anchorEvery' : ''}`
      : `${sizeKeys}, or set model.backprop: reversible (memory independent of the length)`;
    terms.push(term('kernel', weights + gradients + scratch + saved, detail, lower));
  }

  if (peerFused) terms.push(peerKernelTerm(exp.model.kind as PeerKind, T, B, m, dAll, L, term));

  // One at a time: the largest counts.
  const batchArrays = 2 * T * B * d;
  const phases: MemoryTerm[] = [];
  if (fused || peerFused)
    phases.push(
      term(
        'training',
        16 * B * F + T * B * d + 3 * below * T * B * m + batchArrays,
        `training steps around the fused kernel: batch ${B} x length ${T}${L > 1 ? ` x ${L} layers` : ''}`,
        'training.batchSize',
      ),
    );
  else {
    const why = hamiltonian
      ? 'composite tfjs ops keep every state for the gradient'
      : `the ${exp.model.kind} cell's tfjs ops keep every state for the gradient`;
    const lower = hamiltonian && exp.model.implementation === 'tfjs' ? `${sizeKeys}, or set model.implementation: auto (the fused kernel)` : sizeKeys;
    phases.push(term('training', T * (L * c.train * B * m + B * dAll + 2 * below * B * m) + 8 * B * F + batchArrays, `${why}: ${shape}`, lower));
  }
  if (probesOn) {
    phases.push(
      term(
        'probes',
        T * (L * c.probe * Bp * m + Bp * dAll + 2 * below * Bp * m),
        `probes keep every state: probe batch ${Bp} x hidden ${m} x length ${T}`,
        'probes.batchSize, or set probes.every: null',
      ),
    );
  }
  // Reading every state (copy, mean readout) keeps them all during evaluation too: two per step of the top layer.
  const evaluation =
    (fused || peerFused ? 4 * L * Be * F : L * c.evaluation * Be * m + (readsEveryState ? 2 * T * Be * m : 0)) + 3 * T * Be * d + 2 * below * T * Be * m;
  phases.push(term('evaluation', evaluation, `evaluation in chunks of ${Be} sequences of length ${T}`, mnist ? 'task.evalLimit' : 'task.testSize'));
  if (Bs > 0) {
    const floats = fused || peerFused ? 4 * L * Bs * F + 2 * T * Bs * dAll : T * (L * c.forward * Bs * m + Bs * dAll + 2 * below * Bs * m);
    phases.push(term('statistics', floats, `readout statistics on ${Bs} sequences of length ${T}`, `${sizeKeys}, or set model.readoutNorm: none`));
  }
  terms.push(phases.reduce((a, b) => (b.bytes > a.bytes ? b : a)));
  terms.sort((a, b) => b.bytes - a.bytes);
  return { bytes: terms.reduce((sum, t) => sum + t.bytes, 0), terms, implementation: fused || peerFused ? 'fused' : 'composite' };
}

/** `98.2 GB`, `310 MB`: sizes in messages (decimal units, as `free -h --si` and disk tools show them). */
export function formatBytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.max(1, Math.round(bytes / 1e6))} MB`;
}

type PeerKind = Exclude<ModelKind, 'hamiltonian'>;
/** Gate columns per hidden unit of each peer kernel, and whether its state row holds aux (c or hz). */
const PEER_GATES: Record<PeerKind, { gates: number; aux: boolean }> = {
  'tanh-rnn': { gates: 1, aux: false },
  lstm: { gates: 4, aux: true },
  gru: { gates: 3, aux: false },
  cornn: { gates: 1, aux: true },
};
/** peerSequence.ts: every step's slot is stored while the slots stay under this; else k = ceil(sqrt(T)). */
const PEER_STORED_LIMIT_BYTES = 256 * 1024 * 1024;

/**
 * The peer kernel's workspace per layer (make_layout in native/peer_kernel.c): one slot per kept
 * step (the state row [h | aux] and the gate activations, GRU one more row), the checkpointed
 * states, the packed weights and their gradients, the scratch rows, and its copy of the inputs.
 */
function peerKernelTerm(
  kind: PeerKind,
  T: number,
  B: number,
  m: number,
  dAll: number,
  L: number,
  term: (name: MemoryTermName, floats: number, detail: string, lower: string) => MemoryTerm,
): MemoryTerm {
  const { gates, aux } = PEER_GATES[kind];
  const mp = kernelPadded(m);
  const state = (aux ? 2 * mp : mp) + KERNEL_ROW_PAD;
  const acts = gates * mp + (kind === 'gru' ? mp : 0) + KERNEL_ROW_PAD;
  const slot = B * (state + acts);
  const stored = T * slot * FLOAT <= PEER_STORED_LIMIT_BYTES;
  const k = stored ? T : Math.ceil(Math.sqrt(T));
  const saved = L * (k * slot + (stored ? 0 : Math.ceil(T / k) * B * state));
  const weights = L * 4 * (state * gates * mp + gates * mp) + 4 * dAll * gates * mp;
  const scratch = L * B * (3 * state + 3 * (gates * mp + KERNEL_ROW_PAD)) + T * B * dAll;
  const detail = stored
    ? `the fused ${kind} kernel stores every step: batch ${B} x hidden ${m} x length ${T}`
    : `the fused ${kind} kernel keeps a state every ${k} steps and recomputes between them: batch ${B} x hidden ${m}`;
  return term('kernel', saved + weights + scratch, detail, 'training.batchSize or model.hidden');
}
