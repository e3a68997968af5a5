/**
 * Sweep folders: `sweep.json` (the grid, random draws and seeds, its members with their parameters and how each ended) beside one run folder per
 * member. Reading, creating (exclusively) and keeping the summary current; the only code that
 * touches sweep.json. No engine, no vscode.
 */
import fs from 'node:fs';
import path from 'node:path';
import { RUN_FILES, RUN_FORMAT_VERSION, type RunStatus, type SchedulerTask, type SweepSummary } from '../protocol/records';
import { createFolderExclusive, writeFileAtomic } from './atomicFile';
import { isPlainName, SWEEP_FILE, sweepMemberDir } from './layout';
import { readSummary } from './runFolder';

export function isSweepFolder(dir: string): boolean {
  return fs.existsSync(path.join(dir, SWEEP_FILE));
}

/**
 * Reads sweep.json; null when missing or not a sweep summary. Members whose run id is not a plain
 * folder name are dropped (a crafted file must not make readers look outside the sweep).
 */
export function readSweepSummary(sweepDir: string): SweepSummary | null {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(path.join(sweepDir, SWEEP_FILE), 'utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || !Array.isArray((value as SweepSummary).runs)) return null;
  const sweep = value as SweepSummary;
  return { ...sweep, runs: sweep.runs.filter((r) => typeof r === 'object' && r !== null && isPlainName(r.runId)) };
}

export type SweepMemberInit = Pick<SweepSummary['runs'][number], 'index' | 'runId' | 'parameters'>;

export class SweepFolderWriter {
  private constructor(
    readonly sweepDir: string,
    readonly summary: SweepSummary,
  ) {}

  /** Creates `<runsDir>/<sweepId>/` exclusively and writes the first sweep.json (every member pending). */
  static create(
    runsDir: string,
    init: {
      sweepId: string;
      name: string;
      experimentFile: string;
      grid: SweepSummary['grid'];
      random?: SweepSummary['random'];
      seeds?: SweepSummary['seeds'];
      members: SweepMemberInit[];
      /** The experiment as submitted (overrides applied): members train from this copy, not from a file that may be edited meanwhile. */
      frozenExperiment?: string;
    },
  ): SweepFolderWriter {
    for (const m of init.members) sweepMemberDir(runsDir, m.runId); // refuses unsafe ids before anything is created
    const sweepDir = path.join(runsDir, init.sweepId);
    createFolderExclusive(sweepDir, 'sweep folder');
    const summary: SweepSummary = {
      formatVersion: RUN_FORMAT_VERSION,
      sweepId: init.sweepId,
      name: init.name,
      experimentFile: init.experimentFile,
      grid: init.grid,
      ...(init.random !== undefined ? { random: init.random } : {}),
      ...(init.seeds !== undefined ? { seeds: init.seeds } : {}),
      runs: init.members.map((m) => ({ ...m, status: 'pending', best: null })),
      startedAt: new Date().toISOString(),
      endedAt: null,
    };
    const writer = new SweepFolderWriter(sweepDir, summary);
    if (init.frozenExperiment !== undefined) writeFileAtomic(writer.frozenExperimentFile, init.frozenExperiment);
    writer.write();
    return writer;
  }

  /** `<sweep>/experiment.yaml`: the frozen copy of the sweep's experiment. */
  get frozenExperimentFile(): string {
    return path.join(this.sweepDir, RUN_FILES.experiment);
  }

  /** The writer of an existing sweep folder (a member resumed later updates its entry); null when sweep.json is unreadable. */
  static open(sweepDir: string): SweepFolderWriter | null {
    const summary = readSweepSummary(sweepDir);
    return summary ? new SweepFolderWriter(sweepDir, summary) : null;
  }

  /** The index of the member trained in `runDir`, or -1. */
  indexOf(runDir: string): number {
    return this.summary.runs.findIndex((r) => path.join(this.sweepDir, r.runId) === path.resolve(runDir));
  }

  memberDir(index: number): string {
    return sweepMemberDir(this.sweepDir, this.summary.runs[index].runId);
  }

  setStatus(index: number, status: RunStatus | 'pending'): void {
    this.summary.runs[index].status = status;
    this.write();
  }

  /** Copies how a member ended from its run folder; a member without a readable summary failed to start. */
  settle(index: number): void {
    const entry = this.summary.runs[index];
    const s = readSummary(this.memberDir(index));
    entry.status = s?.status ?? 'failed';
    entry.best = s?.best ?? null;
    if (s) {
      entry.final = s.final;
      entry.stepsDone = s.stepsDone;
    }
    this.write();
  }

  /** Records where the members train (a Slurm job array); each submission adds its job id. */
  setExecutor(executor: NonNullable<SweepSummary['executor']>): void {
    this.summary.executor = executor;
    this.write();
  }

  /** Records a member's batch-system task (its ids, Slurm's state and reason) and, when given, its status. */
  setScheduler(index: number, task: SchedulerTask, status?: RunStatus | 'pending'): void {
    const entry = this.summary.runs[index];
    entry.scheduler = task;
    if (status !== undefined) entry.status = status;
    this.write();
  }

  /**
   * Writes a file of the executor's (a batch script) into the sweep folder and returns its path. The
   * name must be a plain file name: the file stays inside the sweep folder.
   */
  writeExecutorFile(name: string, text: string, mode?: number): string {
    if (!isPlainName(name) || name === SWEEP_FILE) throw new Error(`not a file name for a sweep folder: ${JSON.stringify(name)}`);
    const file = path.join(this.sweepDir, name);
    writeFileAtomic(file, text);
    if (mode !== undefined) fs.chmodSync(file, mode);
    return file;
  }

  /** Marks the sweep as running again (members resubmitted after it ended). */
  reopen(): void {
    this.summary.endedAt = null;
    this.write();
  }

  end(): void {
    this.summary.endedAt = new Date().toISOString();
    this.write();
  }

  private write(): void {
    writeFileAtomic(path.join(this.sweepDir, SWEEP_FILE), JSON.stringify(this.summary, null, 2) + '\n', { inPlaceWhenFull: true });
  }
}
