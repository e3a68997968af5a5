/**
 * One validation pass over an experiment: YAML syntax, the schema (ajv), the checks a schema
 * cannot express, overrides and every sweep combination, all reported as positioned Problems.
 */
import { MAX_EXPERIMENT_BYTES, tooLargeProblem } from './encoding';
import type { Finding } from './findings';
import { parseOverride, type Override } from './overrides';
import { dedupeProblems, formatPath, sortProblems, START_OF_FILE, type Problem } from './problems';
import { MODEL_KINDS, TASK_KINDS, type ExperimentInput, type ModelKind, type TaskKind } from './schema';
import { schemaFindings } from './schemaValidator';
import { kindsOf, semanticFindings, type KindsInPlay } from './semanticChecks';
import { combinationValue, MAX_SWEEP_RUNS, setDottedPath, sweepParameterSets, sweepSize, type SweepAxis } from './sweep';
import { parseExperimentYaml, rangeOfPath, type ParsedYaml, type PathSegment } from './yamlDocument';

export interface ValidateOptions {
  /** `path=value` overrides applied before validation (`--set`). */
  overrides?: readonly string[];
}

export interface ValidationResult {
  /** Errors and warnings, in file order. */
  problems: Problem[];
  /** The experiment (overrides applied) when there is no error. */
  input?: ExperimentInput;
}

type Obj = Record<string, unknown>;

function asObject(value: unknown): Obj | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : undefined;
}

const TOP_LEVEL_KEYS = 'name, task, model, training, probes, backend, sweep';

/** Validates experiment YAML text. Never throws: an unexpected failure becomes a problem too. */
export function validateExperimentText(text: string, options: ValidateOptions = {}): ValidationResult {
  try {
    return validateTextUnguarded(text, options);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const problem: Problem = { severity: 'error', code: 'internal', path: '', message: `could not validate this file: ${reason}`, range: START_OF_FILE };
    return { problems: [problem] };
  }
}

function validateTextUnguarded(text: string, options: ValidateOptions): ValidationResult {
  if (text.length > MAX_EXPERIMENT_BYTES) return { problems: [tooLargeProblem(text.length, 'characters')] };
  const parsed = parseExperimentYaml(text);
  const blocking = parsed.problems.some((p) => p.severity === 'error' && p.code !== 'duplicate-key');
  if (blocking || !('value' in parsed)) return { problems: sortProblems(parsed.problems) };
  const value = parsed.value;
  if (value === null || value === undefined) {
    const problem: Problem = {
      severity: 'error',
      code: 'empty',
      path: '',
      message: 'the file is empty; an experiment needs at least the keys "task" and "model"',
      range: START_OF_FILE,
    };
    return { problems: [problem] };
  }
  if (asObject(value) === undefined) {
    const what = Array.isArray(value) ? 'a list' : `a single value (${JSON.stringify(value)})`;
    const problem: Problem = {
      severity: 'error',
      code: 'not-a-mapping',
      path: '',
      message: `the file holds ${what}; an experiment is a mapping of keys (${TOP_LEVEL_KEYS}), with at least "task" and "model"`,
      range: rangeOfPath(parsed, [], 'value'),
    };
    return { problems: [problem] };
  }
  const result = validateExperimentValue(value, { ...options, parsed });
  return { problems: sortProblems(dedupeProblems([...parsed.problems, ...result.problems])), input: result.input };
}

/**
 * Validates a plain experiment value. With `parsed`, problems point into that file; without it
 * (an experiment built in code), they point at the start.
 */
export function validateExperimentValue(value: unknown, options: ValidateOptions & { parsed?: ParsedYaml } = {}): ValidationResult {
  const overrideProblems: Problem[] = [];
  const overrides: Override[] = [];
  for (const raw of options.overrides ?? []) {
    const parsedOverride = parseOverride(raw);
    if (parsedOverride.ok) overrides.push(parsedOverride.override);
    else overrideProblems.push({ severity: 'error', code: 'override', path: '', message: parsedOverride.message, range: START_OF_FILE });
  }
  if (overrideProblems.length > 0) return { problems: overrideProblems };
  const subject = applyParsedOverrides(value, overrides);

  const kinds = kindsInPlay(subject);
  const findings: Finding[] = [...schemaFindings(subject), ...semanticFindings(withoutSweep(subject), kinds)];
  if (!findings.some((f) => f.severity === 'error' && f.path[0] === 'sweep')) findings.push(...sweepFindings(subject, findings, kinds));

  const problems = findings.map((f) => toProblem(f, options.parsed, overrides));
  const sorted = sortProblems(dedupeProblems(problems));
  const ok = !sorted.some((p) => p.severity === 'error');
  return { problems: sorted, input: ok ? (subject as ExperimentInput) : undefined };
}

/** Sets each override; an override of a swept path takes that path out of the sweep. */
function applyParsedOverrides(value: unknown, overrides: readonly Override[]): unknown {
  if (overrides.length === 0) return value;
  const copy = structuredClone(value) as Obj;
  for (const o of overrides) {
    setDottedPath(copy, o.path, o.value);
    const grid = asObject(asObject(copy.sweep)?.grid);
    if (grid !== undefined && o.path in grid) {
      delete grid[o.path];
      if (Object.keys(grid).length === 0) delete copy.sweep;
    }
  }
  return copy;
}

function withoutSweep(value: unknown): unknown {
  const root = asObject(value);
  if (root === undefined || !('sweep' in root)) return value;
  const { sweep: _sweep, ...rest } = root;
  return rest;
}

function axesOf(value: unknown): SweepAxis[] | undefined {
  const grid = asObject(asObject(asObject(value)?.sweep)?.grid);
  if (grid === undefined) return undefined;
  const axes: SweepAxis[] = [];
  for (const [path, values] of Object.entries(grid)) {
    if (!Array.isArray(values) || values.length === 0) return undefined;
    axes.push({ path, values });
  }
  return axes;
}

/** The model and task kinds the runs use: the file's own, or the swept ones where a kind is swept. */
function kindsInPlay(value: unknown): KindsInPlay {
  const kinds = kindsOf(value);
  for (const axis of axesOf(value) ?? []) {
    if (axis.path === 'model.kind') {
      kinds.models = new Set(axis.values.filter((v): v is ModelKind => (MODEL_KINDS as readonly unknown[]).includes(v)));
    } else if (axis.path === 'task.kind') {
      kinds.tasks = new Set(axis.values.filter((v): v is TaskKind => (TASK_KINDS as readonly unknown[]).includes(v)));
    }
  }
  return kinds;
}

function describeParameters(parameters: Record<string, unknown>): string {
  return Object.entries(parameters)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}

/**
 * Validates every combination of the sweep. An error at a swept path is reported at that sweep
 * value; an error elsewhere that only some runs have says which runs. Warnings come from the
 * file itself (with the kinds of all runs), not from each run.
 */
function sweepFindings(value: unknown, fileFindings: readonly Finding[], kinds: KindsInPlay): Finding[] {
  const axes = axesOf(value);
  if (axes === undefined || axes.length === 0) return [];
  const runs = sweepSize(axes);
  if (runs > MAX_SWEEP_RUNS) {
    return [
      {
        severity: 'error',
        code: 'sweep',
        path: ['sweep', 'grid'],
        target: 'key',
        detail: `expands to ${runs} runs; a sweep may have at most ${MAX_SWEEP_RUNS}`,
      },
    ];
  }
  const known = new Set(fileFindings.map((f) => `${formatPath(f.path)}|${f.detail}`));
  const byKey = new Map<string, { finding: Finding; runs: Record<string, unknown>[] }>();
  const parameterSets = sweepParameterSets(axes);
  for (const parameters of parameterSets) {
    const combination = combinationValue(value as object, parameters);
    const errors = [...schemaFindings(combination), ...semanticFindings(combination, kinds)].filter((f) => f.severity === 'error');
    for (const f of errors) {
      if (known.has(`${formatPath(f.path)}|${f.detail}`)) continue;
      const dotted = formatPath(f.path);
      const axis = axes.find((a) => dotted === a.path || dotted.startsWith(`${a.path}.`) || dotted.startsWith(`${a.path}[`));
      let mapped: Finding;
      if (axis !== undefined) {
        const index = axis.values.findIndex((v) => JSON.stringify(v) === JSON.stringify(parameters[axis.path]));
        const path: PathSegment[] = ['sweep', 'grid', axis.path, index];
        mapped = { ...f, path, target: 'value', message: f.message };
      } else mapped = f;
      const key = `${formatPath(mapped.path)}|${mapped.detail}`;
      const entry = byKey.get(key);
      if (entry) entry.runs.push(parameters);
      else byKey.set(key, { finding: mapped, runs: [parameters] });
    }
  }
  return [...byKey.values()].map(({ finding, runs: failing }) => {
    if (finding.path[0] === 'sweep') return finding;
    const which =
      failing.length === 1
        ? `in the sweep run with ${describeParameters(failing[0])}`
        : `in ${failing.length} of ${runs} sweep runs, e.g. ${describeParameters(failing[0])}`;
    return { ...finding, detail: `${finding.detail} (${which})`, message: finding.message ? `${finding.message} (${which})` : undefined };
  });
}

function pathStartsWith(path: readonly PathSegment[], dotted: string): boolean {
  const own = formatPath(path);
  return own === dotted || own.startsWith(`${dotted}.`);
}

function toProblem(f: Finding, parsed: ParsedYaml | undefined, overrides: readonly Override[]): Problem {
  const dotted = formatPath(f.path);
  const baseMessage = f.message ?? `${dotted}: ${f.detail}`;
  const override = [...overrides].reverse().find((o) => pathStartsWith(f.path, o.path));
  if (override !== undefined) {
    return { severity: f.severity, code: f.code, path: dotted, message: `--set ${override.raw}: ${baseMessage}`, range: START_OF_FILE, suggestion: undefined };
  }
  let range = START_OF_FILE;
  if (parsed !== undefined) {
    range = f.target === 'parent' ? rangeOfPath(parsed, f.path.slice(0, -1), 'key') : rangeOfPath(parsed, f.path, f.target);
  }
  const problem: Problem = { severity: f.severity, code: f.code, path: dotted, message: baseMessage, range };
  if (f.suggestion !== undefined) problem.suggestion = f.suggestion;
  return problem;
}
