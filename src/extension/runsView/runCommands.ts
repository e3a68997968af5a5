/**
 * Commands on runs: Open Plots, Compare Runs, and the runs view's Rerun, Reveal Folder and Delete.
 * They accept runs-view nodes (one, or the selection), run folder URIs, or nothing (then they ask).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { RUN_FILES } from '../../protocol/records';
import type { FoundRun } from '../../runs/discovery';
import type { Notifier } from '../notifier';
import type { PlotsPanelManager } from '../plots/plotsPanelManager';
import type { TrainingController } from '../training/trainingController';
import type { TrainingSession, TrainingSupervisor } from '../training/supervisor';
import { describeRun } from './runDescriptions';
import type { RunsNode, RunsTreeProvider } from './runsTree';

export interface RunCommandsDeps {
  supervisor: TrainingSupervisor;
  plots: PlotsPanelManager;
  tree: RunsTreeProvider;
  training: TrainingController;
  notifier: Notifier;
}

/** Run folders named by a command's arguments: (node, selectedNodes) from a tree, URIs, or folder paths. */
export function runDirsFromArgs(args: readonly unknown[]): string[] {
  const dirs: string[] = [];
  const visit = (a: unknown): void => {
    if (Array.isArray(a)) return a.forEach(visit);
    if (a instanceof vscode.Uri) dirs.push(a.fsPath);
    else if (typeof a === 'string' && path.isAbsolute(a)) dirs.push(a);
    else if (typeof a === 'object' && a !== null) {
      const node = a as Partial<RunsNode> & { kind?: string };
      if (node.kind === 'run' && 'runDir' in node && typeof node.runDir === 'string') dirs.push(node.runDir);
      if (node.kind === 'sweep' && 'found' in node && node.found) dirs.push(...(node.found as { runs: FoundRun[] }).runs.map((r) => r.runDir));
    }
  };
  // A tree passes (clicked, selection): the selection already holds the clicked node when present.
  // Any other caller may pass several runs as separate arguments.
  const selection = args[1];
  if (Array.isArray(selection) && selection.length > 0) visit(selection);
  else args.forEach(visit);
  return [...new Set(dirs)];
}

export class RunCommands {
  constructor(private readonly deps: RunCommandsDeps) {}

  /** "Open Plots": the given runs; else the live runs; else the panel as it is; else the newest run. */
  openPlots(...args: unknown[]): void {
    const { plots, supervisor, tree } = this.deps;
    let dirs = runDirsFromArgs(args);
    if (dirs.length === 0) dirs = supervisor.activeRuns.map((r) => r.runDir);
    if (dirs.length === 0 && plots.current) {
      plots.current.reveal(false);
      return;
    }
    if (dirs.length === 0) {
      const newest = tree.listRuns()[0];
      if (!newest) {
        void this.deps.notifier.show('info', 'Hamiltonian RNN: no runs yet. Train an experiment first.');
        return;
      }
      dirs = [newest.runDir];
    }
    plots.show(dirs, { mode: args.length > 0 ? 'replace' : 'add' });
  }

  /** "Compare Runs": the selected runs, or the runs picked from a list. */
  async compareRuns(...args: unknown[]): Promise<void> {
    let dirs = runDirsFromArgs(args);
    if (dirs.length === 0) {
      const runs = this.deps.tree.listRuns();
      if (runs.length === 0) {
        void this.deps.notifier.show('info', 'Hamiltonian RNN: no runs to compare yet.');
        return;
      }
      const shown = new Set(this.deps.plots.current?.runs.runDirs ?? []);
      const picked = await vscode.window.showQuickPick(
        runs.map((r) => {
          const view = describeRun(r.summary);
          return { label: r.summary.runId, description: view.description, detail: r.runDir, picked: shown.has(r.runDir), runDir: r.runDir };
        }),
        { canPickMany: true, title: 'Compare which runs?', matchOnDescription: true },
      );
      dirs = (picked ?? []).map((p) => p.runDir);
      if (dirs.length === 0) return;
    }
    this.deps.plots.show(dirs, { mode: 'replace' });
  }

  /** "Rerun": trains the run's experiment file again (its recorded copy when the file is gone). */
  async rerun(...args: unknown[]): Promise<void> {
    const runDir = runDirsFromArgs(args)[0];
    if (!runDir) return;
    const node = args[0] as { found?: FoundRun } | undefined;
    const original = node?.found?.summary.experimentFile;
    const file = original && fs.existsSync(original) ? original : path.join(runDir, RUN_FILES.experiment);
    if (!fs.existsSync(file)) {
      void this.deps.notifier.show('error', `Hamiltonian RNN: cannot rerun: neither ${original ?? 'the experiment file'} nor ${file} exists.`);
      return;
    }
    await this.deps.training.train(vscode.Uri.file(file));
  }

  /** "Resume": continues a stopped or crashed run from its checkpoint, in its own folder (`hrnn train --resume`). */
  async resume(...args: unknown[]): Promise<TrainingSession | undefined> {
    const runDir = runDirsFromArgs(args)[0];
    if (!runDir) return undefined;
    return this.deps.training.resume(runDir);
  }

  async revealFolder(...args: unknown[]): Promise<void> {
    const dir = runDirsFromArgs(args)[0] ?? sweepDirOf(args[0]);
    if (!dir) return;
    const uri = vscode.Uri.file(dir);
    if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
    else if (!vscode.env.remoteName) await vscode.commands.executeCommand('revealFileInOS', uri);
    else await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(path.join(dir, RUN_FILES.summary)));
  }

  /** "Delete": removes a run (or sweep) folder after a modal confirmation; never a run that trains. */
  async delete(...args: unknown[]): Promise<boolean> {
    const node = args[0] as RunsNode | undefined;
    const dir = node?.kind === 'sweep' ? node.sweepDir : runDirsFromArgs([args[0]])[0];
    if (!dir) return false;
    const members = node?.kind === 'sweep' ? node.found.runs.map((r) => r.runDir) : [dir];
    if (members.some((m) => this.deps.supervisor.sessionForRun(m))) {
      void this.deps.notifier.show('warning', `Hamiltonian RNN: ${path.basename(dir)} is training; stop it before deleting it.`);
      return false;
    }
    const what = node?.kind === 'sweep' ? `the sweep ${path.basename(dir)} and its ${members.length} runs` : `the run ${path.basename(dir)}`;
    // A dialog that cannot be shown (VS Code refuses modal dialogs in extension test runs) is a "no".
    const answer = await Promise.resolve(
      vscode.window.showWarningMessage(
        `Delete ${what}?`,
        { modal: true, detail: `This permanently deletes the folder ${dir} (metrics, summary and checkpoint).` },
        'Delete',
      ),
    ).catch(() => undefined);
    if (answer !== 'Delete') return false;
    await vscode.workspace.fs.delete(vscode.Uri.file(dir), { recursive: true, useTrash: false });
    for (const m of members) this.deps.plots.current?.removeRun(m);
    this.deps.tree.refresh();
    return true;
  }
}

function sweepDirOf(arg: unknown): string | undefined {
  const node = arg as RunsNode | undefined;
  return node?.kind === 'sweep' ? node.sweepDir : undefined;
}
