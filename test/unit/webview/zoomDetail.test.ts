/** Zoomed detail spliced into a reduced run (webview/src/core/zoomDetail.ts). */
import assert from 'node:assert/strict';
import type { RunSeries } from '../../../src/protocol/webview';
import { withDetail, type TrainDetail } from '../../../webview/src/core/zoomDetail';
import { makeRun, trainRecord } from './helpers';

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
