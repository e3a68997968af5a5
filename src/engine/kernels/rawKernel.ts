/**
 * The low-level interface both compiled kernels (native addon, WebAssembly) implement: plain
 * Float32Arrays in and out, no tensors. fusedSequence.ts turns one into a tfjs operation.
 */

/** Numeric configuration, in the compiled code's own encoding. */
export interface RawConfig {
  /** 0 = full, 1 = diagonal */
  variant: 0 | 1;
  /** 0 = stored, 1 = reversible */
  backprop: 0 | 1;
  T: number;
  B: number;
  d: number;
  m: number;
  /** rows of W (= m for the diagonal variant) */
  k: number;
  /** reversible: exact state kept every anchorEvery steps; 0 = never */
  anchorEvery: number;
  tau: number;
  alpha: number;
}

/** Reversible reconstruction check of the last backward pass (both 0 in stored mode). */
export interface RawDrift {
  /** max |rebuilt - exact| over the checked states (anchors and the zero initial state) */
  maxError: number;
  /** max |exact| over the same states and the final state, to make it relative */
  maxState: number;
}

/**
 * One forward pass's saved state. forward() replaces it; backward() needs the forward just before.
 * params / grads: full [W k*m, V k*d, b k]; diagonal [w m, V m*d, b m, c m] (row-major).
 */
export interface RawContext {
  /**
   * u: [T, B, d] time-major; out: [B, 2m] = [y_T | z_T]. ys (stacked layers, kernels with
   * `stateSequences` only): [T, B, m], receives every y_n.
   */
  forward(cfg: RawConfig, params: readonly Float32Array[], u: Float32Array, out: Float32Array, ys?: Float32Array | null): void;
  /**
   * gout: [B, 2m]; fills grads (same layouts as params). Stacked layers (`stateSequences` only):
   * gys [T, B, m], the upstream gradient of every y_n; gu [T, B, d] receives the inputs' gradient.
   */
  backward(gout: Float32Array, grads: Float32Array[], gys?: Float32Array | null, gu?: Float32Array | null): RawDrift;
  /** Frees the saved states now (a later forward allocates again). */
  release(): void;
}

export interface RawKernel {
  /** `fused-native` or `fused-wasm` */
  readonly name: string;
  /** what runs: instruction set, vector width, threads */
  readonly description: string;
  /** Whether forward/backward take the stacked-layer arrays (ys, gys, gu). */
  readonly stateSequences: boolean;
  createContext(): RawContext;
}

/** Element counts of the parameter (and gradient) arrays. */
export function parameterSizes(cfg: Pick<RawConfig, 'variant' | 'd' | 'm' | 'k'>): number[] {
  const { d, m, k } = cfg;
  return cfg.variant === 0 ? [k * m, k * d, k] : [m, m * d, m, m];
}
