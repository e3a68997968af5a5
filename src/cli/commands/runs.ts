/**
 * `hrnn runs [folder...] [--json]`: lists the runs and sweeps found below the given folders (default:
 * the current folder), through the same discovery and liveness code as the VS Code runs view, so a
 * run whose trainer died reads `crashed` here too. Free of the engine and vscode.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { headlineMetric, type RunSummary } from '../../protocol/records';
import { discoverRunsUnder, type FoundRun } from '../../runs/discovery';
import { UsageError } from '../args';
import { EXIT, type CliIo } from '../io';

export const RUNS_USAGE = `usage: hrnn runs [folder...] [options]

Lists every run and sweep below the given folders (default: the current folder), newest first:
status (running, completed, stopped, failed, diverged, or crashed when its trainer is gone),
steps done, and the headline metric.

options:
  --json              one JSON object per run and line (runId, dir, status, stepsDone, ...)
  --help, -h          this text`;

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

function metricText(m: RunListing['metric']): string {
  if (!m) return '';
  return m.name === 'accuracy' ? `acc ${(m.value * 100).toFixed(2)}%` : `${m.name} ${m.value.toPrecision(4)}`;
}

export function runRuns(argv: readonly string[], io: CliIo): number {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (parsed.values.help) {
    io.out(RUNS_USAGE + '\n');
    return EXIT.ok;
  }
  const roots = parsed.positionals.length ? parsed.positionals : ['.'];
  const listings: RunListing[] = [];
  const seen = new Set<string>();
  for (const root of roots) {
    const found = discoverRunsUnder(path.resolve(root));
    for (const run of [...found.runs, ...found.sweeps.flatMap((s) => s.runs)]) {
      if (seen.has(run.runDir)) continue;
      seen.add(run.runDir);
      listings.push(listingOf(run));
    }
  }
  listings.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  if (parsed.values.json) {
    io.out(listings.map((l) => JSON.stringify(l) + '\n').join(''));
    return EXIT.ok;
  }
  if (listings.length === 0) {
    io.err(`hrnn runs: no runs below ${roots.join(', ')}\n`);
    return EXIT.ok;
  }
  const rows = listings.map((l) => [l.status, `${l.stepsDone}/${l.totalSteps}`, metricText(l.metric), path.relative(process.cwd(), l.dir) || '.']);
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
  io.out(rows.map((r) => r.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]) : cell)).join('  ')).join('\n') + '\n');
  for (const l of listings) if (l.status === 'crashed' && l.message) io.err(`hrnn runs: ${l.runId}: ${l.message}\n`);
  return EXIT.ok;
}
