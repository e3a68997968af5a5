/**
 * One optimisation step: gradients, global-norm clipping, and the update with two learning rates
 * (readout, and recurrent parameters; a recurrent rate of 0 freezes W, V, b: the reservoir mode).
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainingConfig } from '../../experiment/schema';

export interface StepResult {
  loss: number;
  /** Global norm of the gradient of the trained parameters, before clipping. */
  gradNorm: number;
  /** False when the loss or gradient was not finite: nothing was updated. */
  applied: boolean;
}

function makeOptimizer(config: TrainingConfig, lr: number): tf.Optimizer {
  if (config.optimizer === 'adam') return tf.train.adam(lr);
  return config.momentum > 0 ? tf.train.momentum(lr, config.momentum) : tf.train.sgd(lr);
}

export class ParameterUpdater {
  /** Variables that receive gradients (frozen groups are left out entirely: no backward through them). */
  readonly trained: tf.Variable[];
  private readonly groups: Array<{ names: Set<string>; optimizer: tf.Optimizer }> = [];

  constructor(
    private readonly config: TrainingConfig,
    recurrent: tf.Variable[],
    readout: tf.Variable[],
  ) {
    const recurrentLr = config.recurrentLearningRate ?? config.learningRate;
    this.groups.push({ names: new Set(readout.map((v) => v.name)), optimizer: makeOptimizer(config, config.learningRate) });
    this.trained = [...readout];
    if (recurrentLr > 0) {
      this.groups.push({ names: new Set(recurrent.map((v) => v.name)), optimizer: makeOptimizer(config, recurrentLr) });
      this.trained.push(...recurrent);
    }
  }

  step(lossFn: () => tf.Scalar): StepResult {
    const { value, grads } = tf.variableGrads(lossFn, this.trained);
    const names = Object.keys(grads);
    const stats = tf.tidy(() => tf.stack([value, tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n])))))]));
    const [loss, gradNorm] = Array.from(stats.dataSync());
    stats.dispose();
    value.dispose();
    const applied = Number.isFinite(loss) && Number.isFinite(gradNorm);
    if (applied) {
      const clip = this.config.gradClip;
      const scale = clip !== null && gradNorm > clip ? clip / gradNorm : 1;
      for (const group of this.groups) {
        const part: tf.NamedTensorMap = {};
        for (const n of names) if (group.names.has(n)) part[n] = scale === 1 ? grads[n] : tf.mul(grads[n], scale);
        group.optimizer.applyGradients(part);
        if (scale !== 1) tf.dispose(Object.values(part));
      }
    }
    tf.dispose(grads);
    return { loss, gradNorm, applied };
  }

  dispose(): void {
    for (const g of this.groups) g.optimizer.dispose();
  }
}
