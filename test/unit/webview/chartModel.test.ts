import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHART_IDS, type SweepPoint } from '../../../src/protocol/webview';
import { loadReportSnapshot } from '../../../src/report/reportData';
import { buildCharts, chartReport, probeSteps, selectProbe } from '../../../webview/src/core/chartModel';
import { applyHostMessage, emptyPanelData } from '../../../webview/src/core/panelState';
import { DEFAULT_VIEW_OPTIONS, sanitizeViewOptions, type ViewOptions } from '../../../webview/src/core/viewOptions';
import { writeFixtureRuns } from '../../fixtures/runs/fixtureRuns';
import { makeRun, panelWith, probeRecord } from './helpers';

const view = (patch: Partial<ViewOptions> = {}): ViewOptions => ({ ...DEFAULT_VIEW_OPTIONS, ...patch });

describe('webview chart model: what each chart draws', () => {
  const ham = makeRun('ham', { train: 50, evalEvery: 10, splits: ['validation', 'test'], metric: 'accuracy', probes: [10, 20, 40], T: 12 });
  const tanh = makeRun('tanh', { train: 30, evalEvery: 10, metric: 'mse', probes: [30], T: 12, hamiltonian: false, colorIndex: 1 });

  it('counts records per chart and series as the contract defines', () => {
    const report = chartReport(buildCharts(panelWith([ham, tanh]), view()));
    const count = (chart: string, runId: string, series: string) => report[chart]?.find((e) => e.runId === runId && e.series === series)?.points;
    assert.equal(count('loss', 'ham', 'train'), 50);
    assert.equal(count('loss', 'ham', 'validation'), 5);
    assert.equal(count('loss', 'ham', 'test'), 5);
    assert.equal(count('loss', 'tanh', 'test'), 3);
    assert.equal(count('loss', 'tanh', 'validation'), undefined, 'empty series are left out');
    assert.equal(count('accuracy', 'ham', 'validation'), 5);
    assert.equal(
      report.accuracy.some((e) => e.runId === 'tanh'),
      false,
    );
    assert.equal(count('mse', 'tanh', 'test'), 3);
    assert.equal(count('gradNorm', 'ham', 'train'), 50);
    assert.equal(count('gradientOverTime', 'ham', 'gradient'), 12);
    assert.equal(report.gradientOverTime.find((e) => e.runId === 'ham')?.probeStep, 40, 'latest probe by default');
    assert.equal(count('energy', 'ham', 'energy'), 12);
    assert.equal(count('energy', 'ham', 'modifiedEnergy'), 12);
    assert.equal(
      report.energy.some((e) => e.runId === 'tanh'),
      false,
      'no energy for a tanh RNN',
    );
    assert.equal(count('stateNorm', 'tanh', 'stateNorm'), 12);
    assert.equal(count('stateNorm', 'tanh', 'momentumNorm'), undefined);
    assert.equal(report.sweep, undefined, 'no sweep points, no sweep chart');
    assert.deepEqual(
      Object.keys(report),
      CHART_IDS.filter((id) => id !== 'sweep'),
    );
  });

  it('leaves out hidden runs and charts that end up empty', () => {
    const report = chartReport(buildCharts(panelWith([ham, tanh]), view({ hiddenRuns: ['tanh'] })));
    assert.equal(report.mse, undefined);
    assert.ok(Object.values(report).every((entries) => entries.every((e) => e.runId !== 'tanh')));
  });

  it('selects probes with the slider: at or before the step, else the earliest', () => {
    assert.deepEqual(probeSteps([ham, tanh]), [10, 20, 30, 40]);
    assert.equal(selectProbe(ham.probes, null)?.step, 40);
    assert.equal(selectProbe(ham.probes, 25)?.step, 20);
    assert.equal(selectProbe(ham.probes, 5)?.step, 10);
    const report = chartReport(buildCharts(panelWith([ham, tanh]), view({ probeStep: 25 })));
    assert.equal(report.gradientOverTime.find((e) => e.runId === 'ham')?.probeStep, 20);
    assert.equal(report.gradientOverTime.find((e) => e.runId === 'tanh')?.probeStep, 30);
  });

  it('smooths only training series, on full-resolution data', () => {
    const charts = buildCharts(panelWith([ham]), view({ smoothing: 0.9 }));
    const loss = charts.find((c) => c.id === 'loss')!;
    assert.equal(loss.series.find((s) => s.series === 'train')?.smoothed?.length, 50);
    assert.equal(loss.series.find((s) => s.series === 'test')?.smoothed, undefined);
    assert.ok(charts.find((c) => c.id === 'gradNorm')?.series[0].smoothed);
    assert.equal(charts.find((c) => c.id === 'gradientOverTime')?.series[0].smoothed, undefined);
    const off = buildCharts(panelWith([ham]), view({ smoothing: 0 }));
    assert.equal(off.find((c) => c.id === 'loss')?.series[0].smoothed, undefined);
  });

  it('switches x to wall time in seconds and y to log where asked', () => {
    const charts = buildCharts(panelWith([ham]), view({ xAxis: 'wallTime', logY: true }));
    const loss = charts.find((c) => c.id === 'loss')!;
    assert.equal(loss.xName, 'wall_time_s');
    assert.equal(loss.series[0].xs[0], ham.train[0].wallMs / 1000);
    assert.equal(loss.yScale, 'logarithmic');
    assert.equal(charts.find((c) => c.id === 'accuracy')?.yScale, 'linear', 'accuracy stays linear');
    assert.equal(charts.find((c) => c.id === 'energy')?.yScale, 'linear');
    const grad = buildCharts(panelWith([ham]), view({ logY: false })).find((c) => c.id === 'gradientOverTime');
    assert.equal(grad?.yScale, 'logarithmic', 'the hidden-state gradient is always log');
  });

  it('counts values a log axis cannot draw', () => {
    const run = makeRun('z', { probes: [5], T: 6, hamiltonian: false });
    run.probes[0] = { ...probeRecord(5, 6, false), gradientOverTime: [0, 0, 1e-40, 1e-20, 1e-3, 1e-3] };
    const grad = buildCharts(panelWith([run]), view()).find((c) => c.id === 'gradientOverTime')!;
    assert.equal(grad.series[0].ys.length, 6);
    assert.equal(grad.series[0].nonPositive, 2);
  });

  it('draws the sweep as final metric against tau, counting points with both known', () => {
    const sweep: SweepPoint[] = [
      { runId: 'a', tau: 0.1, label: 'a', metric: 0.9, metricName: 'accuracy', colorIndex: 0, sweepId: 's1', sweepName: 'grid' },
      { runId: 'b', tau: 0.01, label: 'b', metric: 0.7, metricName: 'accuracy', colorIndex: 1, sweepId: 's1' },
      { runId: 'c', tau: 1, label: 'c', metric: null, metricName: 'accuracy', colorIndex: 2, sweepId: 's1' },
    ];
    const chart = buildCharts(panelWith([], sweep), view()).find((c) => c.id === 'sweep')!;
    assert.equal(chart.xScale, 'logarithmic');
    assert.equal(chart.yFormat, 'percent');
    assert.equal(chart.series.length, 1);
    assert.deepEqual(chart.series[0].xs, [0.01, 0.1], 'sorted by tau');
    assert.equal(chartReport([chart]).sweep[0].points, 2);
    assert.equal(chart.series[0].label, 'grid · accuracy');
  });

  it('matches metrics.jsonl of the fixture runs record for record', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-chart-'));
    try {
      const fx = writeFixtureRuns(dir);
      const data = emptyPanelData();
      applyHostMessage(data, loadReportSnapshot([fx.hamiltonian, fx.tanh, fx.sweep]));
      const report = chartReport(buildCharts(data, DEFAULT_VIEW_OPTIONS));
      for (const run of data.runs) {
        const lines = fs
          .readFileSync(path.join(run.runDir, 'metrics.jsonl'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { type: string; split?: string; step: number; gradientOverTime?: number[] });
        const trainCount = lines.filter((l) => l.type === 'train').length;
        assert.equal(report.loss.find((e) => e.runId === run.runId && e.series === 'train')?.points, trainCount);
        assert.equal(report.gradNorm.find((e) => e.runId === run.runId)?.points, trainCount);
        for (const split of ['validation', 'test']) {
          const n = lines.filter((l) => l.type === 'eval' && l.split === split).length;
          assert.equal(report.loss.find((e) => e.runId === run.runId && e.series === split)?.points, n || undefined);
        }
        const probes = lines.filter((l) => l.type === 'probe');
        const latest = probes[probes.length - 1];
        const g = report.gradientOverTime.find((e) => e.runId === run.runId);
        assert.equal(g?.points, latest.gradientOverTime?.length);
        assert.equal(g?.probeStep, latest.step);
      }
      assert.equal(report.sweep[0].points, fx.sweepRuns.length);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('webview view options', () => {
  it('fills defaults and clamps what getState returns', () => {
    assert.deepEqual(sanitizeViewOptions(undefined), DEFAULT_VIEW_OPTIONS);
    const v = sanitizeViewOptions({ smoothing: 3, logY: 'yes', xAxis: 'wallTime', probeStep: 40, hiddenRuns: ['a', 3] });
    assert.equal(v.smoothing, 0.99);
    assert.equal(v.logY, false);
    assert.equal(v.xAxis, 'wallTime');
    assert.equal(v.probeStep, 40);
    assert.deepEqual(v.hiddenRuns, ['a']);
  });
});
