/** Where a command writes: injected so commands are testable without a terminal. */
export interface CliIo {
  /** Standard output: results, and JSON lines for machines. */
  out(text: string): void;
  /** Standard error: progress, messages, problems. */
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Exit codes of hrnn (documented in `hrnn --help`). */
export const EXIT = {
  ok: 0,
  /** Invalid experiment, refused run, failed run. */
  failed: 1,
  usage: 2,
  diverged: 3,
} as const;
