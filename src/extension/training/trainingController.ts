/**
 * The Train and Stop commands: picks the experiment, refuses where training must not run
 * (untrusted workspace, concurrency limit, an invalid file the trainer refuses), starts the trainer
 * process through the supervisor, shows a cancellable progress notification, and tells the user
 * how each run ended.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { runsDirFor, settings } from '../config';
import { EXPERIMENT_GLOB, isExperimentDocument } from '../experimentFiles';
import type { Notifier } from '../notifier';
import { Throttle } from '../plots/throttle';
import { formatDuration, formatMetric, formatProgress } from '../../protocol/format';
import type { RunProgress } from './runProgress';
import { ConcurrencyLimitError, type TrainingSession, type TrainingSupervisor } from './supervisor';

export interface TrainingControllerDeps {
  extensionPath: string;
  supervisor: TrainingSupervisor;
  notifier: Notifier;
  log: vscode.LogOutputChannel;
  openPlots(runDirs: string[]): void;
}

export class TrainingController implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly deps: TrainingControllerDeps) {
    const { supervisor, log } = deps;
    const updateContext = () => void vscode.commands.executeCommand('setContext', 'hamiltonianRnn.training', supervisor.activeSessions.length > 0);
    this.disposables.push(
      supervisor.onDidStartSession(updateContext),
      supervisor.onDidEndSession(updateContext),
      supervisor.onDidReceiveEvent(({ session, event }) => {
        const tag = `[${path.basename(session.experimentFile)}]`;
        if (event.type === 'log') log[event.level](`${tag} ${event.message}`);
        else if (event.type === 'runStarted')
          log.info(`${tag} run ${event.runId} started in ${event.runDir} (backend ${event.backend}, ${event.implementation}, ${event.totalSteps} steps)`);
        else if (event.type === 'runEnded')
          log.info(`${tag} run ${event.runId} ended: ${event.status}${event.summary.message ? ` (${event.summary.message})` : ''}`);
        else if (event.type === 'refused') for (const p of event.problems) log.error(`${tag} ${p}`);
      }),
      supervisor.onDidOutput(({ session, stream, line }) => {
        const tag = `[${path.basename(session.experimentFile)}]`;
        if (stream === 'stderr') log.warn(`${tag} ${line}`);
        else log.trace(`${tag} ${line}`);
      }),
    );
  }

  /** "Train Hamiltonian RNN Experiment": returns the session, or undefined when nothing started. */
  async train(arg?: unknown): Promise<TrainingSession | undefined> {
    const { notifier } = this.deps;
    const uri = await this.pickExperiment(arg);
    if (!uri) return undefined;
    const name = path.basename(uri.fsPath);
    if (!this.trusted(name)) return undefined;
    if (!fs.existsSync(uri.fsPath)) {
      void notifier.show('error', `Hamiltonian RNN: ${uri.fsPath} does not exist.`);
      return undefined;
    }
    // Train what the user sees: save pending edits first.
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open?.isDirty) await open.save();
    return this.launch(name, uri, { experimentFile: uri.fsPath, runsDir: runsDirFor(uri) });
  }

  /**
   * "Resume": continues a stopped or crashed run from its checkpoint in its own folder. The trainer
   * reads the run's frozen experiment.yaml and refuses (with its reason) what cannot be resumed.
   */
  async resume(runDir: string): Promise<TrainingSession | undefined> {
    const name = path.basename(runDir);
    if (!this.trusted(name)) return undefined;
    const experiment = vscode.Uri.file(path.join(runDir, 'experiment.yaml'));
    return this.launch(name, experiment, { experimentFile: experiment.fsPath, runsDir: path.dirname(runDir), resumeFrom: runDir });
  }

  /** Whether the workspace is trusted to start processes with its settings; tells the user when not (Train on Slurm asks too). */
  trusted(name: string): boolean {
    if (vscode.workspace.isTrusted) return true;
    // Not awaited: the command returns while the notification waits for the user.
    void this.deps.notifier
      .show(
        'error',
        `Hamiltonian RNN: training is disabled in an untrusted workspace, because it runs a trainer process on this machine with the settings of ${name}. Trust this workspace to train.`,
        'Manage Workspace Trust',
      )
      .then((pick) => pick && vscode.commands.executeCommand('workbench.trust.manage'));
    return false;
  }

  /** Starts the trainer process for `launch` and follows it (progress, the end message). */
  private launch(name: string, uri: vscode.Uri, launch: { experimentFile: string; runsDir: string; resumeFrom?: string }): TrainingSession | undefined {
    const { notifier, supervisor } = this.deps;
    const cliPath = path.join(this.deps.extensionPath, 'dist', 'cli.js');
    if (!fs.existsSync(cliPath)) {
      void notifier.show('error', `Hamiltonian RNN: the trainer ${cliPath} is missing; run \`npm run build\` in the extension folder.`);
      return undefined;
    }
    const backend = settings.backend(uri);
    const runsDir = launch.runsDir;
    let session: TrainingSession;
    try {
      session = supervisor.start({
        ...launch,
        cliPath,
        backend: backend === 'fromExperiment' ? undefined : backend,
        cwd: vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath),
      });
    } catch (err) {
      if (err instanceof ConcurrencyLimitError) {
        void notifier.show('warning', `Hamiltonian RNN: not training ${name}: ${err.message}.`, 'Stop Training', 'Open Settings').then((pick) => {
          if (pick === 'Stop Training') void vscode.commands.executeCommand('hamiltonianRnn.stopTraining');
          if (pick === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'hamiltonianRnn.maxConcurrentRuns');
        });
        return undefined;
      }
      throw err;
    }
    const what = launch.resumeFrom ? `resuming ${launch.resumeFrom}` : `training ${uri.fsPath} (runs folder ${runsDir})`;
    this.deps.log.info(`${what}${backend === 'fromExperiment' ? '' : `, backend ${backend}`}, pid ${session.process.pid}`);
    void this.showProgress(session, name);
    void session.ended.then(() => this.reportEnd(session, name));
    return session;
  }

  /** "Stop Training": the run of a runs-view item, the only session, or one picked from a list. */
  async stop(arg?: unknown): Promise<void> {
    const { supervisor, notifier } = this.deps;
    const sessions = supervisor.activeSessions;
    const runDir = runDirOf(arg);
    let targets: TrainingSession[];
    if (runDir) targets = sessions.filter((s) => s.runList.some((r) => r.runDir === runDir));
    else if (sessions.length <= 1) targets = sessions;
    else {
      const items = sessions.map((s) => ({
        label: path.basename(s.experimentFile),
        description: s.currentRun ? formatProgress(s.currentRun) : 'starting',
        session: s,
      }));
      const picked = await vscode.window.showQuickPick(items, { canPickMany: true, title: 'Stop which training runs?' });
      targets = (picked ?? []).map((p) => p.session);
    }
    if (targets.length === 0) {
      if (sessions.length === 0) void notifier.show('info', 'Hamiltonian RNN: nothing is training.');
      return;
    }
    for (const s of targets) this.deps.log.info(`stopping ${s.experimentFile} (graceful; forced after ${settings.stopTimeoutMs() / 1000} s)`);
    await Promise.all(targets.map((s) => supervisor.stop(s)));
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  /** The experiment a command is for: its argument, the active editor's, the only one, or one the user picks. */
  async pickExperiment(arg: unknown): Promise<vscode.Uri | undefined> {
    if (arg instanceof vscode.Uri) return arg;
    const runExperiment = experimentOfRun(arg);
    if (runExperiment) return vscode.Uri.file(runExperiment);
    const active = vscode.window.activeTextEditor?.document;
    if (active && isExperimentDocument(active)) return active.uri;
    const files = await vscode.workspace.findFiles(EXPERIMENT_GLOB, '**/node_modules/**', 500);
    if (files.length === 1) return files[0];
    if (files.length === 0) {
      void this.deps.notifier
        .show('info', 'Hamiltonian RNN: open an experiment file (*.hrnn.yaml) to train it, or create one.', 'New Experiment')
        .then((pick) => pick && vscode.commands.executeCommand('hamiltonianRnn.newExperiment'));
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      files
        .map((f) => ({ label: path.basename(f.fsPath), description: vscode.workspace.asRelativePath(path.dirname(f.fsPath)), uri: f }))
        .sort((a, b) => a.label.localeCompare(b.label)),
      { title: 'Train which experiment?', matchOnDescription: true },
    );
    return picked?.uri;
  }

  private showProgress(session: TrainingSession, name: string): Thenable<void> {
    const { supervisor } = this.deps;
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Training ${name}`, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => void supervisor.stop(session));
        let reported = 0;
        const report = () => {
          const run = session.currentRun;
          if (!run) return;
          const count = session.sweep?.count ?? 1;
          const index = run.sweep?.index ?? 0;
          const done = Math.min(100, (100 * (index + (run.totalSteps > 0 ? run.step / run.totalSteps : 0))) / count);
          const prefix = count > 1 ? `run ${index + 1}/${count} · ` : '';
          const stopping = session.state === 'stopping' ? ' · stopping…' : '';
          progress.report({ message: `${prefix}${formatProgress(run)}${stopping}`, increment: Math.max(0, done - reported) });
          reported = Math.max(reported, done);
        };
        const throttle = new Throttle(report, () => 250);
        const sub = supervisor.onDidReceiveEvent(({ session: s }) => s === session && throttle.schedule());
        try {
          await session.ended;
        } finally {
          sub.dispose();
          throttle.dispose();
        }
      },
    );
  }

  private async reportEnd(session: TrainingSession, name: string): Promise<void> {
    const { notifier } = this.deps;
    const outcome = session.outcome;
    if (!outcome) return;
    if (outcome.kind === 'refused') {
      const shown = outcome.problems.slice(0, 3).map((p) => relativeProblem(p));
      const more = outcome.problems.length > 3 ? ` (+${outcome.problems.length - 3} more)` : '';
      const pick = await notifier.show(
        'error',
        `Hamiltonian RNN refused to train ${name}: ${outcome.problems.length} problem${outcome.problems.length === 1 ? '' : 's'}: ${shown.join('; ')}${more}`,
        'Show Problems',
        'Show Log',
      );
      if (pick === 'Show Problems') await this.showProblems(session.experimentFile);
      if (pick === 'Show Log') this.deps.log.show(true);
      return;
    }
    if (outcome.kind === 'crashed') {
      const why = outcome.signal ? `signal ${outcome.signal}` : `exit code ${outcome.code}`;
      const last = session.stderrTail[session.stderrTail.length - 1];
      const pick = await notifier.show('error', `Hamiltonian RNN: the trainer for ${name} ended unexpectedly (${why})${last ? `: ${last}` : ''}`, 'Show Log');
      if (pick) this.deps.log.show(true);
      return;
    }
    const runs = outcome.runs;
    if (runs.length === 1) await this.reportRun(runs[0], name);
    else if (runs.length > 1) {
      const counts = new Map<string, number>();
      for (const r of runs) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
      const text = [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
      const bad = runs.some((r) => r.status === 'failed' || r.status === 'diverged');
      const pick = await notifier.show(bad ? 'warning' : 'info', `Hamiltonian RNN: sweep ${name} finished: ${runs.length} runs (${text}).`, 'Open Plots');
      if (pick) this.deps.openPlots(runs.map((r) => r.runDir));
    }
  }

  private async reportRun(run: RunProgress, name: string): Promise<void> {
    const summary = run.summary;
    const metric = summary ? formatMetric(summary) : undefined;
    const seconds = summary ? ` in ${formatDuration(summary.durationMs / 1000)}` : '';
    let pick: string | undefined;
    switch (run.status) {
      case 'completed':
        pick = await this.deps.notifier.show('info', `Hamiltonian RNN: ${name} completed${seconds}${metric ? ` · ${metric}` : ''}.`, 'Open Plots');
        break;
      case 'stopped':
        pick = await this.deps.notifier.show(
          'info',
          `Hamiltonian RNN: ${name} stopped at step ${run.step}/${run.totalSteps}; checkpoint saved${metric ? ` · ${metric}` : ''}.`,
          'Open Plots',
        );
        break;
      case 'diverged':
        pick = await this.deps.notifier.show(
          'warning',
          `Hamiltonian RNN: ${name} diverged at step ${run.step}${summary?.message ? `: ${summary.message}` : ''}. Everything recorded so far is kept.`,
          'Open Plots',
        );
        break;
      default:
        pick = await this.deps.notifier.show(
          'error',
          `Hamiltonian RNN: ${name} failed${summary?.message ? `: ${summary.message}` : ''}.`,
          'Open Plots',
          'Show Log',
        );
    }
    if (pick === 'Open Plots') this.deps.openPlots([run.runDir]);
    if (pick === 'Show Log') this.deps.log.show(true);
  }

  private async showProblems(file: string): Promise<void> {
    await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
    await vscode.commands.executeCommand('workbench.actions.view.problems');
  }
}

/** `/abs/dir/a.hrnn.yaml:6:10: error: ...` -> `a.hrnn.yaml:6:10: error: ...` */
function relativeProblem(problem: string): string {
  return problem.replace(/^(\/[^:]*\/)([^/:]+:\d+)/, '$2');
}

/** The run folder named by a runs-view node or a run folder URI. */
export function runDirOf(arg: unknown): string | undefined {
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (typeof arg === 'object' && arg !== null && (arg as { kind?: unknown }).kind === 'run') {
    const dir = (arg as { runDir?: unknown }).runDir;
    return typeof dir === 'string' ? dir : undefined;
  }
  return undefined;
}

/** The experiment file of a runs-view run node (for Rerun). */
function experimentOfRun(arg: unknown): string | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const node = arg as { kind?: unknown; found?: { summary?: { experimentFile?: unknown } } };
  if (node.kind !== 'run') return undefined;
  const file = node.found?.summary?.experimentFile;
  return typeof file === 'string' ? file : undefined;
}
