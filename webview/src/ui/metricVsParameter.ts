/**
 * A card with the final metric against any numeric hyperparameter the shown runs differ in: one
 * line per combination of the other parameters, the mean over seeds with a min-max band, every
 * run's own value as a faint dot; each axis logarithmic when its values span decades (chosen by
 * core/metricVsParameter.ts). Chart.js, as the other cards; hidden when nothing can be plotted.
 */
import { Chart, Filler, LineController, LineElement, LinearScale, LogarithmicScale, PointElement, Tooltip, type ChartDataset, type Scale } from 'chart.js';
import type { RunSeries } from '../../../src/protocol/webview';
import { formatNumber, formatPercent } from '../../../src/protocol/format';
import { numericParameterPaths } from '../core/experimentsTable';
import { logTicks } from '../core/logTicks';
import { metricVsParameter, PLOTTABLE_METRICS } from '../core/metricVsParameter';
import { runColor, withAlpha } from '../core/palette';
import { el } from './dom';
import type { Theme } from './theme';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Filler, Tooltip);

type Point = { x: number; y: number };

export class MetricVsParameterCard {
  readonly element: HTMLElement;
  private readonly chart: Chart<'line', Point[]>;
  private readonly xSelect = el('select', { id: 'hrnn-mvp-x' });
  private readonly metricSelect = el('select', { id: 'hrnn-mvp-metric' });
  private readonly subtitle = el('p', { className: 'card-subtitle' });
  private runs: readonly RunSeries[] = [];

  /** @param metricChanged called when the user picks another metric. */
  constructor(
    private theme: Theme,
    metricChanged: () => void = () => {},
  ) {
    for (const m of PLOTTABLE_METRICS) this.metricSelect.append(new Option(m.title, m.id));
    this.xSelect.setAttribute('aria-label', 'Hyperparameter on the x axis');
    this.metricSelect.setAttribute('aria-label', 'Metric on the y axis');
    this.xSelect.addEventListener('change', () => this.draw());
    this.metricSelect.addEventListener('change', () => {
      this.draw();
      metricChanged();
    });
    const canvas = el('canvas', { className: 'card-canvas' });
    canvas.setAttribute('role', 'img');
    this.element = el('section', { className: 'card' }, [
      el('header', { className: 'card-head' }, [
        el('div', { className: 'card-titles' }, [el('h2', { className: 'card-title', textContent: 'Metric against a hyperparameter' }), this.subtitle]),
        el('div', { className: 'card-actions card-selects' }, [this.metricSelect, el('span', { textContent: 'against' }), this.xSelect]),
      ]),
      el('div', { className: 'card-plot' }, [canvas]),
    ]);
    this.element.dataset.chart = 'metricVsParameter';
    this.element.hidden = true;
    this.chart = new Chart<'line', Point[]>(canvas, {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false,
        parsing: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'nearest', intersect: false },
        plugins: { legend: { display: false }, tooltip: { filter: (item) => item.dataset.label !== '' } },
      },
    });
    (canvas as HTMLCanvasElement & { hrnnChart?: unknown }).hrnnChart = this.chart;
  }

  /** The metric the chart shows (the parallel coordinates end on the same). */
  get metricId(): string {
    return this.metricSelect.value;
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    if (!this.element.hidden) this.draw();
  }

  /** `runs`: the runs the user plots (the table's ticks). */
  render(runs: readonly RunSeries[]): void {
    this.runs = runs;
    const paths = numericParameterPaths(runs);
    const chosen = this.xSelect.value;
    this.xSelect.replaceChildren(...paths.map((p) => new Option(p, p)));
    // Default: the first swept parameter that is not a seed (tau, in a tau sweep).
    this.xSelect.value = paths.includes(chosen) ? chosen : (paths.find((p) => p !== 'seed' && !p.endsWith('.seed')) ?? paths[0] ?? '');
    this.draw();
  }

  private draw(): void {
    const xPath = this.xSelect.value;
    if (!xPath) {
      this.element.hidden = true;
      return;
    }
    let plot = metricVsParameter(this.runs, xPath, this.metricSelect.value);
    if (plot.runs.length === 0) {
      // The chosen metric may not exist for these runs (no validation split): take the first that does.
      const fallback = PLOTTABLE_METRICS.find((m) => metricVsParameter(this.runs, xPath, m.id).runs.length > 0);
      if (fallback) {
        this.metricSelect.value = fallback.id;
        plot = metricVsParameter(this.runs, xPath, fallback.id);
      }
    }
    this.element.hidden = plot.runs.length < 2;
    if (this.element.hidden) return;
    const t = this.theme;
    const metricTitle = PLOTTABLE_METRICS.find((m) => m.id === this.metricSelect.value)?.title ?? '';
    const yName = `${metricTitle} ${plot.metricName ?? ''}`.trim();
    const seeds = plot.lines.some((l) => l.points.some((p) => p.stat.n > 1));
    this.subtitle.textContent = `${yName} against ${xPath}${seeds ? ' · line: mean over seeds, band: min–max' : ''}`;
    const datasets: ChartDataset<'line', Point[]>[] = [];
    const logY = plot.yScale === 'logarithmic';
    for (const line of plot.lines) {
      const color = runColor(line.colorIndex);
      const pts = (pick: (s: { mean: number; min: number; max: number }) => number) => line.points.map((p) => ({ x: p.x, y: pick(p.stat) }));
      if (line.points.some((p) => p.stat.n > 1)) {
        datasets.push({ label: '', data: pts((s) => s.min), borderWidth: 0, pointRadius: 0, fill: false, borderColor: 'transparent' });
        datasets.push({
          label: '',
          data: pts((s) => s.max),
          borderWidth: 0,
          pointRadius: 0,
          fill: '-1',
          borderColor: 'transparent',
          backgroundColor: withAlpha(color, 0.2),
        });
      }
      datasets.push({
        label: line.label ? `mean (${line.label})` : 'mean',
        data: pts((s) => s.mean),
        borderColor: color,
        backgroundColor: color,
        borderWidth: 2,
        pointRadius: 4,
        fill: false,
      });
    }
    datasets.push({
      label: 'run',
      data: plot.runs.map((r) => ({ x: r.x, y: r.y })),
      showLine: false,
      pointRadius: 2.5,
      pointBackgroundColor: plot.runs.map((r) => withAlpha(runColor(r.colorIndex), 0.55)),
      pointBorderColor: plot.runs.map((r) => withAlpha(runColor(r.colorIndex), 0.55)),
      borderColor: 'transparent',
      fill: false,
    });
    const format = (v: number) => (plot.metricName === 'accuracy' ? formatPercent(v) : formatNumber(v));
    const axis = (type: 'linear' | 'logarithmic', title: string, fmt: (v: number) => string) => ({
      type,
      title: { display: true, text: type === 'logarithmic' ? `${title} (log)` : title, color: t.fg },
      grid: { color: t.grid },
      border: { color: t.grid },
      ticks: { color: t.muted, maxRotation: 0, callback: (v: number | string) => fmt(Number(v)) },
      ...(type === 'logarithmic'
        ? {
            bounds: 'data' as const,
            afterBuildTicks: (scale: Scale) => {
              scale.ticks = logTicks(scale.min, scale.max).map((value) => ({ value }));
            },
          }
        : {}),
    });
    this.chart.options.scales = { x: axis(plot.xScale, xPath, formatNumber), y: axis(logY ? 'logarithmic' : 'linear', yName, format) };
    this.chart.options.color = t.fg;
    this.chart.options.font = { family: t.fontFamily, size: Math.max(11, t.fontSize - 1) };
    this.chart.data.datasets = datasets;
    this.chart.update('none');
  }
}
