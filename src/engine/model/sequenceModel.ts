/**
 * A sequence-to-one model: a recurrent cell, then a linear readout from the features of the last
 * step (optionally standardised with statistics fixed at initialisation). Pure tfjs: no I/O, no
 * training loop (that is engine/train), so it is tested in Node on tiny shapes.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../experiment/schema';
import type { PeerFusedKernel } from '../kernels/peerSequence';
import type { FusedKernel, SequenceInputs } from '../kernels/types';
import type { Rng } from '../rng';
import type { TaskOutput } from '../tasks/task';
import type { CellRun, RecurrentCell, RunOptions } from './cell';
import { HamiltonianCell } from './hamiltonian';
import { mm, uniformFanIn, variableFrom } from './ops';
import { createPeerCell } from './peers';

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
    this.cell =
      config.kind === 'hamiltonian'
        ? new HamiltonianCell(inputDim, config.hidden, config, rng.fork('cell'), kernel)
        : createPeerCell(config.kind, inputDim, config, rng.fork('cell'), peerKernel);
    this.outputDim = output.kind === 'regression' ? 1 : output.classes;
    const F = this.cell.featureSize;
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
      const { features } = this.cell.run(inputs);
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

  /** Outputs [B, out] (regression value or class logits) and the cell's run. */
  forward(inputs: SequenceInputs, opts?: RunOptions): { output: tf.Tensor2D; run: CellRun } {
    const run = this.cell.run(inputs, opts);
    return { output: this.readout(run.features), run };
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
