/**
 * Owns the one plots panel: opens it (or reveals it) for a set of runs, restores it after a window
 * reload from the run folders it showed (WebviewPanelSerializer), follows the trainer so live runs
 * appear, and saves what the webview exports.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { WebviewToHost } from '../../protocol/webview';
import { settings } from '../config';
import type { TrainingSupervisor } from '../training/supervisor';
import { Emitter } from '../../process/emitter';
import { PanelRuns, isPanelRunsState, type PanelRunsState } from './panelRuns';
import { PLOTS_VIEW_TYPE, PlotsPanel, webviewOptions } from './plotsPanel';

const STATE_KEY = 'hamiltonianRnn.plotsPanel';

/** Share of the editor area the plots column takes when it opens beside one other column. */
const PLOTS_COLUMN_SHARE = 0.6;

/**
 * Opened `Beside`, the panel gets whatever width the new column gets (a third of the window was
 * seen): beside one other column it takes 60% of the editor area, among more columns an even share.
 */
async function widenPanelColumn(panel: vscode.WebviewPanel): Promise<void> {
  const groups = vscode.window.tabGroups.all;
  const column = panel.viewColumn;
  if (groups.length === 2 && column === vscode.ViewColumn.Two) {
    // Two side-by-side groups (orientation 0: horizontal), the panel's on the right.
    await vscode.commands.executeCommand('vscode.setEditorLayout', {
      orientation: 0,
      groups: [{ size: 1 - PLOTS_COLUMN_SHARE }, { size: PLOTS_COLUMN_SHARE }],
    });
  } else if (groups.length > 1) {
    await vscode.commands.executeCommand('workbench.action.evenEditorWidths');
  }
}

export class PlotsPanelManager implements vscode.Disposable, vscode.WebviewPanelSerializer<unknown> {
  private panel: PlotsPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly panelEmitter = new Emitter<PlotsPanel>();
  /** Fires when a panel is created or restored. */
  readonly onDidOpenPanel = this.panelEmitter.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    supervisor: TrainingSupervisor,
    private readonly log: vscode.LogOutputChannel,
    private readonly revealRunFolder: (runDir: string) => Promise<void>,
  ) {
    this.disposables.push(vscode.window.registerWebviewPanelSerializer(PLOTS_VIEW_TYPE, this));
    const sub = supervisor.onDidReceiveEvent(({ event }) => {
      if (event.type === 'runStarted') {
        if (this.panel) this.panel.addRuns([event.runDir]);
        else if (settings.openPlotsOnTrain()) this.show([event.runDir], { mode: 'add', preserveFocus: true });
      } else if ((event.type === 'record' || event.type === 'runEnded') && this.panel?.runs.has(event.runDir)) {
        this.panel.update();
      }
    });
    this.disposables.push(sub);
  }

  get current(): PlotsPanel | undefined {
    return this.panel;
  }

  /** Opens the panel on `runDirs` (`replace`: exactly these; `add`: these beside what it shows). */
  show(runDirs: readonly string[], options: { mode: 'replace' | 'add'; preserveFocus?: boolean }): PlotsPanel {
    const preserveFocus = options.preserveFocus ?? false;
    if (this.panel) {
      if (options.mode === 'replace') this.panel.setRuns(runDirs);
      else this.panel.addRuns(runDirs);
      this.panel.reveal(preserveFocus);
      return this.panel;
    }
    const runs = new PanelRuns();
    for (const dir of runDirs) runs.add(dir);
    const webviewPanel = vscode.window.createWebviewPanel(
      PLOTS_VIEW_TYPE,
      'Hamiltonian RNN Plots',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus },
      webviewOptions(this.context.extensionUri),
    );
    void widenPanelColumn(webviewPanel).catch((err: unknown) => this.log.warn(`could not widen the plots column: ${String(err)}`));
    return this.adopt(webviewPanel, runs);
  }

  /** WebviewPanelSerializer: VS Code restores the panel after a reload; the runs come from disk. */
  async deserializeWebviewPanel(webviewPanel: vscode.WebviewPanel, webviewState: unknown): Promise<void> {
    const state = this.savedState() ?? (isPanelRunsState(webviewState) ? webviewState : { runDirs: [], colors: {} });
    this.log.info(`restoring the plots panel with ${state.runDirs.length} run(s)`);
    this.adopt(webviewPanel, new PanelRuns(state));
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panelEmitter.dispose();
  }

  private adopt(webviewPanel: vscode.WebviewPanel, runs: PanelRuns): PlotsPanel {
    const panel = new PlotsPanel(webviewPanel, runs, {
      extensionUri: this.context.extensionUri,
      log: this.log,
      saveState: (state) => void this.context.workspaceState.update(STATE_KEY, state),
      saveFile: (m) => this.saveExport(m),
      revealRunFolder: this.revealRunFolder,
    });
    this.panel = panel;
    panel.onDidDispose(() => {
      if (this.panel === panel) this.panel = undefined;
    });
    this.panelEmitter.fire(panel);
    return panel;
  }

  private savedState(): PanelRunsState | undefined {
    const saved = this.context.workspaceState.get<unknown>(STATE_KEY);
    return isPanelRunsState(saved) ? saved : undefined;
  }

  /** Exports from the webview (CSV text, PNG base64): into the export folder when set, else a save dialog. */
  private async saveExport(message: Extract<WebviewToHost, { type: 'saveFile' }>): Promise<void> {
    const name = path.basename(message.suggestedName).replace(/[^\w.-]+/g, '_') || `plot.${message.format}`;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const exportFolder = vscode.workspace.getConfiguration('hamiltonianRnn').get<string>('plots.exportFolder', '').trim();
    let target: vscode.Uri | undefined;
    if (exportFolder) {
      const base = path.isAbsolute(exportFolder) || !folder ? vscode.Uri.file(exportFolder) : vscode.Uri.joinPath(folder, exportFolder);
      target = vscode.Uri.joinPath(base, name);
    } else {
      target = await vscode.window.showSaveDialog({
        defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
        filters: message.format === 'csv' ? { CSV: ['csv'] } : { PNG: ['png'] },
        saveLabel: 'Export',
      });
    }
    if (!target) return;
    const bytes = message.format === 'png' ? Buffer.from(message.data.replace(/^data:[^,]*,/, ''), 'base64') : Buffer.from(message.data, 'utf8');
    await vscode.workspace.fs.writeFile(target, bytes);
    this.log.info(`exported ${message.format.toUpperCase()} to ${target.fsPath}`);
    void vscode.window.showInformationMessage(`Exported ${path.basename(target.fsPath)}`, 'Open').then((pick) => {
      if (pick === 'Open' && target) void vscode.commands.executeCommand('vscode.open', target);
    });
  }
}
