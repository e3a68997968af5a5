/**
 * Completion for experiment files, from the schema: the keys valid at the cursor that are not
 * there yet (in `model` and `task`, only those that apply to the kind written there), and for
 * values the enum members, `auto`, `null`, the default and the examples.
 */
import { isArraySchema, isObjectSchema, propertyNames, propertySchema, schemaAt, type SchemaNode } from '../jsonSchema';
import { MODEL_KINDS, TASK_KINDS } from '../schema';
import { literalValues } from '../schemaDescribe';
import { cursorContext } from './cursorContext';
import { expectationLine, keyDocumentation } from './schemaDocs';

export interface CompletionItem {
  label: string;
  kind: 'key' | 'value';
  /** Text to put in place of the range [replaceStart, replaceEnd). */
  insertText: string;
  replaceStart: number;
  replaceEnd: number;
  /** Short text beside the label. */
  detail: string;
  /** Markdown. */
  documentation: string;
  /** Orders the list: required keys, then the rest; the default value first. */
  sortText: string;
}

function valueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Whether a key applies to the kind chosen in its mapping: in `model`, by `x-appliesTo`; in `task`,
 * by `x-appliesToTask`. A mapping without a (known) kind yet offers every key.
 */
function appliesToChosenKind(path: readonly string[], node: SchemaNode, presentValues: Readonly<Record<string, string>>): boolean {
  if (path.length !== 1) return true;
  const kind = presentValues.kind;
  if (kind === undefined || kind === '') return true;
  const kinds = path[0] === 'model' ? node['x-appliesTo'] : path[0] === 'task' ? node['x-appliesToTask'] : undefined;
  const known = path[0] === 'model' ? (MODEL_KINDS as readonly string[]) : (TASK_KINDS as readonly string[]);
  return kinds === undefined || !known.includes(kind) || kinds.includes(kind);
}

function keyItems(
  path: string[],
  present: readonly string[],
  presentValues: Readonly<Record<string, string>>,
  indent: number,
  replace: [number, number],
  colonFollows: boolean,
): CompletionItem[] {
  const parent = schemaAt(path);
  if (!isObjectSchema(parent)) return [];
  const required = new Set(parent?.required ?? []);
  return propertyNames(parent)
    .filter((key) => !present.includes(key) && appliesToChosenKind(path, propertySchema(parent, key)!, presentValues))
    .map((key, order) => {
      const node = propertySchema(parent, key)!;
      // A section opens a nested block (block style); a leaf or a list takes its value on the line.
      const nested = node.type === 'object' && indent >= 0;
      const insertText = colonFollows ? key : nested ? `${key}:\n${' '.repeat(indent + 2)}` : `${key}: `;
      return {
        label: key,
        kind: 'key' as const,
        insertText,
        replaceStart: replace[0],
        replaceEnd: replace[1],
        detail: expectationLine(node),
        documentation: keyDocumentation(node),
        sortText: `${required.has(key) ? 0 : 1}${String(order).padStart(3, '0')}`,
      };
    });
}

function valueItems(node: SchemaNode, keyNode: SchemaNode, replace: [number, number]): CompletionItem[] {
  const candidates: unknown[] = [];
  const push = (v: unknown) => {
    if (v !== undefined && typeof v !== 'object' && !candidates.includes(v)) candidates.push(v);
    if (v === null && !candidates.includes(null)) candidates.push(null);
  };
  push(node.default);
  literalValues(node).forEach(push);
  (node.examples ?? []).forEach(push);
  return candidates.map((value, order) => ({
    label: valueText(value),
    kind: 'value' as const,
    insertText: valueText(value),
    replaceStart: replace[0],
    replaceEnd: replace[1],
    detail: value === node.default ? 'default' : '',
    documentation: keyDocumentation(keyNode),
    sortText: String(order).padStart(3, '0'),
  }));
}

/** Completion items at `offset` in `text` (empty where nothing fits). */
export function completionsAt(text: string, offset: number): CompletionItem[] {
  const context = cursorContext(text, offset);
  if (context === undefined) return [];
  const replace: [number, number] = [context.replaceStart, context.replaceEnd];
  if (context.kind === 'key') return keyItems(context.path, context.presentKeys, context.presentValues, context.indent, replace, context.colonFollows);
  const keyNode = schemaAt(context.path);
  if (keyNode === undefined) return [];
  let valueNode: SchemaNode | undefined = keyNode;
  if (context.listItem) valueNode = isArraySchema(keyNode) ? keyNode.items : undefined;
  else if (isArraySchema(keyNode) || isObjectSchema(keyNode)) return [];
  if (valueNode === undefined) return [];
  // No filtering by the typed prefix: editors filter (fuzzily) themselves.
  return valueItems(valueNode, keyNode, replace);
}
