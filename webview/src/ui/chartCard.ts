/**
 * One card of the grid: a title, a few actions and a Chart.js canvas that draws a `ChartSpec`.
 * Keeps the user's zoom across live updates (Chart.js keeps the zoom plugin's scale limits when
 * only the data changes) and decimates each line to the visible window after smoothing.
 */
import {
  Chart,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type ChartDataset,
  type ChartOptions,
  type LegendItem,
  type Scale,
  type TooltipItem,
} from 'chart.js';
import zoomPlugin from 'chartjs-plugin-zoom';
import type { ChartSpec, SeriesSpec } from '../core/chartModel';
import { decimateIndices, type XWindow } from '../core/decimation';
import { formatDuration, formatNumber, formatPercent } from '../../../src/protocol/format';
import { logTicks } from '../core/logTicks';
import { withAlpha } from '../core/palette';
import { el } from './dom';
import type { Theme } from './theme';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Legend, Tooltip, zoomPlugin);

/** A gap is y = NaN (Chart.js skips NaN; null would count as 0 in a log axis' range). */
type Point = { x: number; y: number };
type LineDataset = ChartDataset<'line', Point[]>;

/** A dataset is either the main line of a series or the faint raw copy behind a smoothed one. */
interface DatasetRole {
  key: string;
  group: string;
  role: 'main' | 'raw';
}

export interface CardActions {
  exportCsv(spec: ChartSpec): void;
  exportPng(card: ChartCard): void;
  /** The x window the user zoomed or panned to, once it settled (undefined: zoom reset). */
  windowSettled?(card: ChartCard, window: XWindow | undefined): void;
}

/** How long zoom and pan must rest before the host is asked for detail (a drag fires many changes). */
const SETTLE_MS = 250;

export class ChartCard {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private created: Chart<'line', Point[]> | undefined;
  private readonly titleEl: HTMLElement;
  private readonly subtitleEl: HTMLElement;
  private spec: ChartSpec | undefined;
  private roles: DatasetRole[] = [];
  /** Legend entries the user switched off in this chart. */
  private hiddenGroups = new Set<string>();
  private signature = '';
  private drawnByKey = new Map<string, number>();
  private budget = 2000;
  private theme: Theme;
  private settleTimer: ReturnType<typeof setTimeout> | undefined;
  /** The signature without point counts: equal when an update can only have added points. */
  private structure = '';
  /** Per dataset: how many points of its line it holds one for one (-1: decimated, so not appendable). */
  private heldPoints: number[] = [];
  /** Updates drawn by appending points, and by rebuilding the datasets (tests and diagnostics). */
  readonly stats = { appended: 0, rebuilt: 0 };

  /**
   * @param mount puts the card's element into the document. The chart is created by the first
   *   `update`, with that spec's scales, theme and lines: one layout and one draw per chart, and an
   *   app that mounts every new card before updating any lays the page out once, not once per card.
   */
  constructor(
    readonly id: string,
    theme: Theme,
    private readonly actions: CardActions,
    mount: (element: HTMLElement) => void,
  ) {
    this.theme = theme;
    this.titleEl = el('h2', { className: 'card-title' });
    this.subtitleEl = el('p', { className: 'card-subtitle' });
    const resetBtn = el('button', { className: 'card-action', textContent: 'Reset zoom', title: 'Reset zoom (or double-click the chart)' });
    const csvBtn = el('button', { className: 'card-action', textContent: 'CSV', title: 'Export this chart’s data as CSV' });
    const pngBtn = el('button', { className: 'card-action', textContent: 'PNG', title: 'Export this chart as PNG' });
    resetBtn.addEventListener('click', () => this.resetZoom());
    csvBtn.addEventListener('click', () => this.spec && this.actions.exportCsv(this.spec));
    pngBtn.addEventListener('click', () => this.actions.exportPng(this));
    this.canvas = el('canvas', { className: 'card-canvas' });
    this.canvas.setAttribute('role', 'img');
    this.canvas.addEventListener('dblclick', () => this.resetZoom());
    this.element = el('section', { className: 'card' }, [
      el('header', { className: 'card-head' }, [
        el('div', { className: 'card-titles' }, [this.titleEl, this.subtitleEl]),
        el('div', { className: 'card-actions' }, [resetBtn, csvBtn, pngBtn]),
      ]),
      el('div', { className: 'card-plot' }, [this.canvas]),
    ]);
    this.element.dataset.chart = id;
    mount(this.element);
  }

  /** The Chart.js chart (created by the first `update`). */
  get chart(): Chart<'line', Point[]> {
    if (!this.created) throw new Error(`chart card ${this.id}: drawn before its first update`);
    return this.created;
  }

  get currentSpec(): ChartSpec | undefined {
    return this.spec;
  }

  /** Points on the canvas per series key, after decimation. */
  drawnCounts(): ReadonlyMap<string, number> {
    return this.drawnByKey;
  }

  /**
   * Draws `spec`; cheap when nothing it shows changed. `dataEpoch` changes whenever data was
   * replaced rather than appended (a snapshot).
   */
  update(spec: ChartSpec, opts: { budget: number; theme: Theme; themeChanged: boolean; dataEpoch: number }): void {
    const { budget, theme, themeChanged } = opts;
    const signature = `${opts.dataEpoch}|${specSignature(spec)}`;
    if (!this.created) {
      this.create(spec, opts.budget, theme);
      this.signature = signature;
      this.structure = `${opts.dataEpoch}|${specSignature(spec, false)}`;
      return;
    }
    if (!themeChanged && signature === this.signature && budget === this.budget) {
      this.spec = spec;
      return;
    }
    const structure = `${opts.dataEpoch}|${specSignature(spec, false)}`;
    // A live update that only added points at the end: add them to the datasets instead of rebuilding them.
    if (!themeChanged && structure === this.structure && budget === this.budget && this.appendPoints(spec)) {
      this.spec = spec;
      this.signature = signature;
      this.stats.appended++;
      this.chart.update('none');
      return;
    }
    this.structure = structure;
    this.stats.rebuilt++;
    const prev = this.spec;
    const axesChanged = !prev || prev.xScale !== spec.xScale || prev.yScale !== spec.yScale || prev.xName !== spec.xName;
    this.signature = signature;
    this.theme = theme;
    this.showSpec(spec, budget);
    // A new axis type or quantity makes the old zoom window meaningless.
    if (axesChanged && prev && this.chart.isZoomedOrPanned()) this.chart.resetZoom('none');
    // Keeps min/max (the user's zoom window).
    this.chart.options.scales = this.scaleOptions(spec, (this.chart.options.scales ?? {}) as Record<string, { min?: unknown; max?: unknown } | undefined>);
    if (themeChanged) this.applyTheme(this.chart.options);
    this.fillDatasets();
    this.chart.update('none');
  }

  /** Creates the chart drawing `spec` (its scales, theme and lines from the start). */
  private create(spec: ChartSpec, budget: number, theme: Theme): void {
    this.theme = theme;
    this.showSpec(spec, budget);
    const options = this.baseOptions();
    options.scales = this.scaleOptions(spec, {});
    this.applyTheme(options);
    this.created = new Chart<'line', Point[]>(this.canvas, { type: 'line', data: { datasets: this.buildDatasets(undefined) }, options });
    this.stats.rebuilt++;
    // For browser tests and debugging: the chart behind a canvas (scales, zoom state, data).
    (this.canvas as HTMLCanvasElement & { hrnnChart?: unknown }).hrnnChart = this.created;
  }

  /** Takes `spec` as the card's: titles, accessible label, the point budget. */
  private showSpec(spec: ChartSpec, budget: number): void {
    this.spec = spec;
    this.budget = budget;
    this.titleEl.textContent = spec.title;
    this.subtitleEl.textContent = spec.subtitle;
    this.canvas.setAttribute('aria-label', `${spec.title}: ${spec.subtitle}`);
  }

  resetZoom(): void {
    this.chart.resetZoom('none');
    this.fillDatasets();
    this.chart.update('none');
    this.settle();
  }

  /** The plot area's width in pixels (how many buckets a detail request asks for). */
  get plotWidth(): number {
    return Math.max(50, Math.round(this.chart.chartArea?.width ?? this.chart.width));
  }

  destroy(): void {
    clearTimeout(this.settleTimer);
    this.created?.destroy();
    this.element.remove();
  }

  /** Tells the app the window once zoom and pan have rested. */
  private settle(): void {
    if (!this.actions.windowSettled) return;
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => this.actions.windowSettled?.(this, this.visibleWindow()), SETTLE_MS);
  }

  /** The zoom window on x when zoomed, for decimation. */
  private visibleWindow(): XWindow | undefined {
    if (!this.chart.isZoomedOrPanned()) return undefined;
    const x = this.chart.scales.x;
    return x && Number.isFinite(x.min) && Number.isFinite(x.max) ? { min: x.min, max: x.max } : undefined;
  }

  private fillDatasets(): void {
    this.chart.data.datasets = this.buildDatasets(this.visibleWindow());
  }

  /** The datasets of the card's spec, cut to `zoomWindow` when zoomed; records their roles and held points. */
  private buildDatasets(zoomWindow: XWindow | undefined): LineDataset[] {
    const spec = this.spec;
    if (!spec) return [];
    const logY = spec.yScale === 'logarithmic';
    const datasets: LineDataset[] = [];
    const roles: DatasetRole[] = [];
    const held: number[] = [];
    this.drawnByKey = new Map();
    // Zoomed lines are cut to the window: never appended to.
    const whole = (pts: Point[], s: SeriesSpec) => (!zoomWindow && pts.length === s.ys.length ? pts.length : -1);
    for (const s of spec.series) {
      const hidden = this.hiddenGroups.has(s.group);
      if (s.smoothed) {
        const raw = this.points(s.xs, s.ys, logY, zoomWindow);
        datasets.push(this.dataset(s, `${s.label} (raw)`, raw, true, hidden));
        roles.push({ key: s.key, group: s.group, role: 'raw' });
        const sm = this.points(s.xs, s.smoothed, logY, zoomWindow);
        datasets.push(this.dataset(s, `${s.label} (smoothed)`, sm, false, hidden));
        roles.push({ key: s.key, group: s.group, role: 'main' });
        held.push(whole(raw, s), whole(sm, s));
        this.drawnByKey.set(s.key, sm.length);
      } else {
        const pts = this.points(s.xs, s.ys, logY, zoomWindow);
        datasets.push(this.dataset(s, s.label, pts, false, hidden));
        roles.push({ key: s.key, group: s.group, role: 'main' });
        held.push(whole(pts, s));
        this.drawnByKey.set(s.key, pts.length);
      }
    }
    this.heldPoints = held;
    this.roles = roles;
    return datasets;
  }

  /**
   * Adds the points `spec` has beyond what the datasets hold, when that is all that changed: same
   * lines (the structure signature matched), nothing decimated or cut to a zoom window before or
   * after, and the points held still the first ones of each line. Returns false (nothing changed)
   * otherwise; the caller then rebuilds.
   */
  private appendPoints(spec: ChartSpec): boolean {
    if (this.chart.isZoomedOrPanned()) return false;
    const datasets = this.chart.data.datasets;
    const plan: Array<{ data: Point[]; xs: readonly number[]; ys: readonly number[]; from: number }> = [];
    let j = 0;
    for (const s of spec.series) {
      const lines = s.smoothed ? [s.ys, s.smoothed] : [s.ys];
      for (const ys of lines) {
        const held = this.heldPoints[j];
        const data = datasets[j]?.data;
        j++;
        if (!data || held < 0 || held !== data.length || ys.length < held || ys.length > this.budget) return false;
        if (held > 0 && (data[0].x !== s.xs[0] || data[held - 1].x !== s.xs[held - 1])) return false;
        plan.push({ data, xs: s.xs, ys, from: held });
      }
    }
    if (j !== datasets.length) return false;
    const logY = spec.yScale === 'logarithmic';
    plan.forEach(({ data, xs, ys, from }, k) => {
      for (let i = from; i < ys.length; i++) {
        const y = ys[i];
        data.push({ x: xs[i], y: Number.isFinite(y) && (!logY || y > 0) ? y : NaN });
      }
      this.heldPoints[k] = ys.length;
    });
    for (const s of spec.series) this.drawnByKey.set(s.key, s.ys.length);
    return true;
  }

  private points(xs: readonly number[], ys: readonly number[], logY: boolean, zoomWindow?: XWindow): Point[] {
    const keep = decimateIndices(xs, ys, this.budget, zoomWindow);
    const out = new Array<Point>(keep.length);
    for (let k = 0; k < keep.length; k++) {
      const i = keep[k];
      const y = ys[i];
      out[k] = { x: xs[i], y: Number.isFinite(y) && (!logY || y > 0) ? y : NaN };
    }
    return out;
  }

  private dataset(s: SeriesSpec, label: string, data: Point[], faint: boolean, hidden: boolean): LineDataset {
    const isSweep = s.series === 'sweep';
    const color = isSweep ? this.theme.muted : s.color;
    return {
      label,
      data,
      hidden,
      borderColor: faint ? withAlpha(s.color, 0.22) : color,
      backgroundColor: faint ? withAlpha(s.color, 0.22) : color,
      borderWidth: faint ? 1 : s.markers ? 1.5 : 1.75,
      borderDash: s.dash,
      pointRadius: faint ? 0 : isSweep ? 5 : s.markers ? 2.5 : 0,
      pointHoverRadius: faint ? 0 : isSweep ? 7 : 4,
      pointHitRadius: faint ? 0 : 4,
      pointBackgroundColor: s.pointColors ?? color,
      pointBorderColor: s.pointColors ?? color,
      spanGaps: false,
      tension: 0,
      // Let markers at the edge of the plot area show whole.
      clip: s.markers && !faint ? 8 : 0,
      order: faint ? 1 : 0,
    };
  }

  private baseOptions(): NonNullable<Chart<'line', Point[]>['options']> {
    const onViewChanged = () => {
      this.fillDatasets();
      this.chart.update('none');
      this.settle();
    };
    return {
      animation: false,
      parsing: false,
      normalized: true,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'nearest', intersect: false, axis: 'xy' },
      scales: { x: { type: 'linear' }, y: { type: 'linear' } },
      plugins: {
        legend: {
          position: 'bottom',
          labels: {
            usePointStyle: true,
            pointStyle: 'line',
            boxWidth: 24,
            // One entry per run (or sweep), not per line: line styles are explained in the subtitle.
            generateLabels: () => this.legendItems(),
          },
          onClick: (_e, item: LegendItem) => {
            const role = this.roles[item.datasetIndex ?? -1];
            if (!role) return;
            if (this.hiddenGroups.has(role.group)) this.hiddenGroups.delete(role.group);
            else this.hiddenGroups.add(role.group);
            this.fillDatasets();
            this.chart.update('none');
          },
        },
        tooltip: {
          callbacks: {
            title: (items: TooltipItem<'line'>[]) => {
              const it = items[0];
              if (!it || !this.spec) return '';
              const x = (it.raw as Point).x;
              const xText = this.spec.xFormat === 'duration' ? formatDuration(x) : formatNumber(x);
              return `${this.spec.xTitle}: ${xText}`;
            },
            // Legends show short labels: the run's full id goes with every tooltip.
            footer: (items: TooltipItem<'line'>[]) => {
              const role = this.roles[items[0]?.datasetIndex ?? -1];
              const runId = role && this.spec?.series.find((s) => s.key === role.key)?.runId;
              return runId ? `run ${runId}` : '';
            },
            label: (item: TooltipItem<'line'>) => {
              const y = (item.raw as Point).y;
              if (!Number.isFinite(y)) return `${item.dataset.label}: —`;
              return `${item.dataset.label}: ${this.spec?.yFormat === 'percent' ? formatPercent(y) : formatNumber(y)}`;
            },
          },
        },
        zoom: {
          zoom: {
            drag: { enabled: true, threshold: 6 },
            wheel: { enabled: true, modifierKey: 'ctrl' },
            pinch: { enabled: true },
            mode: 'xy',
            onZoomComplete: onViewChanged,
          },
          pan: { enabled: true, modifierKey: 'shift', mode: 'xy', onPanComplete: onViewChanged },
        },
      },
    };
  }

  private legendItems(): LegendItem[] {
    const spec = this.spec;
    if (!spec) return [];
    const logY = spec.yScale === 'logarithmic';
    const items: LegendItem[] = [];
    const seen = new Map<string, LegendItem>();
    spec.series.forEach((s) => {
      const datasetIndex = this.roles.findIndex((r) => r.key === s.key && r.role === 'main');
      let item = seen.get(s.group);
      if (!item) {
        const color = s.series === 'sweep' ? this.theme.muted : s.color;
        item = {
          text: s.groupLabel,
          datasetIndex,
          fillStyle: color,
          strokeStyle: color,
          fontColor: this.theme.fg,
          lineWidth: 2.5,
          pointStyle: 'line',
          hidden: this.hiddenGroups.has(s.group),
        };
        seen.set(s.group, item);
        items.push(item);
      }
      if (logY && s.nonPositive > 0 && !item.text.includes('not drawn')) {
        item.text += ` (${s.nonPositive} values ≤ 0 not drawn)`;
      }
    });
    return items;
  }

  /** Axis types, titles, tick formats and theme colours; min/max from `current` (the user's zoom window). */
  private scaleOptions(spec: ChartSpec, current: Record<string, { min?: unknown; max?: unknown } | undefined>): ChartOptions<'line'>['scales'] {
    const t = this.theme;
    const axis = (name: 'x' | 'y') => {
      const type = name === 'x' ? spec.xScale : spec.yScale;
      const format = name === 'x' ? spec.xFormat : spec.yFormat;
      const keep = current[name] ?? {};
      return {
        type,
        min: keep.min as number | undefined,
        max: keep.max as number | undefined,
        title: { display: true, text: name === 'x' ? spec.xTitle : spec.yTitle, color: t.fg },
        grid: { color: t.grid },
        border: { color: t.grid },
        ticks: {
          color: t.muted,
          maxRotation: 0,
          autoSkipPadding: 12,
          callback: (value: number | string) => {
            const v = Number(value);
            if (format === 'duration') return formatDuration(v);
            if (format === 'percent') return formatPercent(v);
            return formatNumber(v);
          },
        },
        // Log axes: limits from the data (Chart.js' 'ticks' bounds can collapse to 0 on ranges of
        // many decades) and our own regular ticks.
        ...(name === 'x' && spec.xSuggested ? { suggestedMin: spec.xSuggested.min, suggestedMax: spec.xSuggested.max } : {}),
        ...(type === 'logarithmic'
          ? {
              bounds: 'data' as const,
              afterBuildTicks: (scale: Scale) => {
                scale.ticks = logTicks(scale.min, scale.max).map((value) => ({ value }));
              },
            }
          : {}),
      };
    };
    return { x: axis('x'), y: axis('y') };
  }

  /** The theme's colours and font into chart options `o` (the chart's, or those it is created with). */
  private applyTheme(o: ChartOptions<'line'>): void {
    const t = this.theme;
    o.color = t.fg;
    o.font = { family: t.fontFamily, size: Math.max(11, t.fontSize - 1) };
    const plugins = o.plugins;
    if (plugins?.legend?.labels) plugins.legend.labels.color = t.fg;
    if (plugins?.zoom?.zoom?.drag) {
      plugins.zoom.zoom.drag.backgroundColor = withAlphaCss(t.accent, 0.15);
      plugins.zoom.zoom.drag.borderColor = t.accent;
      plugins.zoom.zoom.drag.borderWidth = 1;
    }
  }
}

/** What a card shows, compactly: equal signatures draw the same picture. */
/** What a chart shows; `counts` false leaves out how many points each line has (see `structure`). */
function specSignature(spec: ChartSpec, counts = true): string {
  const parts = [spec.xScale, spec.yScale, spec.xName, spec.title, spec.subtitle, JSON.stringify(spec.xSuggested ?? null)];
  for (const s of spec.series) {
    parts.push(
      s.key,
      s.label,
      counts ? String(s.ys.length) : '',
      counts ? String(s.total ?? '') : '',
      String(s.smoothingWeight ?? ''),
      String(s.probeStep ?? ''),
      s.color,
    );
    parts.push(s.smoothed ? 'smoothed' : '');
    // Sweep points change value in place when a run finishes; they are few, so include them.
    if (s.series === 'sweep') parts.push(s.xs.join(','), s.ys.join(','));
  }
  return parts.join('|');
}

/** `rgb(r, g, b)` -> `rgba(r, g, b, a)`; other forms unchanged. */
function withAlphaCss(color: string, alpha: number): string {
  const m = /^rgb\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)\s*\)$/.exec(color);
  return m ? `rgba(${m[1]}, ${m[2]}, ${m[3]}, ${alpha})` : color;
}
