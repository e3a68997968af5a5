/**
 * Where the members of a sweep train: the executor interface `hrnn train` and `hrnn cancel` talk to,
 * with one implementation per engine (local processes, Slurm job arrays), so another batch system can
 * follow by adding a file. The sweep folder (src/runs/) is the contract between them and every reader.
 * No vscode, no engine.
 */
import type { ExpandedRun, LoadSuccess } from '../experiment';
import type { RunContext } from '../cli/runOne';

export type ExecutorKind = 'local' | 'slurm';

/** A new sweep to train: the loaded experiment with its expanded runs, where its folder goes, who watches. */
export interface SweepLaunch {
  loaded: LoadSuccess & { runs: ExpandedRun[] };
  runsDir: string;
  ctx: RunContext;
  /** Options every member's trainer gets from the command line (`--backend`). */
  passThrough: readonly string[];
}

export interface SweepExecutor {
  readonly kind: ExecutorKind;
  /** Trains (or submits) every member of a new sweep; resolves with `hrnn train`'s exit code. */
  run(launch: SweepLaunch): Promise<number>;
  /** Stops the members of the sweep in `sweepDir` that are queued or running; resolves with lines for the user. */
  cancel(sweepDir: string): Promise<string[]>;
}
