/**
 * A forgiving, line-based view of a block-style YAML file: which key a line holds and the chain of
 * keys above it by indentation. Used where the real parser cannot help: positions inside text that
 * does not parse (syntax errors, bad bytes) and the cursor while the user is typing.
 */

export interface OutlineLine {
  /** Columns of leading whitespace (a tab counts as one). */
  indent: number;
  /** The key this line opens, unquoted (`model`, `model.tau`), if any. */
  key?: string;
  /** 0-based column where the key starts. */
  keyColumn?: number;
  /** `- ` list item. */
  listItem: boolean;
  /** Nothing but whitespace and comments. */
  blank: boolean;
}

const KEY_PATTERN = /^(\s*)(-\s+)?("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"\-?:,[\]{}][^#:]*?|-[^\s#:][^#:]*?)\s*:(?=\s|$)/u;

export function analyseLine(text: string): OutlineLine {
  const indent = text.length - text.trimStart().length;
  const trimmed = text.trim();
  const blank = trimmed === '' || trimmed.startsWith('#');
  const listItem = /^-(\s|$)/u.test(trimmed);
  const m = KEY_PATTERN.exec(text);
  if (!m || blank) return { indent, listItem, blank };
  const raw = m[3];
  const key = raw.startsWith('"') ? safeJsonString(raw) : raw.startsWith("'") ? raw.slice(1, -1).replace(/''/g, "'") : raw;
  return { indent, key, keyColumn: m[1].length + (m[2]?.length ?? 0), listItem, blank };
}

function safeJsonString(raw: string): string {
  try {
    return JSON.parse(raw) as string;
  } catch {
    return raw.slice(1, -1);
  }
}

/** The indentation at which keys on this line start (after a `- ` marker, if any). */
function contentIndent(line: OutlineLine): number {
  return line.keyColumn ?? line.indent;
}

/**
 * The keys that enclose a position at column `indent` on line `lineIndex` (0-based), outermost
 * first: the keys of earlier, less indented lines that open a block.
 */
export function enclosingKeys(lines: readonly string[], lineIndex: number, indent: number): string[] {
  const path: string[] = [];
  let limit = indent;
  for (let i = Math.min(lineIndex, lines.length) - 1; i >= 0 && limit > 0; i--) {
    const line = analyseLine(lines[i]);
    if (line.blank) continue;
    if (line.key !== undefined && contentIndent(line) < limit) {
      path.unshift(line.key);
      limit = contentIndent(line);
    } else if (line.indent < limit) {
      limit = line.indent;
    }
  }
  return path;
}

/** The key path of line `lineIndex` (0-based): its enclosing keys plus the key it holds, if any. */
export function keyPathOfLine(lines: readonly string[], lineIndex: number): string[] {
  if (lineIndex < 0 || lineIndex >= lines.length) return [];
  const line = analyseLine(lines[lineIndex]);
  const enclosing = enclosingKeys(lines, lineIndex, line.blank ? 0 : contentIndent(line));
  return line.key !== undefined ? [...enclosing, line.key] : enclosing;
}

export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/u);
}

/** Where nesting first gets deeper than `limit`, as a 0-based line and column, or undefined. */
export function excessiveNesting(text: string, limit: number): { line: number; col: number } | undefined {
  const lines = splitLines(text);
  const blockIndents: number[] = [];
  let flowDepth = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const trimmed = line.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    if (flowDepth === 0) {
      // Block structure: each deeper indentation (and each `- ` marker) opens a level.
      let indent = line.length - trimmed.length;
      while (blockIndents.length > 0 && blockIndents[blockIndents.length - 1] >= indent) blockIndents.pop();
      blockIndents.push(indent);
      let rest = trimmed;
      while (/^-(\s|$)/u.test(rest)) {
        const marker = rest.length - rest.slice(1).trimStart().length;
        indent += marker;
        blockIndents.push(indent);
        rest = rest.slice(marker);
      }
      if (blockIndents.length > limit) return { line: i, col: line.length - trimmed.length };
    }
    // Flow structure: brackets outside quotes and comments.
    let quote: string | undefined;
    for (let c = 0; c < line.length; c++) {
      const ch = line[c];
      if (quote !== undefined) {
        if (ch === '\\' && quote === '"') c++;
        else if (ch === quote) quote = undefined;
      } else if (ch === '"' || ch === "'") {
        if (c === 0 || /[\s[{,:]/u.test(line[c - 1])) quote = ch;
      } else if (ch === '#' && (c === 0 || /\s/u.test(line[c - 1]))) break;
      else if (ch === '[' || ch === '{') {
        flowDepth++;
        if (flowDepth + blockIndents.length > limit) return { line: i, col: c };
      } else if ((ch === ']' || ch === '}') && flowDepth > 0) flowDepth--;
    }
  }
  return undefined;
}
