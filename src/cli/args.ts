/**
 * The hrnn commands' option tables and the one parser they share. Each command declares its
 * options once (a CommandSpec); the same table parses its command line and writes its usage
 * text, so the two cannot disagree. Node's util.parseArgs splits the line into tokens (`--key
 * value`, `--key=value`, `-h`, `--`); the checks here turn every mistake into a UsageError of one
 * line with a did-you-mean. `--help` / `-h` is part of every table. Depends on nothing but Node
 * and the did-you-mean helper of the experiment format.
 */
import { parseArgs as tokenize, type ParseArgsConfig } from 'node:util';
import { closestMatch } from '../experiment/didYouMean';

export interface OptionSpec {
  /** The value's placeholder in the usage text (`DIR`); absent for a switch (`--json`). */
  value?: string;
  /** May be given several times (`--set a=1 --set b=2`). */
  repeatable?: boolean;
  /** A one-letter alias (`h` for `-h`). */
  short?: string;
  /** Its line in the usage text; an option without one is internal and not listed. */
  help?: string;
}

export interface CommandSpec {
  name: string;
  /** What follows `hrnn <name>` in the usage line: `<experiment.yaml> [options]`. */
  synopsis: string;
  /** One line for the command list of `hrnn --help`. */
  summary: string;
  /** A paragraph for `hrnn <name> --help`, between the usage line and the options. */
  description?: string;
  options: Record<string, OptionSpec>;
}

export interface ParsedArgs {
  positionals: string[];
  /** Switches given (by long name). */
  flags: Set<string>;
  /** Values of options that take one, in the order given (by long name). */
  values: Map<string, string[]>;
  /** `--help` or `-h` was given: print the usage, do nothing else (other mistakes on the line are ignored). */
  help: boolean;
}

export class UsageError extends Error {}

const HELP_OPTION: OptionSpec = { short: 'h', help: 'show this text' };

/** The command's options with `--help` added (every command answers it). */
function optionTable(spec: CommandSpec): Record<string, OptionSpec> {
  return { ...spec.options, help: HELP_OPTION };
}

function known(table: Record<string, OptionSpec>, name: string): OptionSpec | undefined {
  return Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
}

function unknownOption(rawName: string, table: Record<string, OptionSpec>): string {
  const listed = Object.keys(table).filter((k) => table[k].help !== undefined);
  const close = closestMatch(rawName.replace(/^-+/u, ''), listed);
  return `unknown option ${rawName}${close !== undefined ? `; did you mean --${close}?` : ''}`;
}

/** Parses a command's arguments (after the command name) against its option table. */
export function parseCommandLine(argv: readonly string[], spec: CommandSpec): ParsedArgs {
  const table = optionTable(spec);
  const nodeOptions: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, opt] of Object.entries(table)) {
    nodeOptions[name] = { type: opt.value !== undefined ? 'string' : 'boolean', ...(opt.short ? { short: opt.short } : {}) };
  }
  // Not strict: unknown options come back as tokens, so the messages (and did-you-means) are ours.
  const { tokens } = tokenize({ args: [...argv], options: nodeOptions, strict: false, allowPositionals: true, tokens: true });
  const out: ParsedArgs = { positionals: [], flags: new Set(), values: new Map(), help: false };
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) {
    out.help = true;
    return out;
  }
  for (const token of tokens) {
    if (token.kind === 'positional') {
      out.positionals.push(token.value);
      continue;
    }
    if (token.kind === 'option-terminator') continue;
    const opt = known(table, token.name);
    if (opt === undefined) throw new UsageError(unknownOption(token.rawName, table));
    if (opt.value === undefined) {
      if (token.value !== undefined) throw new UsageError(`option --${token.name} takes no value`);
      out.flags.add(token.name);
      continue;
    }
    if (token.value === undefined) throw new UsageError(`option --${token.name} needs a value (--${token.name} ${opt.value})`);
    const list = out.values.get(token.name) ?? [];
    if (list.length > 0 && !opt.repeatable) throw new UsageError(`option --${token.name} given twice`);
    list.push(token.value);
    out.values.set(token.name, list);
  }
  return out;
}

/** `  --runs-dir DIR      where run folders go`: the option lines of a usage text. */
function optionLines(table: Record<string, OptionSpec>): string[] {
  const entries = Object.entries(table).filter(([, opt]) => opt.help !== undefined);
  const labels = entries.map(([name, opt]) => `${opt.short ? `-${opt.short}, ` : ''}--${name}${opt.value !== undefined ? ` ${opt.value}` : ''}`);
  const column = Math.min(22, Math.max(...labels.map((l) => l.length)) + 2);
  const lines: string[] = [];
  entries.forEach(([, opt], i) => {
    const [first, ...rest] = opt.help!.split('\n');
    const pad = ' '.repeat(2 + column);
    if (labels[i].length + 2 > column) lines.push(`  ${labels[i]}`, pad + first);
    else lines.push(`  ${labels[i].padEnd(column)}${first}`);
    for (const more of rest) lines.push(pad + more);
  });
  return lines;
}

/** The usage text of a command (`hrnn <name> --help`), from its option table. */
export function usageText(spec: CommandSpec): string {
  const parts = [`usage: hrnn ${spec.name} ${spec.synopsis}`];
  if (spec.description) parts.push('', spec.description);
  parts.push('', 'options:', ...optionLines(optionTable(spec)));
  return parts.join('\n');
}

/** The one line a usage mistake prints: `hrnn train: unknown option --bogus (see hrnn train --help)`. */
export function usageErrorLine(command: string, error: UsageError): string {
  return `hrnn ${command}: ${error.message} (see hrnn ${command} --help)`;
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
