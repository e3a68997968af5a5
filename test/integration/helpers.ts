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

export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 30000, intervalMs = 100): Promise<T> {
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
  return withTimeout(started, 30000, `a training session for ${experiment}`);
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)),
  ]);
}

export function readMetrics(runDir: string): MetricRecord[] {
  return parseMetricLines(fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')).records;
}

let completedRun: Promise<{ session: TrainingSession; runDir: string }> | undefined;

/** The completed tiny run the train test made (trains one when that test was not run). */
export function completedTinyRun(api: HamiltonianRnnApi): Promise<{ session: TrainingSession; runDir: string }> {
  completedRun ??= (async () => {
    const session = await trainFromPalette(api, 'tiny-adding.hrnn.yaml');
    await withTimeout(session.ended, 90000, 'tiny-adding to finish');
    const run = session.runList[0];
    assert.ok(run, `no run started: ${JSON.stringify(session.outcome)}; stderr: ${session.stderrTail.join('\n')}`);
    return { session, runDir: run.runDir };
  })();
  return completedRun;
}

/** Lets a test hand the expected after-reload state to index.ts, which asks the driver to reload. */
export const reloadRequest: { data?: ReloadData } = {};

export interface ReloadData {
  runDirs: string[];
  phase1: { passes: number; failures: number };
}
