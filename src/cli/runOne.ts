/**
 * One training run as the CLI shows it: progress bar or JSON lines or IPC events, and a closing line.
 */
import { fusedKernelUnavailableReason } from '../engine/kernels';
import { trainExperiment, type TrainHooks, type TrainOutcome } from '../engine/train/trainer';
import type { ResolvedExperiment } from '../experiment/schema';
import { formatDuration, formatNumber, formatPercent } from '../protocol/format';
import type { RunStatus } from '../protocol/records';
import { EXIT, type CliIo } from './io';
import { ProgressReporter } from './progressBar';
import type { Send, StopSignal } from './trainerControl';

export function exitCodeFor(status: RunStatus): number {
  if (status === 'completed' || status === 'stopped') return EXIT.ok;
  return status === 'diverged' ? EXIT.diverged : EXIT.failed;
}

function describeBest(outcome: TrainOutcome): string {
  const best = outcome.summary.best;
  if (!best) return 'no evaluation';
  const test = best.test;
  // Two decimals of accuracy: the end-of-run line is where close runs are compared.
  const percent = (fraction: number) => formatPercent(fraction, 2);
  if (test?.accuracy !== undefined) return `best validation accuracy ${percent(best.accuracy!)} at step ${best.step}, test accuracy ${percent(test.accuracy)}`;
  if (best.mse !== undefined) return `best ${best.split} MSE ${formatNumber(best.mse)} at step ${best.step}`;
  if (best.accuracy !== undefined) return `best ${best.split} accuracy ${percent(best.accuracy)} at step ${best.step}`;
  return `best ${best.split} loss ${formatNumber(best.loss)} at step ${best.step}`;
}

export interface RunContext {
  io: CliIo;
  json: boolean;
  send: Send | null;
  stop: StopSignal;
  experimentFile: string;
}

export async function runOne(
  exp: ResolvedExperiment,
  runsDir: string,
  ctx: RunContext,
  extra: {
    runId?: string;
    sweep?: { id: string; index: number; parameters: Record<string, unknown>; sweepDir: string; count: number };
    resumeFrom?: string;
    /** Called once the run folder exists (a batch-system task records its ids there). */
    onRunFolder?: (runDir: string) => void;
  } = {},
): Promise<TrainOutcome> {
  const progress = ctx.json || ctx.send ? null : new ProgressReporter(process.stderr);
  let runDir = '';
  let runId = extra.runId ?? '';
  const hooks: TrainHooks = {
    shouldStop: () => ctx.stop.requested,
    stopReason: () => ctx.stop.reason,
    onStart: (info) => {
      runDir = info.runDir;
      runId = info.runId;
      extra.onRunFolder?.(info.runDir);
      if (!ctx.json && !ctx.send) {
        ctx.io.err(
          `hrnn: run ${info.runId}\n  folder      ${info.runDir}\n  backend     ${info.backend.description}\n  recurrence  ${info.implementation}: ${info.implementationDetail}\n`,
        );
      }
      ctx.send?.({
        type: 'runStarted',
        runId: info.runId,
        runDir: info.runDir,
        experimentFile: ctx.experimentFile,
        backend: info.backend.name,
        implementation: info.implementation,
        ...(info.implementation === 'fused-wasm' ? { nativeKernelUnavailable: fusedKernelUnavailableReason('native') ?? undefined } : {}),
        totalSteps: info.totalSteps,
        ...(extra.sweep ? { sweep: { sweepDir: extra.sweep.sweepDir, index: extra.sweep.index, count: extra.sweep.count } } : {}),
      });
    },
    onRecord: (record) => {
      if (ctx.json) ctx.io.out(JSON.stringify(record) + '\n');
      ctx.send?.({ type: 'record', runId, runDir, record });
    },
    onProgress: (p) => progress?.update({ label: exp.name, step: p.step, total: p.totalSteps, loss: p.loss, stepsPerSecond: p.stepsPerSecond }),
    onLog: (level, message) => {
      if (ctx.send) ctx.send({ type: 'log', level, message });
      else if (level !== 'info' || !ctx.json) {
        progress?.clear();
        ctx.io.err(`hrnn: ${level === 'info' ? '' : level + ': '}${message}\n`);
      }
    },
  };
  const outcome = await trainExperiment(exp, {
    runsDir,
    experimentFile: ctx.experimentFile,
    runId: extra.runId,
    sweep: extra.sweep ? { id: extra.sweep.id, index: extra.sweep.index, parameters: extra.sweep.parameters } : undefined,
    hooks,
    resumeFrom: extra.resumeFrom,
  });
  progress?.clear();
  ctx.send?.({ type: 'runEnded', runId: outcome.runId, runDir: outcome.runDir, status: outcome.status, summary: outcome.summary });
  if (!ctx.send) {
    const line = `hrnn: ${outcome.status} after ${outcome.summary.stepsDone} steps (${formatDuration(outcome.summary.durationMs / 1000)}); ${describeBest(outcome)}${outcome.summary.message && outcome.status !== 'completed' ? `\n  ${outcome.summary.message}` : ''}\n`;
    ctx.io.err(line);
    if (!ctx.json) ctx.io.out(`${outcome.runDir}\n`);
  }
  return outcome;
}
