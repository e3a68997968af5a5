/**
 * `hrnn cancel <sweep-folder...>`: cancels the queued and running members of sweeps through the
 * executor that runs them (scancel for a Slurm job array, SIGTERM for local trainers). Free of the
 * engine and vscode.
 */
import path from 'node:path';
import { executorOfSweep } from '../../executors/executorChoice';
import { readSweepSummary } from '../../runs/sweepFolder';
import { parseCommandLine, usageText, UsageError } from '../args';
import { CANCEL_COMMAND } from '../commandSpecs';
import { EXIT, type CliIo } from '../io';

export const CANCEL_USAGE = usageText(CANCEL_COMMAND);

export async function runCancel(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine(argv, CANCEL_COMMAND);
  if (parsed.help) {
    io.out(CANCEL_USAGE + '\n');
    return EXIT.ok;
  }
  if (!parsed.positionals.length) throw new UsageError('give the sweep folder to cancel, e.g. hrnn cancel runs/adding-sweep-20261202-101500-1a2b');
  let code: number = EXIT.ok;
  for (const folder of parsed.positionals) {
    const sweepDir = path.resolve(folder);
    const sweep = readSweepSummary(sweepDir);
    if (!sweep) {
      io.err(`hrnn cancel: ${sweepDir}: not a sweep folder (no readable sweep.json)\n`);
      code = EXIT.failed;
      continue;
    }
    const lines = await executorOfSweep(sweep).cancel(sweepDir);
    for (const line of lines) io.err(`hrnn cancel: ${line}\n`);
    const after = readSweepSummary(sweepDir);
    for (const m of after?.runs ?? []) {
      const ended = m.scheduler?.ended
        ? ` (Slurm: ${m.scheduler.ended.state}${m.scheduler.ended.reason !== 'None' ? `, ${m.scheduler.ended.reason}` : ''})`
        : '';
      io.out(`${m.status}${ended}  ${m.runId}\n`);
    }
  }
  return code;
}
