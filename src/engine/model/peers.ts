/**
 * Peer cells for comparison: tanh RNN (the vanishing-gradient contrast), LSTM, GRU and coRNN.
 * Given a fused kernel (kernels/peerSequence.ts over native/peer_kernel.c) a cell runs the whole
 * sequence as one op; the composite ops below stay the reference and serve the probes.
 * Weights are stored input-major ([in, out]) so forward products need no transposes, and every
 * product goes through `mm` (transpose-free gradient, fast on wasm).
 *
 * Initialisation follows PyTorch's defaults (U(-1/sqrt(m), 1/sqrt(m)) for RNN/LSTM/GRU; nn.Linear's
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for coRNN's single linear map), as the peers' public code does.
 * coRNN (Rusch & Mishra, ICLR 2021):
 *   hz_n = hz_{n-1} + dt (tanh(W_y hy_{n-1} + W_z hz_{n-1} + V u_n + b) - gamma hy_{n-1} - eps hz_{n-1})
 *   hy_n = hy_{n-1} + dt hz_n
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig, ModelKind } from '../../experiment/schema';
import type { PeerFusedKernel, PeerSequenceOptions } from '../kernels/peerSequence';
import type { SequenceInputs } from '../kernels/types';
import type { Rng } from '../rng';
import type { CellRun, HostCellRun, LayerInput, RecurrentCell, RunOptions } from './cell';
import { layerShape, layerSteps, mm, uniformFanIn, variableFrom } from './ops';

type PeerKind = Exclude<ModelKind, 'hamiltonian'>;

interface PeerState {
  /** The state the readout sees and the probes perturb (h; hy for coRNN). */
  h: tf.Tensor2D;
  /** LSTM cell state or coRNN hz. */
  aux?: tf.Tensor2D;
}

abstract class PeerCell implements RecurrentCell {
  abstract readonly kind: PeerKind;
  readonly featureSize: number;
  readonly variables: tf.Variable[] = [];
  readonly variableNames: string[] = [];
  /** `tfjs` (the composite reference below), or the fused kernel's name. */
  readonly implementation: string;
  /** The fused whole-sequence kernel (native/peer_kernel.c) when one runs this cell, else null. */
  private readonly kernel: PeerFusedKernel | null;
  /** Whether `aux` is a momentum-like state worth reporting as momentumNorm. */
  protected readonly auxIsMomentum: boolean = false;

  constructor(
    readonly inputDim: number,
    readonly hidden: number,
    kernel: PeerFusedKernel | null,
  ) {
    this.featureSize = hidden;
    this.kernel = kernel;
    this.implementation = kernel ? kernel.name : 'tfjs';
  }

  /** The fused kernel's options for this cell (coRNN overrides the constants). */
  protected kernelOptions(): PeerSequenceOptions {
    return { kind: this.kind, dt: 0, gamma: 0, epsilon: 0, checkpointEvery: 'auto' };
  }

  protected addVariable(name: string, init: tf.Tensor): tf.Variable {
    const v = variableFrom(init);
    this.variables.push(v);
    this.variableNames.push(name);
    return v;
  }

  protected abstract initialState(B: number): PeerState;
  /** One step: u [B, d] and the previous state to the next state. */
  protected abstract step(u: tf.Tensor2D, s: PeerState): PeerState;

  run(inputs: LayerInput, opts: RunOptions = {}): CellRun {
    // Probes (perturbations, collected states) use the composite ops below.
    if (this.kernel && !opts.perturb && !opts.collect && !opts.composite) return this.runFused(this.kernel, inputs, opts);
    const steps = layerSteps(inputs);
    const { T, B } = layerShape(inputs);
    let s = this.initialState(B);
    const hs: tf.Tensor2D[] = [];
    const aux: tf.Tensor2D[] = [];
    const release = !!opts.release && !opts.collect;
    for (let n = 0; n < T; n++) {
      const previous = s;
      const next = (): PeerState => {
        const r = this.step(steps[n], previous);
        return opts.perturb ? { ...r, h: tf.add(r.h, opts.perturb[n]) as tf.Tensor2D } : r;
      };
      if (release) {
        const [h, aux] = tf.tidy(() => {
          const r = next();
          return r.aux ? [r.h, r.aux] : [r.h];
        });
        s = { h, aux };
        // The previous state is no longer needed without a gradient (the initial zeros belong to the
        // caller's scope), except h when the layer above reads it.
        if (n > 0) tf.dispose([...(opts.sequence ? [] : [previous.h]), ...(previous.aux ? [previous.aux] : [])]);
      } else {
        s = next();
      }
      if (opts.collect || opts.sequence) hs.push(s.h);
      if (opts.collect && s.aux && this.auxIsMomentum) aux.push(s.aux);
    }
    if (release) tf.dispose(steps);
    let sequence: tf.Tensor3D | undefined;
    if (opts.sequence) {
      sequence = tf.stack(hs) as tf.Tensor3D;
      // without a gradient the per-step states are copies no one else holds (the last is the features)
      if (release) tf.dispose(hs.slice(0, -1));
    }
    return {
      features: s.h,
      states: opts.collect ? { primary: hs, momentum: aux.length ? aux : undefined } : undefined,
      sequence,
    };
  }

  /**
   * Stacked peer cells as one fused op (PeerFusedKernel.stackSequence of layer 1's kernel): the top
   * layer's h_T [B, m], the same as running the layers one by one. Null when a layer has no kernel.
   */
  static runStack(cells: readonly PeerCell[], inputs: SequenceInputs): CellRun | null {
    const kernel = cells[0]?.kernel;
    if (!kernel?.stackSequence || cells.some((c) => !c.kernel)) return null;
    return {
      features: kernel.stackSequence(
        inputs,
        cells.map((c) => c.variables),
        cells[0].kernelOptions(),
      ),
    };
  }

  /** The fused kernel outside tfjs' tape (the host training step); null without a kernel. */
  hostRun(inputs: SequenceInputs): HostCellRun | null {
    return this.kernel ? PeerCell.hostStack([this], inputs) : null;
  }

  /** Stacked peer cells outside tfjs' tape, as runStack runs them; null when a layer has no kernel. */
  static hostStack(cells: readonly PeerCell[], inputs: SequenceInputs): HostCellRun | null {
    const kernel = cells[0]?.kernel;
    if (!kernel || cells.some((c) => !c.kernel)) return null;
    const pass = kernel.hostSequence(
      inputs,
      cells.map((c) => c.variables),
      cells[0].kernelOptions(),
    );
    return { features: pass.out, backward: (g) => pass.backward(g).flat() };
  }

  /**
   * The fused kernel: h_T [B, m] from the task's data, or, in a stack (a tensor input, or a layer
   * above reading every step), the whole h sequence [T, B, m], differentiable in its input too.
   */
  private runFused(kernel: PeerFusedKernel, inputs: LayerInput, opts: RunOptions): CellRun {
    if (!(inputs instanceof tf.Tensor) && !opts.sequence) return { features: kernel.sequence(inputs, this.variables, this.kernelOptions()) };
    const u = inputs instanceof tf.Tensor ? inputs : tf.tensor3d(inputs.data, [inputs.T, inputs.B, inputs.d]);
    const hs = kernel.layerSequence(u, this.variables, this.kernelOptions()); // [T, B, m]
    const [T, B, m] = hs.shape;
    const features = tf.reshape(tf.slice(hs, [T - 1, 0, 0], [1, B, m]), [B, m]) as tf.Tensor2D;
    return { features, sequence: opts.sequence ? hs : undefined };
  }

  dispose(): void {
    tf.dispose(this.variables);
    this.kernel?.dispose();
  }
}

class TanhRnnCell extends PeerCell {
  readonly kind = 'tanh-rnn' as const;
  private readonly Wx: tf.Variable; // [d, m]
  private readonly Wh: tf.Variable; // [m, m]
  private readonly b: tf.Variable; // [m]

  constructor(d: number, m: number, rng: Rng, kernel: PeerFusedKernel | null) {
    super(d, m, kernel);
    this.Wx = this.addVariable('Wx', uniformFanIn(rng, [d, m], m));
    this.Wh = this.addVariable('Wh', uniformFanIn(rng, [m, m], m));
    this.b = this.addVariable('b', uniformFanIn(rng, [m], m));
  }

  protected initialState(B: number): PeerState {
    return { h: tf.zeros([B, this.hidden]) };
  }

  protected step(u: tf.Tensor2D, s: PeerState): PeerState {
    const a = tf.add(tf.add(mm(s.h, this.Wh as tf.Tensor2D), mm(u, this.Wx as tf.Tensor2D)), this.b);
    return { h: tf.tanh(a) as tf.Tensor2D };
  }
}

/** Gate-wise weights (one [in, m] matrix per gate) avoid slicing a fused gate tensor every step. */
interface Gate {
  Wx: tf.Tensor2D;
  Wh: tf.Tensor2D;
  b: tf.Tensor1D;
}

class LstmCell extends PeerCell {
  readonly kind = 'lstm' as const;
  private readonly gates: Record<'i' | 'f' | 'g' | 'o', Gate>;

  constructor(d: number, m: number, rng: Rng, kernel: PeerFusedKernel | null) {
    super(d, m, kernel);
    const gate = (g: string): Gate => ({
      Wx: this.addVariable(`Wx_${g}`, uniformFanIn(rng, [d, m], m)) as tf.Tensor2D,
      Wh: this.addVariable(`Wh_${g}`, uniformFanIn(rng, [m, m], m)) as tf.Tensor2D,
      b: this.addVariable(`b_${g}`, uniformFanIn(rng, [m], m)) as tf.Tensor1D,
    });
    this.gates = { i: gate('i'), f: gate('f'), g: gate('g'), o: gate('o') };
  }

  protected initialState(B: number): PeerState {
    return { h: tf.zeros([B, this.hidden]), aux: tf.zeros([B, this.hidden]) };
  }

  protected step(u: tf.Tensor2D, s: PeerState): PeerState {
    const pre = (g: Gate) => tf.add(tf.add(mm(s.h, g.Wh), mm(u, g.Wx)), g.b);
    const i = tf.sigmoid(pre(this.gates.i));
    const f = tf.sigmoid(pre(this.gates.f));
    const g = tf.tanh(pre(this.gates.g));
    const o = tf.sigmoid(pre(this.gates.o));
    const c = tf.add(tf.mul(f, s.aux!), tf.mul(i, g)) as tf.Tensor2D;
    return { h: tf.mul(o, tf.tanh(c)), aux: c };
  }
}

class GruCell extends PeerCell {
  readonly kind = 'gru' as const;
  private readonly r: Gate & { bh: tf.Tensor1D };
  private readonly z: Gate & { bh: tf.Tensor1D };
  private readonly n: Gate & { bh: tf.Tensor1D };

  constructor(d: number, m: number, rng: Rng, kernel: PeerFusedKernel | null) {
    super(d, m, kernel);
    const gate = (g: string) => ({
      Wx: this.addVariable(`Wx_${g}`, uniformFanIn(rng, [d, m], m)) as tf.Tensor2D,
      Wh: this.addVariable(`Wh_${g}`, uniformFanIn(rng, [m, m], m)) as tf.Tensor2D,
      b: this.addVariable(`bx_${g}`, uniformFanIn(rng, [m], m)) as tf.Tensor1D,
      bh: this.addVariable(`bh_${g}`, uniformFanIn(rng, [m], m)) as tf.Tensor1D,
    });
    this.r = gate('r');
    this.z = gate('z');
    this.n = gate('n');
  }

  protected initialState(B: number): PeerState {
    return { h: tf.zeros([B, this.hidden]) };
  }

  protected step(u: tf.Tensor2D, s: PeerState): PeerState {
    const xh = (g: Gate & { bh: tf.Tensor1D }) => [tf.add(mm(u, g.Wx), g.b), tf.add(mm(s.h, g.Wh), g.bh)];
    const [xr, hr] = xh(this.r);
    const [xz, hz] = xh(this.z);
    const [xn, hn] = xh(this.n);
    const r = tf.sigmoid(tf.add(xr, hr));
    const z = tf.sigmoid(tf.add(xz, hz));
    const nn = tf.tanh(tf.add(xn, tf.mul(r, hn)));
    // h' = (1 - z) n + z h = n + z (h - n)
    return { h: tf.add(nn, tf.mul(z, tf.sub(s.h, nn))) };
  }
}

class CornnCell extends PeerCell {
  readonly kind = 'cornn' as const;
  protected override readonly auxIsMomentum = true;
  private readonly Wy: tf.Tensor2D; // [m, m]
  private readonly Wz: tf.Tensor2D; // [m, m]
  private readonly Wx: tf.Tensor2D; // [d, m]
  private readonly b: tf.Tensor1D;

  constructor(
    d: number,
    m: number,
    rng: Rng,
    private readonly dt: number,
    private readonly gamma: number,
    private readonly epsilon: number,
    kernel: PeerFusedKernel | null,
  ) {
    super(d, m, kernel);
    const fanIn = d + 2 * m;
    this.Wx = this.addVariable('Wx', uniformFanIn(rng, [d, m], fanIn)) as tf.Tensor2D;
    this.Wz = this.addVariable('Wz', uniformFanIn(rng, [m, m], fanIn)) as tf.Tensor2D;
    this.Wy = this.addVariable('Wy', uniformFanIn(rng, [m, m], fanIn)) as tf.Tensor2D;
    this.b = this.addVariable('b', uniformFanIn(rng, [m], fanIn)) as tf.Tensor1D;
  }

  protected initialState(B: number): PeerState {
    return { h: tf.zeros([B, this.hidden]), aux: tf.zeros([B, this.hidden]) };
  }

  protected override kernelOptions(): PeerSequenceOptions {
    return { ...super.kernelOptions(), dt: this.dt, gamma: this.gamma, epsilon: this.epsilon };
  }

  protected step(u: tf.Tensor2D, s: PeerState): PeerState {
    const hy = s.h;
    const hz0 = s.aux!;
    const drive = tf.tanh(tf.add(tf.add(tf.add(mm(hy, this.Wy), mm(hz0, this.Wz)), mm(u, this.Wx)), this.b));
    const accel = tf.sub(tf.sub(drive, tf.mul(hy, this.gamma)), tf.mul(hz0, this.epsilon));
    const hz = tf.add(hz0, tf.mul(accel, this.dt)) as tf.Tensor2D;
    return { h: tf.add(hy, tf.mul(hz, this.dt)), aux: hz };
  }
}

/** Stacked peer cells (all made by createPeerCell) as one fused op; null when they cannot run so. */
export function runPeerStack(cells: readonly RecurrentCell[], inputs: SequenceInputs): CellRun | null {
  return cells.every((c) => c instanceof PeerCell) ? PeerCell.runStack(cells as PeerCell[], inputs) : null;
}

/** The same stack outside tfjs' tape (the host training step); null where runPeerStack would be. */
export function hostPeerStack(cells: readonly RecurrentCell[], inputs: SequenceInputs): HostCellRun | null {
  return cells.every((c) => c instanceof PeerCell) ? PeerCell.hostStack(cells as PeerCell[], inputs) : null;
}

/** A peer cell; with `kernel`, the fused kernel runs it (the composite ops stay for the probes). */
export function createPeerCell(kind: PeerKind, inputDim: number, config: ModelConfig, rng: Rng, kernel: PeerFusedKernel | null = null): RecurrentCell {
  const m = config.hidden;
  switch (kind) {
    case 'tanh-rnn':
      return new TanhRnnCell(inputDim, m, rng, kernel);
    case 'lstm':
      return new LstmCell(inputDim, m, rng, kernel);
    case 'gru':
      return new GruCell(inputDim, m, rng, kernel);
    case 'cornn':
      return new CornnCell(inputDim, m, rng, config.dt, config.gamma, config.epsilon, kernel);
  }
}
