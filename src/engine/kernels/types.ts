/**
 * The contract between the Hamiltonian RNN model and a fused whole-sequence kernel (issue #5).
 *
 * Parameter layouts (the same tfjs variables the composite reference implementation uses):
 *   variant full:     W [k, m], V [k, d], b [k]            (k = m)
 *   variant diagonal: w [m],    V [m, d], b [m], c [m]     (per-neuron time scale s = sigmoid(c))
 * Inputs are time-major: u[n, i, :] is the input of sequence i at step n+1, a Float32Array of
 * length T * B * d. States start at zero.
 */
import type * as tf from '@tensorflow/tfjs-core';

export type HamiltonianVariant = 'full' | 'diagonal';
export type BackpropMode = 'stored' | 'reversible';

export interface FusedSequenceOptions {
  variant: HamiltonianVariant;
  tau: number;
  alpha: number;
  backprop: BackpropMode;
  /** Reversible mode: keep an exact state every k steps to bound drift (null: none). */
  anchorEvery: number | null;
}

export interface SequenceInputs {
  /** [T, B, d] time-major. */
  data: Float32Array;
  T: number;
  B: number;
  d: number;
}

/**
 * A forward pass outside tfjs' tape, on plain arrays (the engine's host training step): the top
 * layer's final output and the backward pass that turns its gradient into every parameter's.
 */
export interface HostPass {
  /** [B, width] */
  out: Float32Array;
  /** gout [B, width] -> the gradient of every layer's parameters, in the layers' parameter order. Once. */
  backward(gout: Float32Array): Float32Array[][];
}

export interface FusedKernel {
  /** e.g. `fused-native` or `fused-wasm`, recorded in run summaries. */
  readonly name: string;
  /** One line for logs: what runs (instruction set, threads). */
  readonly description: string;
  /**
   * Runs the whole recurrence. Returns [B, 2m] = [y_T | z_T], differentiable with respect to the
   * parameter tensors (a tf.customGrad op whose gradient is the kernel's backward pass).
   */
  sequence(inputs: SequenceInputs, params: tf.Tensor[], opts: FusedSequenceOptions): tf.Tensor2D;
  /**
   * Stacked layers: the same recurrence, also returning every step's position y_n, ys [T, B, m].
   * `input` is the task's data or the layer below's state sequence [T, B, d], a tensor whose
   * gradient the op returns. The gradient accepts upstream gradients for both `final` and every
   * y_n. Kernels without it leave stacked layers to the composite ops.
   */
  sequenceStates?(input: SequenceInputs | tf.Tensor3D, params: tf.Tensor[], opts: FusedSequenceOptions): { final: tf.Tensor2D; ys: tf.Tensor3D };
  /**
   * A whole stack in one op: layer l+1 reads every y_n of layer l, passed between the layers in
   * plain arrays (never as tfjs tensors, whose copies cost more than the recurrence on long
   * sequences); returns the top layer's [y_T | z_T], [B, 2m], differentiable with respect to every
   * layer's parameters (`layerParams[l]`, each in this contract's layout). One context per layer.
   */
  stackSequence?(inputs: SequenceInputs, layerParams: tf.Tensor[][], opts: FusedSequenceOptions): tf.Tensor2D;
  /**
   * The recurrence outside tfjs' tape (the engine's host training step, model/sequenceModel.ts'
   * hostGradients): the top layer's [y_T | z_T] [B, 2m] on plain arrays and its backward pass, for
   * one layer or a stack (`stackSequence`'s host form, wholeStack.ts; kernels that have it).
   */
  hostSequence?(inputs: SequenceInputs, layerParams: tf.Tensor[][], opts: FusedSequenceOptions): HostPass;
  /** Another kernel of the same kind with its own saved states (one per stacked layer). */
  fork?(): FusedKernel;
  /** Reversible mode: max relative reconstruction error of the last backward pass, if measured. */
  lastReconstructionDrift(): number | null;
  /** Frees what the kernel holds (saved states of the last forward pass). */
  dispose(): void;
}
