/**
 * Runs a short external command to completion and hands back what it printed: the batch-system
 * commands (sbatch, squeue, scontrol, scancel) of src/executors/. Asynchronous, never through a
 * shell (arguments go as given), with a time limit so a hung controller cannot hang the caller.
 * Also tells whether a command is on the PATH. Depends on nothing but Node.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface CommandResult {
  /** The exit code; null when the command could not start or was killed. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Why it could not start or finish (ENOENT, time limit), when that happened. */
  error?: string;
}

export interface CommandOptions {
  /** Default 30 s. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function runCommand(command: string, args: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      [...args],
      { timeout: options.timeoutMs ?? 30_000, env: options.env ?? process.env, cwd: options.cwd, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (!error) return resolve({ code: 0, stdout, stderr });
        const code = typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout: stdout ?? '', stderr: stderr ?? '', ...(code === null ? { error: error.message } : {}) });
      },
    );
  });
}

/** The full path of `command` on `PATH` (as a shell would find it), or null. */
export function findOnPath(command: string, envPath = process.env.PATH ?? ''): string | null {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}
