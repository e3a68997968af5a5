/**
 * What every recurrent cell offers the model and the probes. A cell is one layer; a stack of
 * layers (stackedCell.ts) is itself a cell.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ModelKind } from '../../experiment/schema';
import type { SequenceInputs } from '../kernels/types';

/**
 * What one layer reads: the task's data (layer 1, no gradient needed) or the state sequence of the
 * layer below as a tensor [T, B, d] (layers >= 2: the gradient flows back into it).
 */
export type LayerInput = SequenceInputs | tf.Tensor3D;

export interface RunOptions {
  /**
   * One zero tensor [B, m] per step, added to the primary state (y_n or h_n) right after step n:
   * the gradient of the loss with respect to perturbation n is dL/dy_n (the probe of the
   * hidden-state gradient over time).
   */
  perturb?: tf.Tensor2D[];
  /** Keep every state for the probes (composite implementation only). */
  collect?: boolean;
  /**
   * No gradient will be taken (evaluation): free each step's intermediates as soon as the step is
   * done, so memory does not grow with T.
   */
  release?: boolean;
  /** Force the composite tfjs implementation even when a fused kernel is configured. */
  composite?: boolean;
  /** Also return `sequence`, the states the layer above reads (stacked layers). */
  sequence?: boolean;
  /** Training only: dropout on the state sequence each layer passes to the next (stacked layers), with a seed per step. */
  dropout?: { rate: number; seed: number };
}

export interface CellRun {
  /** Readout features at the last step: [B, featureSize]. */
  features: tf.Tensor2D;
  /** States after each step n = 1..T, when `collect` was asked for. */
  states?: {
    /** y_n (h_n for peers): T x [B, m]. */
    primary: tf.Tensor2D[];
    /** z_n for Hamiltonian models, hz for coRNN: T x [B, m]. */
    momentum?: tf.Tensor2D[];
  };
  /** When `sequence` was asked for: y_n (h_n; hy_n for coRNN) for n = 1..T, [T, B, m]. */
  sequence?: tf.Tensor3D;
}

/**
 * A run outside tfjs' tape, on plain arrays (the engine's host training step,
 * SequenceModel.hostGradients): the readout features at the last step and the backward pass to
 * every variable's gradient.
 */
export interface HostCellRun {
  /** [B, featureSize] */
  features: Float32Array;
  /** dL/dfeatures [B, featureSize] -> dL/dv for each of the cell's `variables`, same order and sizes. Once. */
  backward(gFeatures: Float32Array): Float32Array[];
}

/** Energies of a Hamiltonian cell along a collected run: batch means per step, [T] each. */
export interface EnergyTrace {
  energy: number[];
  modifiedEnergy: number[];
}

export interface RecurrentCell {
  readonly kind: ModelKind;
  readonly inputDim: number;
  readonly hidden: number;
  readonly featureSize: number;
  /** The recurrent parameters (W, V, b and peers'), trained with `recurrentLearningRate`. */
  readonly variables: tf.Variable[];
  /** Names for checkpoints, aligned with `variables`. */
  readonly variableNames: string[];
  /** Which implementation runs the recurrence (`tfjs`, `fused-native`, ...). */
  readonly implementation: string;
  run(inputs: LayerInput, opts?: RunOptions): CellRun;
  /** The plain run outside tfjs' tape, where a fused kernel runs the whole cell; else absent or null. */
  hostRun?(inputs: SequenceInputs): HostCellRun | null;
  /** Hamiltonian cells: H_n and the modified energy along collected states. */
  energy?(inputs: SequenceInputs, states: NonNullable<CellRun['states']>): EnergyTrace;
  /** Reversible backprop: drift of the last rebuilt states, when a fused kernel measured it. */
  reconstructionDrift?(): number | null;
  dispose(): void;
}
