/**
 * A stack of recurrent layers run as one tfjs operation over a compiled kernel (the Hamiltonian's,
 * fusedSequence.ts, or the peers', peerSequence.ts): layer l+1 reads every state of layer l, and
 * those sequences ([T, B, m] per layer) and their gradients pass between the layers in plain
 * arrays, never as tfjs tensors. On long sequences the copies tfjs makes of such tensors (into
 * and out of the wasm backend's heap, slices, the gradient's padding) cost more than the
 * recurrence itself. Only the top layer's final state is a tensor; the op's gradient is every
 * layer's parameter gradient, from the kernel's backward passes run top-down. The same pass also
 * runs outside tfjs' tape (`host`: the engine's host training step, SequenceModel.hostGradients).
 * Depends on tfjs-core and the host snapshots (hostValues.ts); what a layer is comes from the adapter.
 */
import * as tf from '@tensorflow/tfjs-core';
import { hostValues } from '../hostValues';
import type { HostPass, SequenceInputs } from './types';

/** What the whole-stack op needs from a compiled kernel: its configuration and its contexts' calls. */
export interface StackKernelAdapter<Opts, Cfg, Ctx> {
  createContext(): Ctx;
  releaseContext(context: Ctx): void;
  /** The validated configuration of one layer reading `below`, with that layer's parameters. */
  config(below: SequenceInputs, params: readonly tf.Tensor[], opts: Opts): Cfg;
  /** The same configuration for a pass no gradient will follow (keeps no states). */
  forwardOnly(cfg: Cfg): Cfg;
  /** Hidden size of the layer (the width of its state sequence). */
  hidden(cfg: Cfg): number;
  /** Width of the layer's final output ([B, width]). */
  outputWidth(cfg: Cfg): number;
  /** Runs the layer; `seq`, when given, receives every step's state [T, B, m]. */
  forward(context: Ctx, cfg: Cfg, params: readonly Float32Array[], u: Float32Array, out: Float32Array, seq: Float32Array | null): void;
  /**
   * The layer's backward pass after its forward: gout [B, width], gseq the upstream gradient of
   * every state (zeros for the top layer of a stack; null for a lone layer, whose forward wrote no
   * sequence), fills grads and, when given, gu [T, B, d]. Returns the reversible reconstruction's
   * relative drift when the kernel measured one, else null.
   */
  backward(context: Ctx, cfg: Cfg, gout: Float32Array, grads: Float32Array[], gseq: Float32Array | null, gu: Float32Array | null): number | null;
}

export interface WholeStack<Opts> {
  /** The top layer's final output [B, width], differentiable with respect to every layer's parameters. */
  (inputs: SequenceInputs, layerParams: tf.Tensor[][], opts: Opts): tf.Tensor2D;
  /** The same pass outside tfjs' tape, on plain arrays (the parameters' values are read once). */
  host(inputs: SequenceInputs, layerParams: tf.Tensor[][], opts: Opts): HostPass;
  /** Frees the contexts' saved states and the held arrays. */
  release(): void;
}

/** A Float32Array of n floats, reusing `held[i]` when it has that size (big arrays cost page faults to make). */
function reusable(held: Float32Array[], i: number, n: number): Float32Array {
  if (held[i]?.length !== n) held[i] = new Float32Array(n);
  return held[i];
}

/**
 * One context per layer, and per layer the arrays that carry the state sequence up (forward) and
 * its gradient down (backward), reused from call to call. Training and evaluation keep separate
 * sequence arrays, so an evaluation between a forward pass and its gradient leaves that pass's
 * inputs intact; a gradient whose forward pass is no longer the latest redoes it first.
 */
export function createWholeStack<Opts, Cfg, Ctx>(
  adapter: StackKernelAdapter<Opts, Cfg, Ctx>,
  gradientRecording: () => boolean,
  /** told, after each backward pass, the worst relative drift over the layers (null: none measured) */
  onDrift: (drift: number | null) => void = () => {},
): WholeStack<Opts> {
  const contexts: Ctx[] = [];
  const trainingSeqs: Float32Array[] = [];
  const evaluationSeqs: Float32Array[] = [];
  const inputGrads: Float32Array[] = [];
  const zeroSeq: Float32Array[] = []; // the top layer's (zero) state-sequence gradient: never written
  let generation = 0;
  const onContexts = <T>(call: () => T): T => {
    try {
      return call();
    } catch (err) {
      generation += 1; // a cancelled pass leaves no saved states anyone may use
      throw err;
    }
  };

  /** Forward through every layer: the top's output and each layer's configuration. */
  const forwardAll = (inputs: SequenceInputs, tensors: tf.Tensor[][], values: Float32Array[][], opts: Opts, recording: boolean) => {
    const { T, B } = inputs;
    const seqs = recording ? trainingSeqs : evaluationSeqs;
    const cfgs: Cfg[] = [];
    let below = inputs;
    let out = new Float32Array(0);
    tensors.forEach((params, l) => {
      const cfg = adapter.config(below, params, opts);
      cfgs.push(cfg);
      // The top layer's sequence feeds nothing, but some kernels return an input gradient only
      // along with a state-sequence gradient, which needs a forward pass that wrote the sequence.
      // A lone layer needs no input gradient: it writes none (T x B x m floats less to store).
      const seq = tensors.length > 1 ? reusable(seqs, l, T * B * adapter.hidden(cfg)) : null;
      out = new Float32Array(B * adapter.outputWidth(cfg));
      adapter.forward(contexts[l], recording ? cfg : adapter.forwardOnly(cfg), values[l], below.data, out, seq);
      if (seq) below = { data: seq, T, B, d: adapter.hidden(cfg) };
    });
    return { out, cfgs };
  };

  /** Backward through every layer, top-down, after forwardAll: each layer's parameter gradients. */
  const backwardAll = (data: SequenceInputs, cfgs: Cfg[], values: Float32Array[][], topGrad: Float32Array): Float32Array[][] => {
    const top = cfgs.length - 1;
    const grads: Float32Array[][] = [];
    // the top layer of a stack: a zero state-sequence gradient (see forwardAll); a lone layer: none
    let gseq: Float32Array | null = top > 0 ? reusable(zeroSeq, 0, data.T * data.B * adapter.hidden(cfgs[top])) : null;
    let worst: number | null = null;
    for (let l = top; l >= 0; l--) {
      const cfg = cfgs[l];
      // a lower layer's final output reaches the loss only through the sequence the layer above read
      const gout = l === top ? topGrad : new Float32Array(data.B * adapter.outputWidth(cfg));
      const gu = l > 0 ? reusable(inputGrads, l, data.T * data.B * adapter.hidden(cfgs[l - 1])) : null;
      grads[l] = values[l].map((v) => new Float32Array(v.length));
      const layerDrift = onContexts(() => adapter.backward(contexts[l], cfg, gout, grads[l], gseq, gu));
      if (layerDrift !== null) worst = Math.max(worst ?? 0, layerDrift);
      if (gu) gseq = gu;
    }
    onDrift(worst);
    return grads;
  };

  const ensureContexts = (layers: number) => {
    if (layers === 0) throw new Error('fused kernel: a stack needs at least one layer');
    while (contexts.length < layers) contexts.push(adapter.createContext());
  };

  const stack = (inputs: SequenceInputs, layerParams: tf.Tensor[][], opts: Opts): tf.Tensor2D => {
    ensureContexts(layerParams.length);
    const counts = layerParams.map((p) => p.length);
    const starts = counts.reduce((acc, n) => [...acc, acc[acc.length - 1] + n], [0]); // layer l: [starts[l], starts[l+1])
    const data: SequenceInputs = { ...inputs, data: inputs.data.slice() }; // the caller may reuse its buffer
    const recording = gradientRecording();
    const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const flat = args.slice(0, starts[counts.length]) as tf.Tensor[];
      const tensors = counts.map((_, l) => flat.slice(starts[l], starts[l + 1]));
      const values = tensors.map((ts) => ts.map((t) => t.dataSync() as Float32Array));
      const { out, cfgs } = onContexts(() => forwardAll(data, tensors, values, opts, recording));
      generation += 1;
      const mine = recording ? generation : -1;
      // the arrays may be the backend's own storage: keep copies in case the forward must be redone
      const kept = recording ? values.map((vs) => vs.map((v) => v.slice())) : values;
      const top = cfgs.length - 1;
      return {
        value: tf.tensor2d(out, [data.B, adapter.outputWidth(cfgs[top])]),
        gradFunc: (dy: tf.Tensor) => {
          if (generation !== mine) {
            onContexts(() => forwardAll(data, tensors, kept, opts, true));
            generation = mine;
          }
          const grads = backwardAll(data, cfgs, kept, dy.dataSync() as Float32Array);
          return grads.flat().map((a, i) => tf.tensor(a, flat[i].shape, 'float32'));
        },
      };
    });
    return op(...layerParams.flat()) as tf.Tensor2D;
  };
  stack.host = (inputs: SequenceInputs, layerParams: tf.Tensor[][], opts: Opts): HostPass => {
    ensureContexts(layerParams.length);
    const data: SequenceInputs = { ...inputs, data: inputs.data.slice() }; // the caller may reuse its buffer
    // snapshots, never written: the parameters may change before the backward pass redoes a forward
    const values = layerParams.map((ps) => ps.map((t) => hostValues(t)));
    const { out, cfgs } = onContexts(() => forwardAll(data, layerParams, values, opts, true));
    generation += 1;
    const mine = generation;
    return {
      out,
      backward: (gout) => {
        if (generation !== mine) {
          onContexts(() => forwardAll(data, layerParams, values, opts, true));
          generation = mine;
        }
        return backwardAll(data, cfgs, values, gout);
      },
    };
  };
  stack.release = () => {
    contexts.forEach((c) => adapter.releaseContext(c));
    trainingSeqs.length = evaluationSeqs.length = inputGrads.length = zeroSeq.length = 0;
  };
  return stack;
}
