/**
 * Sweeps: a grid over dotted paths, random draws (sweepSampling.ts) and training seeds. Every run
 * is the experiment with its paths set, in a stable order (the first grid path varies slowest, the
 * seed fastest), `sweep` removed, resolved on its own (so `tau: auto` follows each run's sequence
 * length).
 */
import { resolveExperiment } from './resolve';
import type { ExperimentInput, ResolvedExperiment } from './schema';
import { drawRandomParameters, type Distribution, type RandomSpec } from './sweepSampling';

/** A sweep larger than this is almost surely a mistake, and would be slow to validate. */
export const MAX_SWEEP_RUNS = 1000;

export interface ExpandedRun {
  /** 0-based position in the sweep's order. */
  index: number;
  /** The swept paths and this run's values, e.g. `{ "model.tau": 0.001, "model.kind": "tanh-rnn", "seed": 2 }`. */
  parameters: Record<string, unknown>;
  /** The experiment of this run: the file with the parameters set and no `sweep`. */
  input: ExperimentInput;
  resolved: ResolvedExperiment;
}

export interface SweepAxis {
  path: string;
  values: unknown[];
}

/** The grid's axes in file order; empty when there is no sweep. */
export function sweepAxes(input: SweepInput): SweepAxis[] {
  const grid = input.sweep?.grid ?? {};
  return Object.entries(grid).map(([path, values]) => ({ path, values }));
}

/**
 * Number of runs a grid expands to (1 without a sweep): the product of the axis lengths, so a
 * grid is measured without expanding it (validation refuses one above MAX_SWEEP_RUNS this way).
 */
export function sweepSize(axes: readonly SweepAxis[]): number {
  return axes.reduce((n, axis) => n * axis.values.length, 1);
}

/**
 * Every combination of the axes as index tuples, the first axis slowest:
 * axes of sizes [2, 3] give [0,0] [0,1] [0,2] [1,0] [1,1] [1,2].
 * Throws for more than MAX_SWEEP_RUNS combinations: a grid that size is refused by validation,
 * and expanding it could take minutes and gigabytes.
 */
export function gridCombinations(sizes: readonly number[]): number[][] {
  const count = sizes.reduce((n, size) => n * size, 1);
  if (count > MAX_SWEEP_RUNS)
    throw new RangeError(`a grid of ${count} combinations is larger than a sweep may be (${MAX_SWEEP_RUNS}); measure it with sweepSize before expanding`);
  let combos: number[][] = [[]];
  for (const size of sizes) {
    const next: number[][] = [];
    for (const combo of combos) for (let i = 0; i < size; i++) next.push([...combo, i]);
    combos = next;
  }
  return combos;
}

/** Sets `value` at a dotted path, creating the mappings on the way. Mutates `target`. */
export function setDottedPath(target: Record<string, unknown>, dottedPath: string, value: unknown): void {
  const keys = dottedPath.split('.');
  let current = target;
  for (const key of keys.slice(0, -1)) {
    const next = current[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) current[key] = {};
    current = current[key] as Record<string, unknown>;
  }
  current[keys[keys.length - 1]] = structuredClone(value);
}

/** The experiment without its sweep, with the given dotted paths set (a plain value, not validated). */
export function combinationValue(base: object, parameters: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(base) as Record<string, unknown>;
  delete copy.sweep;
  for (const [path, value] of Object.entries(parameters)) setDottedPath(copy, path, value);
  return copy;
}

/** The parameters of each combination, in grid order. */
export function sweepParameterSets(axes: readonly SweepAxis[]): Record<string, unknown>[] {
  return gridCombinations(axes.map((a) => a.values.length)).map((combo) =>
    Object.fromEntries(combo.map((valueIndex, axisIndex) => [axes[axisIndex].path, axes[axisIndex].values[valueIndex]])),
  );
}

/** The dotted path of the training seed, the parameter a seeds axis sets. */
export const SEED_PATH = 'seed';

/** Everything a sweep varies: the grid's axes, the random draws and the training seeds. */
export interface SweepPlan {
  axes: SweepAxis[];
  random?: RandomSpec;
  /** The training seeds, in order; absent without `sweep.seeds`. */
  seeds?: number[];
}

/** What `sweep` a plan is read from (the file's, not yet validated: code reads it defensively). */
export interface SweepInput {
  seed?: unknown;
  sweep?: {
    grid?: Record<string, unknown[]>;
    random?: { count?: number; seed?: number; parameters?: Record<string, Distribution> };
    seeds?: number | number[];
  };
}

/** Default number of draws and draw seed of `sweep.random` (the schema documents the same). */
export const RANDOM_DEFAULTS = { count: 10, seed: 1 } as const;

/**
 * The seeds of `sweep.seeds`: a list as written, or a count N as the experiment's seed (default 1)
 * and the N - 1 after it.
 */
export function seedsOf(input: SweepInput): number[] | undefined {
  const seeds = input.sweep?.seeds;
  if (seeds === undefined) return undefined;
  if (Array.isArray(seeds)) return [...seeds];
  const base = typeof input.seed === 'number' ? input.seed : 1;
  return Array.from({ length: seeds }, (_, i) => base + i);
}

/** The sweep's plan; an experiment without a sweep has an empty one (one run). */
export function sweepPlan(input: SweepInput): SweepPlan {
  const plan: SweepPlan = { axes: sweepAxes(input) };
  const random = input.sweep?.random;
  if (random !== undefined) {
    plan.random = {
      count: random.count ?? RANDOM_DEFAULTS.count,
      seed: random.seed ?? RANDOM_DEFAULTS.seed,
      parameters: Object.entries(random.parameters ?? {}),
    };
  }
  const seeds = seedsOf(input);
  if (seeds !== undefined) plan.seeds = seeds;
  return plan;
}

/** Whether the experiment sweeps at all (a grid, random draws or seeds). */
export function hasSweep(plan: SweepPlan): boolean {
  return plan.axes.length > 0 || plan.random !== undefined || plan.seeds !== undefined;
}

/** Number of runs a plan expands to, measured without expanding it: grid x draws x seeds. */
export function planSize(plan: SweepPlan): number {
  return sweepSize(plan.axes) * (plan.random?.count ?? 1) * (plan.seeds?.length ?? 1);
}

/**
 * The parameters of every run of a plan: each grid combination (first axis slowest), times each
 * random draw, times each seed (fastest, so a seed group is adjacent). Throws above MAX_SWEEP_RUNS.
 */
export function planParameterSets(plan: SweepPlan): Record<string, unknown>[] {
  const count = planSize(plan);
  if (count > MAX_SWEEP_RUNS)
    throw new RangeError(`a sweep of ${count} runs is larger than a sweep may be (${MAX_SWEEP_RUNS}); measure it with planSize before expanding`);
  const draws = plan.random ? drawRandomParameters(plan.random) : [{}];
  const seeds: (number | undefined)[] = plan.seeds ?? [undefined];
  const out: Record<string, unknown>[] = [];
  for (const combination of sweepParameterSets(plan.axes)) {
    for (const draw of draws) {
      for (const seed of seeds) out.push(seed === undefined ? { ...combination, ...draw } : { ...combination, ...draw, [SEED_PATH]: seed });
    }
  }
  return out;
}

/**
 * Expands a validated experiment's sweep into its runs. Without a sweep: one run with no
 * parameters. Each run keeps the experiment's name (`fallbackName` when it has none); the
 * parameters tell the runs apart.
 */
export function expandSweep(input: ExperimentInput, fallbackName: string): ExpandedRun[] {
  return planParameterSets(sweepPlan(input)).map((parameters, index) => {
    const runInput = combinationValue(input, parameters) as ExperimentInput;
    return { index, parameters, input: runInput, resolved: resolveExperiment(runInput, fallbackName) };
  });
}
