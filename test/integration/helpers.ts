/** Shared steps of the integration tests (they run inside the VS Code extension host). */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { HamiltonianRnnApi } from '../../src/extension/api';
import type { TrainingSession } from '../../src/extension/training/supervisor';
import type { MetricRecord } from '../../src/protocol/records';
import { parseMetricLines } from '../../src/runs/runFolder';
import { driver } from './uiDriver';

export const EXTENSION_ID = 'hamiltonian-rnn-lab.hamiltonian-rnn-lab';
/** The Train command as the command palette lists it. */
export const TRAIN_LABEL = 'Hamiltonian RNN: Train Hamiltonian RNN Experiment';
export const STOP_LABEL = 'Hamiltonian RNN: Stop Training';

export async function getApi(): Promise<HamiltonianRnnApi> {
  const ext = vscode.extensions.getExtension<HamiltonianRnnApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  return ext.activate();
}

export function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the tests need a workspace folder');
  return folder.uri.fsPath;
}

export function experimentUri(name: string): vscode.Uri {
  return vscode.Uri.file(path.join(workspaceDir(), 'experiments', name));
}

export function runsDir(): string {
  return path.join(workspaceDir(), 'runs');
}

export function outputDir(): string {
  const dir = process.env.HRNN_TEST_OUTPUT ?? path.join(workspaceDir(), 'test-output');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Waits whose length depends on how fast the machine is (a webview page loading, a trainer process
 * starting, code-server's UI answering): generous, because a busy 2-core machine is many times
 * slower than an idle one, and a wait that succeeds ends as soon as its condition holds. What is
 * asserted once the wait is over never depends on these.
 */
export const SLOW_MS = 120000;
/** Something the workbench shows on screen (status bar items, notifications, tree rows). */
export const UI_MS = 90000;

export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = UI_MS, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && (value as unknown) !== false) return value;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    await sleep(intervalMs);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Any event source (vscode.Event, the extension's own Emitter events): only "it fired" matters here. */
export type AnyEvent = (listener: () => void) => { dispose(): void };

/**
 * Resolves with `probe()`'s first value that is not undefined/null/false, checked now and whenever
 * one of `events` fires (plus a slow re-check each second, in case a change comes without an event).
 * A probe that throws is retried; its last error is named when the wait times out.
 */
export function until<T>(events: readonly AnyEvent[], probe: () => T | undefined | null | false, what: string, timeoutMs: number = SLOW_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const started = Date.now();
    let lastError: unknown;
    let done = false;
    const subscriptions: Array<{ dispose(): void }> = [];
    const finish = (settle: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(recheck);
      for (const s of subscriptions) s.dispose();
      settle();
    };
    const check = () => {
      if (done) return;
      try {
        const value = probe();
        if (value !== undefined && value !== null && value !== false) finish(() => resolve(value));
      } catch (e) {
        lastError = e;
      }
    };
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(new Error(`timed out after ${Date.now() - started} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`)),
        ),
      timeoutMs,
    );
    const recheck = setInterval(check, 1000);
    for (const event of events) subscriptions.push(event(check));
    check();
  });
}

export async function openExperiment(name: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(experimentUri(name));
  return vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, preview: false });
}

/**
 * Runs a command as a person would: typed into the command palette by the UI driver; without a
 * driver (desktop test-cli), through the command API.
 */
export async function runFromPalette(text: string, label: string, commandId: string, ...args: unknown[]): Promise<void> {
  if (driver) {
    const { attempts } = await driver.palette(text, label);
    await driver.log(`palette: "${label}" (attempt ${attempts})`);
  } else {
    await vscode.commands.executeCommand(commandId, ...args);
  }
}

/** Opens `experiment` and trains it from the command palette; resolves once the session has started. */
export async function trainFromPalette(api: HamiltonianRnnApi, experiment: string): Promise<TrainingSession> {
  await openExperiment(experiment);
  const started = new Promise<TrainingSession>((resolve) => {
    const sub = api.supervisor.onDidStartSession((s) => {
      if (path.basename(s.experimentFile) !== experiment) return;
      sub.dispose();
      resolve(s);
    });
  });
  await runFromPalette('Train Hamiltonian RNN', TRAIN_LABEL, 'hamiltonianRnn.train');
  return withTimeout(started, SLOW_MS, `a training session for ${experiment}`);
}

/** Trains tiny-adding through the command API (not the palette) into a new run folder, to completion. */
export async function trainTinyRun(api: HamiltonianRnnApi): Promise<{ session: TrainingSession; runDir: string }> {
  const session = await vscode.commands.executeCommand<TrainingSession | undefined>('hamiltonianRnn.train', experimentUri('tiny-adding.hrnn.yaml'));
  assert.ok(session, `Train started no session (active sessions: ${api.supervisor.activeSessions.length})`);
  await withTimeout(session.ended, SLOW_MS, 'tiny-adding to finish');
  const run = session.runList[0];
  assert.ok(run, `no run started: ${JSON.stringify(session.outcome)}; stderr: ${session.stderrTail.join('\n')}`);
  return { session, runDir: run.runDir };
}

/**
 * Ends training sessions that are still going (the run of a test that failed half-way): a graceful
 * stop, and a kill when that does not end it soon. Returns the experiments it ended.
 */
export async function endTraining(api: HamiltonianRnnApi, sessions: readonly TrainingSession[] = api.supervisor.activeSessions): Promise<string[]> {
  sessions = sessions.filter((s) => s.state !== 'ended');
  await Promise.all(
    sessions.map(async (s) => {
      void api.supervisor.stop(s);
      try {
        await withTimeout(s.ended, 20000, `${path.basename(s.experimentFile)} to stop`);
      } catch {
        s.process.kill();
        await withTimeout(s.ended, 30000, `${path.basename(s.experimentFile)} to end after SIGKILL`);
      }
    }),
  );
  return sessions.map((s) => path.basename(s.experimentFile));
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms))]);
}

export function readMetrics(runDir: string): MetricRecord[] {
  return parseMetricLines(fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')).records;
}

let completedRun: Promise<{ session: TrainingSession; runDir: string }> | undefined;
let completedRunAttempts = 0;

/**
 * The completed tiny run the train test made (trains one when that test was not run). When that
 * training failed, the next caller tries once more instead of inheriting the failure.
 */
export function completedTinyRun(api: HamiltonianRnnApi): Promise<{ session: TrainingSession; runDir: string }> {
  if (!completedRun) {
    completedRunAttempts++;
    const attempt = (async () => {
      const session = await trainFromPalette(api, 'tiny-adding.hrnn.yaml');
      await withTimeout(session.ended, SLOW_MS, 'tiny-adding to finish');
      const run = session.runList[0];
      assert.ok(run, `no run started: ${JSON.stringify(session.outcome)}; stderr: ${session.stderrTail.join('\n')}`);
      return { session, runDir: run.runDir };
    })();
    completedRun = attempt;
    attempt.catch(() => {
      if (completedRunAttempts < 2 && completedRun === attempt) completedRun = undefined;
    });
  }
  return completedRun;
}

/** Lets a test hand the expected after-reload state to index.ts, which asks the driver to reload. */
export const reloadRequest: { data?: ReloadData } = {};

export interface ReloadData {
  runDirs: string[];
  phase1: { passes: number; failures: number };
}
