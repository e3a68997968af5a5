/**
 * Reads the resolved experiment a run folder keeps (`experiment.yaml`, written when the run
 * started) for the experiments table. Re-reads a file only when its size or time stamp changed
 * (a resume may rewrite it), so a snapshot of many runs costs one stat per run. Never imports
 * vscode or the engine.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { RUN_FILES } from '../protocol/records';

const cache = new Map<string, { stamp: string; experiment: unknown }>();

/** The parsed experiment.yaml of `runDir`; null when it is missing or not YAML. */
export function readRunExperiment(runDir: string): unknown {
  const file = path.join(runDir, RUN_FILES.experiment);
  const stamp = stampOf(() => fs.statSync(file));
  if (stamp === null) return forget(file);
  const hit = cache.get(file);
  if (hit && hit.stamp === stamp) return hit.experiment;
  return remember(file, stamp, parseExperimentFile(file));
}

/**
 * `readRunExperiment` with the parsing done by `parse` (the plots panel's worker thread: a cold
 * YAML parser costs the extension host tens of milliseconds), the cache kept here.
 */
export async function readRunExperimentWith(runDir: string, parse: (file: string) => Promise<unknown>): Promise<unknown> {
  const file = path.join(runDir, RUN_FILES.experiment);
  let st: fs.Stats | null = null;
  try {
    st = await fs.promises.stat(file);
  } catch {
    st = null;
  }
  const stamp = st && stampOf(() => st);
  if (!stamp) return forget(file);
  const hit = cache.get(file);
  if (hit && hit.stamp === stamp) return hit.experiment;
  return remember(file, stamp, await parse(file).catch(() => null));
}

/** The parsed YAML of an experiment file; null when it is missing or not YAML. */
export function parseExperimentFile(file: string): unknown {
  try {
    return YAML.parse(fs.readFileSync(file, 'utf8')) ?? null;
  } catch {
    return null;
  }
}

function stampOf(stat: () => fs.Stats): string | null {
  try {
    const st = stat();
    return `${st.mtimeMs}:${st.size}`;
  } catch {
    return null;
  }
}

function forget(file: string): null {
  cache.delete(file);
  return null;
}

function remember(file: string, stamp: string, experiment: unknown): unknown {
  cache.set(file, { stamp, experiment });
  return experiment;
}
