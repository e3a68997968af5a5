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
  let stamp: string;
  try {
    const st = fs.statSync(file);
    stamp = `${st.mtimeMs}:${st.size}`;
  } catch {
    cache.delete(file);
    return null;
  }
  const hit = cache.get(file);
  if (hit && hit.stamp === stamp) return hit.experiment;
  let experiment: unknown;
  try {
    experiment = YAML.parse(fs.readFileSync(file, 'utf8')) ?? null;
  } catch {
    experiment = null;
  }
  cache.set(file, { stamp, experiment });
  return experiment;
}
