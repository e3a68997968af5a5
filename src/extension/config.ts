/**
 * The extension's settings (contributed in package.json under `hamiltonianRnn.*`), read fresh on
 * every use so changes apply without a reload.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_RUN_SEARCH_EXCLUDE } from '../runs/searchScope';

export const CONFIG_SECTION = 'hamiltonianRnn';

/** `fromExperiment`: no `--backend`, the experiment file's `backend` decides. */
export type BackendSetting = 'fromExperiment' | 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

function section(scope?: vscode.ConfigurationScope): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(CONFIG_SECTION, scope);
}

export const settings = {
  runsFolder(scope?: vscode.ConfigurationScope): string {
    return section(scope).get<string>('runsFolder', 'runs').trim() || 'runs';
  },
  backend(scope?: vscode.ConfigurationScope): BackendSetting {
    return section(scope).get<BackendSetting>('backend', 'fromExperiment');
  },
  maxConcurrentRuns(): number {
    const n = section().get<number>('maxConcurrentRuns', 1);
    return Number.isFinite(n) && n >= 1 ? Math.floor(n) : 1;
  },
  plotUpdateRateHz(): number {
    const hz = section().get<number>('plots.updateRateHz', 10);
    return Number.isFinite(hz) ? Math.min(30, Math.max(1, hz)) : 10;
  },
  maxPointsPerLine(): number {
    const n = section().get<number>('plots.maxPointsPerLine', 2000);
    return Number.isFinite(n) && n >= 100 ? Math.floor(n) : 2000;
  },
  openPlotsOnTrain(): boolean {
    return section().get<boolean>('plots.openOnTrain', true);
  },
  stopTimeoutMs(): number {
    const s = section().get<number>('stopTimeoutSeconds', 30);
    return (Number.isFinite(s) && s > 0 ? s : 30) * 1000;
  },
  /** Globs of folders the runs view never searches (`hamiltonianRnn.runs.exclude`; the CLI's `hrnn runs` defaults). */
  runsExclude(): readonly string[] {
    const globs = section().get<unknown>('runs.exclude', DEFAULT_RUN_SEARCH_EXCLUDE);
    return Array.isArray(globs) ? globs.filter((g): g is string => typeof g === 'string') : DEFAULT_RUN_SEARCH_EXCLUDE;
  },
};

/**
 * The runs folder for a resource: an absolute setting as is; a relative one under the resource's
 * workspace folder (or beside the file when it is outside every workspace folder).
 */
export function runsDirFor(resource: vscode.Uri): string {
  const folder = vscode.workspace.getWorkspaceFolder(resource);
  const setting = settings.runsFolder(resource);
  if (path.isAbsolute(setting)) return setting;
  const base = folder ? folder.uri.fsPath : path.dirname(resource.fsPath);
  return path.join(base, setting);
}

/** Every runs folder the runs view lists: one per workspace folder (deduplicated). */
export function allRunsDirs(): string[] {
  const dirs = (vscode.workspace.workspaceFolders ?? []).map((f) => {
    const setting = settings.runsFolder(f.uri);
    return path.isAbsolute(setting) ? setting : path.join(f.uri.fsPath, setting);
  });
  return [...new Set(dirs)];
}
