/**
 * What the cursor is on while the user types (the text often does not parse): a key position in
 * some mapping, or the value of some key (possibly an item of its list), and the word being typed.
 * Block style is read from indentation; one level of flow style (`{...}`, `[...]`) on the line too.
 */
import { analyseLine, enclosingKeys, splitLines } from '../yamlOutline';

export interface CursorContext {
  kind: 'key' | 'value';
  /** For `key`: the path of the mapping the key goes into. For `value`: the path of the key. */
  path: string[];
  /** The value is an item of a list (a sweep's values). */
  listItem: boolean;
  /** The partial word before the cursor. */
  prefix: string;
  /** Offsets of the word to replace (the prefix and any word characters right after the cursor). */
  replaceStart: number;
  replaceEnd: number;
  /** Keys already present in the mapping (key context). */
  presentKeys: string[];
  /** The plain scalar values of those keys, as written (key context), e.g. `{ kind: 'gru' }`: completion reads the model kind from it. */
  presentValues: Record<string, string>;
  /** Column where keys of this mapping start (block style), for inserting nested blocks. */
  indent: number;
  /** The word being replaced is already followed by `:` (only the key itself is to be inserted). */
  colonFollows: boolean;
}

export interface LineAt {
  lines: string[];
  line: number;
  col: number;
  lineStart: number;
}

/** 0-based line and column of an offset, with the lines of the text. */
export function lineAt(text: string, offset: number): LineAt {
  const lines = splitLines(text);
  let lineStart = 0;
  let line = 0;
  const clamped = Math.max(0, Math.min(offset, text.length));
  for (let i = 0; i < clamped; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    } else if (text[i] === '\r' && text[i + 1] !== '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { lines, line, col: clamped - lineStart, lineStart };
}

const WORD_AFTER = /^[^\s,\]}#:]*/u;

/** Index of the innermost unclosed `[` or `{` in `text` (outside quotes), or -1. */
function innermostOpenBracket(text: string): number {
  const stack: number[] = [];
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[' || ch === '{') stack.push(i);
    else if ((ch === ']' || ch === '}') && stack.length > 0) stack.pop();
  }
  return stack.length > 0 ? stack[stack.length - 1] : -1;
}

function hasCommentBefore(text: string): boolean {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '#' && (i === 0 || /\s/u.test(text[i - 1]))) return true;
  }
  return false;
}

/** A plain scalar as written after `key:` (quotes and a trailing comment removed); '' for none. */
function scalarText(raw: string): string {
  const text = raw.replace(/\s#.*$/u, '').trim();
  return /^(["']).*\1$/u.test(text) ? text.slice(1, -1) : text;
}

/** Keys at column `indent` in the block around `line` (the siblings of a key typed there), with their scalar values. */
function siblingKeys(lines: readonly string[], line: number, indent: number): { keys: string[]; values: Record<string, string> } {
  const keys: string[] = [];
  const values: Record<string, string> = {};
  const collect = (step: 1 | -1) => {
    for (let i = line + step; i >= 0 && i < lines.length; i += step) {
      const info = analyseLine(lines[i]);
      if (info.blank) continue;
      const column = info.keyColumn ?? info.indent;
      if (column < indent || (info.listItem && info.indent < indent)) break;
      if (column === indent && info.key !== undefined) {
        keys.push(info.key);
        const colon = lines[i].indexOf(':', column + info.key.length);
        if (colon >= 0) values[info.key] = scalarText(lines[i].slice(colon + 1));
      }
    }
  };
  collect(-1);
  collect(1);
  return { keys, values };
}

function flowKeys(segment: string): string[] {
  return [...segment.matchAll(/(?:^|[{,])\s*([A-Za-z][\w.-]*)\s*:/gu)].map((m) => m[1]);
}

/** `key: value` pairs of one flow mapping (`{kind: gru, hidden: 3}`), plain scalars only. */
function flowValues(segment: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const m of segment.matchAll(/(?:^|[{,])\s*([A-Za-z][\w.-]*)\s*:\s*([^,{}[\]]*)/gu)) values[m[1]] = scalarText(m[2]);
  return values;
}

/** The cursor's context, or undefined where nothing can be completed (comments, odd syntax). */
export function cursorContext(text: string, offset: number): CursorContext | undefined {
  const { lines, line, col } = lineAt(text, offset);
  const lineText = lines[line] ?? '';
  const before = lineText.slice(0, col);
  const after = lineText.slice(col);
  if (hasCommentBefore(before)) return undefined;
  const wordAfter = WORD_AFTER.exec(after)?.[0] ?? '';
  const make = (kind: 'key' | 'value', path: string[], prefix: string, extra: Partial<CursorContext> = {}): CursorContext => ({
    kind,
    path,
    prefix,
    listItem: false,
    replaceStart: offset - prefix.length,
    replaceEnd: offset + wordAfter.length,
    presentKeys: [],
    presentValues: {},
    indent: 0,
    colonFollows: /^\s*:/u.test(after.slice(wordAfter.length)),
    ...extra,
  });

  const info = analyseLine(lineText);
  const lineKeyPath = (key: string, keyColumn: number) => [...enclosingKeys(lines, line, keyColumn), key];

  const open = innermostOpenBracket(before);
  if (open >= 0) {
    // Flow style on this line: `model: {kind: |` or `model.kind: [tanh-rnn, |`.
    const owner = info.key !== undefined && info.keyColumn !== undefined && info.keyColumn < open ? lineKeyPath(info.key, info.keyColumn) : undefined;
    if (owner === undefined) return undefined;
    const inside = before.slice(open + 1);
    const lastPart = inside.split(',').pop() ?? '';
    const prefix = /[^\s,[{:]*$/u.exec(lastPart)?.[0] ?? '';
    if (before[open] === '[') return make('value', owner, prefix, { listItem: true });
    const colon = lastPart.indexOf(':');
    if (colon >= 0) {
      const key = lastPart.slice(0, colon).trim();
      return make('value', [...owner, key], prefix);
    }
    return make('key', owner, prefix, { presentKeys: flowKeys(lineText.slice(open)), presentValues: flowValues(lineText.slice(open)), indent: -1 });
  }

  const keyTyping = /^(\s*)((?:-\s+)*)([^\s:#'"]*)$/u.exec(before);
  if (keyTyping) {
    const [, spaces, dashes, prefix] = keyTyping;
    const indent = spaces.length + dashes.length;
    if (dashes.length > 0) return make('value', enclosingKeys(lines, line, indent), prefix, { listItem: true });
    const siblings = siblingKeys(lines, line, indent);
    return make('key', enclosingKeys(lines, line, indent), prefix, { presentKeys: siblings.keys, presentValues: siblings.values, indent });
  }

  if (info.key !== undefined && info.keyColumn !== undefined) {
    const valueTyping = /:\s+([^\s#]*)$/u.exec(before);
    const keyEnd = lineText.indexOf(':', info.keyColumn);
    if (valueTyping && before.length > keyEnd) {
      return make('value', lineKeyPath(info.key, info.keyColumn), valueTyping[1].replace(/^["']/u, ''), { indent: info.keyColumn });
    }
  }
  return undefined;
}
