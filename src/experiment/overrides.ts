/**
 * Command-line overrides (`hrnn train file.yaml --set training.steps=60`): `path=value`, the value
 * read as YAML (`0.01`, `tanh-rnn`, `null`, `[1, 2]`), the path checked against the schema.
 */
import { parseDocument } from 'yaml';
import { closestMatch } from './didYouMean';
import { leafPaths } from './jsonSchema';

export interface Override {
  /** The argument as given, for messages. */
  raw: string;
  path: string;
  value: unknown;
}

export type OverrideParse = { ok: true; override: Override } | { ok: false; message: string };

/** Parses one `path=value` argument and checks that the path is a key of the experiment format. */
export function parseOverride(raw: string): OverrideParse {
  const eq = raw.indexOf('=');
  if (eq <= 0) return { ok: false, message: `--set ${raw}: expected path=value, e.g. training.steps=60` };
  const path = raw.slice(0, eq).trim();
  const text = raw.slice(eq + 1);
  const paths = leafPaths();
  if (!paths.includes(path)) {
    const suggestion = closestMatch(path, paths);
    const hint = suggestion !== undefined ? `; did you mean "${suggestion}"?` : '';
    const why = path.startsWith('sweep') ? 'a sweep cannot be overridden' : 'not a key of the experiment format';
    return { ok: false, message: `--set ${raw}: unknown path "${path}" (${why})${hint}` };
  }
  // parseDocument, not parse: parse prints the library's warnings (an unknown tag) as raw process
  // warnings on stderr. A warning here is refused like an error: a one-word value needs no tags.
  const doc = parseDocument(text, { strict: true, prettyErrors: false, logLevel: 'error' });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem !== undefined) {
    const first = problem.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/u, '');
    const reason = first.charAt(0).toLowerCase() + first.slice(1);
    return { ok: false, message: `--set ${raw}: the value is not valid YAML (${reason})` };
  }
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { ok: false, message: `--set ${raw}: the value is not valid YAML (${reason})` };
  }
  return { ok: true, override: { raw, path, value } };
}
