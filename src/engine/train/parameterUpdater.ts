/**
 * One optimisation step: gradients, norm clipping (over all trained parameters, or per parameter
 * group so that a large recurrent gradient does not shrink the readout's update), and the update
 * with two learning rates (readout, and recurrent parameters; a recurrent rate of 0 freezes W, V, b:
 * the reservoir mode), both scaled by the schedule's factor for the step.
 * The optimizers' state (iterations, Adam's moments, momentum's accumulators) can be captured for a
 * checkpoint and restored bit for bit. Adam runs on the host (hostAdam.ts): its steps read the
 * gradients once, and the norms are summed from those same arrays; with Adam, a model that can
 * compute its gradients outside tfjs' tape (SequenceModel.hostGradients) skips tfjs entirely.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainingConfig } from '../../experiment/schema';
import type { HostGradients } from '../model/sequenceModel';
import type { NamedWeights } from './bestWeights';
import { adamArithmetic, type AdamArithmetic } from './adamArithmetic';
import { HostAdam } from './hostAdam';
import type { OptimizerGroupState } from './resumeState';

export interface StepResult {
  loss: number;
  /** Global norm of the gradient of the trained parameters, before clipping. */
  gradNorm: number;
  /** False when the loss or gradient was not finite: nothing was updated. */
  applied: boolean;
  /** Norm of each trained group's gradient, before clipping. */
  groupNorms: Partial<Record<GroupName, number>>;
}

type GroupOptimizer = tf.Optimizer | HostAdam;

/** Sets an optimizer's learning rate (SGD and momentum keep it as a tensor, Adam as a number). */
function setLearningRate(optimizer: GroupOptimizer, lr: number): void {
  if (optimizer instanceof HostAdam) {
    optimizer.learningRate = lr;
    return;
  }
  const o = optimizer as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (o.learningRate === lr) return;
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

function makeOptimizer(config: TrainingConfig, lr: number, arithmetic: AdamArithmetic): GroupOptimizer {
  if (config.optimizer === 'adam') return new HostAdam(lr, arithmetic);
  return config.momentum > 0 ? tf.train.momentum(lr, config.momentum) : tf.train.sgd(lr);
}

type GroupName = OptimizerGroupState['group'];

/** The name of a group's i-th optimizer slot among a checkpoint's training tensors. */
function slotTensorName(group: GroupName, i: number): string {
  return `optimizer/${group}/${i}`;
}

export class ParameterUpdater {
  /** Variables that receive gradients (frozen groups are left out entirely: no backward through them). */
  readonly trained: tf.Variable[];
  private readonly groups: Array<{
    group: GroupName;
    variables: tf.Variable[];
    names: Set<string>;
    optimizer: GroupOptimizer;
    lr: number;
    clip: number | null;
  }> = [];
  private readonly byName = new Map<string, tf.Variable>();

  /** `arithmetic`: where host Adam's update and the gradient norms run (adamArithmetic.ts). */
  constructor(
    private readonly config: TrainingConfig,
    recurrent: tf.Variable[],
    readout: tf.Variable[],
    private readonly arithmetic: AdamArithmetic = adamArithmetic(),
  ) {
    const recurrentLr = config.recurrentLearningRate ?? config.learningRate;
    this.groups.push({
      group: 'readout',
      variables: readout,
      names: new Set(readout.map((v) => v.name)),
      optimizer: makeOptimizer(config, config.learningRate, arithmetic),
      lr: config.learningRate,
      clip: config.gradClip,
    });
    this.trained = [...readout];
    if (recurrentLr > 0) {
      this.groups.push({
        group: 'recurrent',
        variables: recurrent,
        names: new Set(recurrent.map((v) => v.name)),
        optimizer: makeOptimizer(config, recurrentLr, arithmetic),
        lr: recurrentLr,
        clip: config.recurrentGradClip ?? config.gradClip,
      });
      this.trained.push(...recurrent);
    }
    for (const v of this.trained) this.byName.set(v.name, v);
  }

  /** The learning rate of the readout group at `factor` of the schedule (what train records show). */
  learningRateAt(factor: number): number {
    return this.config.learningRate * factor;
  }

  /**
   * One step; `lrFactor` scales both learning rates (the schedule's factor for this step).
   * `onHost` (optional) computes the loss and gradients outside tfjs' tape
   * (SequenceModel.hostGradients); it is asked first when Adam runs every group on the host, and
   * `lossFn` runs under tfjs' variableGrads when it is absent or returns null.
   */
  step(lossFn: () => tf.Scalar, lrFactor = 1, onHost?: () => HostGradients | null): StepResult {
    const adamOnHost = this.groups.every((g) => g.optimizer instanceof HostAdam);
    const host = adamOnHost && onHost ? onHost() : null;
    if (host) {
      const groupNames = this.groups.map((g) => g.variables.map((v) => v.name));
      for (const n of groupNames.flat()) if (!host.grads.has(n)) throw new Error(`host gradients: none for ${n}`);
      return this.apply(host.loss, groupNames, host.grads, null, lrFactor);
    }
    const { value, grads } = tf.variableGrads(lossFn, this.trained);
    const names = Object.keys(grads);
    const groupNames = this.groups.map((g) => names.filter((n) => g.names.has(n)));
    try {
      if (adamOnHost) {
        // the gradients on the host: Adam's update reads them there
        const arrays = new Map<string, Float32Array>();
        for (const n of names) arrays.set(n, grads[n].dataSync() as Float32Array);
        return this.apply(value.dataSync()[0], groupNames, arrays, null, lrFactor);
      }
      // one read for the loss and every group's squared norm
      const stats = tf.tidy(() =>
        tf.stack([value, ...groupNames.map((ns) => (ns.length ? tf.addN(ns.map((n) => tf.sum(tf.square(grads[n])))) : tf.scalar(0)))]),
      );
      const [loss, ...squares] = Array.from(stats.dataSync());
      stats.dispose();
      return this.apply(loss, groupNames, grads, squares, lrFactor);
    } finally {
      value.dispose();
      tf.dispose(grads);
    }
  }

  /**
   * Norms, clipping and the update, from the loss and each group's gradients (`groupNames[k]`: the
   * variable names of group k). Host arrays go to host Adam; tensors to the tfjs optimizers, with
   * `squares` (each group's squared norm) already summed on the backend.
   */
  private apply(
    loss: number,
    groupNames: string[][],
    grads: Map<string, Float32Array> | tf.NamedTensorMap,
    squares: number[] | null,
    lrFactor: number,
  ): StepResult {
    const arrays = grads instanceof Map ? grads : null;
    const sq = squares ?? groupNames.map((ns) => ns.reduce((total, n) => total + this.arithmetic.sumOfSquares(arrays!.get(n)!), 0));
    const gradNorm = Math.sqrt(sq.reduce((a, b) => a + b, 0));
    const groupNorms: StepResult['groupNorms'] = {};
    this.groups.forEach((g, k) => (groupNorms[g.group] = Math.sqrt(sq[k])));
    const applied = Number.isFinite(loss) && Number.isFinite(gradNorm);
    if (!applied) return { loss, gradNorm, applied, groupNorms };
    const perGroup = this.config.gradClipScope === 'per-group';
    const globalClip = this.config.gradClip;
    const globalScale = globalClip !== null && gradNorm > globalClip ? globalClip / gradNorm : 1;
    this.groups.forEach((group, k) => {
      const norm = groupNorms[group.group]!;
      const scale = perGroup ? (group.clip !== null && norm > group.clip ? group.clip / norm : 1) : globalScale;
      setLearningRate(group.optimizer, group.lr * lrFactor);
      if (group.optimizer instanceof HostAdam) {
        group.optimizer.update(
          groupNames[k].map((n) => this.byName.get(n)!),
          groupNames[k].map((n) => arrays!.get(n)!),
          scale,
        );
        return;
      }
      const tensors = grads as tf.NamedTensorMap;
      const part: tf.NamedTensorMap = {};
      for (const n of groupNames[k]) part[n] = scale === 1 ? tensors[n] : tf.mul(tensors[n], scale);
      group.optimizer.applyGradients(part);
      if (scale !== 1) tf.dispose(Object.values(part));
    });
    return { loss, gradNorm, applied, groupNorms };
  }

  /**
   * Each group's optimizer state: JSON, and its slot variables by tensor name (the live variables:
   * read them before the next step, do not dispose them).
   */
  async captureState(): Promise<{ groups: OptimizerGroupState[]; tensors: NamedWeights }> {
    const groups: OptimizerGroupState[] = [];
    const tensors: NamedWeights = {};
    for (const g of this.groups) {
      if (g.optimizer instanceof HostAdam) {
        const { iterations, betaPowers, slots, tensors: values } = g.optimizer.captureState();
        values.forEach((t, i) => (tensors[slotTensorName(g.group, i)] = t));
        groups.push({ group: g.group, optimizer: g.optimizer.getClassName(), iterations, betaPowers, slots });
        continue;
      }
      const [iter, ...slots] = await g.optimizer.getWeights();
      const iterations = (await iter.tensor.data())[0];
      iter.tensor.dispose();
      slots.forEach((s, i) => (tensors[slotTensorName(g.group, i)] = s.tensor));
      groups.push({ group: g.group, optimizer: g.optimizer.getClassName(), iterations, slots: slots.map((s) => s.name) });
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
      if (g.optimizer instanceof HostAdam) {
        g.optimizer.restoreState(
          state.iterations,
          state.slots,
          slots.map((s) => s.tensor),
          state.betaPowers,
        );
        continue;
      }
      const iter = tf.scalar(state.iterations, 'int32');
      try {
        await g.optimizer.setWeights([{ name: 'iter', tensor: iter }, ...slots]);
      } finally {
        iter.dispose();
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
      if (g.optimizer instanceof HostAdam) continue;
      // tfjs' MomentumOptimizer.dispose forgets its parent's learning-rate scalar: one tensor per run.
      // (tfjs' `instanceof` on optimizers is duck-typed, hence the class name.)
      if (g.optimizer.getClassName() === 'Momentum') tf.SGDOptimizer.prototype.dispose.call(g.optimizer);
    }
  }
}
