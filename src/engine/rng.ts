/**
 * Seeded random numbers in plain JS, so that initialisation and data are identical on every
 * backend (tfjs' own seeded ops differ between backends). A stream's whole state is one 32-bit
 * integer, so a checkpoint can store it and a resumed run continue the very same numbers.
 */

/** A small, fast, well-mixed 32-bit generator (mulberry32), seeded through splitmix32. */
export class Rng {
  // Kept as a signed 32-bit integer (the same bits as the unsigned state): V8 stores such a value
  // unboxed, where an unsigned one above 2^31 is a fresh heap number on every draw (hundreds of
  // KB of garbage per training batch, and the garbage collections that come with it).
  private state: number;

  constructor(seed: number) {
    // splitmix32 scrambles nearby seeds (1, 2, 3, ...) into unrelated streams.
    let z = (seed >>> 0) + 0x9e3779b9;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    this.state = z ^ (z >>> 16);
  }

  /** A generator continuing exactly where the one that gave `state` (its `getState()`) stood. */
  static fromState(state: number): Rng {
    const rng = new Rng(0);
    rng.setState(state);
    return rng;
  }

  /** The whole state of the stream, one 32-bit integer (checkpoints store it to resume the stream). */
  getState(): number {
    return this.state >>> 0;
  }

  /** Puts the stream back where `getState()` said it was. */
  setState(state: number): void {
    if (!Number.isInteger(state) || state < 0 || state > 0xffffffff) throw new Error(`not a random stream state: ${state}`);
    this.state = state | 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [lo, hi). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo));
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  uniformArray(n: number, lo: number, hi: number): Float32Array {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * this.next();
    return a;
  }

  normalArray(n: number, std: number): Float32Array {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = std * this.normal();
    return a;
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: number }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** A child generator with an independent stream (for one purpose: data, init, probes...). */
  fork(label: string): Rng {
    let h = 2166136261;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 16777619);
    return new Rng((this.state ^ h) >>> 0);
  }
}

/** Derives a named seed from the experiment seed (stable across versions). */
export function deriveSeed(seed: number, label: string): number {
  let h = 2166136261 ^ (seed >>> 0);
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 16777619);
  return h >>> 0;
}
