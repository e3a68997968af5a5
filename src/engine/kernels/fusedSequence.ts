/**
 * Turns a compiled kernel (native or wasm) into the FusedKernel the model uses: one tfjs operation
 * for the whole sequence, [B, 2m] = [y_T | z_T], whose gradient with respect to the parameter
 * tensors is the kernel's hand-written backward pass (tf.customGrad). A cancelled kernel call
 * (cancel.ts) throws TrainingCancelled out of the op or its gradient, with no partial result.
 * For stacked layers, `sequenceStates` also returns every y_n and takes a tensor input whose
 * gradient it returns, and `stackSequence` runs a whole stack as one op (kernels whose compiled code
 * has `stateSequences`). `hostSequence` runs the same outside tfjs' tape, on plain arrays.
 */
import * as tf from '@tensorflow/tfjs-core';
import { rawConfig } from './config';
import { parameterSizes, type RawConfig, type RawContext, type RawDrift, type RawKernel } from './rawKernel';
import type { FusedKernel, FusedSequenceOptions, SequenceInputs } from './types';
import { createWholeStack } from './wholeStack';

/** A FusedKernel plus what the probes and tests want to know. */
export interface FusedKernelWithStats extends FusedKernel {
  /** Frees the saved states of the last forward pass (they are kept for reuse otherwise). */
  dispose(): void;
}

/**
 * Whether tfjs is recording a gradient tape now (inside tf.grads / variableGrads / minimize).
 * Outside one, no gradient can be asked for, so the forward pass need not keep its states.
 * Reads tfjs-core's engine state; if that ever changes shape, assume recording (always correct).
 */
export function gradientRecording(): boolean {
  const state = (tf.engine() as unknown as { state?: { gradientDepth?: unknown } }).state;
  return typeof state?.gradientDepth === 'number' ? state.gradientDepth > 0 : true;
}

export function createFusedKernel(raw: RawKernel): FusedKernelWithStats {
  // One context (saved states) per kernel object. A backward pass whose forward pass is no longer
  // the latest (another sequence() ran in between) recomputes its forward first, so gradients
  // are right whatever order tfjs calls things in.
  const context: RawContext = raw.createContext();
  let generation = 0;
  let drift: number | null = null;
  /** Runs a call on the context; one that throws (cancelled) leaves no saved states anyone may use. */
  const onContext = <T>(call: () => T): T => {
    try {
      return call();
    } catch (err) {
      generation += 1;
      throw err;
    }
  };

  const sequence = (inputs: SequenceInputs, params: tf.Tensor[], opts: FusedSequenceOptions): tf.Tensor2D => {
    const cfg: RawConfig = rawConfig(inputs, params, opts);
    // the caller may reuse its input buffer before the gradient is taken: keep our own copy
    const data = inputs.data.slice();
    // Evaluation (no tape): the same forward pass without saving states (reversible mode with no
    // anchors keeps nothing but the final state), so big evaluation batches cost no extra memory.
    const recording = gradientRecording();
    const forwardCfg: RawConfig = recording ? cfg : { ...cfg, backprop: 1, anchorEvery: 0 };
    const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const tensors = args.slice(0, params.length) as tf.Tensor[];
      const values = tensors.map((t) => t.dataSync() as Float32Array);
      const out = new Float32Array(cfg.B * 2 * cfg.m);
      onContext(() => context.forward(forwardCfg, values, data, out));
      generation += 1; // every forward replaces the saved states
      const mine = recording ? generation : -1;
      // the arrays may be the backend's own storage: keep copies in case the forward must be redone
      const kept = recording ? values.map((v) => v.slice()) : values;
      return {
        value: tf.tensor2d(out, [cfg.B, 2 * cfg.m]),
        gradFunc: (dy: tf.Tensor) => {
          if (generation !== mine) {
            onContext(() => context.forward(cfg, kept, data, new Float32Array(cfg.B * 2 * cfg.m)));
            generation = mine;
          }
          const grads = parameterSizes(cfg).map((n) => new Float32Array(n));
          const d = onContext(() => context.backward(dy.dataSync() as Float32Array, grads));
          drift = relativeDrift(cfg, d);
          return grads.map((g, i) => tf.tensor(g, tensors[i].shape, 'float32'));
        },
      };
    });
    return op(...params) as tf.Tensor2D;
  };

  /**
   * tf.customGrad ops have one output, so the op returns one flat tensor [ys (T*B*m) | y_T z_T
   * (B*2m)] and the two are sliced out of it: their gradients come back summed into one flat dy.
   */
  const sequenceStates = (input: SequenceInputs | tf.Tensor3D, params: tf.Tensor[], opts: FusedSequenceOptions): { final: tf.Tensor2D; ys: tf.Tensor3D } => {
    const tensorInput = input instanceof tf.Tensor ? input : null;
    const [T, B, d] = input instanceof tf.Tensor ? input.shape : [input.T, input.B, input.d];
    const recording = gradientRecording();
    const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const tensors = args.slice(0, params.length) as tf.Tensor[];
      // our own copy of the inputs: the caller may reuse its buffer before the gradient is taken
      const data = tensorInput ? (args[params.length] as tf.Tensor).dataSync<'float32'>().slice() : (input as SequenceInputs).data.slice();
      const cfg: RawConfig = rawConfig({ data, T, B, d }, tensors, opts);
      const forwardCfg: RawConfig = recording ? cfg : { ...cfg, backprop: 1, anchorEvery: 0 };
      const values = tensors.map((t) => t.dataSync() as Float32Array);
      const seqSize = T * B * cfg.m;
      const flat = new Float32Array(seqSize + B * 2 * cfg.m);
      onContext(() => context.forward(forwardCfg, values, data, flat.subarray(seqSize), flat.subarray(0, seqSize)));
      generation += 1;
      const mine = recording ? generation : -1;
      const kept = recording ? values.map((v) => v.slice()) : values;
      return {
        value: tf.tensor1d(flat),
        gradFunc: (dy: tf.Tensor) => {
          if (generation !== mine) {
            const scratch = new Float32Array(flat.length);
            onContext(() => context.forward(cfg, kept, data, scratch.subarray(seqSize), scratch.subarray(0, seqSize)));
            generation = mine;
          }
          const g = dy.dataSync() as Float32Array;
          const grads = parameterSizes(cfg).map((n) => new Float32Array(n));
          const gu = tensorInput ? new Float32Array(T * B * d) : null;
          const dr = onContext(() => context.backward(g.subarray(seqSize), grads, g.subarray(0, seqSize), gu));
          drift = relativeDrift(cfg, dr);
          const out = grads.map((a, i) => tf.tensor(a, tensors[i].shape, 'float32'));
          return gu ? [...out, tf.tensor3d(gu, [T, B, d])] : out;
        },
      };
    });
    const m = opts.variant === 'full' ? params[0].shape[1]! : params[0].shape[0]!;
    const flat = op(...params, ...(tensorInput ? [tensorInput] : [])) as tf.Tensor1D;
    const ys = tf.reshape(tf.slice(flat, [0], [T * B * m]), [T, B, m]) as tf.Tensor3D;
    const final = tf.reshape(tf.slice(flat, [T * B * m], [B * 2 * m]), [B, 2 * m]) as tf.Tensor2D;
    return { final, ys };
  };

  const stackSequence = createWholeStack<FusedSequenceOptions, RawConfig, RawContext>(
    {
      createContext: () => raw.createContext(),
      releaseContext: (c) => c.release(),
      config: rawConfig,
      forwardOnly: (cfg) => ({ ...cfg, backprop: 1, anchorEvery: 0 }),
      hidden: (cfg) => cfg.m,
      outputWidth: (cfg) => 2 * cfg.m,
      forward: (c, cfg, params, u, out, seq) => c.forward(cfg, params, u, out, seq),
      backward: (c, cfg, gout, grads, gseq, gu) => relativeDrift(cfg, c.backward(gout, grads, gseq, gu)),
    },
    gradientRecording,
    (d) => (drift = d),
  );

  return {
    name: raw.name,
    description: raw.description,
    sequence,
    ...(raw.stateSequences ? { sequenceStates, stackSequence, hostSequence: stackSequence.host } : {}),
    fork: () => createFusedKernel(raw),
    lastReconstructionDrift: () => drift,
    dispose: () => {
      context.release();
      stackSequence.release();
    },
  };
}

/** Relative reconstruction drift of a reversible backward pass (null in stored mode). */
function relativeDrift(cfg: RawConfig, d: RawDrift): number | null {
  return cfg.backprop === 1 ? (d.maxState > 0 ? d.maxError / d.maxState : d.maxError) : null;
}
