/**
 * The extension's side of Slurm, free of `vscode`: whether `sbatch` is on the PATH of the machine the
 * extension host runs on, and the three calls of the bundled CLI (`dist/cli.js`) that reach the
 * cluster: submit a sweep (`hrnn train --executor slurm --detach`), cancel one (`hrnn cancel`), and
 * bring the folders of unfinished Slurm sweeps up to date from Slurm's queue (`hrnn runs`). The CLI
 * owns the executor: running it as a short child process keeps the executor and the engine out of the
 * extension host, and makes the extension do exactly what the command line does. Processes start
 * through src/process/ only.
 */
import { findOnPathAsync, runCommand, type CommandResult } from '../../process/commandRunner';
import { slurmSubmitArguments, type SlurmSubmitArgumentsInput } from '../../process/trainerArguments';
import type { FoundSweep } from '../../runs/discovery';

/** How to run the bundled CLI. */
export interface CliRunner {
  nodePath: string;
  cliPath: string;
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * The CLI run by the extension host's own binary. In VS Code desktop that binary is Electron, which
 * ELECTRON_RUN_AS_NODE turns into Node; sbatch passes the submitter's environment to the tasks, whose
 * batch script runs the same binary, so the variable reaches them too.
 */
export function cliRunner(cliPath: string, options: { env?: NodeJS.ProcessEnv; cwd?: string; nodePath?: string } = {}): CliRunner {
  return { nodePath: options.nodePath ?? process.execPath, cliPath, env: { ...(options.env ?? process.env), ELECTRON_RUN_AS_NODE: '1' }, cwd: options.cwd };
}

/** Where `sbatch` is on `envPath`, or null: read without blocking the caller's thread. */
export function findSbatch(envPath = process.env.PATH ?? ''): Promise<string | null> {
  return findOnPathAsync('sbatch', envPath);
}

/** Time limits: submission writes the sweep folder and calls sbatch; cancel waits for Slurm to end the tasks (up to 2 min). */
const SUBMIT_TIMEOUT_MS = 180_000;
const CANCEL_TIMEOUT_MS = 180_000;
const REFRESH_TIMEOUT_MS = 60_000;

function run(runner: CliRunner, args: readonly string[], timeoutMs: number): Promise<CommandResult> {
  return runCommand(runner.nodePath, [runner.cliPath, ...args], { env: runner.env, cwd: runner.cwd, timeoutMs });
}

function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '');
}

export type SlurmSubmission =
  | { ok: true; jobId: string; sweepDir: string; messages: string[] }
  | {
      ok: false;
      /** What refused the submission (the experiment's problems, sbatch's error), one line each. */
      problems: string[];
      messages: string[];
    };

/** Reads what `hrnn train --executor slurm --detach` answered: stdout is the job id, then the sweep folder. */
export function readSubmission(result: CommandResult): SlurmSubmission {
  const messages = lines(result.stderr);
  const [jobId, sweepDir] = lines(result.stdout).map((l) => l.trim());
  if (result.code === 0 && jobId && /^\d+$/.test(jobId) && sweepDir) return { ok: true, jobId, sweepDir, messages };
  const problems = messages.length ? messages : [result.error ?? `hrnn train exited with code ${result.code}`];
  return { ok: false, problems, messages };
}

/** Submits the experiment's sweep to Slurm as one job array and returns once sbatch has answered. */
export async function submitToSlurm(runner: CliRunner, input: SlurmSubmitArgumentsInput): Promise<SlurmSubmission> {
  return readSubmission(await run(runner, slurmSubmitArguments(input), SUBMIT_TIMEOUT_MS));
}

export interface SweepCancellation {
  ok: boolean;
  /** What scancel said (`scancel 123: cancelled job array 123`) and any error. */
  lines: string[];
  /** Each member's status after the cancel (`stopped (Slurm: CANCELLED)  runId`). */
  members: string[];
}

export function cancelArguments(sweepDir: string): string[] {
  return ['cancel', sweepDir];
}

export function readCancellation(result: CommandResult): SweepCancellation {
  const said = lines(result.stderr).map((l) => l.replace(/^hrnn cancel: /, ''));
  const ok = result.code === 0 && !said.some((l) => /^scancel \S+: (?!cancelled)/.test(l));
  return { ok, lines: said.length || ok ? said : [result.error ?? `hrnn cancel exited with code ${result.code}`], members: lines(result.stdout) };
}

/** Cancels the sweep's job arrays (`hrnn cancel`): running members stop with a checkpoint; Slurm's endings are recorded. */
export async function cancelSlurmSweep(runner: CliRunner, sweepDir: string): Promise<SweepCancellation> {
  return readCancellation(await run(runner, cancelArguments(sweepDir), CANCEL_TIMEOUT_MS));
}

/** A sweep on Slurm that has not ended: its members' queue states and endings are still to learn. */
export function isUnfinishedSlurmSweep(found: FoundSweep): boolean {
  return found.sweep.executor?.kind === 'slurm' && found.sweep.endedAt === null;
}

export function refreshArguments(sweepDirs: readonly string[]): string[] {
  return ['runs', ...sweepDirs, '--json'];
}

/**
 * One look at Slurm's queue for these sweeps (`hrnn runs` reconciles each unfinished Slurm sweep it
 * lists): sweep.json gets the members' states and reasons, run folders how Slurm ended them.
 */
export async function refreshSlurmSweeps(runner: CliRunner, sweepDirs: readonly string[]): Promise<boolean> {
  if (sweepDirs.length === 0) return true;
  return (await run(runner, refreshArguments(sweepDirs), REFRESH_TIMEOUT_MS)).code === 0;
}

/**
 * Run folders the plots panel should add: members of unfinished Slurm sweeps that started since the
 * last look (`known` remembers the members seen, and is updated), when the panel already shows a member
 * of their sweep or the sweep was submitted from this window (`followed`). A member the user removed
 * from the panel is not added again. The panel reads each folder from disk and keeps reading while its
 * run trains, whoever writes it.
 */
export function membersToShow(sweeps: readonly FoundSweep[], shown: ReadonlySet<string>, followed: ReadonlySet<string>, known: Set<string>): string[] {
  const add: string[] = [];
  for (const s of sweeps) {
    if (!isUnfinishedSlurmSweep(s)) continue;
    const dirs = s.runs.map((r) => r.runDir);
    const fresh = dirs.filter((d) => !known.has(d));
    for (const d of fresh) known.add(d);
    if (followed.has(s.sweepDir) || dirs.some((d) => shown.has(d))) add.push(...fresh.filter((d) => !shown.has(d)));
  }
  return add;
}
