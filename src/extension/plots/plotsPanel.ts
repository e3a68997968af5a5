/**
 * The plots panel, host side: one webview panel showing a set of runs read from their folders.
 * Ready handshake, then a full snapshot; while runs train, increments batched at no more than the
 * configured rate; nothing while the panel is hidden; a fresh snapshot when it shows again.
 * Run files are read asynchronously (one flush at a time); the integration suite checks that
 * opening long runs never froze the extension host (test/integration/plotsScale.test.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { ChartDataReport, HostMessage, PageLoading, RenderTiming, WebviewToHost } from '../../protocol/webview';
import { bucketsFor } from '../../protocol/seriesReduction';
import { packRun, wireBytes } from '../../protocol/packedTrain';
import { settings } from '../config';
import { Emitter } from '../../process/emitter';
import { panelHtml } from './panelHtml';
import type { RunsSnapshot } from '../../runs/snapshot';
import { DEFAULT_SMOOTHING } from '../../protocol/smoothing';
import type { PanelRuns, PanelRunsState } from './panelRuns';
import { Throttle } from './throttle';

export const PLOTS_VIEW_TYPE = 'hamiltonianRnn.plots';

export interface PanelStats {
  snapshots: number;
  appends: number;
  statusUpdates: number;
  /** Flushes that found the panel hidden and sent nothing. */
  skippedWhileHidden: number;
  /** Bytes of every message posted to the webview: JSON text and typed arrays (what crossed to it). */
  bytesPosted: number;
  /** How long the last snapshot took to read and build (ms), and when it was posted (Date.now()). */
  lastSnapshotMs?: number;
  lastSnapshotPostedAt?: number;
  /** Where the webview's time went drawing the last snapshot (its `rendered` message). */
  lastRenderTiming?: RenderTiming;
  /** When the page of the last `ready` started, ran its script and was ready. */
  lastPageLoading?: PageLoading;
}

export interface PlotsPanelDeps {
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  /** Called whenever the set of runs changes, to persist it for restoring after a reload. */
  saveState(state: PanelRunsState): void;
  saveFile(message: Extract<WebviewToHost, { type: 'saveFile' }>): Promise<void>;
  revealRunFolder(runDir: string): Promise<void>;
}

export class PlotsPanel implements vscode.Disposable {
  private seq = 0;
  private ready = false;
  private snapshotDue = true;
  private nextRequestId = 1;
  private readonly pendingReports = new Map<number, (report: ChartDataReport) => void>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly throttle: Throttle;
  private readonly renderedEmitter = new Emitter<ChartDataReport>();
  private readonly readyEmitter = new Emitter<void>();
  private readonly disposedEmitter = new Emitter<void>();
  readonly stats: PanelStats = { snapshots: 0, appends: 0, statusUpdates: 0, skippedWhileHidden: 0, bytesPosted: 0 };
  /** A flush reading run files is under way; another request waits for it. */
  private flushing = false;
  private flushAgain = false;
  /** Counts only in tests: JSON-sizing every message costs a stringify. */
  measureBytes = false;
  /** What the webview last said it drew. */
  lastRendered: ChartDataReport | undefined;
  readonly onDidRender = this.renderedEmitter.event;
  readonly onDidBecomeReady = this.readyEmitter.event;
  readonly onDidDispose = this.disposedEmitter.event;
  private disposed = false;
  /**
   * A snapshot read while the webview's page loads (a panel opening): the first send uses it when
   * the smoothing weight, buckets and runs are still the ones it was read with.
   */
  private early: { snapshot: Promise<RunsSnapshot>; key: string } | undefined;

  constructor(
    readonly webviewPanel: vscode.WebviewPanel,
    readonly runs: PanelRuns,
    private readonly deps: PlotsPanelDeps,
  ) {
    this.throttle = new Throttle(
      () => this.flush(),
      () => 1000 / settings.plotUpdateRateHz(),
    );
    const webview = webviewPanel.webview;
    webview.options = webviewOptions(deps.extensionUri);
    webview.html = this.html();
    this.disposables.push(
      webview.onDidReceiveMessage((m: WebviewToHost) => this.onMessage(m)),
      webviewPanel.onDidChangeViewState(() => {
        // Whatever happened while hidden was not sent: start over with a full snapshot.
        this.snapshotDue = true;
        // Without retainContextWhenHidden, hiding destroys the webview's page; the page made when it
        // shows again says `ready` (and gets the snapshot then).
        if (!webviewPanel.visible) this.ready = false;
        else this.update();
      }),
      webviewPanel.onDidDispose(() => this.dispose()),
    );
    this.runs.onRefined = () => {
      this.snapshotDue = true;
      this.update();
    };
    webviewPanel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'plots-icon.svg');
    webviewPanel.title = this.runs.title();
    this.saveState();
    // A new page smooths with the default weight until told otherwise; its `ready` says which it uses.
    this.runs.setSmoothing(DEFAULT_SMOOTHING);
    if (this.runs.runDirs.length > 0) this.readEarly();
  }

  private snapshotKey(): string {
    return [this.runs.smoothingWeight, this.runs.buckets, ...this.runs.runDirs].join('\n');
  }

  /** Starts reading the snapshot before the webview is ready for it. */
  private readEarly(): void {
    this.runs.buckets = bucketsFor(settings.maxPointsPerLine());
    const snapshot = this.runs.snapshot();
    snapshot.catch(() => undefined);
    this.early = { snapshot, key: this.snapshotKey() };
  }

  get isReady(): boolean {
    return this.ready;
  }

  get visible(): boolean {
    return !this.disposed && this.webviewPanel.visible;
  }

  /** Asks for an update soon (batched to the configured rate). */
  update(): void {
    this.throttle.schedule();
  }

  setRuns(runDirs: readonly string[]): void {
    for (const dir of this.runs.runDirs) if (!runDirs.includes(dir)) this.runs.remove(dir);
    for (const dir of runDirs) this.runs.add(dir);
    this.runsChanged();
  }

  addRuns(runDirs: readonly string[], maxRuns = 12): void {
    let changed = false;
    for (const dir of runDirs) changed = this.runs.add(dir) || changed;
    if (!changed) return;
    this.runs.trim(Math.max(maxRuns, runDirs.length));
    this.runsChanged();
  }

  removeRun(runDir: string): void {
    if (this.runs.remove(runDir)) this.runsChanged();
  }

  reveal(preserveFocus: boolean): void {
    this.webviewPanel.reveal(undefined, preserveFocus);
  }

  /** Asks the webview what each chart draws (waits for the ready handshake first). */
  async requestChartData(timeoutMs = 15000): Promise<ChartDataReport> {
    if (!this.ready) await waitFor(this.onDidBecomeReady, timeoutMs, 'the plots webview did not send ready');
    // Let a snapshot being read go out first (reading is asynchronous): the answer then covers it.
    const settleBy = Date.now() + timeoutMs / 2;
    while ((this.flushing || (this.snapshotDue && this.visible)) && Date.now() < settleBy) await new Promise((r) => setTimeout(r, 20));
    const requestId = this.nextRequestId++;
    return new Promise<ChartDataReport>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingReports.delete(requestId);
        reject(new Error(`the plots webview did not answer requestChartData within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pendingReports.set(requestId, (report) => {
        clearTimeout(timer);
        resolve(report);
      });
      void this.post({ type: 'requestChartData', requestId });
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.throttle.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.webviewPanel.dispose();
    this.disposedEmitter.fire();
    this.renderedEmitter.dispose();
    this.readyEmitter.dispose();
    this.disposedEmitter.dispose();
  }

  private runsChanged(): void {
    this.saveState();
    this.snapshotDue = true;
    this.update();
  }

  private saveState(): void {
    this.deps.saveState(this.runs.state());
  }

  /** One flush at a time: reading is asynchronous, and messages must leave in `seq` order. */
  private flush(): void {
    if (this.flushing) {
      this.flushAgain = true;
      return;
    }
    this.flushing = true;
    this.flushNow()
      .catch((err: unknown) => this.deps.log.error(`plots panel update failed: ${String(err)}`))
      .finally(() => {
        this.flushing = false;
        if (this.flushAgain) {
          this.flushAgain = false;
          this.throttle.schedule();
        }
      });
  }

  private async flushNow(): Promise<void> {
    if (this.disposed) return;
    if (!this.ready || !this.webviewPanel.visible) {
      if (this.ready) this.stats.skippedWhileHidden++;
      this.snapshotDue = true;
      return;
    }
    if (this.snapshotDue) await this.sendSnapshot();
    else {
      const { updates, snapshotNeeded } = await this.runs.collectUpdates();
      if (snapshotNeeded || this.snapshotDue) await this.sendSnapshot();
      else
        for (const u of updates) {
          if (u.type === 'append') this.stats.appends++;
          else this.stats.statusUpdates++;
          void this.post({ ...u, seq: ++this.seq });
        }
    }
    // Keep following the folders while something trains (covers runs started from a terminal too).
    if (this.runs.anyRunning) this.throttle.schedule();
  }

  private async sendSnapshot(): Promise<void> {
    this.snapshotDue = false;
    // The webview shrinks live runs with the same buckets (src/protocol/seriesReduction.ts).
    this.runs.buckets = bucketsFor(settings.maxPointsPerLine());
    const t0 = Date.now();
    const early = this.early;
    this.early = undefined;
    const snap = early && early.key === this.snapshotKey() ? await early.snapshot : await this.runs.snapshot();
    this.stats.lastSnapshotMs = Date.now() - t0;
    if (this.disposed || !this.ready) {
      this.snapshotDue = true;
      return;
    }
    this.stats.snapshots++;
    this.webviewPanel.title = snap.title;
    void this.post({
      type: 'snapshot',
      seq: ++this.seq,
      // Train records as typed columns: VS Code moves them as binary, not as JSON text.
      runs: snap.runs.map(packRun),
      sweep: snap.sweep,
      title: snap.title,
      settings: { updateHz: settings.plotUpdateRateHz(), maxPointsPerLine: settings.maxPointsPerLine() },
    });
    this.stats.lastSnapshotPostedAt = Date.now();
  }

  /** Answers a zoomed chart with the records of its window (read off the host's thread for a long run). */
  private async sendDetail(m: Extract<WebviewToHost, { type: 'requestDetail' }>): Promise<void> {
    if (![m.requestId, m.minStep, m.maxStep, m.buckets].every(Number.isFinite) || m.maxStep < m.minStep) return;
    try {
      const window = await this.runs.trainWindow(m.runId, m.minStep, m.maxStep, m.buckets);
      if (!window) return;
      const { requestId, runId, minStep, maxStep } = m;
      void this.post({
        type: 'detail',
        requestId,
        runId,
        minStep,
        maxStep,
        train: window.records,
        ...(window.reduction ? { trainReduction: window.reduction } : {}),
      });
    } catch (err) {
      this.deps.log.error(`plots panel: detail of ${m.runId} failed: ${String(err)}`);
    }
  }

  private post(message: HostMessage): Thenable<boolean> {
    if (this.disposed) return Promise.resolve(false);
    // Sized in a task of its own: a snapshot's stringify takes milliseconds, and the measurement must
    // not add them to the pause of posting it (which serialises the message too).
    if (this.measureBytes) setImmediate(() => (this.stats.bytesPosted += wireBytes(message)));
    return this.webviewPanel.webview.postMessage(message);
  }

  private onMessage(message: WebviewToHost): void {
    if (typeof message !== 'object' || message === null) return;
    switch (message.type) {
      case 'ready':
        this.ready = true;
        if (message.loading) this.stats.lastPageLoading = message.loading;
        if (typeof message.smoothing === 'number') this.runs.setSmoothing(message.smoothing);
        // The snapshot goes out now: a flush that found the page not ready yet (the panel opening)
        // must not make the first draw wait out the update interval.
        this.snapshotDue = true;
        this.flush();
        this.readyEmitter.fire();
        break;
      case 'viewOptions':
        if (this.runs.setSmoothing(message.smoothing)) {
          this.snapshotDue = true;
          this.update();
        }
        break;
      case 'requestSnapshot':
        this.snapshotDue = true;
        this.update();
        break;
      case 'requestDetail':
        void this.sendDetail(message);
        break;
      case 'saveFile':
        this.deps.saveFile(message).catch((err: unknown) => this.deps.log.error(`saving ${message.suggestedName} failed: ${String(err)}`));
        break;
      case 'openRunFolder': {
        const runDir = this.runs.runDirOf(message.runId);
        if (runDir) void this.deps.revealRunFolder(runDir);
        break;
      }
      case 'chartDataReport': {
        const resolve = this.pendingReports.get(message.requestId);
        this.pendingReports.delete(message.requestId);
        resolve?.(message.charts);
        break;
      }
      case 'rendered':
        this.lastRendered = message.charts;
        if (message.timing) this.stats.lastRenderTiming = message.timing;
        this.renderedEmitter.fire(message.charts);
        break;
      case 'error':
        this.deps.log.error(`plots webview: ${message.message}`);
        break;
    }
  }

  private html(): string {
    const webview = this.webviewPanel.webview;
    const media = vscode.Uri.joinPath(this.deps.extensionUri, 'media', 'webview');
    const script = vscode.Uri.joinPath(media, 'plots.js');
    if (!fs.existsSync(script.fsPath)) this.deps.log.error(`${script.fsPath} is missing: run \`npm run build\``);
    return panelHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(script).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'plots.css')).toString(),
      title: 'Hamiltonian RNN Plots',
    });
  }
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    // Only the panel's own bundle: nothing else of the extension (or the workspace) is readable.
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media', 'webview')],
  };
}

/** Run folders that still exist (a restored panel may name runs deleted since). */
export function existingRunDirs(runDirs: readonly string[]): string[] {
  return runDirs.filter((d) => path.isAbsolute(d) && fs.existsSync(d));
}

function waitFor(event: vscode.Event<void> | ((l: () => void) => vscode.Disposable), timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    const sub = event(() => {
      clearTimeout(timer);
      sub.dispose();
      resolve();
    });
  });
}
