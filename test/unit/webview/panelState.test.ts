import assert from 'node:assert/strict';
import type { HostToWebview, RunSeries } from '../../../src/protocol/webview';
import { applyHostMessage, emptyPanelData } from '../../../webview/src/core/panelState';
import { evalRecord, makeRun, probeRecord, summary, trainRecord } from './helpers';

function snapshot(seq: number, runs: RunSeries[]): HostToWebview {
  return { type: 'snapshot', seq, runs, sweep: [], settings: { updateHz: 10, maxPointsPerLine: 500 }, title: 'T' };
}

describe('webview panel state: applying host messages', () => {
  it('ignores partial messages before the first snapshot', () => {
    const data = emptyPanelData();
    const out = applyHostMessage(data, { type: 'append', seq: 1, runId: 'a', records: [trainRecord(1)] });
    assert.equal(out.applied, false);
    assert.equal(out.ignoredBecause, 'beforeSnapshot');
    assert.equal(out.requestSnapshot, false);
  });

  it('replaces everything on a snapshot and appends by record type', () => {
    const data = emptyPanelData();
    applyHostMessage(data, snapshot(7, [makeRun('old', { train: 5 })]));
    applyHostMessage(data, snapshot(10, [makeRun('a', { train: 2 })]));
    assert.deepEqual(
      data.runs.map((r) => r.runId),
      ['a'],
    );
    assert.equal(data.settings.maxPointsPerLine, 500);
    const out = applyHostMessage(data, {
      type: 'append',
      seq: 11,
      runId: 'a',
      records: [trainRecord(3), evalRecord(3, 'test'), probeRecord(3, 4)],
    });
    assert.equal(out.applied, true);
    assert.deepEqual([...out.changed].sort(), ['eval', 'probe', 'train']);
    assert.equal(data.runs[0].train.length, 3);
    assert.equal(data.runs[0].eval.length, 1);
    assert.equal(data.runs[0].probes.length, 1);
    assert.equal(data.seq, 11);
  });

  it('drops stale duplicates without asking for a snapshot', () => {
    const data = emptyPanelData();
    applyHostMessage(data, snapshot(3, [makeRun('a', { train: 1 })]));
    applyHostMessage(data, { type: 'append', seq: 4, runId: 'a', records: [trainRecord(2)] });
    const dup = applyHostMessage(data, { type: 'append', seq: 4, runId: 'a', records: [trainRecord(2)] });
    assert.equal(dup.applied, false);
    assert.equal(dup.ignoredBecause, 'stale');
    assert.equal(dup.requestSnapshot, false);
    assert.equal(data.runs[0].train.length, 2);
  });

  it('on a seq gap asks for a snapshot once and drops partial messages until it comes', () => {
    const data = emptyPanelData();
    applyHostMessage(data, snapshot(0, [makeRun('a', { train: 1 })]));
    const gap = applyHostMessage(data, { type: 'append', seq: 2, runId: 'a', records: [trainRecord(3)] });
    assert.equal(gap.applied, false);
    assert.equal(gap.requestSnapshot, true);
    assert.equal(data.awaitingSnapshot, true);
    const next = applyHostMessage(data, { type: 'append', seq: 3, runId: 'a', records: [trainRecord(4)] });
    assert.equal(next.applied, false);
    assert.equal(next.requestSnapshot, false, 'asks only once');
    assert.equal(data.runs[0].train.length, 1);
    const snap = applyHostMessage(data, snapshot(3, [makeRun('a', { train: 4 })]));
    assert.equal(snap.snapshot, true);
    assert.equal(data.awaitingSnapshot, false);
    assert.equal(applyHostMessage(data, { type: 'append', seq: 4, runId: 'a', records: [trainRecord(5)] }).applied, true);
    assert.equal(data.runs[0].train.length, 5);
  });

  it('applies runStatus and keeps sweep points in step', () => {
    const data = emptyPanelData();
    applyHostMessage(data, {
      ...snapshot(0, [makeRun('a')]),
      sweep: [{ runId: 'a', tau: 0.1, label: 'a', metric: null, metricName: 'mse', colorIndex: 0 }],
    } as HostToWebview);
    const done = summary('a', { status: 'completed', best: { step: 5, split: 'test', loss: 0.2, mse: 0.02 } });
    const status = applyHostMessage(data, { type: 'runStatus', seq: 1, runId: 'a', summary: done });
    assert.ok(status.changed.has('runs') && status.changed.has('sweep'));
    assert.equal(data.runs[0].summary.status, 'completed');
    assert.equal(data.sweep[0].metric, 0.02);
  });

  it('ignores appends for unknown runs but still advances seq', () => {
    const data = emptyPanelData();
    applyHostMessage(data, snapshot(0, []));
    const out = applyHostMessage(data, { type: 'append', seq: 1, runId: 'ghost', records: [trainRecord(1)] });
    assert.equal(out.applied, true);
    assert.equal(out.changed.size, 0);
    assert.equal(data.seq, 1);
  });
});

describe('webview panel state: long live runs stay small', () => {
  it('shrinks a run that outgrows its buckets, keeping the total and the smoothing of the full series', () => {
    const data = emptyPanelData();
    applyHostMessage(data, snapshot(1, [makeRun('a', { train: 1000 })]));
    let seq = 1;
    let step = 1000;
    for (let k = 0; k < 30; k++) {
      const records = Array.from({ length: 100 }, () => trainRecord(++step));
      applyHostMessage(data, {
        type: 'append',
        seq: ++seq,
        runId: 'a',
        records,
        trainSmoothing: { weight: 0.6, loss: records.map(() => 0.5), gradNorm: records.map(() => 0.5) },
      });
    }
    const run = data.runs[0];
    // maxPointsPerLine 500: 125 buckets, shrunk whenever above 1000 records.
    assert.ok(run.train.length <= 1000, `${run.train.length} records held`);
    assert.equal(run.trainReduction?.total, 4000, 'every record counted');
    assert.equal(run.train[0].step, 1);
    assert.equal(run.train[run.train.length - 1].step, 4000);
    assert.equal(run.trainReduction?.smoothing?.loss.length, run.train.length, 'smoothed values follow the records');
  });
});
