/**
 * Hover for experiment files: the description, accepted values, default and examples of the key
 * under the cursor (or of the key whose value is under it), straight from the schema.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { schemaAt } from '../jsonSchema';
import { formatPath } from '../problems';
import { analyseLine, enclosingKeys } from '../yamlOutline';
import { lineAt } from './cursorContext';
import { keyDocumentation } from './schemaDocs';

export interface HoverResult {
  /** Markdown. */
  contents: string;
  /** Offsets of the hovered key or value. */
  start: number;
  end: number;
  /** The key path hovered, e.g. ['model', 'tau']. */
  path: (string | number)[];
}

interface Hit {
  path: (string | number)[];
  start: number;
  end: number;
}

const within = (node: Node | null | undefined, offset: number): boolean => node?.range != null && node.range[0] <= offset && offset <= node.range[1];

/** The key or scalar under `offset` in a parsed document, with its path. */
function astHit(text: string, offset: number): Hit | undefined {
  const doc = parseDocument(text, { lineCounter: new LineCounter(), uniqueKeys: false, prettyErrors: false });
  const walk = (node: unknown, path: (string | number)[]): Hit | undefined => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        if (!isScalar(key)) continue;
        const keyPath = [...path, String(key.value)];
        if (within(key, offset)) return { path: keyPath, start: key.range![0], end: key.range![1] };
        const value = pair.value as Node | null;
        if (isScalar(value) && within(value, offset)) return { path: keyPath, start: value.range![0], end: value.range![1] };
        if (within(value, offset)) return walk(value, keyPath);
      }
    } else if (isSeq(node)) {
      for (let i = 0; i < node.items.length; i++) {
        const item = node.items[i] as Node | null;
        if (isScalar(item) && within(item, offset)) return { path: [...path, i], start: item.range![0], end: item.range![1] };
        if (within(item, offset)) return walk(item, [...path, i]);
      }
    }
    return undefined;
  };
  return walk(doc.contents, []);
}

/** The key on the cursor's line, read from indentation (for text that does not parse). */
function lineHit(text: string, offset: number): Hit | undefined {
  const { lines, line, col, lineStart } = lineAt(text, offset);
  const info = analyseLine(lines[line] ?? '');
  if (info.key === undefined || info.keyColumn === undefined || col < info.keyColumn) return undefined;
  const path = [...enclosingKeys(lines, line, info.keyColumn), info.key];
  return { path, start: lineStart + info.keyColumn, end: lineStart + info.keyColumn + info.key.length };
}

/** Hover documentation at `offset`, or undefined where the cursor is on no known key. */
export function hoverAt(text: string, offset: number): HoverResult | undefined {
  let hit: Hit | undefined;
  try {
    hit = astHit(text, offset);
  } catch {
    hit = undefined;
  }
  hit ??= lineHit(text, offset);
  if (hit === undefined) return undefined;
  // A list item (a sweep value) is documented by its list's key.
  const keyPath = typeof hit.path[hit.path.length - 1] === 'number' ? hit.path.slice(0, -1) : hit.path;
  const node = schemaAt(keyPath);
  if (node === undefined) return undefined;
  return { contents: keyDocumentation(node, formatPath(keyPath)), start: hit.start, end: hit.end, path: keyPath };
}
