/**
 * Command-line overrides (`hrnn train file.yaml --set training.steps=60`): `path=value`, the value
 * read as YAML (`0.01`, `tanh-rnn`, `null`, `[1, 2]`), the path checked against the schema.
 */
import { parse as parseYaml } from 'yaml';
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
  let value: unknown;
  try {
    value = parseYaml(text, { strict: true, prettyErrors: false });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { ok: false, message: `--set ${raw}: the value is not valid YAML (${reason})` };
  }
  return { ok: true, override: { raw, path, value } };
}
