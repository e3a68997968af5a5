/**
 * One optimisation step: gradients, global-norm clipping, and the update with two learning rates
 * (readout, and recurrent parameters; a recurrent rate of 0 freezes W, V, b: the reservoir mode).
 * The optimizers' state (iterations, Adam's moments, momentum's accumulators) can be captured for a
 * checkpoint and restored bit for bit.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainingConfig } from '../../experiment/schema';
import type { NamedWeights } from './bestWeights';
import type { OptimizerGroupState } from './resumeState';

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

/**
 * tfjs' Adam keeps beta1^t and beta2^t as running products in two private variables; its setWeights
 * recomputes them with pow(), which differs from the product in the last bit after a few steps. They
 * are read and put back directly so that a resumed run takes the very same steps.
 */
interface AdamBetaPowers {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

function adamBetaPowers(optimizer: tf.Optimizer): AdamBetaPowers | null {
  const o = optimizer as unknown as Partial<AdamBetaPowers>;
  return o.accBeta1 instanceof tf.Variable && o.accBeta2 instanceof tf.Variable ? { accBeta1: o.accBeta1, accBeta2: o.accBeta2 } : null;
}

type GroupName = OptimizerGroupState['group'];

/** The name of a group's i-th optimizer slot among a checkpoint's training tensors. */
function slotTensorName(group: GroupName, i: number): string {
  return `optimizer/${group}/${i}`;
}

export class ParameterUpdater {
  /** Variables that receive gradients (frozen groups are left out entirely: no backward through them). */
  readonly trained: tf.Variable[];
  private readonly groups: Array<{ group: GroupName; variables: tf.Variable[]; names: Set<string>; optimizer: tf.Optimizer }> = [];

  constructor(
    private readonly config: TrainingConfig,
    recurrent: tf.Variable[],
    readout: tf.Variable[],
  ) {
    const recurrentLr = config.recurrentLearningRate ?? config.learningRate;
    this.groups.push({
      group: 'readout',
      variables: readout,
      names: new Set(readout.map((v) => v.name)),
      optimizer: makeOptimizer(config, config.learningRate),
    });
    this.trained = [...readout];
    if (recurrentLr > 0) {
      this.groups.push({
        group: 'recurrent',
        variables: recurrent,
        names: new Set(recurrent.map((v) => v.name)),
        optimizer: makeOptimizer(config, recurrentLr),
      });
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

  /**
   * Each group's optimizer state: JSON, and its slot variables by tensor name (the live variables:
   * read them before the next step, do not dispose them).
   */
  async captureState(): Promise<{ groups: OptimizerGroupState[]; tensors: NamedWeights }> {
    const groups: OptimizerGroupState[] = [];
    const tensors: NamedWeights = {};
    for (const g of this.groups) {
      const [iter, ...slots] = await g.optimizer.getWeights();
      const iterations = (await iter.tensor.data())[0];
      iter.tensor.dispose();
      slots.forEach((s, i) => (tensors[slotTensorName(g.group, i)] = s.tensor));
      const state: OptimizerGroupState = { group: g.group, optimizer: g.optimizer.getClassName(), iterations, slots: slots.map((s) => s.name) };
      const powers = adamBetaPowers(g.optimizer);
      if (powers) state.betaPowers = [powers.accBeta1.dataSync()[0], powers.accBeta2.dataSync()[0]];
      groups.push(state);
    }
    return { groups, tensors };
  }

  /**
   * Puts back what captureState gave, before the first step of this updater. Throws when the state
   * belongs to other optimizers or other parameter shapes. The tensors stay the caller's (copied here).
   */
  async restoreState(groups: readonly OptimizerGroupState[], tensors: NamedWeights): Promise<void> {
    const mine = this.groups.map((g) => `${g.group} ${g.optimizer.getClassName()}`).join(', ');
    const theirs = groups.map((g) => `${g.group} ${g.optimizer}`).join(', ');
    if (mine !== theirs) throw new Error(`the checkpoint's optimizers (${theirs}) are not this run's (${mine})`);
    for (const [k, g] of this.groups.entries()) {
      const state = groups[k];
      const slots = state.slots.map((name, i) => {
        const tensor = tensors[slotTensorName(g.group, i)];
        if (!tensor) throw new Error(`the checkpoint lacks optimizer slot ${slotTensorName(g.group, i)}`);
        return { name, tensor };
      });
      this.checkSlotShapes(
        g.group,
        g.variables,
        slots.map((s) => s.tensor),
      );
      const iter = tf.scalar(state.iterations, 'int32');
      try {
        await g.optimizer.setWeights([{ name: 'iter', tensor: iter }, ...slots]);
      } finally {
        iter.dispose();
      }
      const powers = adamBetaPowers(g.optimizer);
      if (powers && state.betaPowers) {
        tf.tidy(() => {
          powers.accBeta1.assign(tf.scalar(state.betaPowers![0]));
          powers.accBeta2.assign(tf.scalar(state.betaPowers![1]));
        });
      }
    }
  }

  /** Slots follow the variables in the order their gradients are applied (one or two slots each, or none). */
  private checkSlotShapes(group: GroupName, variables: readonly tf.Variable[], slots: readonly tf.Tensor[]): void {
    if (slots.length === 0) return;
    // The order applyGradients sees: the keys of a map by variable name, as in step().
    const byName: Record<string, tf.Variable> = {};
    for (const v of variables) byName[v.name] = v;
    const ordered = Object.keys(byName).map((n) => byName[n]);
    const perVariable = slots.length / ordered.length;
    const fits = Number.isInteger(perVariable) && slots.every((s, i) => s.shape.join() === ordered[i % ordered.length].shape.join());
    if (!fits) throw new Error(`the checkpoint's optimizer state for the ${group} parameters does not fit this model`);
  }

  dispose(): void {
    for (const g of this.groups) {
      g.optimizer.dispose();
      // tfjs' MomentumOptimizer.dispose forgets its parent's learning-rate scalar: one tensor per run.
      // (tfjs' `instanceof` on optimizers is duck-typed, hence the class name.)
      if (g.optimizer.getClassName() === 'Momentum') tf.SGDOptimizer.prototype.dispose.call(g.optimizer);
    }
  }
}
