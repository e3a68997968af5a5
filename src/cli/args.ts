/**
 * A small argument parser for the hrnn commands: positionals, `--flag`, `--key value`,
 * `--key=value`, and repeatable keys. Unknown options are errors with a did-you-mean.
 */

export interface OptionSpec {
  /** Takes a value (`--runs-dir DIR`) or is a switch (`--json`). */
  value: boolean;
  repeatable?: boolean;
}

export interface ParsedArgs {
  positionals: string[];
  flags: Set<string>;
  values: Map<string, string[]>;
}

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[], spec: Record<string, OptionSpec>): ParsedArgs {
  const out: ParsedArgs = { positionals: [], flags: new Set(), values: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      out.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const opt = spec[name];
    if (!opt) {
      const known = Object.keys(spec);
      const close = known.find((k) => k.startsWith(name.slice(0, 3)));
      throw new UsageError(`unknown option --${name}${close ? `; did you mean --${close}?` : ''}`);
    }
    if (!opt.value) {
      if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
      out.flags.add(name);
      continue;
    }
    let value: string | undefined = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`option --${name} needs a value`);
    const list = out.values.get(name) ?? [];
    if (list.length && !opt.repeatable) throw new UsageError(`option --${name} given twice`);
    list.push(value);
    out.values.set(name, list);
    value = undefined;
  }
  return out;
}

export function single(args: ParsedArgs, name: string): string | undefined {
  return args.values.get(name)?.[0];
}

export function positiveInt(args: ParsedArgs, name: string): number | undefined {
  const raw = single(args, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer (got "${raw}")`);
  return n;
}
