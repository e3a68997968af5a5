/**
 * The experiments table above the charts (replacing the fixed run list): one row per run, or per
 * group of runs that differ only in seed (mean, with the min-max range under it; expandable to its
 * runs); a column for each hyperparameter that differs; sortable by any column, filtered by text;
 * the ticks choose which runs the charts plot. Rows and their order come from
 * core/experimentsTable.ts; this file only draws them and reports the user's choices.
 */
import type { RunSeries } from '../../../src/protocol/webview';
import { formatDuration, formatNumber, formatPercent, formatSpeed } from '../../../src/protocol/format';
import {
  buildRows,
  filterRows,
  sortRows,
  tableColumns,
  type ExperimentRow,
  type SortDirection,
  type TableColumn,
  type TableRun,
} from '../core/experimentsTable';
import { runColor } from '../core/palette';
import { el } from './dom';

export interface ExperimentsTableHandlers {
  /** Show (tick) or hide (untick) these runs in the charts. */
  setVisible(runIds: readonly string[], visible: boolean): void;
  /** Absent in the standalone report (no run folder to open). */
  openFolder?: (runId: string) => void;
}

export class ExperimentsTable {
  readonly element: HTMLElement;
  private readonly head = el('thead');
  private readonly body = el('tbody');
  private readonly filterInput = el('input', { id: 'hrnn-table-filter', className: 'table-filter' });
  private readonly groupBox = el('input', { id: 'hrnn-group-seeds' });
  private readonly countEl = el('span', { className: 'table-count' });
  private runs: readonly TableRun[] = [];
  private hidden: ReadonlySet<string> = new Set();
  private sort: { column: string; direction: SortDirection } | null = null;
  private readonly expanded = new Set<string>();

  constructor(private readonly handlers: ExperimentsTableHandlers) {
    this.filterInput.type = 'search';
    this.filterInput.placeholder = 'Filter: any text, or path=value';
    this.filterInput.setAttribute('aria-label', 'Filter runs');
    this.filterInput.addEventListener('input', () => this.draw());
    this.groupBox.type = 'checkbox';
    this.groupBox.checked = true;
    this.groupBox.addEventListener('change', () => this.draw());
    const groupLabel = el('label', { textContent: 'Group seeds', title: 'One line for runs that differ only in seed: mean, and min-max under it' });
    groupLabel.htmlFor = this.groupBox.id;
    const bar = el('div', { className: 'table-bar' }, [
      el('h2', { className: 'card-title', textContent: 'Experiments' }),
      this.filterInput,
      el('span', { className: 'control' }, [this.groupBox, groupLabel]),
      this.countEl,
    ]);
    this.element = el('section', { className: 'card card-runs' }, [
      bar,
      el('div', { className: 'table-scroll' }, [el('table', { className: 'runs experiments' }, [this.head, this.body])]),
    ]);
    this.element.dataset.panel = 'experiments';
  }

  render(runs: readonly RunSeries[], hidden: ReadonlySet<string>): void {
    this.runs = runs;
    this.hidden = hidden;
    this.element.hidden = runs.length === 0;
    this.draw();
  }

  private draw(): void {
    const columns = tableColumns(this.runs);
    let rows = buildRows(this.runs, { groupSeeds: this.groupBox.checked });
    const grouped = rows.some((r) => r.runs.length > 1);
    rows = filterRows(rows, this.filterInput.value);
    if (this.sort && columns.some((c) => c.id === this.sort?.column)) rows = sortRows(rows, this.sort.column, this.sort.direction);
    this.drawHead(columns, rows);
    const trs: HTMLElement[] = [];
    for (const row of rows) {
      if (row.runs.length === 1) {
        trs.push(this.runRow(row, columns, 'run-row'));
        continue;
      }
      trs.push(this.groupRow(row, columns));
      if (this.expanded.has(row.id)) {
        for (const member of buildRows(row.runs, { groupSeeds: false })) trs.push(this.runRow(member, columns, 'member-row'));
      }
    }
    this.body.replaceChildren(...trs);
    const shownRuns = rows.reduce((n, r) => n + r.runs.length, 0);
    this.countEl.textContent = `${shownRuns} of ${this.runs.length} runs${grouped ? ` · ${rows.length} lines` : ''}`;
  }

  private drawHead(columns: readonly TableColumn[], rows: readonly ExperimentRow[]): void {
    const ids = rows.flatMap((r) => r.runs.map((x) => x.runId));
    const all = el('input');
    all.type = 'checkbox';
    this.setTick(all, ids);
    all.title = 'Plot every run the filter shows';
    all.setAttribute('aria-label', 'Plot all shown runs');
    all.addEventListener('change', () => this.handlers.setVisible(ids, all.checked));
    const ths = columns.map((c) => {
      const active = this.sort?.column === c.id;
      const arrow = active ? (this.sort?.direction === 'asc' ? ' ▲' : ' ▼') : '';
      const button = el('button', { className: 'sort-button', textContent: `${c.title}${arrow}`, title: `${c.description}. Click to sort.` });
      button.dataset.column = c.id;
      button.addEventListener('click', () => {
        const direction: SortDirection = this.sort?.column === c.id && this.sort.direction === 'asc' ? 'desc' : 'asc';
        this.sort = { column: c.id, direction };
        this.draw();
      });
      const th = el('th', {}, [button]);
      if (active) th.setAttribute('aria-sort', this.sort?.direction === 'asc' ? 'ascending' : 'descending');
      return th;
    });
    this.head.replaceChildren(el('tr', {}, [el('th', {}, [all]), ...ths]));
  }

  /** Ticked when every run is plotted, half when some are. */
  private setTick(box: HTMLInputElement, runIds: readonly string[]): void {
    const shown = runIds.filter((id) => !this.hidden.has(id)).length;
    box.checked = runIds.length > 0 && shown === runIds.length;
    box.indeterminate = shown > 0 && shown < runIds.length;
  }

  private runRow(row: ExperimentRow, columns: readonly TableColumn[], className: string): HTMLElement {
    const run = row.runs[0];
    const visible = !this.hidden.has(run.runId);
    const box = el('input');
    box.type = 'checkbox';
    box.checked = visible;
    box.title = visible ? 'Plotted: untick to hide' : 'Hidden: tick to plot';
    box.setAttribute('aria-label', `Plot ${run.label}`);
    box.addEventListener('change', () => this.handlers.setVisible([run.runId], box.checked));
    const cells = columns.map((c) => (c.id === 'run' ? this.nameCell(row, run) : this.valueCell(row, c)));
    const tr = el('tr', { className: `${className}${visible ? '' : ' run-hidden'}` }, [el('td', {}, [box]), ...cells]);
    tr.dataset.runId = run.runId;
    return tr;
  }

  private groupRow(row: ExperimentRow, columns: readonly TableColumn[]): HTMLElement {
    const ids = row.runs.map((r) => r.runId);
    const box = el('input');
    box.type = 'checkbox';
    this.setTick(box, ids);
    box.setAttribute('aria-label', `Plot ${row.label}`);
    box.addEventListener('change', () => this.handlers.setVisible(ids, box.checked));
    const open = this.expanded.has(row.id);
    const toggle = el('button', { className: 'expand-button', textContent: open ? '▾' : '▸', title: open ? 'Hide the runs' : 'Show the runs' });
    toggle.setAttribute('aria-expanded', String(open));
    toggle.addEventListener('click', () => {
      if (this.expanded.has(row.id)) this.expanded.delete(row.id);
      else this.expanded.add(row.id);
      this.draw();
    });
    const cells = columns.map((c) => {
      if (c.id !== 'run') return this.valueCell(row, c);
      const swatch = el('span', { className: 'swatch swatch-band' });
      swatch.style.backgroundColor = runColor(row.colorIndex); // CSSOM: allowed under the strict CSP
      return el('td', {}, [el('span', { className: 'run-cell' }, [toggle, swatch, el('span', { className: 'run-name', textContent: row.label })])]);
    });
    const allHidden = ids.every((id) => this.hidden.has(id));
    const tr = el('tr', { className: `group-row${allHidden ? ' run-hidden' : ''}` }, [el('td', {}, [box]), ...cells]);
    tr.dataset.groupId = row.id;
    return tr;
  }

  private nameCell(row: ExperimentRow, run: TableRun): HTMLElement {
    const swatch = el('span', { className: 'swatch' });
    swatch.style.backgroundColor = runColor(run.colorIndex); // CSSOM: allowed under the strict CSP
    const content = el('span', { className: 'run-cell' }, [
      swatch,
      el('span', { className: 'run-name', textContent: row.label, title: `${run.runId}\n${run.runDir}` }),
    ]);
    if (this.handlers.openFolder) {
      const openFolder = this.handlers.openFolder;
      const open = el('button', { className: 'link-button', textContent: 'folder', title: `Reveal ${run.runDir}` });
      open.addEventListener('click', () => openFolder(run.runId));
      content.append(open);
    }
    return el('td', {}, [content]);
  }

  private valueCell(row: ExperimentRow, column: TableColumn): HTMLElement {
    const value = row.cells[column.id] ?? null;
    if (column.id === 'status') {
      const s = row.runs.length === 1 ? row.runs[0].summary : undefined;
      const text = value === null ? '—' : String(value);
      const cls = s ? `status status-${s.status}` : 'status';
      return el('td', {}, [el('span', { className: cls, textContent: text, title: s?.message ?? '' })]);
    }
    const td = el('td', { textContent: this.format(row, column, value) });
    if (typeof value === 'number') td.className = 'num';
    const stat = row.stats[column.id];
    if (stat) {
      const range = el('span', { className: 'range', textContent: `${this.format(row, column, stat.min)} – ${this.format(row, column, stat.max)}` });
      td.title = `mean of ${stat.n}; min ${this.format(row, column, stat.min)}, max ${this.format(row, column, stat.max)}`;
      td.append(range);
    }
    if (column.format === 'metric' && row.metricName) td.title ||= row.metricName;
    return td;
  }

  private format(row: ExperimentRow, column: TableColumn, value: number | string | null): string {
    if (value === null) return '—';
    if (typeof value === 'string') return value;
    switch (column.format) {
      case 'metric':
        return row.metricName === 'accuracy' ? formatPercent(value, 2) : formatNumber(value);
      case 'duration':
        return formatDuration(value);
      case 'speed':
        return formatSpeed(value).replace(' steps/s', '');
      case 'steps': {
        const total = row.runs.length === 1 ? row.runs[0].summary.totalSteps : undefined;
        return total !== undefined ? `${formatNumber(Math.round(value))} / ${total ?? '?'}` : formatNumber(Math.round(value));
      }
      default:
        return formatNumber(value);
    }
  }
}
