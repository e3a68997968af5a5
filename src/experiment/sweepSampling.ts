/**
 * Random sweeps: draws values for dotted paths from `uniform`, `logUniform` and `choice`
 * distributions with a small seeded generator, so the same sweep seed always draws the same runs
 * (on every machine: no Math.random, no platform maths beyond exp/log). Pure; depends only on the
 * schema navigation in jsonSchema.ts (to know which keys take integers).
 */
import { schemaAt, type SchemaNode } from './jsonSchema';

/** One path's distribution as the file writes it (exactly one member is set in a valid file). */
export interface Distribution {
  uniform?: [number, number];
  logUniform?: [number, number];
  choice?: unknown[];
}

export interface RandomSpec {
  count: number;
  seed: number;
  /** The drawn paths, in file order (the order draws are taken in). */
  parameters: [string, Distribution][];
}

/** Significant digits a drawn real number keeps: readable run names and tables, still distinct draws. */
const DRAW_DIGITS = 4;

/** mulberry32: a tiny 32-bit generator, good enough for picking hyperparameters and identical everywhere. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The branch of a key's schema that takes numbers (`tau`: the number beside `auto`), if any. */
export function numericBranch(node: SchemaNode | undefined): SchemaNode | undefined {
  if (node === undefined) return undefined;
  if (node.type === 'number' || node.type === 'integer') return node;
  return (node.anyOf ?? []).find((b) => b.type === 'number' || b.type === 'integer');
}

/** The schema of the values a dotted path takes (what a grid list holds for it). */
export function sweptKeySchema(path: string): SchemaNode | undefined {
  return schemaAt(['sweep', 'grid', path])?.items;
}

/** Whether the path takes integers only (`model.hidden`): ranges then draw integers. */
export function takesIntegers(path: string): boolean {
  return numericBranch(sweptKeySchema(path))?.type === 'integer';
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/** One value of a range, `u` in [0, 1). Integer keys get integers in [ceil(low), floor(high)]. */
function drawFromRange(low: number, high: number, logScale: boolean, integer: boolean, u: number): number {
  if (integer) {
    const lo = Math.ceil(low);
    const hi = Math.floor(high);
    if (!logScale) return lo + Math.min(hi - lo, Math.floor(u * (hi - lo + 1)));
    return clamp(Math.round(Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo)))), lo, hi);
  }
  const x = logScale ? Math.exp(Math.log(low) + u * (Math.log(high) - Math.log(low))) : low + u * (high - low);
  return clamp(Number(x.toPrecision(DRAW_DIGITS)), low, high);
}

/** One value from one distribution. */
export function drawValue(path: string, distribution: Distribution, random: () => number): unknown {
  const u = random();
  if (distribution.choice !== undefined)
    return structuredClone(distribution.choice[Math.min(distribution.choice.length - 1, Math.floor(u * distribution.choice.length))]);
  const logScale = distribution.logUniform !== undefined;
  const [low, high] = distribution.logUniform ?? distribution.uniform ?? [0, 0];
  return drawFromRange(low, high, logScale, takesIntegers(path), u);
}

/** The `count` draws of a random sweep, each a record of path to value, in file order. */
export function drawRandomParameters(spec: RandomSpec): Record<string, unknown>[] {
  const random = seededRandom(spec.seed);
  const draws: Record<string, unknown>[] = [];
  for (let i = 0; i < spec.count; i++) {
    const draw: Record<string, unknown> = {};
    for (const [path, distribution] of spec.parameters) draw[path] = drawValue(path, distribution, random);
    draws.push(draw);
  }
  return draws;
}
