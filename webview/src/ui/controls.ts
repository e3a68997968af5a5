/** The toolbar: smoothing, log y, x axis, probe step, zoom reset and exports. */
import { formatNumber } from '../../../src/protocol/format';
import type { ViewOptions } from '../core/viewOptions';
import { el } from './dom';

export interface ToolbarHandlers {
  change(patch: Partial<ViewOptions>): void;
  resetZoom(): void;
  exportCsv(): void;
  exportPng(): void;
}

export class Toolbar {
  readonly element: HTMLElement;
  private readonly titleEl = el('h1', { className: 'toolbar-title' });
  private readonly metaEl = el('span', { className: 'toolbar-meta' });
  private readonly smoothing = el('input', { id: 'hrnn-smoothing' });
  private readonly smoothingOut = el('output', { className: 'control-value' });
  private readonly logY = el('input', { id: 'hrnn-logy' });
  private readonly xAxis = el('select', { id: 'hrnn-xaxis' });
  private readonly probe = el('input', { id: 'hrnn-probe' });
  private readonly probeOut = el('output', { className: 'control-value' });
  private readonly probeControl: HTMLElement;
  private steps: number[] = [];

  constructor(handlers: ToolbarHandlers) {
    this.smoothing.type = 'range';
    this.smoothing.min = '0';
    this.smoothing.max = '0.99';
    this.smoothing.step = '0.01';
    this.smoothing.title = 'Debiased exponential moving average of the training series (0 = off); raw data stays faint behind';
    this.smoothing.addEventListener('input', () => {
      this.smoothingOut.textContent = Number(this.smoothing.value).toFixed(2);
      handlers.change({ smoothing: Number(this.smoothing.value) });
    });
    this.logY.type = 'checkbox';
    this.logY.title = 'Logarithmic y axis for loss, MSE, gradient norm and state norms';
    this.logY.addEventListener('change', () => handlers.change({ logY: this.logY.checked }));
    for (const [value, text] of [
      ['step', 'Step'],
      ['wallTime', 'Wall time'],
    ] as const) {
      const opt = el('option', { textContent: text });
      opt.value = value;
      this.xAxis.append(opt);
    }
    this.xAxis.title = 'Horizontal axis of the training charts';
    this.xAxis.addEventListener('change', () => handlers.change({ xAxis: this.xAxis.value === 'wallTime' ? 'wallTime' : 'step' }));
    this.probe.type = 'range';
    this.probe.min = '0';
    this.probe.step = '1';
    this.probe.title = 'Which probe the gradient, energy and norm charts show (rightmost = follow the latest)';
    this.probe.addEventListener('input', () => {
      const i = Number(this.probe.value);
      const latest = i >= this.steps.length - 1;
      handlers.change({ probeStep: latest ? null : this.steps[i] });
    });
    const button = (text: string, title: string, onClick: () => void) => {
      const b = el('button', { className: 'toolbar-button', textContent: text, title });
      b.addEventListener('click', onClick);
      return b;
    };
    const label = (forId: string, text: string) => {
      const l = el('label', { textContent: text });
      l.htmlFor = forId;
      return l;
    };
    this.probeControl = el('div', { className: 'control control-probe' }, [label('hrnn-probe', 'Probe'), this.probe, this.probeOut]);
    this.element = el('header', { className: 'toolbar' }, [
      el('div', { className: 'toolbar-heading' }, [this.titleEl, this.metaEl]),
      el('div', { className: 'toolbar-controls' }, [
        el('div', { className: 'control' }, [label('hrnn-smoothing', 'Smoothing'), this.smoothing, this.smoothingOut]),
        el('div', { className: 'control' }, [this.logY, label('hrnn-logy', 'Log y')]),
        el('div', { className: 'control' }, [label('hrnn-xaxis', 'X axis'), this.xAxis]),
        this.probeControl,
        el('div', { className: 'control control-buttons' }, [
          button('Reset zoom', 'Reset the zoom of every chart', () => handlers.resetZoom()),
          button('Export CSV', 'All data of the charts shown, full resolution', () => handlers.exportCsv()),
          button('Export PNG', 'All charts shown, as one image', () => handlers.exportPng()),
        ]),
      ]),
    ]);
  }

  sync(view: ViewOptions, probeSteps: number[], title: string, meta: string): void {
    this.titleEl.textContent = title || 'Hamiltonian RNN Lab: plots';
    this.metaEl.textContent = meta;
    if (document.activeElement !== this.smoothing) this.smoothing.value = String(view.smoothing);
    this.smoothingOut.textContent = view.smoothing.toFixed(2);
    this.logY.checked = view.logY;
    this.xAxis.value = view.xAxis;
    this.steps = probeSteps;
    this.probeControl.hidden = probeSteps.length === 0;
    if (probeSteps.length > 0) {
      this.probe.max = String(probeSteps.length - 1);
      let index = probeSteps.length - 1;
      if (view.probeStep !== null) {
        index = 0;
        for (let i = 0; i < probeSteps.length; i++) if (probeSteps[i] <= view.probeStep) index = i;
      }
      if (document.activeElement !== this.probe) this.probe.value = String(index);
      this.probe.disabled = probeSteps.length < 2;
      const latest = view.probeStep === null;
      this.probeOut.textContent = `step ${formatNumber(probeSteps[index])}${latest ? ' (latest)' : ''}`;
    }
  }
}
