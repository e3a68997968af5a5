import assert from 'node:assert/strict';
import { csvCell, toCsv } from '../../../webview/src/core/csv';
import { buildCharts } from '../../../webview/src/core/chartModel';
import { chartsToCsv, CSV_HEADER } from '../../../webview/src/core/exportCsv';
import { DEFAULT_VIEW_OPTIONS } from '../../../webview/src/core/viewOptions';
import { makeRun, panelWith } from './helpers';

/** A small RFC 4180 reader, to check that what we write reads back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  return rows;
}

describe('webview CSV export', () => {
  it('quotes cells that need it and keeps number precision', () => {
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('two\nlines'), '"two\nlines"');
    assert.equal(csvCell(0.1 + 0.2), '0.30000000000000004');
    assert.equal(csvCell(null), '');
    assert.equal(toCsv(['a', 'b'], [[1, 'x,y']]), 'a,b\n1,"x,y"\n');
  });

  it('exports every point of the charts at full resolution, raw and smoothed', () => {
    const run = makeRun('r1', { train: 3000, evalEvery: 500, probes: [100], T: 20, label: 'run, "one"' });
    const charts = buildCharts(panelWith([run]), { ...DEFAULT_VIEW_OPTIONS, smoothing: 0.5 });
    const rows = parseCsv(chartsToCsv(charts));
    assert.deepEqual(rows[0], [...CSV_HEADER]);
    const body = rows.slice(1);
    const expected = charts.reduce((n, c) => n + c.series.reduce((m, s) => m + s.ys.length, 0), 0);
    assert.equal(body.length, expected);
    const trainLoss = body.filter((r) => r[0] === 'loss' && r[2] === 'train');
    assert.equal(trainLoss.length, 3000, 'not decimated');
    assert.equal(trainLoss[0][3], 'run, "one" · train', 'label with comma and quotes survives');
    assert.equal(Number(trainLoss[0][5]), run.train[0].step);
    assert.equal(Number(trainLoss[0][6]), run.train[0].loss);
    assert.equal(Number(trainLoss[0][7]), run.train[0].loss, 'first smoothed point is unbiased');
    const evalLoss = body.filter((r) => r[0] === 'loss' && r[2] === 'test');
    assert.equal(evalLoss[0][7], '', 'eval lines are not smoothed');
    const grad = body.filter((r) => r[0] === 'gradientOverTime');
    assert.equal(grad.length, 20);
    assert.equal(grad[0][4], 'k');
  });
});
