/**
 * Loading an experiment file for a run: read, validate (with overrides), resolve, expand the sweep.
 * Never throws for a bad file: every failure is a Problem with a position.
 */
import fs from 'node:fs';
import path from 'node:path';
import { decodeExperimentBytes, MAX_EXPERIMENT_BYTES, tooLargeProblem } from './encoding';
import { errorsOf, START_OF_FILE, warningsOf, type Problem } from './problems';
import { resolveExperiment } from './resolve';
import type { ExperimentInput, ResolvedExperiment } from './schema';
import { expandSweep, hasSweep, sweepPlan, type ExpandedRun } from './sweep';
import { validateExperimentText, validateExperimentValue, type ValidateOptions } from './validate';

export interface LoadSuccess {
  ok: true;
  file: string;
  /** The experiment as written (overrides applied). */
  input: ExperimentInput;
  /** The resolved experiment, when the file has no sweep. */
  resolved?: ResolvedExperiment;
  /** The runs of the sweep, when the file has one. */
  runs?: ExpandedRun[];
  warnings: Problem[];
}

export interface LoadFailure {
  ok: false;
  file: string;
  /** Errors first-in-file order, warnings included. */
  problems: Problem[];
}

export type LoadResult = LoadSuccess | LoadFailure;

/** The experiment name a file implies: `adding-T200.hrnn.yaml` -> `adding-T200`. */
export function experimentNameFromFile(file: string): string {
  const base = path.basename(file).replace(/(\.hrnn)?\.ya?ml$/iu, '');
  const cleaned = base.replace(/[^A-Za-z0-9._-]+/gu, '-').replace(/^[^A-Za-z0-9]+/u, '');
  return cleaned === '' ? 'experiment' : cleaned.slice(0, 200);
}

function finish(file: string, problems: Problem[], input: ExperimentInput | undefined): LoadResult {
  if (input === undefined || errorsOf(problems).length > 0) return { ok: false, file, problems };
  const name = experimentNameFromFile(file);
  const result: LoadSuccess = { ok: true, file, input, warnings: warningsOf(problems) };
  if (hasSweep(sweepPlan(input))) result.runs = expandSweep(input, name);
  else result.resolved = resolveExperiment(input, name);
  return result;
}

/** Validates and resolves experiment text (or bytes, checked as UTF-8). `file` names it in results. */
export function loadExperimentText(content: string | Uint8Array, file: string, options: ValidateOptions = {}): LoadResult {
  let text: string;
  if (typeof content === 'string') text = content.startsWith('\uFEFF') ? content.slice(1) : content;
  else {
    const decoded = decodeExperimentBytes(content);
    if (!decoded.ok) return { ok: false, file, problems: [decoded.problem] };
    text = decoded.text;
  }
  const { problems, input } = validateExperimentText(text, options);
  return finish(file, problems, input);
}

/** Reads, validates and resolves an experiment file. */
export function loadExperimentFile(file: string, options: ValidateOptions = {}): LoadResult {
  let bytes: Buffer;
  try {
    const stat = fs.statSync(file);
    if (stat.isDirectory()) return ioFailure(file, 'is a folder, not an experiment file');
    if (stat.size > MAX_EXPERIMENT_BYTES) return { ok: false, file, problems: [tooLargeProblem(stat.size, 'bytes')] };
    bytes = fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot be read (${code ?? String(error)})`;
    return ioFailure(file, reason);
  }
  return loadExperimentText(bytes, file, options);
}

function ioFailure(file: string, reason: string): LoadFailure {
  return { ok: false, file, problems: [{ severity: 'error', code: 'io', path: '', message: reason, range: START_OF_FILE }] };
}

/**
 * Applies `path=value` overrides to an experiment already in memory and validates the result
 * like a file (problems then point at the start, since there is no file text).
 */
export function applyOverrides(input: ExperimentInput, overrides: readonly string[], fallbackName = 'experiment'): LoadResult {
  const { problems, input: updated } = validateExperimentValue(input, { overrides });
  return finish(`${fallbackName}.hrnn.yaml`, problems, updated);
}
