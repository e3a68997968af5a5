/**
 * `hrnn train --resume <run-folder> [--set training.steps=N]`: continues a stopped, crashed or failed
 * run from its latest checkpoint, or extends a completed one. The experiment is the run's own
 * experiment.yaml (the frozen resolved experiment, not the user's file, which may have been edited
 * since) with the overrides; the engine refuses what cannot resume, with one line. Option parsing
 * is the train command's: this takes plain values.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { formatProblem } from '../experiment';
import { applyOverrides } from '../experiment/load';
import type { ExperimentInput, ResolvedExperiment } from '../experiment/schema';
import { RUN_FILES } from '../protocol/records';
import { readSummary } from '../runs/runFolder';
import { isSweepFolder, SweepFolderWriter } from '../runs/sweepFolder';
import { EXIT } from './io';
import { exitCodeFor, runOne, type RunContext } from './runOne';

/**
 * A run folder's experiment.yaml with `overrides`, resolved: the same ResolvedExperiment the run
 * trained under when there are none. That file is already resolved, so it is not read like a user's
 * file: its `training.epochs` (kept beside the `steps` computed from it) would conflict with `steps`,
 * and keys of other model kinds (defaults of the schema) would each warn. Problems come back as lines.
 */
export function loadRunExperiment(
  experimentYaml: string,
  overrides: readonly string[],
): { ok: true; resolved: ResolvedExperiment } | { ok: false; lines: string[] } {
  let input: ExperimentInput;
  try {
    input = YAML.parse(fs.readFileSync(experimentYaml, 'utf8')) as ExperimentInput;
  } catch (e) {
    return { ok: false, lines: [`${experimentYaml}: error: ${(e as Error).message.split('\n')[0]}`] };
  }
  if (typeof input !== 'object' || input === null) return { ok: false, lines: [`${experimentYaml}: error: not a resolved experiment`] };
  const epochs = input.training?.epochs;
  const epochsGaveSteps = input.training?.steps != null && epochs != null;
  if (epochsGaveSteps) delete input.training!.epochs;
  const loaded = applyOverrides(input, overrides, 'experiment');
  if (!loaded.ok) return { ok: false, lines: loaded.problems.filter((p) => p.severity === 'error').map((p) => formatProblem(experimentYaml, p)) };
  if (!loaded.resolved) return { ok: false, lines: [`${experimentYaml}: error: a run folder's experiment has no sweep`] };
  const resolved = loaded.resolved;
  if (epochsGaveSteps) resolved.training.epochs = epochs;
  return { ok: true, resolved };
}

/** Resumes the run in `runDir`; returns the exit code (as `hrnn train` does for a new run). */
export async function resumeRun(runDir: string, overrides: readonly string[], ctx: Omit<RunContext, 'experimentFile'>): Promise<number> {
  const dir = path.resolve(runDir);
  const refuse = (lines: string[]): number => {
    ctx.send?.({ type: 'refused', problems: lines });
    ctx.io.err(lines.join('\n') + '\n');
    return EXIT.failed;
  };
  const experimentYaml = path.join(dir, RUN_FILES.experiment);
  if (!fs.existsSync(experimentYaml)) return refuse([`${dir}: error: not a run folder (no ${RUN_FILES.experiment})`]);
  const loaded = loadRunExperiment(experimentYaml, overrides);
  if (!loaded.ok) return refuse(loaded.lines);
  // Events and the summary keep naming the file the run came from.
  const experimentFile = readSummary(dir, { raw: true })?.experimentFile ?? experimentYaml;
  // A sweep member resumed on its own still updates its line in sweep.json.
  const sweep = isSweepFolder(path.dirname(dir)) ? SweepFolderWriter.open(path.dirname(dir)) : null;
  const member = sweep ? sweep.indexOf(dir) : -1;
  try {
    const outcome = await runOne(loaded.resolved, path.dirname(dir), { ...ctx, experimentFile }, { resumeFrom: dir });
    if (sweep && member >= 0) sweep.settle(member);
    return exitCodeFor(outcome.status);
  } catch (e) {
    // Refusals (still running, diverged, no checkpoint, ...) and a missing backend: one clear line.
    return refuse([`${dir}: error: ${(e as Error).message}`]);
  }
}
