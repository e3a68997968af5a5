/**
 * The runs view: runs and sweeps found in the workspace, newest first: the configured runs folder of
 * each workspace folder, and every other folder that holds runs (e.g. `examples/runs/` written by
 * `hrnn train examples/x.yaml` in a terminal), found once in the background and then by a watcher,
 * skipping the folders `hamiltonianRnn.runs.exclude` names (the same rule and defaults as `hrnn runs`).
 * It re-reads the folders when they change on disk and follows live runs at a modest rate.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { RunStatus } from '../../protocol/records';
import { discoverRuns, runsRootOf, type FoundRun, type FoundSweep } from '../../runs/discovery';
import { RunSearchScope } from '../../runs/searchScope';
import { allRunsDirs, settings } from '../config';
import { Throttle } from '../plots/throttle';
import type { TrainingSupervisor } from '../training/supervisor';
import { describeRun, describeSweep, type ItemView } from './runDescriptions';

export type RunsNode =
  { kind: 'run'; runDir: string; found: FoundRun } | { kind: 'sweep'; sweepDir: string; found: FoundSweep } | { kind: 'empty'; message: string };

export const RUNS_VIEW_ID = 'hamiltonianRnn.runs';

/** What marks a run (summary.json) or a sweep (sweep.json) folder. */
const RUN_SUMMARY_GLOB = '**/{summary.json,sweep.json}';
/** How often the workspace is searched again for run folders a watcher may have missed. */
const RUN_ROOT_RESCAN_MS = 15000;

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  private watchers: vscode.FileSystemWatcher[] = [];
  /** Folders holding runs found anywhere in the workspace, besides the configured runs folders. */
  private readonly foundRoots = new Set<string>();
  /** Tree refreshes are batched: a live run would otherwise redraw the tree at every step. */
  private readonly refreshThrottle = new Throttle(
    () => this.changeEmitter.fire(undefined),
    () => 1000,
  );

  constructor(private readonly supervisor: TrainingSupervisor) {
    this.disposables.push(
      supervisor.onDidReceiveEvent(() => this.refresh()),
      supervisor.onDidEndSession(() => this.refresh()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.watchRunsFolders()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('hamiltonianRnn.runsFolder')) this.watchRunsFolders();
        if (e.affectsConfiguration('hamiltonianRnn.runs.exclude')) {
          // Search again under the new rule; folders it now excludes leave the view.
          this.foundRoots.clear();
          void this.rescan();
        }
      }),
    );
    this.watchRunsFolders();
    this.disposables.push(this.watchWorkspaceForRuns());
    void this.findRunRoots();
    // File watchers drop events when many arrive (long runs rewrite their summaries): search again
    // now and then, in the background, so a run folder that appeared unseen still joins the view.
    const rescan = setInterval(() => void this.findRunRoots(), RUN_ROOT_RESCAN_MS);
    this.disposables.push({ dispose: () => clearInterval(rescan) });
  }

  /** "Refresh Runs": search the workspace for run folders again, then redraw. */
  async rescan(): Promise<void> {
    await this.findRunRoots();
    this.refresh();
  }

  /** The folders the view lists: the configured runs folders, then those found in the workspace. */
  runRoots(): string[] {
    return [...new Set([...allRunsDirs(), ...this.foundRoots])];
  }

  refresh(): void {
    this.refreshThrottle.schedule();
  }

  /** Every run shown (sweep members included), for commands and tests. */
  listRuns(): FoundRun[] {
    const out: FoundRun[] = [];
    for (const dir of this.runRoots()) {
      const { runs, sweeps } = discoverRuns(dir);
      out.push(...runs, ...sweeps.flatMap((s) => s.runs));
    }
    return out.sort((a, b) => b.summary.startedAt.localeCompare(a.summary.startedAt));
  }

  getChildren(node?: RunsNode): RunsNode[] {
    if (node?.kind === 'sweep') return node.found.runs.map((r) => ({ kind: 'run', runDir: r.runDir, found: r }));
    if (node) return [];
    const sweeps: RunsNode[] = [];
    const runs: RunsNode[] = [];
    for (const dir of this.runRoots()) {
      const found = discoverRuns(dir);
      for (const s of found.sweeps) sweeps.push({ kind: 'sweep', sweepDir: s.sweepDir, found: s });
      for (const r of found.runs) runs.push({ kind: 'run', runDir: r.runDir, found: r });
    }
    const byStart = (n: RunsNode) => (n.kind === 'run' ? n.found.summary.startedAt : n.kind === 'sweep' ? n.found.sweep.startedAt : '');
    const all = [...sweeps, ...runs].sort((a, b) => byStart(b).localeCompare(byStart(a)));
    // With no runs, the view's welcome content (package.json viewsWelcome) explains what to do.
    return all;
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    if (node.kind === 'empty') return new vscode.TreeItem(node.message);
    if (node.kind === 'sweep') {
      const view = describeSweep(
        node.found.sweep,
        node.found.runs.map((r) => this.liveStatus(r) ?? r.summary.status),
      );
      const item = this.item(view, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = node.sweepDir;
      item.contextValue = 'hamiltonianRnn.sweep';
      item.resourceUri = vscode.Uri.file(node.sweepDir);
      return item;
    }
    const live = this.supervisor.activeSessions.flatMap((s) => s.runList).find((r) => r.runDir === node.runDir);
    const view = describeRun(node.found.summary, live);
    const item = this.item(view, vscode.TreeItemCollapsibleState.None);
    item.id = node.runDir;
    item.contextValue = contextValueOf(live?.status ?? node.found.summary.status, node.found.summary.status);
    item.resourceUri = vscode.Uri.file(node.runDir);
    item.command = { command: 'hamiltonianRnn.openPlots', title: 'Open Plots', arguments: [node] };
    return item;
  }

  getParent(node: RunsNode): RunsNode | undefined {
    if (node.kind !== 'run' || !node.found.sweepDir) return undefined;
    const sweepDir = node.found.sweepDir;
    const found = discoverRuns(path.dirname(sweepDir)).sweeps.find((s) => s.sweepDir === sweepDir);
    return found ? { kind: 'sweep', sweepDir, found } : undefined;
  }

  dispose(): void {
    this.refreshThrottle.dispose();
    for (const w of this.watchers) w.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.changeEmitter.dispose();
  }

  private liveStatus(run: FoundRun) {
    return this.supervisor.activeSessions.flatMap((s) => s.runList).find((r) => r.runDir === run.runDir)?.status;
  }

  private item(view: ItemView, state: vscode.TreeItemCollapsibleState): vscode.TreeItem {
    const item = new vscode.TreeItem(view.label, state);
    item.description = view.description;
    item.tooltip = view.tooltip;
    item.iconPath = new vscode.ThemeIcon(view.icon, view.iconColor ? new vscode.ThemeColor(view.iconColor) : undefined);
    return item;
  }

  /**
   * The runs folder holding the summary file `uri`, unless the search scope (`hamiltonianRnn.runs.exclude`,
   * the same rule as `hrnn runs`) excludes it, judged by its path relative to its workspace folder.
   */
  private runsRootIfIncluded(uri: vscode.Uri): string | undefined {
    const root = runsRootOf(uri.fsPath);
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (folder === undefined) return root;
    return new RunSearchScope(settings.runsExclude()).isExcluded(path.relative(folder.uri.fsPath, root)) ? undefined : root;
  }

  /** One search of the workspace for run and sweep summaries, in the background (never on the host's hot path). */
  private async findRunRoots(): Promise<void> {
    try {
      const scope = new RunSearchScope(settings.runsExclude());
      const files = await vscode.workspace.findFiles(RUN_SUMMARY_GLOB, scope.findFilesExclude(), 20000);
      this.addRoots(files.flatMap((f) => this.runsRootIfIncluded(f) ?? []));
    } catch {
      // The search is a convenience: the configured runs folders are listed regardless.
    }
  }

  /** New runs anywhere in the workspace (a terminal's `hrnn train`): their folder joins the view. */
  private watchWorkspaceForRuns(): vscode.Disposable {
    const watcher = vscode.workspace.createFileSystemWatcher(RUN_SUMMARY_GLOB);
    watcher.onDidCreate((uri) => {
      const root = this.runsRootIfIncluded(uri);
      if (root !== undefined) this.addRoots([root]);
    });
    // A run found this way changes status as it trains: the view follows it like its own runs.
    const refresh = (uri: vscode.Uri) => {
      if (this.foundRoots.has(runsRootOf(uri.fsPath))) this.refresh();
    };
    watcher.onDidChange(refresh);
    watcher.onDidDelete(refresh);
    return watcher;
  }

  private addRoots(roots: readonly string[]): void {
    const before = this.foundRoots.size;
    for (const root of roots) this.foundRoots.add(root);
    if (this.foundRoots.size !== before) this.refresh();
  }

  private watchRunsFolders(): void {
    for (const w of this.watchers) w.dispose();
    this.watchers = allRunsDirs().map((dir) => {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), '**/{summary.json,sweep.json}'));
      const refresh = () => this.refresh();
      watcher.onDidCreate(refresh);
      watcher.onDidChange(refresh);
      watcher.onDidDelete(refresh);
      return watcher;
    });
    this.refresh();
  }
}

/**
 * The runs view item's context value (package.json menus key on it): `.running` offers Stop;
 * `.resumable` (stopped or crashed, so a checkpoint may continue it) offers Resume besides Rerun and Delete.
 */
export function contextValueOf(liveStatus: RunStatus, summaryStatus: RunStatus): string {
  if (liveStatus === 'running' || summaryStatus === 'running') return 'hamiltonianRnn.run.running';
  if (summaryStatus === 'stopped' || summaryStatus === 'crashed') return 'hamiltonianRnn.run.resumable';
  return 'hamiltonianRnn.run';
}
