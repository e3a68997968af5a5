/**
 * Turns a compiled kernel (native or wasm) into the FusedKernel the model uses: one tfjs operation
 * for the whole sequence, [B, 2m] = [y_T | z_T], whose gradient with respect to the parameter
 * tensors is the kernel's hand-written backward pass (tf.customGrad). A cancelled kernel call
 * (cancel.ts) throws TrainingCancelled out of the op or its gradient, with no partial result.
 * For stacked layers, `sequenceStates` also returns every y_n and takes a tensor input whose
 * gradient it returns, and `stackSequence` runs a whole stack as one op (kernels whose compiled code
 * has `stateSequences`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { rawConfig } from './config';
import { parameterSizes, type RawConfig, type RawContext, type RawDrift, type RawKernel } from './rawKernel';
import type { FusedKernel, FusedSequenceOptions, SequenceInputs } from './types';

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

  const stackSequence = createStackSequence(raw, (d) => (drift = d));

  return {
    name: raw.name,
    description: raw.description,
    sequence,
    ...(raw.stateSequences ? { sequenceStates, stackSequence } : {}),
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

/** A Float32Array of n floats, reusing `held[i]` when it has that size (big arrays cost page faults to make). */
function reusable(held: Float32Array[], i: number, n: number): Float32Array {
  if (held[i]?.length !== n) held[i] = new Float32Array(n);
  return held[i];
}

/**
 * The whole-stack op (FusedKernel.stackSequence) of a kernel: one context per layer, and per layer
 * the arrays that carry the state sequence up (forward) and its gradient down (backward), reused
 * from call to call. Training and evaluation keep separate sequence arrays, so an evaluation
 * between a forward pass and its gradient leaves the saved inputs intact (the gradient then redoes
 * its forward pass, as `sequence` does).
 */
function createStackSequence(raw: RawKernel, reportDrift: (drift: number | null) => void) {
  const contexts: RawContext[] = [];
  const trainingSeqs: Float32Array[] = [];
  const evaluationSeqs: Float32Array[] = [];
  const inputGrads: Float32Array[] = [];
  let generation = 0;
  const onContexts = <T>(call: () => T): T => {
    try {
      return call();
    } catch (err) {
      generation += 1;
      throw err;
    }
  };

  /** Forward through every layer; returns the top's [B, 2m] and each layer's configuration. */
  const forwardAll = (inputs: SequenceInputs, tensors: tf.Tensor[][], values: Float32Array[][], opts: FusedSequenceOptions, recording: boolean) => {
    const { T, B } = inputs;
    const seqs = recording ? trainingSeqs : evaluationSeqs;
    const cfgs: RawConfig[] = [];
    let below: SequenceInputs = inputs;
    let out = new Float32Array(0);
    tensors.forEach((params, l) => {
      const cfg = rawConfig(below, params, opts);
      cfgs.push(cfg);
      // the top layer's sequence feeds nothing, but the wasm kernel takes an input gradient (gu)
      // only from a forward pass that wrote the sequence
      const ys = tensors.length > 1 ? reusable(seqs, l, T * B * cfg.m) : null;
      out = new Float32Array(B * 2 * cfg.m);
      contexts[l].forward(recording ? cfg : { ...cfg, backprop: 1, anchorEvery: 0 }, values[l], below.data, out, ys);
      if (ys) below = { data: ys, T, B, d: cfg.m };
    });
    return { out, cfgs };
  };

  const stack = (inputs: SequenceInputs, layerParams: tf.Tensor[][], opts: FusedSequenceOptions): tf.Tensor2D => {
    if (layerParams.length === 0) throw new Error('fused kernel: a stack needs at least one layer');
    while (contexts.length < layerParams.length) contexts.push(raw.createContext());
    const counts = layerParams.map((p) => p.length);
    const starts = counts.reduce((acc, n) => [...acc, acc[acc.length - 1] + n], [0]); // layer l's tensors: [starts[l], starts[l+1])
    const data: SequenceInputs = { ...inputs, data: inputs.data.slice() }; // the caller may reuse its buffer
    const recording = gradientRecording();
    const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const flat = args.slice(0, starts[counts.length]) as tf.Tensor[];
      const tensors = counts.map((_, l) => flat.slice(starts[l], starts[l + 1]));
      const values = tensors.map((ts) => ts.map((t) => t.dataSync() as Float32Array));
      const { out, cfgs } = onContexts(() => forwardAll(data, tensors, values, opts, recording));
      generation += 1;
      const mine = recording ? generation : -1;
      const kept = recording ? values.map((vs) => vs.map((v) => v.slice())) : values;
      return {
        value: tf.tensor2d(out, [data.B, 2 * cfgs[cfgs.length - 1].m]),
        gradFunc: (dy: tf.Tensor) => {
          if (generation !== mine) {
            onContexts(() => forwardAll(data, tensors, kept, opts, true));
            generation = mine;
          }
          const grads: Float32Array[][] = [];
          let gys: Float32Array | null = null;
          let worst: number | null = null;
          for (let l = cfgs.length - 1; l >= 0; l--) {
            const cfg = cfgs[l];
            const top = l === cfgs.length - 1;
            // a lower layer's final state reaches the loss only through the sequence the layer above read
            const gout = top ? (dy.dataSync() as Float32Array) : new Float32Array(data.B * 2 * cfg.m);
            const gu = l > 0 ? reusable(inputGrads, l, data.T * data.B * cfg.d) : null;
            grads[l] = parameterSizes(cfg).map((n) => new Float32Array(n));
            const d = onContexts(() => contexts[l].backward(gout, grads[l], gys, gu));
            const rel = relativeDrift(cfg, d);
            if (rel !== null) worst = Math.max(worst ?? 0, rel);
            gys = gu;
          }
          reportDrift(worst);
          return grads.flat().map((a, i) => tf.tensor(a, flat[i].shape, 'float32'));
        },
      };
    });
    return op(...layerParams.flat()) as tf.Tensor2D;
  };
  stack.release = () => {
    contexts.forEach((c) => c.release());
    trainingSeqs.length = evaluationSeqs.length = inputGrads.length = 0;
  };
  return stack;
}
