/**
 * The local executor: a sweep's members as processes on this machine, one after another or
 * `--parallel N` at a time (src/cli/sweepRunner.ts does the work). Cancelling sends SIGTERM to the
 * trainers of its running members on this host: each stops cleanly with a checkpoint, as on Ctrl-C.
 * No vscode, no engine of its own.
 */
import os from 'node:os';
import path from 'node:path';
import { runSweep } from '../cli/sweepRunner';
import { readSummary } from '../runs/runFolder';
import { readSweepSummary } from '../runs/sweepFolder';
import { sweepMemberDir } from '../runs/layout';
import type { SweepExecutor, SweepLaunch } from './executor';

export class LocalExecutor implements SweepExecutor {
  readonly kind = 'local';

  constructor(private readonly parallel: number) {}

  run(launch: SweepLaunch): Promise<number> {
    return runSweep(launch.loaded, launch.runsDir, this.parallel, launch.ctx, launch.passThrough);
  }

  async cancel(sweepDir: string): Promise<string[]> {
    const sweep = readSweepSummary(sweepDir);
    if (!sweep) return [`${sweepDir}: not a sweep folder (no readable sweep.json)`];
    const lines: string[] = [];
    for (const member of sweep.runs) {
      const summary = readSummary(sweepMemberDir(sweepDir, member.runId));
      const owner = summary?.status === 'running' ? summary.owner : undefined;
      if (!owner) continue;
      if (owner.host !== os.hostname()) {
        lines.push(`${member.runId}: trains on ${owner.host} (pid ${owner.pid}); stop it there`);
        continue;
      }
      try {
        process.kill(owner.pid, 'SIGTERM');
        lines.push(`${member.runId}: asked to stop (SIGTERM to pid ${owner.pid})`);
      } catch (e) {
        lines.push(`${member.runId}: could not signal pid ${owner.pid}: ${(e as Error).message}`);
      }
    }
    if (!lines.length) lines.push(`${path.basename(sweepDir)}: no member is running`);
    return lines;
  }
}
