/** The energy-drift chart: drawn from the selected probe's free run, only for runs that recorded one, after the main charts. */
import assert from 'node:assert/strict';
import { ALL_CHART_IDS, CHART_IDS } from '../../../src/protocol/webview';
import { buildCharts, chartReport } from '../../../webview/src/core/chartModel';
import { DEFAULT_VIEW_OPTIONS } from '../../../webview/src/core/viewOptions';
import { makeRun, panelWith } from './helpers';

describe('webview energy-drift chart', () => {
  it('draws symplectic H, H~ and forward Euler H of the selected probe, on a log axis; absent without a free run', () => {
    const ham = makeRun('ham', { train: 20, evalEvery: 10, metric: 'mse', probes: [10, 20], T: 12 });
    const plain = makeRun('plain', { train: 20, evalEvery: 10, metric: 'mse', probes: [10], T: 12, colorIndex: 1 });
    assert.equal(
      buildCharts(panelWith([ham, plain]), DEFAULT_VIEW_OPTIONS).some((c) => c.id === 'energyDrift'),
      false,
    );
    const errors = (n: number, f: (k: number) => number) => Array.from({ length: n }, (_, k) => f(k + 1));
    ham.probes[1].freeRun = {
      input: 'zero',
      tau: 0.1,
      symplecticEnergyError: errors(30, () => 0.01),
      symplecticModifiedEnergyError: errors(30, () => 1e-4),
      eulerEnergyError: errors(30, (n) => 0.01 * n),
    };
    const charts = buildCharts(panelWith([ham, plain]), DEFAULT_VIEW_OPTIONS);
    const drift = charts.find((c) => c.id === 'energyDrift')!;
    assert.equal(drift.yScale, 'logarithmic');
    assert.equal(charts[charts.length - 1], drift, 'after the main charts');
    const report = chartReport(charts).energyDrift;
    assert.deepEqual(
      report.map((e) => `${e.runId}:${e.series}:${e.points}:${e.probeStep}`),
      ['ham:symplecticEnergyError:30:20', 'ham:symplecticModifiedEnergyError:30:20', 'ham:eulerEnergyError:30:20'],
    );
    assert.deepEqual(drift.series[2].xs.slice(0, 3), [1, 2, 3], 'x is the free-run step n = 1..N');
    // The slider picks the probe: the one at step 10 has no free run.
    assert.equal(chartReport(buildCharts(panelWith([ham]), { ...DEFAULT_VIEW_OPTIONS, probeStep: 10 })).energyDrift, undefined);
    assert.deepEqual(ALL_CHART_IDS.slice(0, CHART_IDS.length), [...CHART_IDS]);
  });
});
