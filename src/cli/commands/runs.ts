/**
 * `hrnn runs [folder...] [--json] [--exclude GLOB]`: lists the runs and sweeps found below the given
 * folders (default: the current folder), through the same discovery, search scope and liveness code as
 * the VS Code runs view, so a run whose trainer died reads `crashed` here too. Free of the engine and vscode.
 */
import path from 'node:path';
import { formatMetric } from '../../protocol/format';
import { headlineMetric, type RunSummary } from '../../protocol/records';
import { discoverRunsUnder, type FoundRun } from '../../runs/discovery';
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
  status: RunSummary['status'];
  stepsDone: number;
  totalSteps: number;
  startedAt: string;
  endedAt: string | null;
  sweepDir?: string;
  metric?: { name: string; value: number };
  message?: string;
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
  return listing;
}

export function runRuns(argv: readonly string[], io: CliIo): number {
  const parsed = parseCommandLine(argv, RUNS_COMMAND);
  if (parsed.help) {
    io.out(RUNS_USAGE + '\n');
    return EXIT.ok;
  }
  const roots = parsed.positionals.length ? parsed.positionals : ['.'];
  const scope = RunSearchScope.withExtra(parsed.values.get('exclude') ?? []);
  const found: FoundRun[] = [];
  const seen = new Set<string>();
  for (const root of roots) {
    const under = discoverRunsUnder(path.resolve(root), { scope });
    for (const run of [...under.runs, ...under.sweeps.flatMap((s) => s.runs)]) {
      if (seen.has(run.runDir)) continue;
      seen.add(run.runDir);
      found.push(run);
    }
  }
  found.sort((a, b) => b.summary.startedAt.localeCompare(a.summary.startedAt));
  if (parsed.flags.has('json')) {
    io.out(found.map((r) => JSON.stringify(listingOf(r)) + '\n').join(''));
    return EXIT.ok;
  }
  if (found.length === 0) {
    io.err(`hrnn runs: no runs below ${roots.join(', ')}\n`);
    return EXIT.ok;
  }
  const rows = found.map((r) => [
    r.summary.status,
    `${r.summary.stepsDone}/${r.summary.totalSteps}`,
    formatMetric(r.summary) ?? '',
    path.relative(process.cwd(), r.runDir) || '.',
  ]);
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((row) => row[c].length)));
  io.out(rows.map((row) => row.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]) : cell)).join('  ')).join('\n') + '\n');
  for (const r of found) if (r.summary.status === 'crashed' && r.summary.message) io.err(`hrnn runs: ${r.summary.runId}: ${r.summary.message}\n`);
  return EXIT.ok;
}
