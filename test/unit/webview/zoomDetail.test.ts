/** Zoomed detail spliced into a reduced run (webview/src/core/zoomDetail.ts), and CSV export naming reduced lines. */
import assert from 'node:assert/strict';
import type { RunSeries } from '../../../src/protocol/webview';
import { withDetail, type TrainDetail } from '../../../webview/src/core/zoomDetail';
import { buildCharts } from '../../../webview/src/core/chartModel';
import { reducedLines } from '../../../webview/src/core/exportCsv';
import { DEFAULT_VIEW_OPTIONS } from '../../../webview/src/core/viewOptions';
import { makeRun, panelWith, trainRecord } from './helpers';

function reducedRun(): RunSeries {
  const run = makeRun('a');
  run.train = [1, 100, 200, 300, 400, 500].map(trainRecord);
  run.trainReduction = { total: 500, smoothing: { weight: 0.6, loss: [1, 2, 3, 4, 5, 6], gradNorm: [1, 2, 3, 4, 5, 6] } };
  return run;
}

describe('webview: detail for a zoomed chart', () => {
  it('replaces the overview inside the window and keeps it outside, smoothing included', () => {
    const run = reducedRun();
    const steps = Array.from({ length: 103 }, (_, i) => 199 + i);
    const detail: TrainDetail = {
      runId: 'a',
      minStep: 200,
      maxStep: 300,
      train: steps.map(trainRecord),
      trainReduction: { total: 500, smoothing: { weight: 0.6, loss: steps.map(() => 9), gradNorm: steps.map(() => 8) } },
    };
    const [out] = withDetail([run], new Map([['a', detail]]));
    assert.deepEqual(
      out.train.map((r) => r.step),
      [1, 100, ...steps, 400, 500],
    );
    assert.equal(out.trainReduction?.total, 500);
    assert.deepEqual(out.trainReduction?.smoothing?.loss, [1, 2, ...steps.map(() => 9), 5, 6]);
    assert.equal(run.train.length, 6, 'the overview itself is kept for a reset');
  });

  it('drops host smoothing when the two were smoothed with different weights, and leaves other runs alone', () => {
    const run = reducedRun();
    const other = makeRun('b');
    const detail: TrainDetail = { runId: 'a', minStep: 200, maxStep: 300, train: [199, 250, 301].map(trainRecord), trainReduction: { total: 500 } };
    const [a, b] = withDetail([run, other], new Map([['a', detail]]));
    assert.deepEqual(
      a.train.map((r) => r.step),
      [1, 100, 199, 250, 301, 400, 500],
    );
    assert.equal(a.trainReduction?.smoothing, undefined);
    assert.equal(b, other);
  });
});

describe('webview: CSV export of reduced runs', () => {
  it('names the lines that hold a reduction of their run', () => {
    const full = makeRun('full', { train: 50 });
    const reduced = makeRun('long', { train: 50 });
    reduced.trainReduction = { total: 1_000_000 };
    const charts = buildCharts(panelWith([full, reduced]), DEFAULT_VIEW_OPTIONS);
    const lines = reducedLines(charts);
    assert.ok(lines.length >= 2 && lines.every((l) => l.includes('long')), JSON.stringify(lines));
    assert.deepEqual(reducedLines(buildCharts(panelWith([full]), DEFAULT_VIEW_OPTIONS)), []);
  });
});
