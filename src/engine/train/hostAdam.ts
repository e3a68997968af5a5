/**
 * Adam with its moments in plain arrays on the host: each step reads every gradient and parameter
 * once, updates in one loop per parameter, and writes each parameter back once. tfjs' Adam runs
 * about fifteen small ops per parameter tensor, each with its own dispatch, scalar tensors and
 * allocations: 2-5 ms a step at the add200 size for the peer cells' 5-14 tensors, a tenth of a
 * fused step (issue #10), against 0.1-0.3 ms here (parameters read through host snapshots, the
 * element-wise update in native code where the addon loads: adamArithmetic.ts).
 *
 * The update is tfjs' AdamOptimizer's, in the same order: m = b1 m + (1 - b1) g,
 * v = b2 v + (1 - b2) g^2, x -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps), with the beta
 * powers kept as float32 running products and eps the backend's. The state has tfjs' layout too
 * (class name Adam, iteration count, slots `<name>/m` then `<name>/v` in the order the parameters
 * are updated, the two beta powers), so checkpoints written with tfjs' Adam resume here. As in tfjs,
 * moments belong to a position in that order, not to a name: a state resumes into a model whose
 * variables are named otherwise.
 * Depends on tfjs' public API, the host snapshots (hostValues.ts) and adamArithmetic.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { assignHostValues, hostValues } from '../hostValues';
import { jsAdamArithmetic, type AdamArithmetic } from './adamArithmetic';

interface Moments {
  name: string;
  shape: number[];
  m: Float32Array;
  v: Float32Array;
}

export interface HostAdamState {
  iterations: number;
  /** beta1^(t+1) and beta2^(t+1): the factors of the next step's bias correction, as tfjs keeps them. */
  betaPowers: [number, number];
  /** Slot names in tfjs' getWeights order: every `<name>/m`, then every `<name>/v`. */
  slots: string[];
  /** The slots' values, same order (owned by the optimizer until its next update or dispose). */
  tensors: tf.Tensor[];
}

export class HostAdam {
  /** tfjs' class name for this optimizer: recorded in checkpoints. */
  static readonly className = 'Adam';
  private readonly beta1 = 0.9;
  private readonly beta2 = 0.999;
  private readonly epsilon = tf.backend().epsilon();
  private iterations = 0;
  private beta1Power = Math.fround(this.beta1);
  private beta2Power = Math.fround(this.beta2);
  /** By position in the update order. */
  private moments: Moments[] = [];
  /** Tensors handed out by captureState, released at the next update. */
  private exported: tf.Tensor[] = [];

  /** `arithmetic`: where the element-wise update runs (adamArithmetic.ts; the same values either way). */
  constructor(
    public learningRate: number,
    private readonly arithmetic: AdamArithmetic = jsAdamArithmetic,
  ) {}

  getClassName(): string {
    return HostAdam.className;
  }

  /**
   * One step for `variables` with gradients `grads` (same order, same sizes), each gradient scaled
   * by `scale` first (clipping).
   */
  update(variables: readonly tf.Variable[], grads: readonly Float32Array[], scale = 1): void {
    this.releaseExported();
    const step = this.learningRate / (1 - this.beta1Power);
    const s2 = 1 / Math.sqrt(1 - this.beta2Power);
    variables.forEach((variable, i) => {
      const g = grads[i];
      if (g.length !== variable.size) throw new Error(`Adam: the gradient of ${variable.name} has ${g.length} values, the parameter ${variable.size}`);
      const { m, v } = this.momentsAt(i, variable);
      // a copy: the snapshot is read-only (the host step may still hold it)
      const x = hostValues(variable).slice();
      // x -= step m / (sqrt(v) s2 + eps) after the moments' update, element by element
      this.arithmetic.update(x, g, m, v, { scale, beta1: this.beta1, beta2: this.beta2, step, s2, epsilon: this.epsilon });
      assignHostValues(variable, x);
    });
    this.beta1Power = Math.fround(this.beta1Power * this.beta1);
    this.beta2Power = Math.fround(this.beta2Power * this.beta2);
    this.iterations += 1;
  }

  /** The state a checkpoint keeps (see HostAdamState). */
  captureState(): HostAdamState {
    this.releaseExported();
    const slots = [...this.moments.map((s) => `${s.name}/m`), ...this.moments.map((s) => `${s.name}/v`)];
    this.exported = [...this.moments.map((s) => tf.tensor(s.m, s.shape)), ...this.moments.map((s) => tf.tensor(s.v, s.shape))];
    return { iterations: this.iterations, betaPowers: [this.beta1Power, this.beta2Power], slots, tensors: this.exported };
  }

  /**
   * Puts back a captured state (the tensors are read, not kept). Slot k of the first half is the
   * first moment of parameter `name` where its name is `<name>/m`; a state without beta powers
   * (older checkpoints) gets beta^(t+1) computed as tfjs' setWeights does.
   */
  restoreState(iterations: number, slots: readonly string[], tensors: readonly tf.Tensor[], betaPowers?: [number, number]): void {
    if (slots.length !== tensors.length || slots.length % 2 !== 0) throw new Error('Adam: the state needs a first and a second moment for every parameter');
    const n = slots.length / 2;
    this.moments = [];
    for (let k = 0; k < n; k++) {
      const name = slots[k].replace(/\/m$/, '');
      if (slots[n + k] !== `${name}/v`) throw new Error(`Adam: slot ${slots[n + k]} does not follow ${slots[k]}`);
      const moments = { name, shape: [...tensors[k].shape], m: Float32Array.from(tensors[k].dataSync()), v: Float32Array.from(tensors[n + k].dataSync()) };
      this.moments.push(moments);
    }
    this.iterations = iterations;
    this.beta1Power = betaPowers ? betaPowers[0] : Math.fround(Math.pow(this.beta1, iterations + 1));
    this.beta2Power = betaPowers ? betaPowers[1] : Math.fround(Math.pow(this.beta2, iterations + 1));
  }

  dispose(): void {
    this.releaseExported();
    this.moments = [];
  }

  /** The moments of the i-th parameter in the update order (zeros the first time). */
  private momentsAt(i: number, variable: tf.Variable): Moments {
    let moments = this.moments[i];
    if (!moments) {
      if (i !== this.moments.length) throw new Error(`Adam: parameter ${i} updated before parameter ${this.moments.length}`);
      moments = { name: variable.name, shape: [...variable.shape], m: new Float32Array(variable.size), v: new Float32Array(variable.size) };
      this.moments.push(moments);
    } else if (moments.m.length !== variable.size) {
      throw new Error(`Adam: the saved moments of ${variable.name} have ${moments.m.length} values, the parameter ${variable.size}`);
    }
    return moments;
  }

  private releaseExported(): void {
    tf.dispose(this.exported);
    this.exported = [];
  }
}
