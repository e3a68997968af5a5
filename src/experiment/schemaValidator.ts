/**
 * Schema validation with ajv (strict mode, all errors), turning ajv's errors into findings whose
 * words come from the schema: unknown keys with a did-you-mean from the keys valid at that level,
 * missing keys, and values with what they must be and what they were.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { closestMatch } from './didYouMean';
import type { Finding } from './findings';
import { experimentJsonSchema, propertyNames, schemaAt } from './jsonSchema';
import { formatPath } from './problems';
import { ANNOTATION_KEYWORDS, MODEL_KINDS, TASK_KINDS } from './schema';
import { explainMismatch } from './schemaDescribe';
import type { PathSegment } from './yamlDocument';

/** An ajv instance that knows the schema's annotation keywords (strict mode rejects unknown ones). */
export function createAjv(): Ajv {
  const ajv = new Ajv({ strict: true, allErrors: true });
  const metaSchemas: Record<(typeof ANNOTATION_KEYWORDS)[number], object> = {
    'x-appliesTo': { type: 'array', items: { enum: [...MODEL_KINDS] }, minItems: 1 },
    'x-appliesToTask': { type: 'array', items: { enum: [...TASK_KINDS] }, minItems: 1 },
    'x-patternHint': { type: 'string' },
  };
  for (const keyword of ANNOTATION_KEYWORDS) ajv.addKeyword({ keyword, metaSchema: metaSchemas[keyword] });
  return ajv;
}

let validator: ValidateFunction | undefined;

function compiled(): ValidateFunction {
  validator ??= createAjv().compile(experimentJsonSchema());
  return validator;
}

function decodePointer(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Turns string path segments that index lists back into numbers, by walking the value. */
function typedPath(value: unknown, raw: PathSegment[]): PathSegment[] {
  const out: PathSegment[] = [];
  let current: unknown = value;
  for (const segment of raw) {
    if (Array.isArray(current)) {
      const index = Number(segment);
      out.push(index);
      current = current[index];
    } else {
      out.push(String(segment));
      current = current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[String(segment)] : undefined;
    }
  }
  return out;
}

function valueAt(value: unknown, path: readonly PathSegment[]): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[String(segment)];
  }
  return current;
}

function isPrefix(prefix: readonly PathSegment[], path: readonly PathSegment[]): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => String(s) === String(path[i]));
}

/** Validates a plain experiment value against the schema. */
export function schemaFindings(value: unknown): Finding[] {
  const validate = compiled();
  if (validate(value)) return [];
  const errors: ErrorObject[] = validate.errors ?? [];
  const findings: Finding[] = [];
  const valuePaths = new Map<string, PathSegment[]>();

  for (const error of errors) {
    const at = typedPath(value, decodePointer(error.instancePath));
    if (error.keyword === 'additionalProperties') {
      const key = String((error.params as { additionalProperty: string }).additionalProperty);
      findings.push(unknownKeyFinding(at, key));
    } else if (error.keyword === 'required') {
      const key = String((error.params as { missingProperty: string }).missingProperty);
      const where = at.length > 0 ? ` in ${formatPath(at)}` : '';
      findings.push({
        severity: 'error',
        code: 'missing-key',
        path: [...at, key],
        target: 'parent',
        detail: `missing required key "${key}"${where}`,
        message: `missing required key "${key}"${where}`,
      });
    } else {
      valuePaths.set(JSON.stringify(at), at);
    }
  }
  // One finding per offending value; a value inside one that is already wrong says nothing new.
  const paths = [...valuePaths.values()];
  for (const path of paths) {
    if (paths.some((other) => other !== path && isPrefix(other, path))) continue;
    const node = schemaAt(path);
    if (node === undefined) continue;
    const mismatch = explainMismatch(node, valueAt(value, path));
    findings.push({ severity: 'error', code: 'invalid-value', path, target: 'value', detail: mismatch.detail, suggestion: mismatch.suggestion });
  }
  return findings;
}

export function unknownKeyFinding(at: PathSegment[], key: string): Finding {
  const allowed = propertyNames(schemaAt(at));
  const suggestion = closestMatch(key, allowed);
  const where = at.length > 0 ? ` in ${formatPath(at)}` : '';
  const inSweepGrid = at.length === 2 && at[0] === 'sweep' && at[1] === 'grid';
  const hint =
    suggestion !== undefined
      ? `; did you mean "${suggestion}"?`
      : allowed.length > 0 && allowed.length <= 12
        ? `; expected one of ${allowed.join(', ')}`
        : inSweepGrid
          ? '; a sweep path names one key, like "model.tau" or "training.learningRate"'
          : '';
  const message = `unknown key "${key}"${where}${hint}`;
  return { severity: 'error', code: 'unknown-key', path: [...at, key], target: 'key', detail: message, message, suggestion };
}
