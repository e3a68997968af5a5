/**
 * The hyperparameters of runs as table columns: a resolved experiment (what `experiment.yaml` of a
 * run folder holds) flattened to dotted paths (`model.tau`), and of a set of runs only the paths
 * whose values differ between them. Those are what the experiments table of the plots panel and
 * `hrnn report` shows next to each run. Pure: reads no files, imports neither vscode nor the engine.
 */
import type { ParameterValue } from '../protocol/webview';

/** Identity and free text, not hyperparameters: the label already carries the name. */
const NOT_PARAMETERS = new Set(['name', 'description', 'sweep']);

/**
 * Flattens an experiment to `path -> value`: nested objects become dotted paths (`model.tau`),
 * arrays become their JSON text (one cell, compared whole). Order: the experiment's own.
 */
export function flattenExperiment(experiment: unknown): Record<string, ParameterValue> {
  const out: Record<string, ParameterValue> = {};
  const walk = (value: unknown, prefix: string) => {
    if (value === null || typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') {
      if (prefix) out[prefix] = value;
      return;
    }
    if (Array.isArray(value)) {
      if (prefix) out[prefix] = JSON.stringify(value);
      return;
    }
    if (typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      if (!prefix && NOT_PARAMETERS.has(key)) continue;
      walk(child, prefix ? `${prefix}.${key}` : key);
    }
  };
  walk(experiment, '');
  return out;
}

/**
 * The paths whose values are not the same in every run given (a path missing from some runs
 * differs too), in the order they first appear. Runs without a readable experiment (null) are
 * left out of the comparison.
 */
export function differingPaths(runs: ReadonlyArray<Readonly<Record<string, ParameterValue>> | null>): string[] {
  const known = runs.filter((r): r is Readonly<Record<string, ParameterValue>> => r !== null);
  const paths: string[] = [];
  const seen = new Set<string>();
  for (const r of known) {
    for (const p of Object.keys(r)) {
      if (!seen.has(p)) {
        seen.add(p);
        paths.push(p);
      }
    }
  }
  return paths.filter((p) => {
    const first = known[0];
    return known.some((r) => !(p in r) || !(p in first) || r[p] !== first[p]);
  });
}

/**
 * Per run, its values of the paths that differ between `experiments` (undefined for a run whose
 * experiment is unknown). One run alone differs from nothing: it gets an empty record.
 */
export function differingParameters(experiments: readonly unknown[]): Array<Record<string, ParameterValue> | undefined> {
  const flat = experiments.map((e) => (e === undefined || e === null ? null : flattenExperiment(e)));
  const paths = differingPaths(flat);
  return flat.map((f) => {
    if (!f) return undefined;
    const picked: Record<string, ParameterValue> = {};
    for (const p of paths) if (p in f) picked[p] = f[p];
    return picked;
  });
}
