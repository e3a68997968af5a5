/**
 * Turns a compiled peer kernel (native or wasm; peerTypes.ts) into the operation the peer cells use:
 * one tfjs op for the whole sequence, [B, m] = h_T, whose gradient with respect to the parameter
 * tensors is the kernel's hand-written backward pass (tf.customGrad). A cancelled kernel call
 * throws TrainingCancelled out of the op or its gradient, with no partial result. `hostSequence` is
 * the same recurrence outside tfjs' tape, on plain arrays.
 * Depends on tfjs-core only (no model code).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  FORWARD_ONLY,
  PEER_KIND_CODE,
  peerParameterSizes,
  peerStoredFloatsPerStep,
  type PeerKind,
  type PeerRawConfig,
  type PeerRawContext,
  type PeerRawKernel,
} from './peerTypes';
import { gradientRecording } from './fusedSequence';
import { createWholeStack } from './wholeStack';
import type { HostPass, SequenceInputs } from './types';

export interface PeerSequenceOptions {
  kind: PeerKind;
  /** coRNN's step and damping (ignored by the other kinds) */
  dt: number;
  gamma: number;
  epsilon: number;
  /**
   * What the backward pass keeps: 'stored' every step; a number k: a state every k steps, the
   * rest recomputed (memory O(T/k + k)); 'auto': stored while that stays small
   * (STORED_LIMIT_BYTES), else k = ceil(sqrt(T)).
   */
  checkpointEvery: 'auto' | 'stored' | number;
}

export interface PeerFusedKernel {
  /** `fused-native` or `fused-wasm`, recorded in run summaries. */
  readonly name: string;
  readonly description: string;
  /** h_T (coRNN: hy_T), [B, m], differentiable with respect to the parameter tensors. */
  sequence(inputs: SequenceInputs, params: tf.Tensor[], opts: PeerSequenceOptions): tf.Tensor2D;
  /**
   * A layer of a stack: every step's h, [T, B, m], from inputs u [T, B, d] (a tensor: the layer
   * below's states), differentiable with respect to u and the parameters.
   */
  layerSequence(u: tf.Tensor3D, params: tf.Tensor[], opts: PeerSequenceOptions): tf.Tensor3D;
  /**
   * A whole stack in one op (wholeStack.ts): layer l+1 reads every h_n of layer l, passed in plain
   * arrays; returns the top layer's h_T [B, m], differentiable with respect to every layer's parameters.
   */
  stackSequence?(inputs: SequenceInputs, layerParams: tf.Tensor[][], opts: PeerSequenceOptions): tf.Tensor2D;
  /**
   * The recurrence outside tfjs' tape (the engine's host training step, SequenceModel.hostGradients):
   * the top layer's h_T [B, m] on plain arrays, and the backward pass from its gradient to every
   * layer's parameter gradients; one layer or a stack (`stackSequence`'s host form, wholeStack.ts).
   */
  hostSequence(inputs: SequenceInputs, layerParams: tf.Tensor[][], opts: PeerSequenceOptions): HostPass;
  /** The checkpoint interval the last call used (0: every step stored). */
  lastCheckpointEvery(): number | null;
  /** The same kernel with a context of its own (each layer of a stack keeps its own saved states). */
  fork(): PeerFusedKernel;
  dispose(): void;
}

/** Up to this much, 'auto' stores every step (no recomputation); beyond, it checkpoints. */
export const STORED_LIMIT_BYTES = 256 * 1024 * 1024;

/** The kernel's checkpoint interval for a call (0 = store every step). */
export function checkpointInterval(opts: PeerSequenceOptions, T: number, B: number, m: number): number {
  const k = opts.checkpointEvery;
  if (k === 'stored') return 0;
  if (typeof k === 'number') {
    if (!Number.isInteger(k) || k < 1) throw new Error(`fused peer kernel: checkpointEvery must be a positive integer, 'stored' or 'auto', got ${k}`);
    return k;
  }
  const storedBytes = T * B * peerStoredFloatsPerStep(opts.kind, m) * 4;
  return storedBytes <= STORED_LIMIT_BYTES ? 0 : Math.ceil(Math.sqrt(T));
}

/** Validates the call and returns the kernel configuration. */
export function peerRawConfig(inputs: SequenceInputs, params: readonly tf.Tensor[], opts: PeerSequenceOptions): PeerRawConfig {
  const { T, B, d, data } = inputs;
  for (const [v, name] of [
    [T, 'T'],
    [B, 'B'],
    [d, 'd'],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`fused peer kernel: inputs.${name} must be a positive integer, got ${v}`);
  }
  if (data.length !== T * B * d) throw new Error(`fused peer kernel: inputs.data has ${data.length} values, expected T*B*d = ${T * B * d}`);
  if (!(opts.kind in PEER_KIND_CODE)) throw new Error(`fused peer kernel: unknown kind ${String(opts.kind)}`);
  const m = params[opts.kind === 'cornn' ? 3 : 2]?.shape[0];
  if (m === undefined) throw new Error(`fused peer kernel: ${opts.kind} parameters missing`);
  const sizes = peerParameterSizes(opts.kind, d, m);
  if (params.length !== sizes.length) throw new Error(`fused peer kernel: ${opts.kind} takes ${sizes.length} parameters, got ${params.length}`);
  params.forEach((p, i) => {
    if (p.size !== sizes[i] || p.dtype !== 'float32')
      throw new Error(`fused peer kernel: params[${i}] must hold ${sizes[i]} float32 values, got ${p.size} ${p.dtype}`);
  });
  if (opts.kind === 'cornn' && !(opts.dt > 0)) throw new Error(`fused peer kernel: coRNN needs dt > 0, got ${opts.dt}`);
  return {
    kind: PEER_KIND_CODE[opts.kind],
    T,
    B,
    d,
    m,
    checkpointEvery: checkpointInterval(opts, T, B, m),
    dt: opts.dt,
    gamma: opts.gamma,
    epsilon: opts.epsilon,
  };
}

export function createPeerFusedKernel(raw: PeerRawKernel): PeerFusedKernel {
  // One context (saved states) per kernel object; a gradient whose forward pass is no longer the
  // latest recomputes that forward first (as fusedSequence.ts does for the Hamiltonian).
  const context: PeerRawContext = raw.createContext();
  let generation = 0;
  let lastK: number | null = null;
  const onContext = <T>(call: () => T): T => {
    try {
      return call();
    } catch (err) {
      generation += 1;
      throw err;
    }
  };

  const sequence = (inputs: SequenceInputs, params: tf.Tensor[], opts: PeerSequenceOptions): tf.Tensor2D => {
    const cfg = peerRawConfig(inputs, params, opts);
    lastK = cfg.checkpointEvery;
    const data = inputs.data.slice(); // the caller may reuse its buffer before the gradient is taken
    // Without a tape no gradient can be asked for: keep no states (evaluation memory stays flat in T).
    const recording = gradientRecording();
    const forwardCfg = recording ? cfg : { ...cfg, checkpointEvery: FORWARD_ONLY };
    const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const tensors = args.slice(0, params.length) as tf.Tensor[];
      const values = tensors.map((t) => t.dataSync() as Float32Array);
      const out = new Float32Array(cfg.B * cfg.m);
      onContext(() => context.forward(forwardCfg, values, data, out, null));
      generation += 1;
      const mine = recording ? generation : -1;
      // the arrays may be the backend's own storage: keep copies in case the forward must be redone
      const kept = recording ? values.map((v) => v.slice()) : values;
      return {
        value: tf.tensor2d(out, [cfg.B, cfg.m]),
        gradFunc: (dy: tf.Tensor) => {
          if (generation !== mine) {
            onContext(() => context.forward(cfg, kept, data, new Float32Array(cfg.B * cfg.m), null));
            generation = mine;
          }
          const grads = kept.map((v) => new Float32Array(v.length));
          onContext(() => context.backward(dy.dataSync() as Float32Array, null, grads, null));
          return grads.map((g, i) => tf.tensor(g, tensors[i].shape, 'float32'));
        },
      };
    });
    return op(...params) as tf.Tensor2D;
  };

  const layerSequence = (u: tf.Tensor3D, params: tf.Tensor[], opts: PeerSequenceOptions): tf.Tensor3D => {
    const [T, B, d] = u.shape;
    const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const tensors = args.slice(0, params.length + 1) as tf.Tensor[];
      const data = (tensors[0].dataSync() as Float32Array).slice();
      const cfg = peerRawConfig({ data, T, B, d }, tensors.slice(1), opts);
      lastK = cfg.checkpointEvery;
      const values = tensors.slice(1).map((t) => (t.dataSync() as Float32Array).slice());
      const run = (seq: Float32Array) => onContext(() => context.forward(cfg, values, data, new Float32Array(B * cfg.m), seq));
      const seq = new Float32Array(T * B * cfg.m);
      run(seq);
      generation += 1;
      const mine = generation;
      return {
        value: tf.tensor3d(seq, [T, B, cfg.m]),
        gradFunc: (dy: tf.Tensor) => {
          if (generation !== mine) {
            run(new Float32Array(T * B * cfg.m));
            generation = mine;
          }
          const grads = values.map((v) => new Float32Array(v.length));
          const gu = new Float32Array(T * B * d);
          onContext(() => context.backward(new Float32Array(B * cfg.m), dy.dataSync() as Float32Array, grads, gu));
          return [tf.tensor3d(gu, [T, B, d]), ...grads.map((g, i) => tf.tensor(g, tensors[i + 1].shape, 'float32'))];
        },
      };
    });
    return op(u, ...params) as tf.Tensor3D;
  };

  const stackSequence = createWholeStack<PeerSequenceOptions, PeerRawConfig, PeerRawContext>(
    {
      createContext: () => raw.createContext(),
      releaseContext: (c) => c.release(),
      config: (below, params, opts) => {
        const cfg = peerRawConfig(below, params, opts);
        lastK = cfg.checkpointEvery;
        return cfg;
      },
      forwardOnly: (cfg) => ({ ...cfg, checkpointEvery: FORWARD_ONLY }),
      hidden: (cfg) => cfg.m,
      outputWidth: (cfg) => cfg.m,
      forward: (c, cfg, params, u, out, seq) => c.forward(cfg, params, u, out, seq),
      backward: (c, _cfg, gout, grads, gseq, gu) => {
        c.backward(gout, gseq, grads, gu);
        return null;
      },
    },
    gradientRecording,
  );

  return {
    name: raw.name,
    description: raw.description,
    sequence,
    layerSequence,
    stackSequence,
    hostSequence: stackSequence.host,
    lastCheckpointEvery: () => lastK,
    fork: () => createPeerFusedKernel(raw),
    dispose: () => {
      context.release();
      stackSequence.release();
    },
  };
}
