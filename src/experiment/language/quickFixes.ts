/**
 * Quick fixes: for an unknown key or a misspelt value with a close match, replace it with that
 * match ("Change to `learningRate`").
 */
import type { Problem, Range } from '../problems';
import { validateExperimentText } from '../validate';

export interface QuickFix {
  title: string;
  /** The range to replace (1-based lines and columns, end exclusive). */
  range: Range;
  newText: string;
  /** The problem it fixes. */
  problem: Problem;
}

function overlaps(a: Range, b: Range): boolean {
  const before = (x: Range['start'], y: Range['start']) => x.line < y.line || (x.line === y.line && x.col <= y.col);
  return before(a.start, b.end) && before(b.start, a.end);
}

/** The fixes offered for `problems` (from an earlier validation), optionally only those touching `range`. */
export function quickFixesFor(problems: readonly Problem[], range?: Range): QuickFix[] {
  return problems
    .filter((p) => p.suggestion !== undefined && (range === undefined || overlaps(p.range, range)))
    .map((p) => ({ title: `Change to \`${p.suggestion!}\``, range: p.range, newText: p.suggestion!, problem: p }));
}

/** Validates `text` and returns the fixes for problems touching `range` (all of them without one). */
export function quickFixes(text: string, range?: Range): QuickFix[] {
  return quickFixesFor(validateExperimentText(text).problems, range);
}
