/**
 * One validation pass over an experiment: YAML syntax, the schema (ajv), the checks a schema
 * cannot express, overrides, the sweep's spec and every run of the sweep, all reported as
 * positioned Problems.
 */
import { MAX_EXPERIMENT_BYTES, tooLargeProblem } from './encoding';
import type { Finding } from './findings';
import { parseOverride, type Override } from './overrides';
import { dedupeProblems, formatPath, sortProblems, START_OF_FILE, type Problem } from './problems';
import { MODEL_KINDS, TASK_KINDS, type ExperimentInput, type ModelKind, type TaskKind } from './schema';
import { schemaFindings } from './schemaValidator';
import { kindsOf, semanticFindings, type KindsInPlay } from './semanticChecks';
import { combinationValue, hasSweep, MAX_SWEEP_RUNS, planParameterSets, planSize, SEED_PATH, setDottedPath, sweepPlan, type SweepPlan } from './sweep';
import { sweepSpecFindings } from './sweepChecks';
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

/** Sets each override; an override of a swept path (or of `seed`, for `sweep.seeds`) takes that path out of the sweep. */
function applyParsedOverrides(value: unknown, overrides: readonly Override[]): unknown {
  if (overrides.length === 0) return value;
  const copy = structuredClone(value) as Obj;
  for (const o of overrides) {
    setDottedPath(copy, o.path, o.value);
    const sweep = asObject(copy.sweep);
    if (sweep === undefined) continue;
    const grid = asObject(sweep.grid);
    if (grid !== undefined && o.path in grid) {
      delete grid[o.path];
      if (Object.keys(grid).length === 0) delete sweep.grid;
    }
    const random = asObject(sweep.random);
    const drawn = asObject(random?.parameters);
    if (random !== undefined && drawn !== undefined && o.path in drawn) {
      delete drawn[o.path];
      if (Object.keys(drawn).length === 0) delete sweep.random;
    }
    if (o.path === SEED_PATH) delete sweep.seeds;
    if (Object.keys(sweep).length === 0) delete copy.sweep;
  }
  return copy;
}

function withoutSweep(value: unknown): unknown {
  const root = asObject(value);
  if (root === undefined || !('sweep' in root)) return value;
  const { sweep: _sweep, ...rest } = root;
  return rest;
}

/** Every value a kind may take in the sweep: a grid axis's list, or a random path's choices. */
function sweptValues(value: unknown, path: string): unknown[] | undefined {
  const sweep = asObject(asObject(value)?.sweep);
  const grid = asObject(sweep?.grid)?.[path];
  if (Array.isArray(grid) && grid.length > 0) return grid;
  const choice = asObject(asObject(asObject(sweep?.random)?.parameters)?.[path])?.choice;
  return Array.isArray(choice) && choice.length > 0 ? choice : undefined;
}

/** The model and task kinds the runs use: the file's own, or the swept ones where a kind is swept. */
function kindsInPlay(value: unknown): KindsInPlay {
  const kinds = kindsOf(value);
  const models = sweptValues(value, 'model.kind');
  if (models !== undefined) kinds.models = new Set(models.filter((v): v is ModelKind => (MODEL_KINDS as readonly unknown[]).includes(v)));
  const tasks = sweptValues(value, 'task.kind');
  if (tasks !== undefined) kinds.tasks = new Set(tasks.filter((v): v is TaskKind => (TASK_KINDS as readonly unknown[]).includes(v)));
  return kinds;
}

function describeParameters(parameters: Record<string, unknown>): string {
  return Object.entries(parameters)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}

/** `grid 4 x 20 draws x 3 seeds`: where a sweep's size comes from. */
function describeSize(plan: SweepPlan): string {
  const parts: string[] = [];
  if (plan.axes.length > 0) parts.push(`${plan.axes.reduce((n, a) => n * a.values.length, 1)} grid combinations`);
  if (plan.random) parts.push(`${plan.random.count} random draws`);
  if (plan.seeds) parts.push(`${plan.seeds.length} seeds`);
  return parts.join(' x ');
}

/** Where in `sweep` a run's value of `dotted` (a path with an error in that run) comes from, if it is swept. */
function sweptOrigin(
  plan: SweepPlan,
  dotted: string,
  parameters: Record<string, unknown>,
): { path: PathSegment[]; target: Finding['target']; describeRuns: boolean } | undefined {
  const covers = (swept: string) => dotted === swept || dotted.startsWith(`${swept}.`) || dotted.startsWith(`${swept}[`);
  const axis = plan.axes.find((a) => covers(a.path));
  if (axis !== undefined) {
    const index = axis.values.findIndex((v) => JSON.stringify(v) === JSON.stringify(parameters[axis.path]));
    return { path: ['sweep', 'grid', axis.path, index], target: 'value', describeRuns: false };
  }
  const drawn = plan.random?.parameters.find(([path]) => covers(path));
  if (drawn !== undefined) return { path: ['sweep', 'random', 'parameters', drawn[0]], target: 'key', describeRuns: true };
  if (plan.seeds !== undefined && covers(SEED_PATH)) return { path: ['sweep', 'seeds'], target: 'key', describeRuns: true };
  return undefined;
}

/**
 * Validates the sweep's spec, then every run of the sweep. An error at a grid path is reported at
 * that grid value; one at a drawn path or the seed at its entry in `sweep`; an error elsewhere
 * that only some runs have says which runs. Warnings come from the file itself (with the kinds of
 * all runs), not from each run.
 */
function sweepFindings(value: unknown, fileFindings: readonly Finding[], kinds: KindsInPlay): Finding[] {
  const plan = sweepPlan(value as Parameters<typeof sweepPlan>[0]);
  if (!hasSweep(plan)) return [];
  const specFindings = sweepSpecFindings(value);
  if (specFindings.length > 0) return specFindings;
  const runs = planSize(plan);
  if (runs > MAX_SWEEP_RUNS) {
    const gridOnly = plan.random === undefined && plan.seeds === undefined;
    const size = gridOnly ? '' : ` (${describeSize(plan)})`;
    return [
      {
        severity: 'error',
        code: 'sweep',
        path: gridOnly ? ['sweep', 'grid'] : ['sweep'],
        target: 'key',
        detail: `expands to ${runs} runs${size}; a sweep may have at most ${MAX_SWEEP_RUNS}`,
      },
    ];
  }
  const known = new Set(fileFindings.map((f) => `${formatPath(f.path)}|${f.detail}`));
  const byKey = new Map<string, { finding: Finding; runs: Record<string, unknown>[]; describeRuns: boolean }>();
  for (const parameters of planParameterSets(plan)) {
    const combination = combinationValue(value as object, parameters);
    const errors = [...schemaFindings(combination), ...semanticFindings(combination, kinds)].filter((f) => f.severity === 'error');
    for (const f of errors) {
      if (known.has(`${formatPath(f.path)}|${f.detail}`)) continue;
      const origin = sweptOrigin(plan, formatPath(f.path), parameters);
      const mapped: Finding = origin !== undefined ? { ...f, path: origin.path, target: origin.target, message: f.message } : f;
      const detail = origin?.describeRuns ? `${formatPath(f.path)}: ${f.detail}` : mapped.detail;
      const key = `${formatPath(mapped.path)}|${detail}`;
      const entry = byKey.get(key);
      if (entry) entry.runs.push(parameters);
      else byKey.set(key, { finding: { ...mapped, detail }, runs: [parameters], describeRuns: origin?.describeRuns ?? origin === undefined });
    }
  }
  return [...byKey.values()].map(({ finding, runs: failing, describeRuns }) => {
    if (!describeRuns) return finding;
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
