/**
 * The nodes of the runs view and the pure decisions about them (free of `vscode`, tested in Node):
 * a sweep's children in member order, with its members not started yet (queued on Slurm, waiting for
 * their turn) beside those with a run folder; the context value of a sweep item.
 */
import type { SweepSummary } from '../../protocol/records';
import type { FoundRun, FoundSweep } from '../../runs/discovery';
import { sweepMemberDir } from '../../runs/layout';

export type RunsNode =
  | { kind: 'run'; runDir: string; found: FoundRun }
  | { kind: 'sweep'; sweepDir: string; found: FoundSweep }
  /** A sweep member without a run folder yet (queued on Slurm, waiting for its turn, or never started). */
  | { kind: 'unstarted'; sweepDir: string; member: SweepSummary['runs'][number]; sweepEnded: boolean }
  | { kind: 'empty'; message: string };

/** A sweep's members in member order: run nodes for those with a run folder, `unstarted` nodes for the rest. */
export function sweepChildren(sweepDir: string, found: FoundSweep): RunsNode[] {
  const started = new Map(found.runs.map((r) => [r.runDir, r]));
  const unstarted = new Set(found.unstarted.map((m) => m.runId));
  const nodes: RunsNode[] = [];
  for (const m of found.sweep.runs) {
    const run = started.get(sweepMemberDir(sweepDir, m.runId));
    if (run) nodes.push({ kind: 'run', runDir: run.runDir, found: run });
    else if (unstarted.has(m.runId)) nodes.push({ kind: 'unstarted', sweepDir, member: m, sweepEnded: found.sweep.endedAt !== null });
  }
  return nodes;
}

/**
 * A sweep item's context value: `.slurm` while its job array may still have members queued or running
 * (offers Cancel Sweep; not Delete).
 */
export function sweepContextValueOf(sweep: SweepSummary): string {
  return sweep.executor?.kind === 'slurm' && sweep.endedAt === null ? 'hamiltonianRnn.sweep.slurm' : 'hamiltonianRnn.sweep';
}
