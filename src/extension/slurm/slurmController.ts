/**
 * Slurm in VS Code: "Train on Slurm" (offered when `sbatch` is on the PATH of the machine the
 * extension host runs on, found without blocking activation), "Cancel Sweep" on an unfinished Slurm
 * sweep in the runs view, and following cluster sweeps: every 30 s one look at Slurm's queue for the
 * unfinished ones (queue reasons and endings land in their folders, which the runs view re-reads), and
 * members that start join the plots panel when it shows their sweep or the sweep was submitted here.
 * Everything that reaches Slurm is the bundled CLI (slurmCalls.ts), so the extension does exactly
 * what `hrnn train --executor slurm`, `hrnn cancel` and `hrnn runs` do.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { discoverRuns, type FoundSweep } from '../../runs/discovery';
import { readSweepSummary } from '../../runs/sweepFolder';
import { runsDirFor, settings } from '../config';
import type { Notifier } from '../notifier';
import type { PlotsPanelManager } from '../plots/plotsPanelManager';
import type { RunsNode } from '../runsView/runNodes';
import type { RunsTreeProvider } from '../runsView/runsTree';
import type { TrainingController } from '../training/trainingController';
import {
  cancelSlurmSweep,
  cliRunner,
  findSbatch,
  isUnfinishedSlurmSweep,
  membersToShow,
  refreshSlurmSweeps,
  submitToSlurm,
  type CliRunner,
  type SlurmSubmission,
  type SweepCancellation,
} from './slurmCalls';

/** Context key: `sbatch` is on the PATH here (package.json enables Train on Slurm with it). */
export const SLURM_AVAILABLE_CONTEXT = 'hamiltonianRnn.slurmAvailable';
export const TRAIN_ON_SLURM_COMMAND = 'hamiltonianRnn.trainOnSlurm';
export const CANCEL_SWEEP_COMMAND = 'hamiltonianRnn.runs.cancelSweep';
/** How often unfinished Slurm sweeps are brought up to date from the queue: rare enough for a busy controller. */
const QUEUE_REFRESH_MS = 30_000;

export interface SlurmControllerDeps {
  extensionPath: string;
  notifier: Notifier;
  log: vscode.LogOutputChannel;
  tree: RunsTreeProvider;
  plots: PlotsPanelManager;
  training: TrainingController;
}

export class SlurmController implements vscode.Disposable {
  /** Where sbatch is (null: not on PATH), once the background lookup has answered. */
  readonly sbatch: Promise<string | null>;
  /** Sweeps submitted from this window: their members join the plots panel as they start. */
  private readonly followed = new Set<string>();
  /** Members of unfinished Slurm sweeps already seen (membersToShow adds only new ones). */
  private readonly known = new Set<string>();
  private refreshing = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly deps: SlurmControllerDeps) {
    this.sbatch = this.detect();
    const timer = setInterval(() => void this.refreshQueue(), QUEUE_REFRESH_MS);
    this.disposables.push(
      { dispose: () => clearInterval(timer) },
      // The view re-reads the folders when they change (watchers, its periodic search): new members too.
      deps.tree.onDidChangeTreeData(() => this.followInPanel()),
    );
  }

  /** "Train on Slurm": submits the experiment's sweep as one job array; returns what the submission answered. */
  async trainOnSlurm(arg?: unknown): Promise<SlurmSubmission | undefined> {
    const { notifier, log, training } = this.deps;
    const uri = await training.pickExperiment(arg);
    if (!uri) return undefined;
    const name = path.basename(uri.fsPath);
    if (!training.trusted(name)) return undefined;
    const runner = this.runner(uri);
    if (!runner || !(await this.requireSbatch())) return undefined;
    if (!fs.existsSync(uri.fsPath)) {
      void notifier.show('error', `Hamiltonian RNN: ${uri.fsPath} does not exist.`);
      return undefined;
    }
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open?.isDirty) await open.save();
    const runsDir = runsDirFor(uri);
    const backend = settings.backend(uri);
    log.info(`submitting ${uri.fsPath} to Slurm (runs folder ${runsDir}${backend === 'fromExperiment' ? '' : `, backend ${backend}`})`);
    const submission = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Submitting ${name} to Slurm…` }, () =>
      submitToSlurm(runner, { experimentFile: uri.fsPath, runsDir, backend: backend === 'fromExperiment' ? undefined : backend }),
    );
    for (const line of submission.messages) log.info(`[${name}] ${line}`);
    if (!submission.ok) {
      const shown = submission.problems.slice(0, 3).join('; ');
      const more = submission.problems.length > 3 ? ` (+${submission.problems.length - 3} more)` : '';
      void notifier.show('error', `Hamiltonian RNN: ${name} was not submitted to Slurm: ${shown}${more}`, 'Show Log').then((pick) => pick && log.show(true));
      return submission;
    }
    this.followed.add(submission.sweepDir);
    await this.deps.tree.rescan();
    void notifier
      .show(
        'info',
        `Hamiltonian RNN: ${name} submitted to Slurm as job array ${submission.jobId}. Its runs appear in the Runs view as they start (${submission.sweepDir}).`,
        'Reveal Sweep',
      )
      .then((pick) => pick && vscode.commands.executeCommand('hamiltonianRnn.runs.revealFolder', vscode.Uri.file(submission.sweepDir)));
    return submission;
  }

  /** "Cancel Sweep": `hrnn cancel` on a Slurm sweep of the runs view, after a confirmation. */
  async cancelSweep(...args: unknown[]): Promise<SweepCancellation | undefined> {
    const { notifier, log, training } = this.deps;
    const sweepDir = sweepDirOf(args[0]);
    if (!sweepDir) return undefined;
    const name = path.basename(sweepDir);
    if (!training.trusted(name)) return undefined;
    const runner = this.runner(vscode.Uri.file(sweepDir));
    if (!runner) return undefined;
    // A dialog that cannot be shown (VS Code refuses modal dialogs in extension test runs) is a "no".
    const answer = await Promise.resolve(
      vscode.window.showWarningMessage(
        `Cancel the sweep ${name} on Slurm?`,
        {
          modal: true,
          detail: `Its queued members are removed from Slurm's queue; running members stop with a checkpoint (hrnn train --resume ${sweepDir} submits them again).`,
        },
        'Cancel Sweep',
      ),
    ).catch(() => undefined);
    if (answer !== 'Cancel Sweep') return undefined;
    log.info(`cancelling ${sweepDir} (hrnn cancel)`);
    const cancelled = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Cancelling ${name} on Slurm…` }, () =>
      cancelSlurmSweep(runner, sweepDir),
    );
    for (const line of [...cancelled.lines, ...cancelled.members]) log.info(`[${name}] ${line}`);
    this.deps.tree.refresh();
    if (cancelled.ok) void notifier.show('info', `Hamiltonian RNN: cancelled ${name} (${cancelled.lines.join('; ') || 'nothing was queued'}).`);
    else
      void notifier
        .show('error', `Hamiltonian RNN: cancelling ${name} failed: ${cancelled.lines.join('; ')}`, 'Show Log')
        .then((pick) => pick && log.show(true));
    return cancelled;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private async detect(): Promise<string | null> {
    const found = await findSbatch().catch(() => null);
    await vscode.commands.executeCommand('setContext', SLURM_AVAILABLE_CONTEXT, found !== null);
    if (found) this.deps.log.info(`Slurm: sbatch is ${found}; Train on Slurm is available`);
    return found;
  }

  private async requireSbatch(): Promise<boolean> {
    if (await this.sbatch) return true;
    void this.deps.notifier.show(
      'error',
      `Hamiltonian RNN: sbatch is not on the PATH of ${os.hostname()}, where this window's extensions run; Train on Slurm submits from a machine with Slurm's commands (a cluster's login node, e.g. over Remote-SSH).`,
    );
    return false;
  }

  /** The bundled CLI, run in the resource's workspace folder; undefined (and said) when it is missing. */
  private runner(resource: vscode.Uri): CliRunner | undefined {
    const cliPath = path.join(this.deps.extensionPath, 'dist', 'cli.js');
    if (!fs.existsSync(cliPath)) {
      void this.deps.notifier.show('error', `Hamiltonian RNN: ${cliPath} is missing; run \`npm run build\` in the extension folder.`);
      return undefined;
    }
    const folder = vscode.workspace.getWorkspaceFolder(resource)?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    return cliRunner(cliPath, { cwd: folder ?? path.dirname(resource.fsPath) });
  }

  private sweeps(): FoundSweep[] {
    return this.deps.tree.runRoots().flatMap((root) => discoverRuns(root).sweeps);
  }

  /** One look at Slurm's queue for the unfinished Slurm sweeps the view lists (one at a time). */
  private async refreshQueue(): Promise<void> {
    if (this.refreshing || !(await this.sbatch)) return;
    const dirs = this.sweeps()
      .filter(isUnfinishedSlurmSweep)
      .map((s) => s.sweepDir);
    if (dirs.length === 0) return;
    const runner = this.runner(vscode.Uri.file(dirs[0]));
    if (!runner) return;
    this.refreshing = true;
    try {
      if (!(await refreshSlurmSweeps(runner, dirs))) this.deps.log.warn(`Slurm: hrnn runs could not bring ${dirs.length} sweep(s) up to date`);
      this.deps.tree.refresh();
    } finally {
      this.refreshing = false;
    }
  }

  /** Members of cluster sweeps that started since the last look join the plots panel (see membersToShow). */
  private followInPanel(): void {
    const { plots } = this.deps;
    const panel = plots.current;
    // Listing every runs folder costs reads: only while the panel shows a member of an unfinished Slurm sweep, or one was submitted here.
    const showsClusterSweep = panel?.runs.runDirs.some((d) => isUnfinishedSlurmSweepDir(path.dirname(d))) ?? false;
    if (!showsClusterSweep && this.followed.size === 0) return;
    const sweeps = this.sweeps();
    const add = membersToShow(sweeps, new Set(panel?.runs.runDirs ?? []), this.followed, this.known);
    // A submitted sweep is followed until it ends.
    for (const s of sweeps) if (this.followed.has(s.sweepDir) && !isUnfinishedSlurmSweep(s)) this.followed.delete(s.sweepDir);
    if (add.length === 0) return;
    if (panel) panel.addRuns(add);
    else if (settings.openPlotsOnTrain()) plots.show(add, { mode: 'add', preserveFocus: true });
  }
}

function isUnfinishedSlurmSweepDir(dir: string): boolean {
  const sweep = readSweepSummary(dir);
  return sweep?.executor?.kind === 'slurm' && sweep.endedAt === null;
}

/** The sweep folder of a runs-view sweep node, a folder URI or an absolute path. */
function sweepDirOf(arg: unknown): string | undefined {
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (typeof arg === 'string' && path.isAbsolute(arg)) return arg;
  const node = arg as RunsNode | undefined;
  return node?.kind === 'sweep' ? node.sweepDir : undefined;
}
