/**
 * A card with each seed group's held-out metric over training steps as one line: the mean over
 * its seeds with the min-max band around it (core/seedGroups.ts aligns the runs by step). Shown
 * only when the plotted runs hold a group of at least two runs that differ only in seed.
 */
import {
  Chart,
  Filler,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type ChartDataset,
  type Scale,
} from 'chart.js';
import type { RunSeries } from '../../../src/protocol/webview';
import { formatNumber, formatPercent } from '../../../src/protocol/format';
import { chooseAxisScale } from '../core/axisScale';
import { logTicks } from '../core/logTicks';
import { runColor, withAlpha } from '../core/palette';
import { groupEvalBands, isSeedPath } from '../core/seedGroups';
import { el } from './dom';
import type { Theme } from './theme';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Filler, Legend, Tooltip);

type Point = { x: number; y: number };

export class SeedGroupCurvesCard {
  readonly element: HTMLElement;
  private readonly chart: Chart<'line', Point[]>;
  private readonly subtitle = el('p', { className: 'card-subtitle' });
  private runs: readonly RunSeries[] = [];

  constructor(private theme: Theme) {
    const canvas = el('canvas', { className: 'card-canvas' });
    canvas.setAttribute('role', 'img');
    this.element = el('section', { className: 'card' }, [
      el('header', { className: 'card-head' }, [
        el('div', { className: 'card-titles' }, [el('h2', { className: 'card-title', textContent: 'Seed groups over training' }), this.subtitle]),
      ]),
      el('div', { className: 'card-plot' }, [canvas]),
    ]);
    this.element.dataset.chart = 'seedGroups';
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
        plugins: {
          legend: { position: 'bottom', labels: { filter: (item) => item.text !== '', usePointStyle: true, pointStyle: 'line' } },
          tooltip: { filter: (item) => item.dataset.label !== '' },
        },
      },
    });
    (canvas as HTMLCanvasElement & { hrnnChart?: unknown }).hrnnChart = this.chart;
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    if (!this.element.hidden) this.render(this.runs);
  }

  /** `runs`: the runs the user plots. */
  render(runs: readonly RunSeries[]): void {
    this.runs = runs;
    const groupLabel = (run: RunSeries) => {
      const params = Object.entries(run.summary.sweep?.parameters ?? {}).filter(([k]) => !isSeedPath(k));
      return params.length ? params.map(([k, v]) => `${k}=${String(v)}`).join(', ') : run.summary.name;
    };
    const bands = groupEvalBands(runs, (g) => `${groupLabel(g.runs[0])} (${g.runs.length} seeds)`);
    this.element.hidden = bands.length === 0;
    if (bands.length === 0) return;
    const metricName = bands[0].metricName;
    const split = bands[0].split;
    this.subtitle.textContent = `${split} ${metricName} · line: mean over seeds, band: min–max`;
    const datasets: ChartDataset<'line', Point[]>[] = [];
    const ys: number[] = [];
    for (const b of bands) {
      const color = runColor(b.colorIndex);
      const pts = (values: number[]) => b.band.xs.map((x, i) => ({ x, y: values[i] }));
      ys.push(...b.band.min, ...b.band.max);
      datasets.push({ label: '', data: pts(b.band.min), borderWidth: 0, pointRadius: 0, fill: false, borderColor: 'transparent' });
      datasets.push({
        label: '',
        data: pts(b.band.max),
        borderWidth: 0,
        pointRadius: 0,
        fill: '-1',
        borderColor: 'transparent',
        backgroundColor: withAlpha(color, 0.18),
      });
      datasets.push({ label: b.label, data: pts(b.band.mean), borderColor: color, backgroundColor: color, borderWidth: 2, pointRadius: 2.5, fill: false });
    }
    const t = this.theme;
    const yScale = metricName === 'accuracy' ? 'linear' : chooseAxisScale(ys);
    const fmt = (v: number) => (metricName === 'accuracy' ? formatPercent(v) : formatNumber(v));
    this.chart.options.scales = {
      x: { type: 'linear', title: { display: true, text: 'training step', color: t.fg }, grid: { color: t.grid }, ticks: { color: t.muted, maxRotation: 0 } },
      y: {
        type: yScale,
        title: { display: true, text: `${split} ${metricName}${yScale === 'logarithmic' ? ' (log)' : ''}`, color: t.fg },
        grid: { color: t.grid },
        ticks: { color: t.muted, callback: (v: number | string) => fmt(Number(v)) },
        ...(yScale === 'logarithmic'
          ? {
              bounds: 'data' as const,
              afterBuildTicks: (scale: Scale) => {
                scale.ticks = logTicks(scale.min, scale.max).map((value) => ({ value }));
              },
            }
          : {}),
      },
    };
    this.chart.options.color = t.fg;
    this.chart.options.font = { family: t.fontFamily, size: Math.max(11, t.fontSize - 1) };
    this.chart.data.datasets = datasets;
    this.chart.update('none');
  }
}
