/**
 * Sweeps: a grid over dotted paths. Every combination is the experiment with those paths set,
 * in a stable order (the first path varies slowest), `sweep` removed, resolved on its own (so
 * `tau: auto` follows each run's sequence length).
 */
import { resolveExperiment } from './resolve';
import type { ExperimentInput, ResolvedExperiment } from './schema';

/** A sweep larger than this is almost surely a mistake, and would be slow to validate. */
export const MAX_SWEEP_RUNS = 1000;

export interface ExpandedRun {
  /** 0-based position in the grid order. */
  index: number;
  /** The swept paths and this run's values, e.g. `{ "model.tau": 0.001, "model.kind": "tanh-rnn" }`. */
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
export function sweepAxes(input: { sweep?: { grid?: Record<string, unknown[]> } }): SweepAxis[] {
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

/**
 * Expands a validated experiment's sweep into its runs. Without a sweep: one run with no
 * parameters. Each run keeps the experiment's name (`fallbackName` when it has none); the
 * parameters tell the runs apart.
 */
export function expandSweep(input: ExperimentInput, fallbackName: string): ExpandedRun[] {
  const axes = sweepAxes(input);
  return sweepParameterSets(axes).map((parameters, index) => {
    const runInput = combinationValue(input, parameters) as ExperimentInput;
    return { index, parameters, input: runInput, resolved: resolveExperiment(runInput, fallbackName) };
  });
}
