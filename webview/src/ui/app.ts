/**
 * The panel app: applies host messages to its data at once, redraws at most once per animation
 * frame (so a burst of `append` messages costs one draw), and answers the host's questions about
 * what is drawn.
 */
import { ALL_CHART_IDS, type ChartDataReport, type ChartId, type HostMessage } from '../../../src/protocol/webview';
import { buildCharts, chartReport, probeSteps, type ChartSpec } from '../core/chartModel';
import { chartsToCsv, reducedLines } from '../core/exportCsv';
import { applyHostMessage, emptyPanelData, type PanelData } from '../core/panelState';
import type { XWindow } from '../core/decimation';
import { sanitizeViewOptions, type ViewOptions } from '../core/viewOptions';
import { withDetail, type TrainDetail } from '../core/zoomDetail';
import { ChartCard } from './chartCard';
import { Toolbar } from './controls';
import { el } from './dom';
import { cardsToPngBase64 } from './exportImage';
import type { HostApi } from './hostApi';
import { ExperimentsTable } from './experimentsTable';
import { MetricVsParameterCard } from './metricVsParameter';
import { ParallelCoordinatesCard } from './parallelCoordinates';
import { SeedGroupCurvesCard } from './seedGroupCurves';
import { readTheme, watchTheme, type Theme } from './theme';

const STATE_VERSION = 1;
const SNAPSHOT_RETRY_MS = 3000;
/** How long `rendered` waits for the next frame before it goes anyway (frames stop while hidden). */
const RENDERED_FALLBACK_MS = 500;

export class App {
  private readonly data: PanelData = emptyPanelData();
  private view: ViewOptions;
  private readonly cards = new Map<ChartId, ChartCard>();
  private specs: ChartSpec[] = [];
  private frame = 0;
  private renderedPending = false;
  private runsDirty = true;
  private theme: Theme;
  private themeChanged = true;
  /** Bumped when data is replaced rather than appended. */
  private dataEpoch = 0;
  /** Zoomed detail of reduced runs (the host's answers), by run id, and the window it is for. */
  private readonly details = new Map<string, TrainDetail>();
  private detailWindow: (XWindow & { buckets: number }) | undefined;
  /** The latest detail request per run: older answers are dropped. */
  private readonly detailRequests = new Map<string, number>();
  private nextDetailId = 1;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the last snapshot arrived and was applied (performance.now), for `rendered`'s timing. */
  private snapshotTiming: { arrived: number; applied: number } | undefined;
  private readonly toolbar: Toolbar;
  private readonly runTable: ExperimentsTable;
  private readonly metricVsParameter: MetricVsParameterCard;
  private readonly parallelCoordinates = new ParallelCoordinatesCard();
  private readonly seedGroupCurves: SeedGroupCurvesCard;
  /** The sweep views (metric against a hyperparameter, parallel coordinates) above the charts. */
  private readonly analysis: HTMLElement;
  private readonly grid: HTMLElement;
  private readonly empty: HTMLElement;

  constructor(
    root: HTMLElement,
    private readonly api: HostApi,
  ) {
    const saved = api.getState() as { version?: number; view?: unknown } | undefined;
    this.view = sanitizeViewOptions(saved?.version === STATE_VERSION ? saved.view : undefined);
    this.theme = readTheme();
    this.toolbar = new Toolbar({
      change: (patch) => this.setView(patch),
      resetZoom: () => this.cards.forEach((c) => c.resetZoom()),
      exportCsv: () => this.saveCsv(this.specs, 'plots'),
      exportPng: () => this.savePng(this.orderedCards(), 'plots'),
    });
    this.runTable = new ExperimentsTable({
      setVisible: (runIds, visible) => {
        const hidden = new Set(this.view.hiddenRuns);
        for (const runId of runIds) {
          if (visible) hidden.delete(runId);
          else hidden.add(runId);
        }
        this.setView({ hiddenRuns: [...hidden] });
      },
      openFolder: api.standalone ? undefined : (runId) => api.postMessage({ type: 'openRunFolder', runId }),
    });
    this.grid = el('main', { className: 'grid' });
    this.empty = el('p', {
      className: 'empty',
      textContent: 'No runs to show yet. Train an experiment, or open runs from the Hamiltonian RNN runs view.',
    });
    root.classList.add('hrnn-app');
    this.metricVsParameter = new MetricVsParameterCard(this.theme, () => {
      this.runsDirty = true;
      this.schedule();
    });
    this.seedGroupCurves = new SeedGroupCurvesCard(this.theme);
    this.analysis = el('div', { className: 'grid analysis-grid' }, [
      this.metricVsParameter.element,
      this.parallelCoordinates.element,
      this.seedGroupCurves.element,
    ]);
    root.replaceChildren(this.toolbar.element, this.runTable.element, this.analysis, this.empty, this.grid);
    watchTheme(() => {
      this.theme = readTheme();
      this.metricVsParameter.setTheme(this.theme);
      this.seedGroupCurves.setTheme(this.theme);
      this.themeChanged = true;
      this.schedule();
    });
    this.schedule();
  }

  onMessage(msg: HostMessage): void {
    if (typeof msg !== 'object' || msg === null || typeof msg.type !== 'string') return;
    this.guard(() => {
      if (msg.type === 'requestChartData') {
        this.flush();
        this.api.postMessage({ type: 'chartDataReport', requestId: msg.requestId, charts: this.report() });
        return;
      }
      if (msg.type === 'detail') {
        // Only the answer to the latest request for a run counts (zoom moved on, or a snapshot came since).
        if (this.detailRequests.get(msg.runId) !== msg.requestId) return;
        this.detailRequests.delete(msg.runId);
        this.details.set(msg.runId, msg);
        this.dataEpoch++;
        this.schedule();
        return;
      }
      const arrived = performance.now();
      const outcome = applyHostMessage(this.data, msg);
      if (outcome.snapshot) this.snapshotTiming = { arrived, applied: performance.now() };
      if (outcome.requestSnapshot) this.requestSnapshot();
      if (!outcome.applied) return;
      if (msg.type === 'snapshot') {
        this.dataEpoch++;
        // The snapshot's overview replaces every run's records: ask again for the window shown.
        this.details.clear();
        this.requestDetails();
      }
      if (outcome.snapshot) {
        this.renderedPending = true;
        this.clearRetry();
      }
      if (outcome.changed.has('runs')) this.runsDirty = true;
      this.schedule();
    });
  }

  /**
   * A train chart over steps was zoomed or panned (or reset): reduced runs get the window's records
   * from the host at the chart's width; a reset goes back to the overview.
   */
  private windowSettled(card: ChartCard, window: XWindow | undefined): void {
    if (this.api.standalone || (card.id !== 'loss' && card.id !== 'gradNorm') || card.currentSpec?.xName !== 'step') return;
    this.detailWindow = window ? { ...window, buckets: card.plotWidth } : undefined;
    if (this.details.size) {
      this.details.clear();
      this.dataEpoch++;
      this.schedule();
    }
    this.requestDetails();
  }

  private requestDetails(): void {
    this.detailRequests.clear();
    const w = this.detailWindow;
    if (!w) return;
    for (const run of this.data.runs) {
      if (!run.trainReduction) continue;
      const requestId = this.nextDetailId++;
      this.detailRequests.set(run.runId, requestId);
      this.api.postMessage({ type: 'requestDetail', requestId, runId: run.runId, minStep: Math.floor(w.min), maxStep: Math.ceil(w.max), buckets: w.buckets });
    }
  }

  /** What the charts draw now (after drawing anything pending). */
  report(): ChartDataReport {
    const drawn = new Map<string, number>();
    for (const [id, card] of this.cards) for (const [key, n] of card.drawnCounts()) drawn.set(`${id}/${key}`, n);
    return chartReport(this.specs, drawn);
  }

  /** The EMA weight the user chose (the host smooths long runs with it, on their full series). */
  get smoothing(): number {
    return this.view.smoothing;
  }

  private setView(patch: Partial<ViewOptions>): void {
    const smoothingBefore = this.view.smoothing;
    this.view = sanitizeViewOptions({ ...this.view, ...patch });
    if (this.view.smoothing !== smoothingBefore) this.api.postMessage({ type: 'viewOptions', smoothing: this.view.smoothing });
    if (patch.hiddenRuns) this.runsDirty = true;
    this.api.setState({ version: STATE_VERSION, view: this.view });
    this.schedule();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.guard(() => this.render());
    });
  }

  /** Draws now if a frame is pending (the host asked for data, possibly while hidden). */
  private flush(): void {
    if (!this.frame) return;
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.render();
  }

  private render(): void {
    const start = performance.now();
    const hidden = new Set(this.view.hiddenRuns);
    const visibleRuns = this.data.runs.filter((r) => !hidden.has(r.runId));
    this.specs = buildCharts(this.details.size ? { ...this.data, runs: withDetail(this.data.runs, this.details) } : this.data, this.view);
    const budget = Math.max(100, this.data.settings.maxPointsPerLine);
    // Cards come and go first, then every card draws: the page is laid out once for the new cards,
    // not once per chart created (Chart.js reads its canvas' size when it is created).
    for (const id of ALL_CHART_IDS) {
      const shown = this.specs.some((s) => s.id === id);
      const card = this.cards.get(id);
      if (!shown && card) {
        card.destroy();
        this.cards.delete(id);
      } else if (shown && !card) {
        const created = new ChartCard(
          id,
          this.theme,
          {
            exportCsv: (s) => this.saveCsv([s], s.id),
            exportPng: (c) => this.savePng([c], c.id),
            windowSettled: (c, window) => this.windowSettled(c, window),
          },
          (element) => this.grid.insertBefore(element, this.nextCardElement(id)),
        );
        this.cards.set(id, created);
      }
    }
    for (const spec of this.specs) {
      const card = this.cards.get(spec.id);
      card?.update(spec, { budget, theme: this.theme, themeChanged: this.themeChanged, dataEpoch: this.dataEpoch });
    }
    this.themeChanged = false;
    if (this.runsDirty) {
      this.runTable.render(this.data.runs, hidden);
      this.metricVsParameter.render(visibleRuns);
      this.parallelCoordinates.render(visibleRuns, this.metricVsParameter.metricId);
      this.seedGroupCurves.render(visibleRuns);
      this.analysis.hidden = this.metricVsParameter.element.hidden && this.parallelCoordinates.element.hidden && this.seedGroupCurves.element.hidden;
      this.runsDirty = false;
    }
    const running = this.data.runs.filter((r) => r.summary.status === 'running').length;
    const meta = [
      `${this.data.runs.length} run${this.data.runs.length === 1 ? '' : 's'}`,
      running ? `${running} running` : '',
      hidden.size ? `${hidden.size} hidden` : '',
      this.api.note ?? '',
      'drag: zoom · shift-drag: pan · double-click: reset',
    ].filter(Boolean);
    this.toolbar.sync(this.view, probeSteps(visibleRuns), this.data.title, meta.join(' · '));
    this.empty.hidden = this.data.seq === null ? true : this.specs.length > 0;
    if (this.renderedPending) {
      this.renderedPending = false;
      const t = this.snapshotTiming;
      const drawn = performance.now();
      const charts = this.report();
      // Posted once the frame with the new charts was painted (the next frame starts after it), or
      // after a moment where frames do not come (a hidden panel answering the host).
      let posted = false;
      const post = () => {
        if (posted) return;
        posted = true;
        const now = performance.now();
        const epoch = (ms: number) => performance.timeOrigin + ms;
        const timing = t && {
          applyMs: t.applied - t.arrived,
          frameWaitMs: start - t.applied,
          drawMs: drawn - start,
          paintMs: now - drawn,
          arrivedAt: epoch(t.arrived),
          renderedAt: epoch(now),
        };
        this.api.postMessage({ type: 'rendered', charts, ...(timing ? { timing } : {}) });
      };
      requestAnimationFrame(post);
      setTimeout(post, RENDERED_FALLBACK_MS);
    }
  }

  /** The card element that follows `id` in display order (insert before it), or null. */
  private nextCardElement(id: ChartId): HTMLElement | null {
    for (const later of ALL_CHART_IDS.slice(ALL_CHART_IDS.indexOf(id) + 1)) {
      const card = this.cards.get(later);
      if (card) return card.element;
    }
    return null;
  }

  private orderedCards(): ChartCard[] {
    return ALL_CHART_IDS.map((id) => this.cards.get(id)).filter((c): c is ChartCard => c !== undefined);
  }

  private baseName(): string {
    const slug = this.data.title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '');
    return slug || 'hrnn';
  }

  private saveCsv(specs: readonly ChartSpec[], what: string): void {
    // A long run's train lines are min-max reductions: the file's name says so.
    const reduced = reducedLines(specs).length > 0 ? '-reduced' : '';
    this.guard(() =>
      this.api.postMessage({ type: 'saveFile', format: 'csv', suggestedName: `${this.baseName()}-${what}${reduced}.csv`, data: chartsToCsv(specs) }),
    );
  }

  private savePng(cards: readonly ChartCard[], what: string): void {
    this.guard(() => {
      const heading = cards.length > 1 ? this.data.title : '';
      const data = cardsToPngBase64(cards, this.theme, heading);
      this.api.postMessage({ type: 'saveFile', format: 'png', suggestedName: `${this.baseName()}-${what}.png`, data });
    });
  }

  private requestSnapshot(): void {
    this.api.postMessage({ type: 'requestSnapshot' });
    this.clearRetry();
    // If the host missed the request (e.g. it was busy reloading), ask again while still waiting.
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.data.awaitingSnapshot) this.requestSnapshot();
    }, SNAPSHOT_RETRY_MS);
  }

  private clearRetry(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      const message = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
      this.api.postMessage({ type: 'error', message });
    }
  }
}
