/**
 * The snapshot's wire form of train records (src/protocol/packedTrain.ts): a long run's records,
 * reduced and smoothed by the host as the panel sends them, survive packing, a structured clone
 * (what a postMessage hop does) and unpacking field for field, NaN included; a record with a field
 * the columns do not carry leaves its run as it was; the packed message is smaller.
 */
import assert from 'node:assert/strict';
import type { TrainRecord } from '../../../src/protocol/records';
import type { HostToWebview, RunSeries } from '../../../src/protocol/webview';
import { packRun, unpackRun, wireBytes } from '../../../src/protocol/packedTrain';
import { bucketsFor } from '../../../src/protocol/seriesReduction';
import { SeriesOverview } from '../../../src/runs/seriesOverview';
import { applyHostMessage, emptyPanelData } from '../../../webview/src/core/panelState';
import { syntheticTrainRecord } from '../../fixtures/runs/syntheticTrain';
import { fixtureSummary } from '../../fixtures/runs/summary';

/** A run of `steps` records as the panel's host sends it (reduced from its overview, smoothed), one loss NaN. */
function longRun(steps: number): RunSeries {
  const overview = new SeriesOverview();
  for (let s = 1; s <= steps; s++) overview.push(s === 777 ? { ...syntheticTrainRecord(s, 0), loss: NaN } : syntheticTrainRecord(s, 0));
  const { records, reduction } = overview.reduce(bucketsFor(500), 0.6);
  return {
    runId: 'long',
    runDir: '/runs/long',
    label: 'long',
    colorIndex: 0,
    summary: fixtureSummary('long'),
    train: records,
    eval: [{ type: 'eval', step: steps, split: 'test', loss: 0.1, wallMs: 5 }],
    probes: [],
    ...(reduction ? { trainReduction: reduction } : {}),
  };
}

describe('protocol: train records as typed columns on the wire', () => {
  it('round-trips a reduced, smoothed run through a structured clone, NaN included', () => {
    const run = longRun(20_000);
    assert.ok(run.trainReduction?.smoothing, 'the fixture is smoothed');
    assert.ok(
      run.train.some((r) => Number.isNaN(r.loss)),
      'the fixture keeps its NaN step',
    );
    const packed = packRun(run);
    assert.equal(packed.train.length, 0);
    assert.equal(packed.packedTrain?.step.length, run.train.length);
    assert.equal(packed.trainReduction?.smoothing?.loss.length, 0, 'the smoothed lines travel as columns');
    const received = unpackRun(structuredClone(packed));
    assert.equal(received.packedTrain, undefined);
    assert.deepEqual(received, run);
    // The sender's run is untouched.
    assert.ok(run.train.length > 0 && run.packedTrain === undefined);
  });

  it('leaves a run whose records carry more than the columns as it was', () => {
    const run = longRun(3000);
    const withGroups: TrainRecord = { ...run.train[1], gradNormByGroup: { readout: 1, recurrent: 2 } };
    const mixed: RunSeries = { ...run, train: [run.train[0], withGroups, ...run.train.slice(2)] };
    assert.equal(packRun(mixed), mixed);
    // As many fields as a plain record, one of them not a column.
    const { wallMs: _dropped, ...withoutWallMs } = run.train[2];
    const odd = { ...withoutWallMs, note: 1 } as unknown as TrainRecord;
    const oddRun: RunSeries = { ...run, train: [run.train[0], run.train[1], odd, ...run.train.slice(3)] };
    assert.equal(packRun(oddRun), oddRun);
    const empty: RunSeries = { ...run, train: [] };
    assert.equal(packRun(empty), empty);
  });

  it('reports a damaged packed run instead of drawing garbage', () => {
    const packed = packRun(longRun(3000));
    const p = packed.packedTrain;
    assert.ok(p);
    const damaged: RunSeries = { ...packed, packedTrain: { ...p, loss: p.loss.subarray(1) } };
    assert.throws(() => unpackRun(damaged), /run long: its packed train column "loss"/);
  });

  it('the webview unpacks a packed snapshot into the records the host had; the wire is smaller', () => {
    const run = longRun(50_000);
    const message = (runs: RunSeries[]): HostToWebview => ({
      type: 'snapshot',
      seq: 1,
      runs,
      sweep: [],
      settings: { updateHz: 10, maxPointsPerLine: 500 },
      title: 'T',
    });
    const data = emptyPanelData();
    applyHostMessage(data, structuredClone(message([packRun(run)])));
    assert.deepEqual(data.runs, [run]);
    const plain = wireBytes(message([run]));
    const packed = wireBytes(message([packRun(run)]));
    assert.ok(packed < 0.6 * plain, `packed ${packed} B against ${plain} B as objects`);
    // wireBytes counts the columns' bytes, not their JSON text.
    assert.ok(packed > 8 * 6 * run.train.length, `packed ${packed} B`);
  });
});
