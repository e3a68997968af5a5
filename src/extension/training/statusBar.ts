/**
 * The status-bar item while training: step, loss and speed of the newest live run; a click opens
 * its plots. Hidden when nothing trains. Updates are batched (a run may report hundreds of steps a second).
 */
import * as vscode from 'vscode';
import { Throttle } from '../plots/throttle';
import { formatProgress } from '../../protocol/format';
import type { TrainingSupervisor } from './supervisor';

export class TrainingStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly throttle = new Throttle(
    () => this.render(),
    () => 250,
  );
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly supervisor: TrainingSupervisor) {
    this.item = vscode.window.createStatusBarItem('hamiltonianRnn.training', vscode.StatusBarAlignment.Left, 20);
    this.item.name = 'Hamiltonian RNN Training';
    this.item.command = { command: 'hamiltonianRnn.openPlots', title: 'Open Plots' };
    this.disposables.push(
      supervisor.onDidStartSession(() => this.throttle.schedule()),
      supervisor.onDidReceiveEvent(() => this.throttle.schedule()),
      supervisor.onDidEndSession(() => this.throttle.schedule()),
    );
  }

  /** The text shown now ('' when hidden); for tests. */
  get text(): string {
    return this.visible ? this.item.text : '';
  }

  private visible = false;

  private render(): void {
    const sessions = this.supervisor.activeSessions;
    if (sessions.length === 0) {
      this.item.hide();
      this.visible = false;
      return;
    }
    const runs = this.supervisor.activeRuns;
    const newest = runs[0];
    const more = runs.length > 1 ? ` (+${runs.length - 1})` : '';
    this.item.text = newest
      ? `$(sync~spin) HRNN ${formatProgress(newest)}${more}`
      : `$(sync~spin) HRNN starting${sessions.length > 1 ? ` (${sessions.length})` : ''}`;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown('**Hamiltonian RNN training** — click to open the plots\n\n');
    for (const s of sessions) {
      const run = s.currentRun;
      const name = vscode.workspace.asRelativePath(s.experimentFile);
      tooltip.appendMarkdown(`- \`${name}\`: ${run ? `${run.runId} · ${formatProgress(run)}` : 'starting'}${s.state === 'stopping' ? ' (stopping)' : ''}\n`);
    }
    this.item.tooltip = tooltip;
    this.item.show();
    this.visible = true;
  }

  dispose(): void {
    this.throttle.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.item.dispose();
  }
}
