/** The run list above the charts: colour, identity, status and headline metric; ticks hide runs. */
import type { RunSeries } from '../../../src/protocol/webview';
import { formatMetric, formatNumber } from '../../../src/protocol/format';
import { runColor } from '../core/palette';
import { el } from './dom';

export interface RunTableHandlers {
  toggle(runId: string, visible: boolean): void;
  /** Absent in the standalone report (no run folder to open). */
  openFolder?: (runId: string) => void;
}

const COLUMNS = ['', 'Run', 'Model', 'Task', 'τ', 'Status', 'Steps', 'Best (test)'];

export class RunTable {
  readonly element: HTMLElement;
  private readonly body = el('tbody');

  constructor(private readonly handlers: RunTableHandlers) {
    const head = el(
      'tr',
      {},
      COLUMNS.map((c) => el('th', { textContent: c })),
    );
    this.element = el('section', { className: 'card card-runs' }, [el('table', { className: 'runs' }, [el('thead', {}, [head]), this.body])]);
  }

  render(runs: readonly RunSeries[], hidden: ReadonlySet<string>): void {
    this.body.replaceChildren(...runs.map((r) => this.row(r, !hidden.has(r.runId))));
    this.element.hidden = runs.length === 0;
  }

  private row(run: RunSeries, visible: boolean): HTMLElement {
    const s = run.summary;
    const box = el('input');
    box.type = 'checkbox';
    box.checked = visible;
    box.title = visible ? 'Shown in the charts: untick to hide' : 'Hidden: tick to show';
    box.setAttribute('aria-label', `Show ${run.label}`);
    box.addEventListener('change', () => this.handlers.toggle(run.runId, box.checked));
    const swatch = el('span', { className: 'swatch' });
    swatch.style.backgroundColor = runColor(run.colorIndex); // CSSOM: allowed under the strict CSP
    // The label is short; the full id and folder show on hover.
    const name = el('span', { className: 'run-name', textContent: run.label, title: `${run.runId}\n${run.runDir}` });
    const cellContent = el('span', { className: 'run-cell' }, [swatch, name]);
    const nameCell = el('td', {}, [cellContent]);
    if (this.handlers.openFolder) {
      const open = el('button', { className: 'link-button', textContent: 'folder', title: `Reveal ${run.runDir}` });
      const openFolder = this.handlers.openFolder;
      open.addEventListener('click', () => openFolder(run.runId));
      cellContent.append(open);
    }
    // The same text as the runs view of the extension.
    const best = formatMetric(s) ?? '—';
    const status = el('span', { className: `status status-${s.status}`, textContent: s.status, title: s.message ?? '' });
    const tr = el('tr', { className: visible ? '' : 'run-hidden' }, [
      el('td', {}, [box]),
      nameCell,
      // `tags` is optional-chained: a summary from another version may lack it.
      el('td', { textContent: s.tags?.model ?? '—' }),
      el('td', { textContent: s.tags ? `${s.tags.task} (T=${s.tags.length})` : '—' }),
      el('td', { textContent: s.tags?.tau !== undefined ? formatNumber(s.tags.tau) : '—' }),
      el('td', {}, [status]),
      el('td', { textContent: `${s.stepsDone ?? '?'} / ${s.totalSteps ?? '?'}` }),
      el('td', { textContent: best }),
    ]);
    tr.dataset.runId = run.runId;
    return tr;
  }
}
