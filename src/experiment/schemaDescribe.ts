/**
 * Schema nodes in words: what a key accepts ("an integer from 1 to 8192"), what a given value
 * violates ("must be an integer >= 1 (got 0)") and which literal values it allows (for enums,
 * completion and hover). Every message about a value derives from the schema here.
 */
import { closestMatch } from './didYouMean';
import type { SchemaNode } from './jsonSchema';

/** `value` as it should appear in a message. */
export function showValue(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return 'an empty list';
    // A short list of plain values is shown as written: `a list: [0, 1]`.
    const plain = value.length <= 8 && value.every((v) => typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length <= 20));
    return plain ? `a list: [${value.map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v))).join(', ')}]` : 'a list';
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  return Object.keys(value as object).length === 0 ? 'an empty mapping' : 'a mapping';
}

/** A literal as it should appear in a list of allowed values. */
export function showLiteral(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function branches(node: SchemaNode): SchemaNode[] {
  return node.anyOf ?? [node];
}

/** The literal values (enum members, consts, `null` when allowed) a node accepts, in order. */
export function literalValues(node: SchemaNode | undefined): unknown[] {
  if (node === undefined) return [];
  const out: unknown[] = [];
  for (const b of branches(node)) {
    if (b.const !== undefined) out.push(b.const);
    else if (b.enum) out.push(...b.enum);
    else if (b.type === 'null') out.push(null);
    else if (b.type === 'boolean') out.push(true, false);
  }
  return out;
}

/** The string literals a node accepts (enum values, `auto`). */
export function stringLiterals(node: SchemaNode | undefined): string[] {
  return literalValues(node).filter((v): v is string => typeof v === 'string');
}

function article(type: string): string {
  switch (type) {
    case 'integer':
      return 'an integer';
    case 'number':
      return 'a number';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'null':
      return 'null';
    default:
      return type;
  }
}

function numberBounds(b: SchemaNode): string {
  const lower = b.exclusiveMinimum !== undefined ? `> ${b.exclusiveMinimum}` : b.minimum !== undefined ? `>= ${b.minimum}` : undefined;
  const upper = b.exclusiveMaximum !== undefined ? `< ${b.exclusiveMaximum}` : b.maximum !== undefined ? `<= ${b.maximum}` : undefined;
  if (b.minimum !== undefined && b.maximum !== undefined && b.exclusiveMinimum === undefined && b.exclusiveMaximum === undefined) {
    return `from ${b.minimum} to ${b.maximum}`;
  }
  return [lower, upper].filter((x) => x !== undefined).join(' and ');
}

/** An array branch in words: `a list of 2 values, each a number > 0 and < 1`. */
function listShape(b: SchemaNode): string {
  const { minItems: min, maxItems: max } = b;
  const values = (n: number) => `${n} value${n === 1 ? '' : 's'}`;
  const count =
    min !== undefined && min === max
      ? values(min)
      : min === 1
        ? 'at least one value'
        : min !== undefined && min > 1
          ? `at least ${values(min)}`
          : max !== undefined
            ? `at most ${values(max)}`
            : 'values';
  return b.items ? `a list of ${count}, each ${describeExpectation(b.items)}` : `a list of ${count}, e.g. [0.001, 0.01]`;
}

/** One branch in words: `an integer from 1 to 8192`, `"auto"`, `null`. */
function describeBranch(b: SchemaNode): string {
  if (b.const !== undefined) return JSON.stringify(b.const);
  if (b.enum) return `one of ${b.enum.map(showLiteral).join(', ')}`;
  const type = b.type ?? 'any value';
  if (type === 'integer' || type === 'number') {
    const bounds = numberBounds(b);
    return bounds === '' ? article(type) : `${article(type)} ${bounds}`;
  }
  if (type === 'array') return listShape(b);
  if (type === 'string' && b['x-patternHint']) return `a string that ${b['x-patternHint']}`;
  return article(type);
}

/** What a node accepts, in words: `one of adding, smnist, psmnist`, `a number > 0 and <= 10, or "auto"`. */
export function describeExpectation(node: SchemaNode): string {
  const all = branches(node);
  const stringConsts = all.filter((b) => typeof b.const === 'string').map((b) => b.const as string);
  if (stringConsts.length === all.length && all.length > 1) return `one of ${stringConsts.join(', ')}`;
  const parts = all.map(describeBranch);
  if (parts.length === 1) return parts[0];
  return `${parts.slice(0, -1).join(', ')}, or ${parts[parts.length - 1]}`;
}

function jsonType(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value === 'object' ? 'object' : typeof value;
}

function typeMatches(schemaType: string | undefined, value: unknown): boolean {
  const actual = jsonType(value);
  if (schemaType === undefined) return true;
  if (schemaType === 'number') return actual === 'number' || actual === 'integer';
  return schemaType === actual;
}

/** The first bound of a numeric branch that `value` breaks, in words (`an integer >= 1`). */
function numberViolation(b: SchemaNode, value: number): string | undefined {
  const kind = article(b.type ?? 'number');
  if (!Number.isFinite(value)) return `${kind} ${numberBounds(b)}`.trim();
  if (b.type === 'integer' && !Number.isInteger(value)) return 'an integer';
  if (b.minimum !== undefined && value < b.minimum) return `${kind} >= ${b.minimum}`;
  if (b.exclusiveMinimum !== undefined && value <= b.exclusiveMinimum) return `${kind} > ${b.exclusiveMinimum}`;
  if (b.maximum !== undefined && value > b.maximum) return `${kind} <= ${b.maximum}`;
  if (b.exclusiveMaximum !== undefined && value >= b.exclusiveMaximum) return `${kind} < ${b.exclusiveMaximum}`;
  return undefined;
}

function stringViolation(b: SchemaNode, value: string): string | undefined {
  if (b.minLength !== undefined && value.length < b.minLength) return b.minLength === 1 ? 'a non-empty string' : `at least ${b.minLength} characters long`;
  if (b.maxLength !== undefined && value.length > b.maxLength) return `at most ${b.maxLength} characters long`;
  if (b.pattern !== undefined && !new RegExp(b.pattern, 'u').test(value)) {
    return b['x-patternHint'] ? `a string that ${b['x-patternHint']}` : `a string matching ${b.pattern}`;
  }
  return undefined;
}

export interface Mismatch {
  /** `must be ... (got ...)`, without the key path. */
  detail: string;
  /** A close literal the user probably meant. */
  suggestion?: string;
}

/**
 * Why `value` does not fit `node`, in words. Names the bound that is broken when the value has
 * the right type, and every alternative of a union; suggests a close enum value for a typo.
 */
export function explainMismatch(node: SchemaNode, value: unknown): Mismatch {
  const all = branches(node);
  const got = ` (got ${showValue(value)})`;
  const literals = stringLiterals(node);
  if (typeof value === 'string' && literals.length > 0) {
    const suggestion = closestMatch(value, literals);
    const hint = suggestion !== undefined ? `; did you mean "${suggestion}"?` : '';
    return { detail: `must be ${describeExpectation(node)}${got}${hint}`, suggestion };
  }
  // A value of the right type that breaks a bound: name that bound, plus the other alternatives.
  for (const b of all) {
    if (!typeMatches(b.type, value) || b.const !== undefined) continue;
    let broken: string | undefined;
    if (typeof value === 'number') broken = numberViolation(b, value);
    else if (typeof value === 'string') broken = stringViolation(b, value);
    else if (Array.isArray(value)) broken = listViolation(b, value);
    else if (jsonType(value) === 'object' && b.minProperties !== undefined && Object.keys(value as object).length < b.minProperties) {
      broken = 'a mapping with at least one key';
    }
    if (broken !== undefined) {
      const others = all.filter((o) => o !== b).map(describeBranch);
      const alternatives = others.length > 0 ? `, or ${others.join(', or ')}` : '';
      return { detail: `must be ${broken}${alternatives}${got}` };
    }
  }
  return { detail: `must be ${describeExpectation(node)}${got}` };
}

/** What a list breaks (its length, or an item that does not fit): the list it must be, in words. */
function listViolation(b: SchemaNode, value: readonly unknown[]): string | undefined {
  const tooShort = b.minItems !== undefined && value.length < b.minItems;
  const tooLong = b.maxItems !== undefined && value.length > b.maxItems;
  if (tooShort || tooLong) return listShape(b);
  if (!b.items) return undefined;
  const items = b.items;
  const bad = value.findIndex((item) => explainsAway(items, item));
  return bad < 0 ? undefined : listShape(b);
}

/** Whether `item` fails every branch of `node` by type or bound (the checks explainMismatch names). */
function explainsAway(node: SchemaNode, item: unknown): boolean {
  return !branches(node).some((b) => {
    if (b.const !== undefined) return b.const === item;
    if (b.enum) return b.enum.includes(item as never);
    if (!typeMatches(b.type, item)) return false;
    if (typeof item === 'number') return numberViolation(b, item) === undefined;
    if (typeof item === 'string') return stringViolation(b, item) === undefined;
    return true;
  });
}
