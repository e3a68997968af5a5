/**
 * Durable file replacement for run and sweep folders: write a private temporary sibling, fsync it,
 * rename it over the target, fsync the folder. Readers never see half a file, and after a power cut
 * the file is either the old or the new one. Node only; knows nothing of runs.
 */
import fs from 'node:fs';
import path from 'node:path';

/** `<file>.<pid>.tmp`: one writer process per temporary name, so concurrent writers never share one. */
export function tempNameFor(file: string, pid = process.pid): string {
  return `${file}.${pid}.tmp`;
}

const TEMP_PATTERN = /\.(\d+)\.tmp$/;

/** Errors that mean "the disk or the permissions say no", as opposed to a bug. */
export function isStorageError(e: unknown): e is NodeJS.ErrnoException {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'EIO' || code === 'EMFILE';
}

/** One line for a storage error: what failed, on which file, and what the OS said. */
export function describeStorageError(e: NodeJS.ErrnoException, file?: string): string {
  const what: Record<string, string> = {
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is used up',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'the file system is read-only',
    EIO: 'an input/output error',
    EMFILE: 'too many open files',
  };
  const target = file ?? e.path;
  return `cannot write ${target ?? 'a file'}: ${what[e.code ?? ''] ?? e.message} (${e.code})`;
}

function fsyncFolder(dir: string): void {
  // Makes the rename itself durable. Not every platform lets a folder be opened (Windows): best effort.
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // ignore
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Creates `dir` (its parents as needed) and fails when `dir` itself exists: two writers never share one folder. */
export function createFolderExclusive(dir: string, what: string): void {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  try {
    fs.mkdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`${what} ${dir} already exists`, { cause: e });
    throw e;
  }
}

export interface AtomicWriteOptions {
  /**
   * When the temporary file cannot be written for lack of space, overwrite the target in place
   * instead (its blocks already exist). For small status files whose last version must land even on
   * a full disk; a crash during that write can tear the file, which readers tolerate.
   */
  inPlaceWhenFull?: boolean;
}

/** Replaces `file` with `data` durably (see the header). Throws the OS error; never leaves the temporary file behind. */
export function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const tmp = tempNameFor(file);
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    if (options.inPlaceWhenFull && (code === 'ENOSPC' || code === 'EDQUOT') && fs.existsSync(file)) {
      writeInPlace(file, data);
      return;
    }
    throw e;
  }
  fsyncFolder(path.dirname(file));
}

function writeInPlace(file: string, data: string | Uint8Array): void {
  const fd = fs.openSync(file, 'r+');
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    fs.writeSync(fd, buf, 0, buf.length, 0);
    fs.ftruncateSync(fd, buf.length);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether a process with this pid exists on this machine (EPERM: it exists but is not ours). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temporary files (`*.<pid>.tmp`) left in `dir` by writers that died mid-write. Files of a
 * live process other than this one are kept (it may be writing them now). Returns how many went.
 */
export function removeStaleTemps(dir: string): number {
  let removed = 0;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const m = TEMP_PATTERN.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && processExists(pid)) continue;
    try {
      fs.rmSync(path.join(dir, name), { force: true });
      removed++;
    } catch {
      // Not ours to remove (permissions): leave it.
    }
  }
  return removed;
}
