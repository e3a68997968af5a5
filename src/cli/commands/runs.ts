/**
 * `hrnn runs [folder...] [--json] [--exclude GLOB]`: lists the runs and sweeps found below the given
 * folders (default: the current folder), through the same discovery, search scope and liveness code as
 * the VS Code runs view, so a run whose trainer died reads `crashed` here too. Free of the engine and vscode.
 */
import path from 'node:path';
import { formatMetric } from '../../protocol/format';
import { headlineMetric, type RunSummary, type SchedulerTask, type SweepSummary } from '../../protocol/records';
import { discoverRunsUnder, type FoundRun } from '../../runs/discovery';
import { SweepFolderWriter } from '../../runs/sweepFolder';
import { sweepMemberDir } from '../../runs/layout';
import { findOnPath } from '../../process/commandRunner';
import { reconcileSlurmSweep, SlurmCli } from '../../executors/slurmExecutor';
import { schedulerStatusWord } from '../../executors/slurmCommands';
import { RunSearchScope } from '../../runs/searchScope';
import { parseCommandLine, usageText } from '../args';
import { RUNS_COMMAND } from '../commandSpecs';
import { EXIT, type CliIo } from '../io';

export const RUNS_USAGE = usageText(RUNS_COMMAND);

/** One run as `--json` prints it: stable field names for scripts. */
export interface RunListing {
  runId: string;
  dir: string;
  name: string;
  /** `pending`: a sweep member without a run folder yet (queued on Slurm, or waiting for its turn). */
  status: RunSummary['status'] | 'pending';
  stepsDone: number;
  totalSteps: number;
  startedAt: string;
  endedAt: string | null;
  sweepDir?: string;
  metric?: { name: string; value: number };
  message?: string;
  /** The Slurm array task that trains or trained it, with how Slurm ended it (`ended`). */
  scheduler?: SchedulerTask;
}

export function listingOf(run: FoundRun): RunListing {
  const s = run.summary;
  const listing: RunListing = {
    runId: s.runId,
    dir: run.runDir,
    name: s.name,
    status: s.status,
    stepsDone: s.stepsDone,
    totalSteps: s.totalSteps,
    startedAt: s.startedAt,
    endedAt: s.endedAt,
  };
  if (run.sweepDir) listing.sweepDir = run.sweepDir;
  const metric = headlineMetric(s);
  if (metric) listing.metric = metric;
  if (s.message && s.status !== 'completed' && s.status !== 'running') listing.message = s.message;
  if (run.scheduler) listing.scheduler = run.scheduler;
  return listing;
}

/** A sweep member without a run folder (queued, or never started) as a listing. */
export function unstartedListing(sweepDir: string, sweep: SweepSummary, member: SweepSummary['runs'][number]): RunListing {
  const listing: RunListing = {
    runId: member.runId,
    dir: sweepMemberDir(sweepDir, member.runId),
    name: sweep.name,
    status: member.status,
    stepsDone: 0,
    totalSteps: 0,
    startedAt: sweep.startedAt,
    endedAt: null,
    sweepDir,
  };
  if (member.scheduler) listing.scheduler = member.scheduler;
  if (member.scheduler?.ended) listing.message = `Slurm: ${member.scheduler.ended.state} (${member.scheduler.ended.reason})`;
  return listing;
}

/** The status column: Slurm's ending (`cancelled`, `time limit`, ...) where Slurm ended the run, else the run's status. */
function statusCell(listing: RunListing): string {
  const word = schedulerStatusWord(listing.scheduler);
  if (word) return word;
  if (listing.status === 'pending' && listing.scheduler?.state && listing.scheduler.reason && listing.scheduler.reason !== 'None')
    return `pending (${listing.scheduler.reason})`;
  return listing.status;
}

/**
 * Sweeps on Slurm that have not ended: one look at Slurm's queue brings them up to date (a sweep
 * submitted with --detach has nobody following it). Skipped where Slurm's commands are not installed.
 */
async function reconcileSlurmSweeps(roots: readonly string[], scope: RunSearchScope): Promise<void> {
  if (!findOnPath('squeue')) return;
  const cli = new SlurmCli();
  for (const root of roots) {
    for (const found of discoverRunsUnder(path.resolve(root), { scope }).sweeps) {
      if (found.sweep.executor?.kind !== 'slurm' || found.sweep.endedAt !== null) continue;
      const writer = SweepFolderWriter.open(found.sweepDir);
      if (!writer) continue;
      try {
        if ((await reconcileSlurmSweep(writer, cli)) === 0) writer.end();
      } catch {
        // A read-only shared folder or a controller that does not answer: list what the folders say.
      }
    }
  }
}

export async function runRuns(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine(argv, RUNS_COMMAND);
  if (parsed.help) {
    io.out(RUNS_USAGE + '\n');
    return EXIT.ok;
  }
  const roots = parsed.positionals.length ? parsed.positionals : ['.'];
  const scope = RunSearchScope.withExtra(parsed.values.get('exclude') ?? []);
  await reconcileSlurmSweeps(roots, scope);
  const found: FoundRun[] = [];
  const unstarted: RunListing[] = [];
  const seen = new Set<string>();
  for (const root of roots) {
    const under = discoverRunsUnder(path.resolve(root), { scope });
    for (const run of [...under.runs, ...under.sweeps.flatMap((s) => s.runs)]) {
      if (seen.has(run.runDir)) continue;
      seen.add(run.runDir);
      found.push(run);
    }
    for (const s of under.sweeps) {
      for (const m of s.unstarted) {
        const listing = unstartedListing(s.sweepDir, s.sweep, m);
        if (seen.has(listing.dir)) continue;
        seen.add(listing.dir);
        unstarted.push(listing);
      }
    }
  }
  found.sort((a, b) => b.summary.startedAt.localeCompare(a.summary.startedAt));
  if (parsed.flags.has('json')) {
    io.out([...found.map(listingOf), ...unstarted].map((l) => JSON.stringify(l) + '\n').join(''));
    return EXIT.ok;
  }
  if (found.length === 0 && unstarted.length === 0) {
    io.err(`hrnn runs: no runs below ${roots.join(', ')}\n`);
    return EXIT.ok;
  }
  const rows = [
    ...found.map((r) => [
      statusCell(listingOf(r)),
      `${r.summary.stepsDone}/${r.summary.totalSteps}`,
      formatMetric(r.summary) ?? '',
      path.relative(process.cwd(), r.runDir) || '.',
    ]),
    ...unstarted.map((l) => [statusCell(l), '-', '', path.relative(process.cwd(), l.dir) || '.']),
  ];
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((row) => row[c].length)));
  io.out(rows.map((row) => row.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]) : cell)).join('  ')).join('\n') + '\n');
  for (const r of found) {
    if ((r.summary.status === 'crashed' || r.scheduler?.ended) && r.summary.message) io.err(`hrnn runs: ${r.summary.runId}: ${r.summary.message}\n`);
  }
  return EXIT.ok;
}
