/**
 * From bytes to text: the size limit, byte-order marks and strict UTF-8, each failure reported
 * at the line and column where it happens.
 */
import { formatPath, type Problem } from './problems';
import { keyPathOfLine, splitLines } from './yamlOutline';

/** Experiment files are a few kilobytes; anything near this is not one (and must not stall an editor). */
export const MAX_EXPERIMENT_BYTES = 1024 * 1024;

export type DecodeResult = { ok: true; text: string } | { ok: false; problem: Problem };

function megabytes(n: number): string {
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

export function tooLargeProblem(size: number, unit: 'bytes' | 'characters'): Problem {
  return {
    severity: 'error',
    code: 'too-large',
    path: '',
    message:
      unit === 'bytes'
        ? `file is ${megabytes(size)}; an experiment file may be at most ${megabytes(MAX_EXPERIMENT_BYTES)}`
        : `file has ${size} characters; an experiment file may be at most ${MAX_EXPERIMENT_BYTES}`,
    range: { start: { line: 1, col: 1 }, end: { line: 1, col: 1 } },
  };
}

/** Offset of the first byte that does not belong to well-formed UTF-8, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b === 0xe0) [need, lo] = [2, 0xa0];
    else if (b === 0xed) [need, hi] = [2, 0x9f];
    else if (b >= 0xe1 && b <= 0xef) need = 2;
    else if (b === 0xf0) [need, lo] = [3, 0x90];
    else if (b === 0xf4) [need, hi] = [3, 0x8f];
    else if (b >= 0xf1 && b <= 0xf3) need = 3;
    else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      const min = k === 1 ? lo : 0x80;
      const max = k === 1 ? hi : 0xbf;
      if (c === undefined || c < min || c > max) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** Decodes an experiment file's bytes, or says (with line:col) why they are not UTF-8 YAML text. */
export function decodeExperimentBytes(bytes: Uint8Array): DecodeResult {
  if (bytes.length > MAX_EXPERIMENT_BYTES) return { ok: false, problem: tooLargeProblem(bytes.length, 'bytes') };
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return {
      ok: false,
      problem: {
        severity: 'error',
        code: 'encoding',
        path: '',
        message: 'file is UTF-16 encoded; save it as UTF-8',
        range: { start: { line: 1, col: 1 }, end: { line: 1, col: 1 } },
      },
    };
  }
  const hasBom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = hasBom ? bytes.subarray(3) : bytes;
  const bad = firstInvalidUtf8(body);
  if (bad >= 0) return { ok: false, problem: invalidByteProblem(body, bad) };
  return { ok: true, text: new TextDecoder('utf-8').decode(body) };
}

function invalidByteProblem(bytes: Uint8Array, offset: number): Problem {
  let lineStart = 0;
  let line = 1;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  const col = new TextDecoder('utf-8').decode(bytes.subarray(lineStart, offset)).length + 1;
  // The key on that line, read from a lenient decoding, so the message says where in the experiment it is.
  const lines = splitLines(new TextDecoder('utf-8').decode(bytes));
  const path = formatPath(keyPathOfLine(lines, line - 1));
  const byte = bytes[offset].toString(16).toUpperCase().padStart(2, '0');
  const where = path === '' ? '' : `${path}: `;
  return {
    severity: 'error',
    code: 'encoding',
    path,
    message: `${where}byte 0x${byte} is not valid UTF-8; save the file as UTF-8`,
    range: { start: { line, col }, end: { line, col: col + 1 } },
  };
}
