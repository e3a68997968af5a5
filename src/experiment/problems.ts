/**
 * The one shape every finding about an experiment file takes, from a YAML syntax error to a sweep
 * combination that does not validate, and its `file:line:col: severity: message` form.
 */

export type Severity = 'error' | 'warning';

/** 1-based line and column (columns count UTF-16 code units, as editors do). */
export interface Position {
  line: number;
  col: number;
}

/** `end` is exclusive. */
export interface Range {
  start: Position;
  end: Position;
}

export type ProblemCode =
  | 'io'
  | 'too-large'
  | 'encoding'
  | 'yaml-syntax'
  | 'duplicate-key'
  | 'alias'
  | 'empty'
  | 'not-a-mapping'
  | 'unknown-key'
  | 'missing-key'
  | 'invalid-value'
  | 'not-applicable'
  | 'conflict'
  | 'sweep'
  | 'override'
  | 'internal';

export interface Problem {
  severity: Severity;
  /** Human sentence, starting with the dotted path it is about (when it is about one). */
  message: string;
  /** Dotted key path, e.g. `model.hidden`; `""` for the whole file. */
  path: string;
  range: Range;
  code: ProblemCode;
  /** A replacement for the text at `range` that would fix the problem (did-you-mean). */
  suggestion?: string;
}

export const START_OF_FILE: Range = { start: { line: 1, col: 1 }, end: { line: 1, col: 1 } };

/** `file:line:col: error: message`, the form compilers use and editors link. */
export function formatProblem(file: string, problem: Problem): string {
  const { line, col } = problem.range.start;
  return `${file}:${line}:${col}: ${problem.severity}: ${problem.message}`;
}

/** Orders problems by position, errors before warnings at the same place. */
export function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) =>
      a.range.start.line - b.range.start.line || a.range.start.col - b.range.start.col || (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1),
  );
}

/** Drops repeats (same severity, message and start), keeping the first. */
export function dedupeProblems(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.severity}|${p.range.start.line}:${p.range.start.col}|${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function errorsOf(problems: Problem[]): Problem[] {
  return problems.filter((p) => p.severity === 'error');
}

export function warningsOf(problems: Problem[]): Problem[] {
  return problems.filter((p) => p.severity === 'warning');
}

/** Renders a key path for messages: `model.hidden`, `sweep.grid.model.tau[2]`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}
