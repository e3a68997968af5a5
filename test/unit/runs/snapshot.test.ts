/**
 * The one snapshot builder (`src/runs/snapshot.ts`): its rules for id, label, colour, tau, metric
 * name and title, and that the plots panel and `hrnn report` get the same snapshot from it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunSummary } from '../../../src/protocol/records';
import { PanelRuns } from '../../../src/extension/plots/panelRuns';
import { loadReportSnapshot } from '../../../src/report/reportData';
import { buildSnapshot, freeColorIndex, type SnapshotRun } from '../../../src/runs/snapshot';
import { writeFixtureRuns, writeTwoSweepsOfOneGrid, type FixtureRuns, type GridSweepPair } from '../../fixtures/runs/fixtureRuns';

function summary(runId: string, over: Partial<RunSummary> = {}): RunSummary {
  return {
    formatVersion: 1, runId, name: 'adding', status: 'completed', stepsDone: 10, totalSteps: 10, best: null, final: {},
    backend: 'cpu', implementation: 'tfjs', durationMs: 0, packageVersion: '0.1.0', startedAt: '2026-01-01T00:00:00Z',
    endedAt: null, experimentFile: '/x/adding.hrnn.yaml', tags: { model: 'hamiltonian', task: 'adding', hidden: 8, length: 10 },
    ...over,
  };
}

const run = (s: RunSummary, colorIndex?: number): SnapshotRun => ({
  runDir: `/runs/${s.sweep ? `${s.sweep.id}/` : ''}${s.runId}`,
  summary: s,
  records: { train: [], eval: [], probes: [] },
  ...(colorIndex !== undefined ? { colorIndex } : {}),
});

const member = (sweepId: string, index: number, tau: number, over: Partial<RunSummary> = {}) =>
  summary(`${index}-tau-${tau}`, { name: 'grid', sweep: { id: sweepId, index, parameters: { 'model.tau': tau } }, ...over });

describe('runs: the snapshot builder shared by the plots panel and hrnn report', () => {
  it('keys sweep members by sweep and run, single runs by run id', () => {
    const snap = buildSnapshot([run(summary('plain')), run(member('s1', 0, 0.1)), run(member('s2', 0, 0.1))]);
    assert.deepEqual(snap.runs.map((r) => r.runId), ['plain', 's1/0-tau-0.1', 's2/0-tau-0.1']);
    assert.deepEqual(snap.sweep.map((p) => [p.runId, p.sweepId, p.sweepName]), [['s1/0-tau-0.1', 's1', 'grid'], ['s2/0-tau-0.1', 's2', 'grid']]);
  });

  it('labels runs short and tells apart only those that would share a label', () => {
    const labels = (summaries: RunSummary[]) => buildSnapshot(summaries.map((s) => run(s))).runs.map((r) => r.label);
    assert.deepEqual(labels([summary('adding-1', { name: 'adding-T50' }), member('s1', 0, 0.1)]), ['adding-T50', 'grid [model.tau=0.1]']);
    assert.deepEqual(labels([member('s1', 3, 0.1, { sweep: { id: 's1', index: 3, parameters: {} } })]), ['grid #4'], 'no parameters: the index');
    // Two runs of one experiment: their run ids. Two sweeps of one grid: the sweep.
    assert.deepEqual(labels([summary('adding-1'), summary('adding-2')]), ['adding-1', 'adding-2']);
    assert.deepEqual(labels([member('s1', 0, 0.1), member('s2', 0, 0.1), member('s2', 1, 1)]), [
      'grid [model.tau=0.1] (s1)',
      'grid [model.tau=0.1] (s2)',
      'grid [model.tau=1]',
    ]);
    // The same run folder copied: nothing on disk tells them apart but the order.
    assert.deepEqual(labels([summary('same'), summary('same')]), ['same', 'same (2)']);
  });

  it('tells runs of one experiment apart by start time, else by the random part of the id, not by the full id', () => {
    const labels = (summaries: RunSummary[]) => buildSnapshot(summaries.map((s) => run(s))).runs.map((r) => r.label);
    const named = (runId: string) => summary(runId, { name: 'adding-T50' });
    assert.deepEqual(labels([named('adding-T50-20261202-101500-a3f9'), named('adding-T50-20261202-111500-0b1c')]), [
      'adding-T50 · 10:15:00',
      'adding-T50 · 11:15:00',
    ]);
    assert.deepEqual(labels([named('adding-T50-20261202-101500-a3f9'), named('adding-T50-20261203-101500-0b1c')]), ['adding-T50 · a3f9', 'adding-T50 · 0b1c']);
  });

  it('takes colours from the caller, else the lowest free one', () => {
    assert.deepEqual(buildSnapshot([run(summary('a')), run(summary('b')), run(summary('c'))]).runs.map((r) => r.colorIndex), [0, 1, 2]);
    assert.deepEqual(buildSnapshot([run(summary('a'), 1), run(summary('b')), run(summary('c'), 3)]).runs.map((r) => r.colorIndex), [1, 0, 3]);
    assert.equal(freeColorIndex([0, 1, 3]), 2);
    const snap = buildSnapshot([run(member('s', 0, 0.1), 4)]);
    assert.equal(snap.sweep[0].colorIndex, 4, 'a sweep point has its run colour');
  });

  it('takes tau from the tags, else from the sweep parameter named tau', () => {
    const tau = (s: RunSummary) => buildSnapshot([run(s)]).sweep[0].tau;
    assert.equal(tau(member('s', 0, 0.1, { tags: { model: 'hamiltonian', task: 'adding', tau: 0.25, hidden: 8, length: 10 } })), 0.25);
    assert.equal(tau(member('s', 0, 0.1)), 0.1, 'model.tau of the sweep');
    assert.equal(tau(summary('r', { sweep: { id: 's', index: 0, parameters: { tau: 0.3 } } })), 0.3);
    assert.equal(tau(summary('r', { sweep: { id: 's', index: 0, parameters: { 'training.lr': 0.3 } } })), null);
  });

  it('names the metric by the headline metric, else by what the task is judged by', () => {
    const point = (s: RunSummary) => buildSnapshot([run(s)]).sweep[0];
    const withBest = member('s', 0, 0.1, { best: { step: 5, split: 'validation', loss: 0.9, accuracy: 0.7, test: { loss: 1, accuracy: 0.6 } } });
    assert.deepEqual([point(withBest).metricName, point(withBest).metric], ['accuracy', 0.6]);
    assert.deepEqual([point(member('s', 0, 0.1)).metricName, point(member('s', 0, 0.1)).metric], ['mse', null], 'adding, no result yet');
    const psmnist = member('s', 0, 0.1, { tags: { model: 'hamiltonian', task: 'psmnist', hidden: 8, length: 784 } });
    assert.equal(point(psmnist).metricName, 'accuracy');
  });

  it('titles the panel and the page by runs and sweeps', () => {
    const title = (summaries: RunSummary[]) => buildSnapshot(summaries.map((s) => run(s))).title;
    assert.equal(title([]), 'Hamiltonian RNN Plots');
    assert.equal(title([summary('a', { name: 'adding-T50' })]), 'Plots: adding-T50');
    assert.equal(title([member('s1', 0, 0.1), member('s1', 1, 1)]), 'Plots: sweep grid');
    assert.equal(title([summary('a', { name: 'x' }), summary('b', { name: 'y' }), member('s1', 0, 0.1)]), 'Plots: x, y and sweep grid');
    assert.equal(title([member('s1', 0, 0.1), member('s2', 0, 0.1)]), 'Plots: sweep grid ×2');
    const many = Array.from({ length: 12 }, (_, i) => summary(`r${i}`, { name: `experiment-number-${i}` }));
    assert.equal(title(many), 'Plots: 12 runs');
  });
});

describe('runs: the snapshot of hrnn report and of the plots panel', () => {
  let dir: string;
  let fx: FixtureRuns;
  let grid: GridSweepPair;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-snapshot-'));
    fx = writeFixtureRuns(dir);
    grid = writeTwoSweepsOfOneGrid(dir);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('hrnn report on two sweeps of one grid: four distinct run ids and labels', () => {
    const snap = loadReportSnapshot([grid.a, grid.b]);
    const ids = snap.runs.map((r) => r.runId);
    const labels = snap.runs.map((r) => r.label);
    assert.equal(new Set(ids).size, 4, `distinct ids: ${ids}`);
    assert.equal(new Set(labels).size, 4, `distinct labels: ${labels}`);
    assert.deepEqual(ids, ['grid-sweep-a/0-tau-0.01', 'grid-sweep-a/1-tau-0.1', 'grid-sweep-b/0-tau-0.01', 'grid-sweep-b/1-tau-0.1']);
    assert.deepEqual(labels, [
      'psmnist-tau-sweep [model.tau=0.01] (grid-sweep-a)',
      'psmnist-tau-sweep [model.tau=0.1] (grid-sweep-a)',
      'psmnist-tau-sweep [model.tau=0.01] (grid-sweep-b)',
      'psmnist-tau-sweep [model.tau=0.1] (grid-sweep-b)',
    ]);
    assert.deepEqual(snap.sweep.map((p) => p.runId), ids, 'the tau points use the same ids');
    assert.deepEqual(snap.sweep.map((p) => p.sweepId), ['grid-sweep-a', 'grid-sweep-a', 'grid-sweep-b', 'grid-sweep-b']);
    assert.equal(snap.title, 'Plots: sweep psmnist-tau-sweep ×2');
  });

  it('builds the same runs, sweep points and title through the panel and through the report', async () => {
    const panel = new PanelRuns();
    for (const d of [fx.hamiltonian, fx.tanh, ...fx.sweepRuns, ...grid.runDirs]) panel.add(d);
    const fromPanel = await panel.snapshot();
    const fromReport = loadReportSnapshot([fx.hamiltonian, fx.tanh, fx.sweep, grid.a, grid.b]);
    assert.equal(fromPanel.runs.length, 2 + fx.sweepRuns.length + 4);
    assert.deepEqual(fromPanel.runs, fromReport.runs);
    assert.deepEqual(fromPanel.sweep, fromReport.sweep);
    assert.equal(fromPanel.title, fromReport.title);
    // Increments name a run as the snapshot does.
    fs.appendFileSync(path.join(grid.b, '1-tau-0.1', 'metrics.jsonl'), JSON.stringify({ type: 'train', step: 121, epoch: 1, loss: 0.5, gradNorm: 1, lr: 0.003, wallMs: 9999 }) + '\n');
    const { updates } = await panel.collectUpdates();
    assert.deepEqual(updates.map((u) => u.runId), ['grid-sweep-b/1-tau-0.1']);
  });
});
