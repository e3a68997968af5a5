/**
 * A sequence model: a recurrent cell (or a stack of `model.layers` cells, stackedCell.ts), then a
 * linear readout from the features of the last step, of the mean over all steps (`readoutPool:
 * mean`), or of each output step of a sequence-to-sequence task (copy), optionally standardised
 * with statistics fixed at initialisation and with dropout during training. A training step's
 * gradients come from tfjs' tape, or, on fused kernels, from `hostGradients` on plain arrays (the
 * same numbers without the tape's cost). No I/O, no training loop (that is engine/train), so it is
 * tested in Node on tiny shapes.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../experiment/schema';
import { hostValues } from '../hostValues';
import type { PeerFusedKernel } from '../kernels/peerSequence';
import type { FusedKernel, SequenceInputs } from '../kernels/types';
import type { Rng } from '../rng';
import type { TaskOutput } from '../tasks/task';
import type { CellRun, RecurrentCell, RunOptions } from './cell';
import { dropoutBetweenLayers } from './dropout';
import { mm, uniformFanIn, variableFrom } from './ops';
import { readoutLoss, usesHostReadout } from './readoutLoss';
import { createRecurrentStack } from './stackedCell';

/**
 * A training step's loss and the gradient of every variable (recurrent and readout), by variable
 * name, computed outside tfjs' tape (hostGradients).
 */
export interface HostGradients {
  loss: number;
  grads: Map<string, Float32Array>;
}

/** What a forward pass may add to the cell's run options. */
export interface ForwardOptions extends RunOptions {
  /** Training: the seed of this step's dropout masks (absent: no dropout, as in evaluation). */
  dropoutSeed?: number;
}

export class SequenceModel {
  readonly cell: RecurrentCell;
  readonly outputDim: number;
  /** Readout weights Q [F, out] and bias c [out]. */
  readonly readoutVariables: tf.Variable[];
  /** Fixed feature statistics (readoutNorm: fixed): mean and std, [F] each. */
  private norm: { mean: tf.Tensor1D; std: tf.Tensor1D } | null = null;

  constructor(
    readonly config: ModelConfig,
    inputDim: number,
    readonly output: TaskOutput,
    rng: Rng,
    kernel: FusedKernel | null = null,
    peerKernel: PeerFusedKernel | null = null,
  ) {
    // `model.layers` cells of the configured kind, each on its fused kernel when there is one;
    // one layer is exactly the single-cell model
    this.cell = createRecurrentStack(config, inputDim, rng, kernel, peerKernel);
    this.outputDim = output.kind === 'regression' ? 1 : output.classes;
    const F = this.cell.featureSize;
    if (this.readsEveryState && F !== this.cell.hidden && (config.layers ?? 1) > 1) {
      // A stack passes only y up: the top layer's z is not there to read at every step.
      throw new Error('readout yz with readoutPool mean or a sequence-output task (copy) needs model.layers: 1; use readout: y with stacked layers');
    }
    const readoutRng = rng.fork('readout');
    this.readoutVariables = [variableFrom(uniformFanIn(readoutRng, [F, this.outputDim], F)), variableFrom(uniformFanIn(readoutRng, [this.outputDim], F))];
  }

  get recurrentVariables(): tf.Variable[] {
    return this.cell.variables;
  }

  get needsReadoutStatistics(): boolean {
    return this.config.readoutNorm === 'fixed' && this.norm === null;
  }

  /** Measures the readout features' mean and std once (readoutNorm: fixed) and keeps them. */
  fitReadoutStatistics(inputs: SequenceInputs): void {
    const stats = tf.tidy(() => {
      const { features } = this.features(inputs);
      const { mean, variance } = tf.moments(features, 0);
      // A floor keeps features that barely vary (e.g. untouched neurons) from blowing up.
      return { mean: mean as tf.Tensor1D, std: tf.sqrt(tf.add(variance, 1e-6)) as tf.Tensor1D };
    });
    this.norm?.mean.dispose();
    this.norm?.std.dispose();
    this.norm = stats;
  }

  /** Readout of features [B, F] -> outputs [B, out]. */
  readout(features: tf.Tensor2D): tf.Tensor2D {
    const [Q, c] = this.readoutVariables as [tf.Variable<tf.Rank.R2>, tf.Variable<tf.Rank.R1>];
    const f = this.norm ? (tf.div(tf.sub(features, this.norm.mean), this.norm.std) as tf.Tensor2D) : features;
    return tf.add(mm(f, Q), c) as tf.Tensor2D;
  }

  /** Output steps of a sequence-to-sequence task (the last K steps), or 0 for one output at the end. */
  get outputSteps(): number {
    return this.output.kind === 'classification' ? (this.output.outputSteps ?? 0) : 0;
  }

  /** Whether the readout needs every state (sequence outputs, mean over time), not only the last. */
  get readsEveryState(): boolean {
    return this.outputSteps > 0 || (this.config.readoutPool ?? 'last') !== 'last';
  }

  /**
   * Reading every [y_n; z_n] of a single layer collects the states with the composite ops; every
   * other case reads the top layer's position sequence (the fused kernel's whole-sequence form
   * where there is one).
   */
  private get collectsStates(): boolean {
    return this.readsEveryState && this.cell.featureSize !== this.cell.hidden;
  }

  /** Which implementation runs the recurrence in training (what run summaries record). */
  get implementation(): string {
    return this.collectsStates ? 'tfjs' : this.cell.implementation;
  }

  /**
   * The readout features: [B, F] from the last step or the mean over steps, or [K * B, F] for the K
   * output steps (time-major rows, as the targets).
   */
  private features(inputs: SequenceInputs, opts: RunOptions = {}): { features: tf.Tensor2D; run: CellRun } {
    if (!this.readsEveryState) {
      const run = this.cell.run(inputs, opts);
      return { features: run.features, run };
    }
    const K = this.outputSteps;
    if (!this.collectsStates) {
      const run = this.cell.run(inputs, { ...opts, sequence: true });
      const seq = run.sequence!; // [T, B, m]
      const [T, B, m] = seq.shape;
      const features = K > 0 ? (tf.reshape(tf.slice(seq, [T - K, 0, 0], [K, B, m]), [K * B, m]) as tf.Tensor2D) : (tf.mean(seq, 0) as tf.Tensor2D);
      return { features, run };
    }
    const run = this.cell.run(inputs, { ...opts, collect: true, composite: true });
    const states = run.states!;
    const at = (n: number) => tf.concat([states.primary[n], states.momentum![n]], 1) as tf.Tensor2D;
    if (K > 0) {
      const T = states.primary.length;
      return {
        features: tf.concat(
          Array.from({ length: K }, (_, j) => at(T - K + j)),
          0,
        ) as tf.Tensor2D,
        run,
      };
    }
    const mean = (xs: tf.Tensor2D[]) => tf.div(tf.addN(xs), xs.length) as tf.Tensor2D;
    return { features: tf.concat([mean(states.primary), mean(states.momentum!)], 1) as tf.Tensor2D, run };
  }

  /**
   * Outputs (regression value or class logits) and the cell's run: [B, out], or [K * B, out] for a
   * task with K output steps. `dropoutSeed` (training only) drops readout features.
   */
  forward(inputs: SequenceInputs, opts: ForwardOptions = {}): { output: tf.Tensor2D; run: CellRun } {
    const { dropoutSeed, ...runOptions } = opts;
    const rate = this.config.dropout ?? 0;
    // Between the layers of a stack, then on the readout features; the seeds differ per place.
    if (rate > 0 && dropoutSeed !== undefined) runOptions.dropout = { rate, seed: (dropoutSeed + 1) >>> 0 };
    const { features, run } = this.features(inputs, runOptions);
    return { output: this.readout(dropoutBetweenLayers(features, rate, dropoutSeed)), run };
  }

  /**
   * The training loss and its gradients outside tfjs' tape, on plain arrays, where the model allows
   * it: a fused kernel runs the whole recurrence (cell.hostRun), the readout reads the last step,
   * no dropout is drawn, and the readout is small enough for the host loops (readoutLoss.ts). Null
   * otherwise: the step then takes the tfjs route, `loss(forward(...))` under variableGrads, with
   * the same loss and gradients (tested). On the fused peers' add200 step the tape, the readout and
   * the loss as tfjs ops cost 1.5-2 ms of 17 (issue #10).
   */
  hostGradients(inputs: SequenceInputs, targets: Float32Array | Int32Array, opts: ForwardOptions = {}): HostGradients | null {
    const F = this.cell.featureSize;
    const dropout = (this.config.dropout ?? 0) > 0 && opts.dropoutSeed !== undefined;
    if (this.readsEveryState || dropout || !usesHostReadout(inputs.B, F, this.outputDim) || !this.cell.hostRun) return null;
    const run = this.cell.hostRun(inputs);
    if (!run) return null;
    const [Q, c] = this.readoutVariables;
    const std = this.norm?.std.dataSync() as Float32Array | undefined;
    let f = run.features;
    if (this.norm) {
      const mean = this.norm.mean.dataSync() as Float32Array;
      f = f.map((x, i) => (x - mean[i % F]) / std![i % F]);
    }
    const kind = this.output.kind === 'regression' ? 'mse' : 'cross-entropy';
    const head = readoutLoss(f, hostValues(Q), hostValues(c), inputs.B, targets, kind);
    const { gf, gq, gc } = head.backward();
    if (std) for (let i = 0; i < gf.length; i++) gf[i] /= std[i % F];
    const cellGrads = run.backward(gf);
    const grads = new Map<string, Float32Array>();
    this.cell.variables.forEach((v, i) => grads.set(v.name, cellGrads[i]));
    grads.set(Q.name, gq);
    grads.set(c.name, gc);
    return { loss: head.loss, grads };
  }

  /** Mean loss of outputs [B, out] against targets: MSE or softmax cross-entropy. */
  loss(output: tf.Tensor2D, targets: Float32Array | Int32Array): tf.Scalar {
    return tf.tidy(() => {
      if (this.output.kind === 'regression') {
        const t = tf.tensor2d(targets as Float32Array, [targets.length, 1]);
        return tf.mean(tf.square(tf.sub(output, t))) as tf.Scalar;
      }
      const labels = tf.oneHot(tf.tensor1d(targets as Int32Array, 'int32'), this.outputDim);
      const logp = tf.logSoftmax(output);
      return tf.neg(tf.mean(tf.sum(tf.mul(labels, logp), 1))) as tf.Scalar;
    });
  }

  /** Number of correct argmax predictions (classification). */
  correct(output: tf.Tensor2D, targets: Int32Array): number {
    const hits = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(output, 1), tf.tensor1d(targets, 'int32')), 'int32')));
    const n = hits.dataSync()[0];
    hits.dispose();
    return n;
  }

  /** Every tensor that defines the model, by name (checkpoints). */
  namedWeights(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    this.cell.variableNames.forEach((name, i) => (out[`cell/${name}`] = this.cell.variables[i]));
    out['readout/Q'] = this.readoutVariables[0];
    out['readout/c'] = this.readoutVariables[1];
    if (this.norm) {
      out['readout/featureMean'] = this.norm.mean;
      out['readout/featureStd'] = this.norm.std;
    }
    return out;
  }

  /** Loads weights saved by `namedWeights` (checkpoints, best-weights snapshots). */
  loadWeights(weights: Record<string, tf.Tensor>): void {
    const mine = this.namedWeights();
    for (const [name, value] of Object.entries(weights)) {
      if (name === 'readout/featureMean' || name === 'readout/featureStd') continue;
      const target = mine[name];
      if (!target) throw new Error(`checkpoint has an unknown weight "${name}"`);
      if (!(target instanceof tf.Variable)) continue;
      if (target.shape.join() !== value.shape.join()) {
        throw new Error(`checkpoint weight "${name}" has shape [${value.shape}], the model expects [${target.shape}]`);
      }
      target.assign(value);
    }
    const mean = weights['readout/featureMean'];
    const std = weights['readout/featureStd'];
    if (mean && std) {
      this.norm?.mean.dispose();
      this.norm?.std.dispose();
      this.norm = { mean: tf.clone(mean) as tf.Tensor1D, std: tf.clone(std) as tf.Tensor1D };
    }
  }

  dispose(): void {
    this.cell.dispose();
    tf.dispose(this.readoutVariables);
    this.norm?.mean.dispose();
    this.norm?.std.dispose();
  }
}
