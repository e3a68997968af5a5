/**
 * `hrnn train` refuses, before anything is allocated, a run whose estimated peak memory is more
 * than this machine has (a valid but huge batch, hidden size or length would otherwise grow until
 * the system swaps or kills it). The estimate is engine/train/memoryEstimate.ts; this file adds
 * the machine (total memory, a container's limit, free memory), the sweep (runs one at a time, or
 * --parallel N at once) and the message. `--force` skips it. No vscode, no tfjs tensors.
 */
import os from 'node:os';
import { fusedKernelUnavailableReason } from '../engine/kernels';
import { peerKernelUnavailableReason } from '../engine/kernels/peerKernels';
import { estimateTrainingMemory, formatBytes, type MemoryEstimate, type RecurrenceImplementation } from '../engine/train/memoryEstimate';
import type { ExpandedRun } from '../experiment';
import type { ModelConfig, ResolvedExperiment } from '../experiment/schema';

export interface MachineMemory {
  /** Bytes the machine (or the container's memory limit, when lower) has. */
  total: number;
  /** Bytes free now, as the system reports them. */
  free: number;
}

/**
 * The share of the machine's memory one training may plan to use: the system and other programs
 * need the rest, and the estimate is not exact.
 */
export const USABLE_SHARE = 0.9;

export function machineMemory(): MachineMemory {
  let total = os.totalmem();
  // Node >= 19.6: the cgroup limit of a container, 0 (or a huge number) when there is none.
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.() ?? 0;
  if (constrained > 0 && constrained < total) total = constrained;
  return { total, free: Math.min(os.freemem(), total) };
}

/** What model/kernelChoice.ts will run the recurrence with (it loads the same cached kernels). */
export function expectedImplementation(model: ModelConfig): RecurrenceImplementation {
  if (model.implementation === 'tfjs') return 'composite';
  if (model.kind !== 'hamiltonian') return peerKernelUnavailableReason('auto') === null ? 'fused' : 'composite';
  return fusedKernelUnavailableReason('auto') === null ? 'fused' : 'composite';
}

interface PlannedRun {
  exp: ResolvedExperiment;
  /** `the sweep run with model.hidden=8192` for sweeps; empty for a single run. */
  label: string;
}

function describeParameters(parameters: Record<string, unknown>): string {
  return Object.entries(parameters)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}

/**
 * The refusal line for a run or sweep that needs more memory than the machine has, or null when
 * it fits. A sweep run one at a time needs its largest run; `--parallel N` its N largest at once.
 */
export function memoryRefusal(
  file: string,
  runs: { resolved?: ResolvedExperiment; runs?: readonly ExpandedRun[] },
  parallel: number,
  machine: MachineMemory = machineMemory(),
): string | null {
  const planned: PlannedRun[] = runs.runs
    ? runs.runs.map((r) => ({ exp: r.resolved, label: `the sweep run with ${describeParameters(r.parameters)}` }))
    : runs.resolved
      ? [{ exp: runs.resolved, label: '' }]
      : [];
  if (planned.length === 0) return null;
  const estimates = planned
    .map((run) => ({ run, estimate: estimateTrainingMemory(run.exp, expectedImplementation(run.exp.model)) }))
    .sort((a, b) => b.estimate.bytes - a.estimate.bytes);
  const atOnce = estimates.slice(0, Math.max(1, Math.min(parallel, estimates.length)));
  const needed = atOnce.reduce((sum, e) => sum + e.estimate.bytes, 0);
  if (needed <= machine.total * USABLE_SHARE) return null;
  const largest = atOnce[0];
  const what =
    atOnce.length > 1
      ? `${atOnce.length} sweep runs at once (--parallel ${parallel}) need about ${formatBytes(needed)} of memory; the largest, ${largest.run.label.replace(/^the /u, '')}, ${formatBytes(largest.estimate.bytes)}`
      : `${largest.run.label ? `${largest.run.label} needs` : 'this run needs'} about ${formatBytes(needed)} of memory`;
  const lower = atOnce.length > 1 ? `lower --parallel, or ${lowerAdvice(largest.estimate)}` : lowerAdvice(largest.estimate);
  return (
    `${file}: error: ${what}, more than this machine has (${formatBytes(machine.total)}, ${formatBytes(machine.free)} free): ` +
    `${breakdown(largest.estimate)}; ${lower}, or pass --force to train anyway`
  );
}

/** The (at most two) terms that make up most of it: `training 96.0 GB (composite tfjs ops ...)`. */
function breakdown(estimate: MemoryEstimate): string {
  return estimate.terms
    .filter((t, i) => i === 0 || (t.name !== 'runtime' && t.bytes >= estimate.bytes / 10))
    .slice(0, 2)
    .map((t) => `${t.name} ${formatBytes(t.bytes)} (${t.detail})`)
    .join(', ');
}

function lowerAdvice(estimate: MemoryEstimate): string {
  const largest = estimate.terms.find((t) => t.name !== 'runtime' && t.lower !== 'nothing');
  return largest ? `lower ${largest.lower}` : 'use a machine with more memory';
}
