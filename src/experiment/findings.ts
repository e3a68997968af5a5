/**
 * A finding: a problem about a key path, before it is placed in a file. Validation works on plain
 * values (the file, a sweep combination, an override), so it speaks in paths; the caller turns
 * findings into positioned Problems.
 */
import type { ProblemCode, Severity } from './problems';
import type { PathSegment } from './yamlDocument';

export interface Finding {
  severity: Severity;
  code: ProblemCode;
  path: PathSegment[];
  /** Which part of the entry at `path` the problem is about. `parent`: the enclosing key. */
  target: 'key' | 'value' | 'parent';
  /** The sentence after `path: ` (`must be an integer >= 1 (got 0)`). */
  detail: string;
  /** When set, the whole message (it does not start with the path). */
  message?: string;
  suggestion?: string;
}
