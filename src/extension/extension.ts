/**
 * Entry point of the Hamiltonian RNN Lab extension: wires the trainer supervisor, the commands, the
 * status bar, the runs view, the plots panel (and its restore after a reload), Slurm (Train on Slurm,
 * Cancel Sweep) and the editor support for experiment files. Activation stays cheap: nothing here
 * reads runs or starts processes (sbatch is looked for on PATH in the background).
 */
import * as vscode from 'vscode';
import type { HamiltonianRnnApi } from './api';
import { settings } from './config';
import { NEW_EXPERIMENT_COMMAND, newExperiment, registerEditorSupport } from './editor';
import { isExperimentDocument } from './experimentFiles';
import { NativeKernelSupport } from './native/nativeKernelSupport';
import { Notifier } from './notifier';
import { PlotsPanelManager } from './plots/plotsPanelManager';
import { RunCommands } from './runsView/runCommands';
import { RUNS_VIEW_ID, RunsTreeProvider } from './runsView/runsTree';
import { CANCEL_SWEEP_COMMAND, SlurmController, TRAIN_ON_SLURM_COMMAND } from './slurm/slurmController';
import { TrainingStatusBar } from './training/statusBar';
import { TrainingSupervisor } from './training/supervisor';
import { TrainingController } from './training/trainingController';
import { registerTerminalCommand } from './terminal/terminalCommand';

let supervisorForDeactivate: TrainingSupervisor | undefined;

export function activate(context: vscode.ExtensionContext): HamiltonianRnnApi {
  const log = vscode.window.createOutputChannel('Hamiltonian RNN', { log: true });
  const notifier = new Notifier(log);
  const supervisor = new TrainingSupervisor({
    maxConcurrentRuns: () => settings.maxConcurrentRuns(),
    stopTimeoutMs: () => settings.stopTimeoutMs(),
  });
  supervisorForDeactivate = supervisor;

  // The run commands and the panel need each other (the panel reveals folders; commands open the
  // panel): the panel gets the reveal through this late-bound function.
  let runCommands: RunCommands | undefined;
  const plots = new PlotsPanelManager(context, supervisor, log, async (runDir) => runCommands?.revealFolder(vscode.Uri.file(runDir)));
  const tree = new RunsTreeProvider(supervisor);
  const training = new TrainingController({
    extensionPath: context.extensionPath,
    supervisor,
    notifier,
    log,
    openPlots: (runDirs) => void plots.show(runDirs, { mode: 'replace' }),
  });
  runCommands = new RunCommands({ supervisor, plots, tree, training, notifier });
  const statusBar = new TrainingStatusBar(supervisor);
  // Looks for sbatch in the background: Train on Slurm appears once it is found.
  const slurm = new SlurmController({ extensionPath: context.extensionPath, notifier, log, tree, plots, training });
  const treeView = vscode.window.createTreeView(RUNS_VIEW_ID, { treeDataProvider: tree, canSelectMany: true, showCollapseAll: true });

  const rc = runCommands;
  const command = (id: string, fn: (...args: unknown[]) => unknown) => vscode.commands.registerCommand(id, fn);
  context.subscriptions.push(
    log,
    notifier,
    plots,
    tree,
    training,
    statusBar,
    treeView,
    { dispose: () => supervisor.dispose() },
    command('hamiltonianRnn.train', (arg) => training.train(arg)),
    command('hamiltonianRnn.stopTraining', (arg) => training.stop(arg)),
    command('hamiltonianRnn.openPlots', (...args) => rc.openPlots(...args)),
    command('hamiltonianRnn.compareRuns', (...args) => rc.compareRuns(...args)),
    command('hamiltonianRnn.runs.refresh', () => tree.rescan()),
    command('hamiltonianRnn.runs.rerun', (...args) => rc.rerun(...args)),
    command('hamiltonianRnn.runs.resume', (...args) => rc.resume(...args)),
    command('hamiltonianRnn.runs.revealFolder', (...args) => rc.revealFolder(...args)),
    command('hamiltonianRnn.runs.delete', (...args) => rc.delete(...args)),
    slurm,
    command(TRAIN_ON_SLURM_COMMAND, (arg) => slurm.trainOnSlurm(arg)),
    command(CANCEL_SWEEP_COMMAND, (...args) => slurm.cancelSweep(...args)),
  );

  // Context key for the editor-title run button on modeline experiment files (the file-name case
  // is matched in package.json directly, before activation).
  const updateEditorContext = (editor: vscode.TextEditor | undefined) =>
    void vscode.commands.executeCommand('setContext', 'hamiltonianRnn.isExperimentEditor', !!editor && isExperimentDocument(editor.document));
  context.subscriptions.push(vscode.window.onDidChangeActiveTextEditor(updateEditorContext));
  updateEditorContext(vscode.window.activeTextEditor);

  const editorSupport = registerEditor(context);
  // The native kernel (Build Native Kernel, the notice when wasm runs) and `hrnn` in terminals (issue 12).
  const nativeKernel = new NativeKernelSupport(context, notifier, log, supervisor);
  context.subscriptions.push(nativeKernel);
  const terminalBinDir = registerTerminalCommand(context);

  return {
    supervisor,
    plots,
    runsView: tree,
    notifier,
    statusBarText: () => statusBar.text,
    editorSupport,
    terminalBinDir,
    nativeAddonPath: nativeKernel.addonPath,
    slurm,
  };
}

/** Editor support for experiment files (issue #3): diagnostics, completion, hover, quick fixes, New Experiment. */
function registerEditor(context: vscode.ExtensionContext): boolean {
  registerEditorSupport(context);
  context.subscriptions.push(
    vscode.commands.registerCommand(NEW_EXPERIMENT_COMMAND, (target?: unknown) => newExperiment(target instanceof vscode.Uri ? target : undefined)),
  );
  return true;
}

/** Stops running trainers gracefully (they checkpoint); VS Code waits a few seconds at most. */
export async function deactivate(): Promise<void> {
  const supervisor = supervisorForDeactivate;
  if (!supervisor) return;
  await Promise.race([supervisor.stop(), new Promise((r) => setTimeout(r, 4000))]);
  supervisor.dispose();
}
