/**
 * Parallel coordinates of a sweep: one vertical axis per numeric hyperparameter the plotted runs
 * differ in, and one for a metric; each run is a polyline across them in the colour of its seed
 * group (the colour of the group's line in the table). Each axis is
 * logarithmic when its values span decades (as in the metric chart). Plain SVG (no dependency,
 * nothing for the strict CSP to object to: attributes, no inline styles). Hidden when fewer than
 * three runs or no numeric parameter.
 */
import type { RunSeries } from '../../../src/protocol/webview';
import { formatNumber, formatPercent } from '../../../src/protocol/format';
import { numericParameterPaths } from '../core/experimentsTable';
import { chooseAxisScale } from '../core/axisScale';
import { PLOTTABLE_METRICS } from '../core/metricVsParameter';
import { groupBySeed } from '../core/seedGroups';
import { runColor } from '../core/palette';
import { el } from './dom';

const SVG_NS = 'http://www.w3.org/2000/svg';
const WIDTH = 640;
const HEIGHT = 260;
const PAD = { left: 24, right: 24, top: 34, bottom: 26 };

interface Axis {
  title: string;
  values: Array<number | null>;
  format(v: number): string;
}

export class ParallelCoordinatesCard {
  readonly element: HTMLElement;
  private readonly svg: SVGSVGElement;
  private readonly subtitle = el('p', { className: 'card-subtitle' });

  constructor() {
    this.svg = document.createElementNS(SVG_NS, 'svg');
    this.svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
    this.svg.setAttribute('class', 'parallel-svg');
    this.svg.setAttribute('role', 'img');
    this.element = el('section', { className: 'card' }, [
      el('header', { className: 'card-head' }, [
        el('div', { className: 'card-titles' }, [el('h2', { className: 'card-title', textContent: 'Parallel coordinates' }), this.subtitle]),
      ]),
      el('div', { className: 'parallel-plot' }, [this.svg]),
    ]);
    this.element.dataset.panel = 'parallelCoordinates';
    this.element.hidden = true;
  }

  /** `runs`: the runs the user plots; `metricId`: which metric column to end on. */
  render(runs: readonly RunSeries[], metricId: string): void {
    const paths = numericParameterPaths(runs);
    const metric =
      PLOTTABLE_METRICS.find((m) => m.id === metricId && runs.some((r) => m.pick(r.summary))) ??
      PLOTTABLE_METRICS.find((m) => runs.some((r) => m.pick(r.summary)));
    const withMetric = metric ? runs.filter((r) => metric.pick(r.summary) !== null) : [];
    this.element.hidden = paths.length === 0 || !metric || withMetric.length < 3;
    if (this.element.hidden || !metric) return;
    const name = withMetric.map((r) => metric.pick(r.summary)?.name).find(Boolean) ?? '';
    const axes: Axis[] = paths.map((p) => ({
      title: p,
      values: withMetric.map((r) => {
        const v = r.parameters?.[p];
        return typeof v === 'number' ? v : null;
      }),
      format: formatNumber,
    }));
    axes.push({
      title: `${metric.title} ${name}`,
      values: withMetric.map((r) => metric.pick(r.summary)?.value ?? null),
      format: name === 'accuracy' ? (v) => formatPercent(v) : formatNumber,
    });
    this.subtitle.textContent = `${withMetric.length} runs · ${axes.length} axes · log where values span decades`;
    const colorOf = new Map<string, number>();
    for (const g of groupBySeed(withMetric)) for (const r of g.runs) colorOf.set(r.runId, g.runs[0].colorIndex);
    this.draw(
      axes,
      withMetric.map((r) => ({ label: r.label, colorIndex: colorOf.get(r.runId) ?? r.colorIndex })),
    );
  }

  private draw(axes: Axis[], runs: ReadonlyArray<{ label: string; colorIndex: number }>): void {
    const innerW = WIDTH - PAD.left - PAD.right;
    const innerH = HEIGHT - PAD.top - PAD.bottom;
    const xOf = (i: number) => PAD.left + (axes.length === 1 ? innerW / 2 : (innerW * i) / (axes.length - 1));
    const scales = axes.map((a) => {
      const finite = a.values.filter((v): v is number => v !== null && Number.isFinite(v));
      const log = chooseAxisScale(finite) === 'logarithmic';
      const f = (v: number) => (log ? Math.log10(v) : v);
      const lo = Math.min(...finite.map(f));
      const hi = Math.max(...finite.map(f));
      const min = Math.min(...finite);
      const max = Math.max(...finite);
      // Bottom to top; a constant axis draws its runs in the middle.
      const y = (v: number) => PAD.top + innerH - (hi > lo ? ((f(v) - lo) / (hi - lo)) * innerH : innerH / 2);
      return { y, log, min, max };
    });
    const nodes: SVGElement[] = [];
    runs.forEach((run, r) => {
      const pts: string[] = [];
      axes.forEach((a, i) => {
        const v = a.values[r];
        if (v !== null && Number.isFinite(v)) pts.push(`${xOf(i).toFixed(1)},${scales[i].y(v).toFixed(1)}`);
      });
      if (pts.length < 2) return;
      nodes.push(
        svg(
          'polyline',
          { points: pts.join(' '), fill: 'none', stroke: runColor(run.colorIndex), 'stroke-width': '1.6', 'stroke-opacity': '0.8', class: 'parallel-line' },
          run.label,
        ),
      );
    });
    axes.forEach((a, i) => {
      const x = xOf(i);
      const s = scales[i];
      nodes.push(svg('line', { x1: String(x), x2: String(x), y1: String(PAD.top), y2: String(PAD.top + innerH), class: 'parallel-axis' }));
      // The outer axes' labels run inwards, so long titles stay inside the picture.
      const anchor = axes.length > 1 && i === 0 ? 'start' : axes.length > 1 && i === axes.length - 1 ? 'end' : 'middle';
      const lx = String(anchor === 'start' ? x - 4 : anchor === 'end' ? x + 4 : x);
      nodes.push(svg('text', { x: lx, y: String(PAD.top - 18), 'text-anchor': anchor, class: 'parallel-title' }, `${a.title}${s.log ? ' (log)' : ''}`));
      nodes.push(svg('text', { x: lx, y: String(PAD.top - 5), 'text-anchor': anchor, class: 'parallel-tick' }, a.format(s.max)));
      nodes.push(svg('text', { x: lx, y: String(PAD.top + innerH + 15), 'text-anchor': anchor, class: 'parallel-tick' }, a.format(s.min)));
    });
    this.svg.replaceChildren(...nodes);
  }
}

function svg(tag: string, attrs: Record<string, string>, text?: string): SVGElement {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) {
    if (tag === 'text') node.textContent = text;
    else {
      const title = document.createElementNS(SVG_NS, 'title');
      title.textContent = text;
      node.append(title);
    }
  }
  return node;
}
