/**
 * The experiment schema as plain JSON Schema (draft-07), exactly what `media/experiment.schema.json`
 * publishes, and navigation in it by key path (for messages, completion and hover).
 */
import { ExperimentSchema } from './schema';

/** The subset of JSON Schema this project's schema uses, typed for reading. */
export interface SchemaNode {
  $id?: string;
  $schema?: string;
  title?: string;
  type?: string;
  description?: string;
  default?: unknown;
  examples?: unknown[];
  const?: unknown;
  enum?: unknown[];
  anyOf?: SchemaNode[];
  properties?: Record<string, SchemaNode>;
  patternProperties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  required?: string[];
  items?: SchemaNode;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  'x-appliesTo'?: string[];
  'x-appliesToTask'?: string[];
  'x-patternHint'?: string;
}

export const JSON_SCHEMA_DRAFT_07 = 'http://json-schema.org/draft-07/schema#';

let cached: SchemaNode | undefined;

/** The published JSON Schema document (TypeBox's symbols stripped, draft-07 declared). */
export function experimentJsonSchema(): SchemaNode {
  cached ??= { $schema: JSON_SCHEMA_DRAFT_07, ...(JSON.parse(JSON.stringify(ExperimentSchema)) as SchemaNode) };
  return cached;
}

/** The text of `media/experiment.schema.json` (what scripts/build.mjs writes). */
export function experimentJsonSchemaText(): string {
  return JSON.stringify(experimentJsonSchema(), null, 2) + '\n';
}

/**
 * The schema of the value at `path` (keys and list indices), or undefined where the schema
 * allows nothing. Unions are looked through for the branch that has the next key.
 */
export function schemaAt(path: readonly (string | number)[], root: SchemaNode = experimentJsonSchema()): SchemaNode | undefined {
  let node: SchemaNode | undefined = root;
  for (const segment of path) {
    if (node === undefined) return undefined;
    node = childSchema(node, segment);
  }
  return node;
}

function childSchema(node: SchemaNode, segment: string | number): SchemaNode | undefined {
  if (typeof segment === 'number') {
    if (node.items !== undefined) return node.items;
  } else {
    const direct = node.properties?.[segment];
    if (direct !== undefined) return direct;
    for (const [pattern, schema] of Object.entries(node.patternProperties ?? {})) {
      if (new RegExp(pattern, 'u').test(segment)) return schema;
    }
    if (typeof node.additionalProperties === 'object') return node.additionalProperties;
  }
  for (const branch of node.anyOf ?? []) {
    const found = childSchema(branch, segment);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A pattern that names one key literally (`^choice$`), as the schema writes fixed names it keeps out of `properties`. */
const LITERAL_KEY_PATTERN = /^\^([A-Za-z][A-Za-z0-9]*)\$$/u;

/** The keys a mapping at this schema node may hold, in schema order (literal pattern keys after the properties). */
export function propertyNames(node: SchemaNode | undefined): string[] {
  const literal = Object.keys(node?.patternProperties ?? {}).flatMap((p) => LITERAL_KEY_PATTERN.exec(p)?.[1] ?? []);
  return [...Object.keys(node?.properties ?? {}), ...literal];
}

/** The schema of key `key` of a mapping at `node` (a property, or a literal pattern key), or undefined. */
export function propertySchema(node: SchemaNode | undefined, key: string): SchemaNode | undefined {
  return node?.properties?.[key] ?? node?.patternProperties?.[`^${key}$`];
}

/** Whether the node describes a mapping (possibly as one branch of a union). */
export function isObjectSchema(node: SchemaNode | undefined): boolean {
  if (node === undefined) return false;
  return node.type === 'object' || (node.anyOf ?? []).some((b) => b.type === 'object');
}

/** Whether the node describes a list. */
export function isArraySchema(node: SchemaNode | undefined): boolean {
  return node?.type === 'array';
}

/** Every dotted path to a leaf (non-mapping) key, e.g. `model.tau`, for override checks. */
export function leafPaths(root: SchemaNode = experimentJsonSchema()): string[] {
  const out: string[] = [];
  const walk = (node: SchemaNode, prefix: string[]) => {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      if (key === 'sweep') continue;
      if (child.type === 'object' && child.properties) walk(child, [...prefix, key]);
      else out.push([...prefix, key].join('.'));
    }
  };
  walk(root, []);
  return out;
}
