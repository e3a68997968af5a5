/**
 * YAML text to a document with source positions: syntax errors, duplicate keys and alias abuse
 * as Problems, the plain value, and the range of any key path in the file.
 */
import {
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
  type Pair,
  type YAMLError,
} from 'yaml';
import { formatPath, type Problem, type Range } from './problems';
import { analyseLine, enclosingKeys, excessiveNesting, keyPathOfLine, splitLines } from './yamlOutline';

/**
 * Aliases may repeat data, not blow it up: a document whose aliases add more than this many nodes
 * when expanded is refused. Measured on the expansion itself (a thousand aliases of one number add a
 * thousand nodes and are fine; nine levels of nine-fold lists add millions and are not), unlike the
 * yaml library's per-alias count, which refuses the former.
 */
export const MAX_ALIAS_EXPANSION = 10000;

/**
 * Experiments nest 3 or 4 levels. Far deeper input is refused before parsing: the parser and the
 * tree walks recurse, and running out of stack inside V8 can abort the whole process.
 */
export const MAX_NESTING = 64;

export type PathSegment = string | number;

export interface ParsedYaml {
  text: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** Syntax errors, duplicate keys, alias problems, YAML warnings. */
  problems: Problem[];
  /** The plain value, when the text parsed without errors (duplicates aside). */
  value?: unknown;
}

export function offsetRange(parsed: Pick<ParsedYaml, 'lineCounter' | 'text'>, start: number, end: number): Range {
  const clamp = (o: number) => Math.max(0, Math.min(o, parsed.text.length));
  const a = parsed.lineCounter.linePos(clamp(start));
  const b = parsed.lineCounter.linePos(clamp(Math.max(end, start)));
  return { start: { line: a.line, col: a.col }, end: { line: b.line, col: b.col } };
}

/** Friendlier wording for the YAML parser's error codes. */
function syntaxMessage(error: YAMLError): string {
  const first = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/u, '');
  switch (error.code) {
    case 'TAB_AS_INDENT':
      return 'tab character used for indentation; YAML indents with spaces';
    case 'MULTIPLE_DOCS':
      return 'the file holds more than one YAML document ("---" or "..."); an experiment file holds one';
    case 'BLOCK_AS_IMPLICIT_KEY':
      return 'a mapping cannot start on the same line as its key (check the indentation and the space after ":")';
    case 'MULTILINE_IMPLICIT_KEY':
      return 'a key must fit on one line (check the indentation)';
    case 'UNEXPECTED_TOKEN': {
      const token = /: "(.*)"$/u.exec(first)?.[1];
      return token !== undefined ? `unexpected "${token}" here` : `${first.charAt(0).toLowerCase()}${first.slice(1)}`;
    }
    case 'BAD_INDENT':
      return `bad indentation: ${first.charAt(0).toLowerCase()}${first.slice(1)}`;
    default:
      return `${first.charAt(0).toLowerCase()}${first.slice(1)}`;
  }
}

function pathPrefix(path: string): string {
  return path === '' ? '' : `${path}: `;
}

/** Parses experiment YAML, collecting every problem the parser and the key structure reveal. */
export function parseExperimentYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const tooDeep = excessiveNesting(text, MAX_NESTING);
  if (tooDeep !== undefined) return refuseDeepNesting(text, lineCounter, tooDeep);
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: false, // duplicates are found below, with a better message
    keepSourceTokens: true,
    merge: true,
    strict: true,
    // The library would print some warnings itself (process warnings on stderr); every one of
    // them is reported below as a positioned Problem instead.
    logLevel: 'error',
  });
  const parsed: ParsedYaml = { text, doc, lineCounter, problems: [] };
  const lines = splitLines(text);
  const pathOfOffset = (offset: number) => formatPath(keyPathOfLine(lines, lineCounter.linePos(offset).line - 1));
  // Errors found only at the end of the input (an unclosed quote) belong to the last line with text.
  const anchorOffset = (offset: number) => {
    let line = lineCounter.linePos(Math.min(offset, text.length)).line - 1;
    if (line < lines.length && lines[line].trim() !== '') return offset;
    while (line > 0 && (line >= lines.length || lines[line].trim() === '')) line--;
    return (lineCounter.lineStarts[line] ?? 0) + lines[line].trimEnd().length;
  };

  // Nested unclosed brackets all report; the outermost one is where to look.
  const unclosed = unclosedFlowCollections(doc).slice(0, 1);
  for (const node of unclosed) {
    const start = node.range?.[0] ?? 0;
    const open = isSeq(node) ? '[' : '{';
    const close = isSeq(node) ? ']' : '}';
    const path = pathOfOffset(start);
    parsed.problems.push({
      severity: 'error',
      code: 'yaml-syntax',
      path,
      message: `${pathPrefix(path)}"${open}" is never closed; end it with "${close}"`,
      range: offsetRange(parsed, start, start + 1),
    });
  }
  const linesWithError = new Set<number>();
  for (const error of doc.errors) {
    if (error.code === 'BAD_INDENT' && unclosed.length > 0 && /^Flow (sequence|map)/u.test(error.message)) continue;
    const overIndented =
      error.code === 'BLOCK_AS_IMPLICIT_KEY' || error.code === 'MULTILINE_IMPLICIT_KEY'
        ? overIndentedLine(lines, lineCounter.linePos(error.pos[0]).line - 1)
        : undefined;
    if (overIndented !== undefined) {
      const at = (lineCounter.lineStarts[overIndented.line] ?? 0) + overIndented.column;
      const range = offsetRange(parsed, at, at + overIndented.key.length);
      if (linesWithError.has(range.start.line)) continue;
      linesWithError.add(range.start.line);
      const path = formatPath(overIndented.path);
      const message = `${pathPrefix(path)}"${overIndented.key}" is indented more than "${overIndented.above}" above it; keys of one mapping must line up`;
      parsed.problems.push({ severity: 'error', code: 'yaml-syntax', path, message, range });
      continue;
    }
    const start = anchorOffset(error.pos[0]);
    const range = offsetRange(parsed, start, Math.max(start + 1, error.pos[1]));
    if (linesWithError.has(range.start.line)) continue; // one error per line: the rest are echoes
    linesWithError.add(range.start.line);
    const glued = gluedKeyValue(lines[range.start.line - 1] ?? '');
    if (glued !== undefined) {
      // `hidden:128` parses as one word: the usual cause is a missing space after the colon.
      const path = formatPath([...enclosingKeys(lines, range.start.line - 1, glued.column), glued.key]);
      const message = `${pathPrefix(path)}missing space after ":" (write "${glued.key}: ${glued.value}")`;
      const at = (lineCounter.lineStarts[range.start.line - 1] ?? 0) + glued.column;
      parsed.problems.push({ severity: 'error', code: 'yaml-syntax', path, message, range: offsetRange(parsed, at, at + glued.key.length + 1) });
      continue;
    }
    const path = pathOfOffset(start);
    parsed.problems.push({ severity: 'error', code: 'yaml-syntax', path, message: `${pathPrefix(path)}${syntaxMessage(error)}`, range });
  }
  for (const warning of doc.warnings) {
    const path = pathOfOffset(warning.pos[0]);
    parsed.problems.push({
      severity: 'warning',
      code: 'yaml-syntax',
      path,
      message: `${pathPrefix(path)}${syntaxMessage(warning)}`,
      range: offsetRange(parsed, warning.pos[0], warning.pos[1]),
    });
  }
  if (parsed.problems.some((p) => p.severity === 'error')) return parsed;

  parsed.problems.push(...keyProblems(parsed), ...aliasProblems(parsed));
  if (parsed.problems.some((p) => p.severity === 'error' && p.code !== 'duplicate-key')) return parsed;
  try {
    if (aliasExpansion(doc) > MAX_ALIAS_EXPANSION) throw new Error('alias expansion');
    parsed.value = doc.toJS({ maxAliasCount: -1 });
  } catch (error) {
    const firstAlias = findFirst(doc, (n) => isAlias(n));
    const start = firstAlias?.range?.[0] ?? 0;
    const path = pathOfOffset(start);
    const reason =
      error instanceof Error && /alias/iu.test(error.message)
        ? 'aliases expand to too much data (an alias bomb?); write the values out'
        : `cannot read the document: ${error instanceof Error ? error.message : String(error)}`;
    parsed.problems.push({ severity: 'error', code: 'alias', path, message: `${pathPrefix(path)}${reason}`, range: offsetRange(parsed, start, start + 1) });
  }
  return parsed;
}

/**
 * How many nodes the document's aliases add when expanded: its expanded size less its written size.
 * Sizes are computed once per node, so this stays linear in the document whatever the expansion.
 */
function aliasExpansion(doc: Document): number {
  const expanded = new Map<unknown, number>();
  let written = 0;
  const size = (node: unknown): number => {
    if (node === null || node === undefined) return 1;
    const known = expanded.get(node);
    if (known !== undefined) return known;
    expanded.set(node, 1); // an alias inside its own anchor counts once instead of forever
    let n = 1;
    if (isAlias(node)) {
      const target = node.resolve(doc);
      n = target ? size(target) : 1;
    } else {
      written++;
      if (isCollection(node)) for (const item of node.items) n += isPair(item) ? size(item.key) + size(item.value) : size(item);
    }
    expanded.set(node, n);
    return n;
  };
  const total = size(doc.contents);
  // Aliases count as written once each (the alias itself), the rest of their size as added.
  const aliases = [...expanded.keys()].filter((n) => isAlias(n)).length;
  return total - written - aliases;
}

/** `  hidden:128`: a key glued to its value. */
function gluedKeyValue(line: string): { key: string; value: string; column: number } | undefined {
  const m = /^(\s*)([A-Za-z][\w.-]*):([^\s:/][^:]*)$/u.exec(line.replace(/\s+#.*$/u, ''));
  return m ? { key: m[2], value: m[3].trim(), column: m[1].length } : undefined;
}

/**
 * `kind: x` followed by a line indented deeper than `kind` that holds a key: the usual cause of
 * the parser's "implicit key" errors, which it reports at the line above.
 */
function overIndentedLine(
  lines: readonly string[],
  errorLine: number,
): { line: number; column: number; key: string; above: string; path: string[] } | undefined {
  const current = analyseLine(lines[errorLine] ?? '');
  if (current.key === undefined || current.keyColumn === undefined) return undefined;
  for (let i = errorLine + 1; i < lines.length; i++) {
    const next = analyseLine(lines[i]);
    if (next.blank) continue;
    if (next.key === undefined || next.keyColumn === undefined || next.keyColumn <= current.keyColumn) return undefined;
    const parent = enclosingKeys(lines, errorLine, current.keyColumn);
    return { line: i, column: next.keyColumn, key: next.key, above: current.key, path: [...parent, next.key] };
  }
  return undefined;
}

function refuseDeepNesting(text: string, lineCounter: LineCounter, at: { line: number; col: number }): ParsedYaml {
  const doc = parseDocument('', { lineCounter: new LineCounter() });
  // Line starts for positions, without parsing the text itself.
  let offset = 0;
  for (const line of text.split('\n')) {
    lineCounter.addNewLine(offset);
    offset += line.length + 1;
  }
  const lines = splitLines(text);
  const path = formatPath(keyPathOfLine(lines, at.line));
  const position = { line: at.line + 1, col: at.col + 1 };
  const problem: Problem = {
    severity: 'error',
    code: 'yaml-syntax',
    path,
    message: `${pathPrefix(path)}nesting is deeper than ${MAX_NESTING} levels; an experiment nests a few levels`,
    range: { start: position, end: { line: position.line, col: position.col + 1 } },
  };
  return { text, doc, lineCounter, problems: [problem] };
}

function unclosedFlowCollections(doc: Document.Parsed): Node[] {
  const out: Node[] = [];
  visit(doc, {
    Map: (_, node) => void (node.flow && isUnclosed(node.srcToken, 'flow-map-end') ? out.push(node) : undefined),
    Seq: (_, node) => void (node.flow && isUnclosed(node.srcToken, 'flow-seq-end') ? out.push(node) : undefined),
  });
  return out;
}

function isUnclosed(token: unknown, endType: string): boolean {
  if (typeof token !== 'object' || token === null || !('end' in token)) return false;
  const end = (token as { end?: { type: string }[] }).end;
  return Array.isArray(end) && !end.some((t) => t.type === endType);
}

function findFirst(doc: Document.Parsed, test: (n: Node) => boolean): Node | undefined {
  let found: Node | undefined;
  visit(doc, (_, node) => {
    if (isPair(node) || found !== undefined) return found !== undefined ? visit.BREAK : undefined;
    if (test(node as Node)) {
      found = node as Node;
      return visit.BREAK;
    }
    return undefined;
  });
  return found;
}

/** Keys must be plain scalars and unique within their mapping. */
function keyProblems(parsed: ParsedYaml): Problem[] {
  const problems: Problem[] = [];
  const lines = splitLines(parsed.text);
  const walk = (node: unknown, path: PathSegment[]) => {
    if (isMap(node)) {
      const firstSeen = new Map<string, Pair>();
      for (const pair of node.items) {
        const key = pair.key;
        if (!isScalar(key) || (key.value !== null && typeof key.value === 'object')) {
          const start = (key as Node | null)?.range?.[0] ?? 0;
          const p = formatPath(path.length > 0 ? path : keyPathOfLine(lines, parsed.lineCounter.linePos(start).line - 1));
          problems.push({
            severity: 'error',
            code: isAlias(key) ? 'alias' : 'yaml-syntax',
            path: p,
            message: `${pathPrefix(p)}keys must be plain names, not lists, mappings or aliases`,
            range: offsetRange(parsed, start, (key as Node | null)?.range?.[1] ?? start + 1),
          });
          continue;
        }
        const name = String(key.value);
        const earlier = firstSeen.get(name);
        const keyRange = offsetRange(parsed, key.range?.[0] ?? 0, key.range?.[1] ?? 0);
        if (earlier !== undefined && name !== '<<') {
          const first = offsetRange(parsed, (earlier.key as Node).range?.[0] ?? 0, 0).start;
          const dotted = formatPath([...path, name]);
          const where = path.length > 0 ? ` in ${formatPath(path)}` : '';
          problems.push({
            severity: 'error',
            code: 'duplicate-key',
            path: dotted,
            message: `duplicate key "${name}"${where} (first at line ${first.line}, column ${first.col}); remove one of them`,
            range: keyRange,
          });
        } else firstSeen.set(name, pair);
        walk(pair.value, [...path, name]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    }
  };
  walk(parsed.doc.contents, []);
  return problems;
}

/** Every alias must name an anchor defined before it. */
function aliasProblems(parsed: ParsedYaml): Problem[] {
  const problems: Problem[] = [];
  const lines = splitLines(parsed.text);
  visit(parsed.doc, {
    Alias: (_, alias) => {
      if (alias.resolve(parsed.doc) !== undefined) return;
      const start = alias.range?.[0] ?? 0;
      const path = formatPath(keyPathOfLine(lines, parsed.lineCounter.linePos(start).line - 1));
      problems.push({
        severity: 'error',
        code: 'alias',
        path,
        message: `${pathPrefix(path)}alias *${alias.source} refers to no anchor &${alias.source} defined before it`,
        range: offsetRange(parsed, start, alias.range?.[1] ?? start + 1),
      });
    },
  });
  return problems;
}

/** The node at a key path (following aliases), with the pair that holds it. */
export function nodeAtPath(parsed: ParsedYaml, path: readonly PathSegment[]): { keyNode?: Node; valueNode?: Node; depth: number } {
  let current: unknown = parsed.doc.contents;
  let keyNode: Node | undefined;
  let depth = 0;
  for (const segment of path) {
    if (isAlias(current)) current = current.resolve(parsed.doc);
    let next: { key?: Node; value: unknown } | undefined;
    if (isMap(current) && typeof segment === 'string') {
      const pair = [...current.items].reverse().find((p) => isScalar(p.key) && String(p.key.value) === segment);
      if (pair !== undefined) next = { key: pair.key as Node, value: pair.value };
    } else if (isSeq(current) && typeof segment === 'number' && segment < current.items.length) {
      next = { value: current.items[segment] };
    }
    if (next === undefined) break;
    keyNode = next.key;
    current = next.value;
    depth++;
  }
  return { keyNode, valueNode: isCollection(current) || isScalar(current) || isAlias(current) ? (current as Node) : undefined, depth };
}

/**
 * The range of a key path in the file. `key` points at the key itself, `value` at its value (for
 * list items, the item). Where the path does not exist (a missing key, a value from a merge), the
 * nearest existing ancestor's key stands in; at the top, the first key of the file.
 */
export function rangeOfPath(parsed: ParsedYaml, path: readonly PathSegment[], target: 'key' | 'value'): Range {
  const found = nodeAtPath(parsed, path);
  const exact = found.depth === path.length;
  let node: Node | undefined;
  if (exact && target === 'value') node = found.valueNode ?? found.keyNode;
  else if (exact) node = found.keyNode ?? found.valueNode;
  else node = found.keyNode;
  if (node?.range) {
    const [start, valueEnd] = node.range;
    return offsetRange(parsed, start, Math.max(valueEnd, start + 1));
  }
  const contents = parsed.doc.contents;
  if (isMap(contents) && contents.items.length > 0) {
    const first = contents.items[0].key as Node | null;
    if (first?.range) return offsetRange(parsed, first.range[0], first.range[1]);
  }
  return { start: { line: 1, col: 1 }, end: { line: 1, col: 1 } };
}
