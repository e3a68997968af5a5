/**
 * What the Slurm executor says to Slurm and how it reads the answers: the sbatch command line and
 * batch script of a sweep's job array, and the parsing of `sbatch --parsable`, `squeue` and
 * `scontrol show job -o`, plus what Slurm's end states mean for a run. Pure text in, text out (no
 * processes, no files), so it is tested with recorded outputs. Depends on nothing but the protocol types.
 */
import type { SchedulerTask } from '../protocol/records';

/** The `executor` settings that become sbatch options. */
export interface SlurmResources {
  partition?: string | null;
  cpusPerTask?: number;
  memory?: string | null;
  time?: string | null;
  maxConcurrent?: number | null;
  sbatchOptions?: readonly string[];
}

/** `[0,1,2,3,7]` -> `0-3,7`: Slurm's `--array` list. */
export function arraySpec(indices: readonly number[]): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j > i ? `${sorted[i]}-${sorted[j]}` : String(sorted[i]));
    i = j + 1;
  }
  return parts.join(',');
}

/** `0-3,7`, `[1-3%2]`, `5` -> the indices (`%N`, the concurrency limit, is dropped). */
export function parseArrayIndices(text: string): number[] {
  const body = text.replace(/^\[|\]$/g, '').replace(/%\d+$/, '');
  const out: number[] = [];
  for (const part of body.split(',')) {
    const range = /^(\d+)(?:-(\d+))?(?::(\d+))?$/.exec(part.trim());
    if (!range) continue;
    const from = Number(range[1]);
    const to = range[2] !== undefined ? Number(range[2]) : from;
    const step = range[3] !== undefined ? Math.max(1, Number(range[3])) : 1;
    for (let k = from; k <= to; k += step) out.push(k);
  }
  return out;
}

export interface SbatchInput {
  jobName: string;
  /** The sweep members to run: their indices are the array's task ids. */
  indices: readonly number[];
  /** Slurm's output file pattern (`%A` array job, `%a` task). */
  output: string;
  /** The folder the tasks start in. */
  workDir: string;
  resources: SlurmResources;
  script: string;
}

/** The sbatch command line (no shell: arguments as given): resources first, then the user's extra options, then the script. */
export function sbatchArguments(input: SbatchInput): string[] {
  const r = input.resources;
  const args = ['--parsable', `--job-name=${input.jobName}`, `--array=${arraySpec(input.indices)}${r.maxConcurrent ? `%${r.maxConcurrent}` : ''}`];
  args.push(`--output=${input.output}`, `--chdir=${input.workDir}`, `--cpus-per-task=${r.cpusPerTask ?? 1}`);
  if (r.partition) args.push(`--partition=${r.partition}`);
  if (r.memory) args.push(`--mem=${r.memory}`);
  if (r.time) args.push(`--time=${r.time}`);
  args.push(...(r.sbatchOptions ?? []), input.script);
  return args;
}

/** A word for the shell, single-quoted unless it is plainly safe. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./=:,@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The batch script of every task: `exec` the trainer (so Slurm's signals reach it directly and it
 * stops cleanly with a checkpoint), with the task id in place of `TASK_ID` in `command`.
 */
export function batchScript(command: readonly string[], comment: readonly string[] = []): string {
  const words = command.map((w) => (w === TASK_ID ? '"$SLURM_ARRAY_TASK_ID"' : shellQuote(w)));
  return ['#!/bin/sh', ...comment.map((c) => `# ${c}`), `exec ${words.join(' ')}`, ''].join('\n');
}

/** Stands for the array task id in a batch script's command. */
export const TASK_ID = '\u0000TASK_ID\u0000';

/** `sbatch --parsable` prints `jobid` or `jobid;cluster`. */
export function parseSbatchJobId(stdout: string): string | null {
  const m = /^\s*(\d+)(?:;\S+)?\s*$/m.exec(stdout);
  return m ? m[1] : null;
}

/** One array task as Slurm reports it. */
export interface SlurmTaskState {
  taskId: number;
  state: string;
  reason: string;
  /** The task's own job id (each array element has one once it runs). */
  taskJobId?: string;
  node?: string;
}

/** The squeue format the parser below reads: array job, task id, own job id, state, reason, node. */
export const SQUEUE_FORMAT = '%F|%K|%A|%T|%r|%N';

export function squeueArguments(jobId: string): string[] {
  return ['--noheader', '--array', `--jobs=${jobId}`, `--format=${SQUEUE_FORMAT}`];
}

/** Parses squeue lines of SQUEUE_FORMAT; a line naming a range of tasks gives one entry per task. */
export function parseSqueue(stdout: string, jobId: string): SlurmTaskState[] {
  const out: SlurmTaskState[] = [];
  for (const line of stdout.split('\n')) {
    const cells = line.trim().split('|');
    if (cells.length < 5 || cells[0] !== jobId) continue;
    const [, tasks, own, state, reason, node] = cells;
    const ids = parseArrayIndices(tasks);
    for (const taskId of ids) {
      const entry: SlurmTaskState = { taskId, state: normalState(state), reason: reason || 'None' };
      if (ids.length === 1 && own && own !== jobId) entry.taskJobId = own;
      if (node && !/^\(.*\)$/.test(node)) entry.node = node;
      out.push(entry);
    }
  }
  return out;
}

export function scontrolArguments(jobId: string): string[] {
  return ['show', 'job', '-o', jobId];
}

/** Parses `scontrol show job -o` (one record a line, `Key=Value` words) into the array tasks of `jobId`. */
export function parseScontrolJobs(stdout: string, jobId: string): SlurmTaskState[] {
  const out: SlurmTaskState[] = [];
  for (const line of stdout.split('\n')) {
    const fields = new Map<string, string>();
    for (const m of line.matchAll(/(?:^|\s)([A-Za-z:/]+)=(\S*)/g)) if (!fields.has(m[1])) fields.set(m[1], m[2]);
    const own = fields.get('JobId');
    const arrayJob = fields.get('ArrayJobId') ?? own;
    if (!own || arrayJob !== jobId || !fields.has('ArrayTaskId')) continue;
    const ids = parseArrayIndices(fields.get('ArrayTaskId')!);
    for (const taskId of ids) {
      const entry: SlurmTaskState = { taskId, state: normalState(fields.get('JobState') ?? 'UNKNOWN'), reason: fields.get('Reason') ?? 'None' };
      if (ids.length === 1) entry.taskJobId = own;
      const node = fields.get('NodeList');
      if (node && node !== '(null)') entry.node = node;
      out.push(entry);
    }
  }
  return out;
}

/** `CANCELLED+`, `CANCELLED by 0` -> `CANCELLED`. */
function normalState(state: string): string {
  return /^[A-Z_]+/.exec(state.trim())?.[0] ?? 'UNKNOWN';
}

/** Whether the task is still Slurm's business (queued or running), not ended. */
export function isQueuedOrRunning(state: string): boolean {
  return [
    'PENDING',
    'CONFIGURING',
    'RUNNING',
    'COMPLETING',
    'SUSPENDED',
    'REQUEUED',
    'REQUEUE_HOLD',
    'REQUEUE_FED',
    'RESIZING',
    'STOPPED',
    'SIGNALING',
    'STAGE_OUT',
  ].includes(state);
}

/** The member's status in sweep.json while Slurm has it. */
export function memberStatusOf(state: string): 'pending' | 'running' {
  return state === 'PENDING' || state.startsWith('REQUEUE') ? 'pending' : 'running';
}

/** How Slurm ended a task, for people: a short word (the status column) and a sentence; null when the task ended by itself. */
export function slurmEnding(state: string, reason = 'None'): { word: string; message: string } | null {
  const why = reason && reason !== 'None' ? ` (${reason})` : '';
  const resume = '; hrnn train --resume <sweep-folder> resubmits it from its checkpoint';
  switch (normalState(state)) {
    case 'CANCELLED':
      return { word: 'cancelled', message: `cancelled in Slurm (scancel)${why}${resume}` };
    case 'TIMEOUT':
      return { word: 'time limit', message: `Slurm stopped it at its time limit (TIMEOUT${reason && reason !== 'None' ? `, ${reason}` : ''})${resume}` };
    case 'DEADLINE':
      return { word: 'deadline', message: `Slurm stopped it at its deadline (DEADLINE)${resume}` };
    case 'OUT_OF_MEMORY':
      return { word: 'out of memory', message: `Slurm ended it: out of memory (OUT_OF_MEMORY); ask for more with executor.memory${resume}` };
    case 'NODE_FAIL':
      return { word: 'node failure', message: `its node failed (NODE_FAIL${why ? `, ${reason}` : ''})${resume}` };
    case 'PREEMPTED':
      return { word: 'preempted', message: `Slurm preempted it (PREEMPTED)${resume}` };
    case 'BOOT_FAIL':
      return { word: 'boot failure', message: `its node failed to boot (BOOT_FAIL)${resume}` };
    default:
      return null;
  }
}

/** The status word a list shows for a run or member Slurm has or had: `pending`/`running` while queued, the ending word after. */
export function schedulerStatusWord(task: SchedulerTask | undefined): string | null {
  if (!task) return null;
  if (task.ended) return slurmEnding(task.ended.state, task.ended.reason)?.word ?? null;
  return null;
}
