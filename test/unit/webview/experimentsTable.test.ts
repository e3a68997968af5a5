/**
 * The experiments table's pure logic (webview/src/core/experimentsTable.ts, seedGroups.ts,
 * metricVsParameter.ts): columns, rows, seed groups, sorting, filtering, log-axis choice.
 */
import assert from 'node:assert/strict';
import type { RunSummary } from '../../../src/protocol/records';
import type { ParameterValue, SweepPoint } from '../../../src/protocol/webview';
import { buildRows, filterRows, numericParameterPaths, sortRows, tableColumns, type TableRun } from '../../../webview/src/core/experimentsTable';
import { chooseAxisScale } from '../../../webview/src/core/axisScale';
import { buildCharts } from '../../../webview/src/core/chartModel';
import { emptyPanelData } from '../../../webview/src/core/panelState';
import { sanitizeViewOptions } from '../../../webview/src/core/viewOptions';
import { metricVsParameter } from '../../../webview/src/core/metricVsParameter';
import { bandOf, groupBySeed, groupEvalBands, isSeedPath, statOf } from '../../../webview/src/core/seedGroups';
import { summary } from './helpers';

function run(runId: string, parameters: Record<string, ParameterValue> | undefined, over: Partial<RunSummary> = {}, colorIndex = 0): TableRun {
  return { runId, runDir: `/runs/${runId}`, label: runId, colorIndex, summary: summary(runId, over), ...(parameters ? { parameters } : {}) };
}

const withMse = (mse: number, over: Partial<RunSummary> = {}): Partial<RunSummary> => ({
  status: 'completed',
  stepsDone: 100,
  durationMs: 50_000,
  best: { step: 100, split: 'validation', loss: mse, mse, test: { loss: mse * 1.1, mse: mse * 1.1 } },
  final: { validation: { step: 100, split: 'validation', loss: mse, mse } },
  ...over,
});

/** tau × seed: two taus, three seeds each (test MSE 1, 2, 3 at tau 0.001; 100, 200, 300 at tau 0.1). */
function sweep(): TableRun[] {
  const out: TableRun[] = [];
  for (const [tau, base] of [
    [0.001, 1],
    [0.1, 100],
  ])
    for (const seed of [1, 2, 3])
      out.push(
        run(
          `t${tau}-s${seed}`,
          { seed, 'model.tau': tau },
          withMse((base * seed) / 1.1, { sweep: { id: 's', index: 0, parameters: { 'model.tau': tau, seed } } }),
        ),
      );
  return out;
}

describe('webview experiments table', () => {
  it('has a column per parameter the host sent (the differing ones, nested paths as they are), metrics only when present', () => {
    const cols = tableColumns([run('a', { 'model.tau': 0.1, 'training.learningRate': 0.01 }, withMse(0.5)), run('b', { 'model.tau': 0.2 })]);
    assert.deepEqual(
      cols.map((c) => c.id),
      ['run', 'param:model.tau', 'param:training.learningRate', 'status', 'bestValidation', 'testAtBest', 'finalValidation', 'duration', 'speed', 'steps'],
    );
    assert.equal(cols[1].title, 'model.tau');
    assert.deepEqual(
      tableColumns([run('a', undefined)]).map((c) => c.id),
      ['run', 'status', 'duration', 'speed', 'steps'],
      'no parameters, no metrics yet: no such columns',
    );
  });

  it('fills a row with its parameters, metrics, duration and steps/s', () => {
    const [row] = buildRows([run('a', { 'model.tau': 0.1 }, withMse(0.5))], { groupSeeds: true });
    assert.equal(row.cells['param:model.tau'], 0.1);
    assert.equal(row.cells.bestValidation, 0.5);
    assert.ok(Math.abs((row.cells.testAtBest as number) - 0.55) < 1e-12);
    assert.equal(row.cells.duration, 50);
    assert.equal(row.cells.speed, 2);
    assert.equal(row.metricName, 'mse');
  });

  it('groups runs that differ only in seed: mean with min and max, seeds listed', () => {
    const rows = buildRows(sweep(), { groupSeeds: true });
    assert.equal(rows.length, 2);
    assert.deepEqual(
      rows.map((r) => r.runs.length),
      [3, 3],
    );
    const [low] = rows;
    assert.match(low.label, /model\.tau=0\.001.*× 3 seeds/);
    assert.equal(low.cells['param:seed'], '1, 2, 3');
    assert.equal(low.cells['param:model.tau'], 0.001);
    const s = low.stats.testAtBest;
    assert.ok(Math.abs(s.mean - 2) < 1e-9 && Math.abs(s.min - 1) < 1e-9 && Math.abs(s.max - 3) < 1e-9, JSON.stringify(s));
    assert.equal(low.cells.status, 'completed');
    assert.equal(buildRows(sweep(), { groupSeeds: false }).length, 6, 'ungrouped: one row per run');
    const mixed = buildRows([run('a', { seed: 1 }, { status: 'running' }), run('b', { seed: 2 }, { status: 'completed' })], { groupSeeds: true });
    assert.equal(mixed[0].cells.status, '1 running, 1 completed');
  });

  it('never groups runs whose parameters are unknown or differ in more than seeds', () => {
    assert.equal(groupBySeed([run('a', undefined), run('b', undefined)]).length, 2);
    assert.equal(groupBySeed([run('a', { seed: 1, 'model.tau': 0.1 }), run('b', { seed: 2, 'model.tau': 0.2 })]).length, 2);
    assert.equal(groupBySeed([run('a', { seed: 1, 'model.tau': 0.1 }), run('b', { seed: 2, 'model.tau': 0.1 })]).length, 1);
    assert.ok(isSeedPath('seed') && isSeedPath('task.seed') && !isSeedPath('seedling'));
  });

  it('sorts numbers by value, text naturally, empty cells last both ways', () => {
    const rows = buildRows(
      [run('run-10', { 'model.tau': 0.5 }), run('run-2', { 'model.tau': 0.05 }), run('run-1', {}), run('run-3', { 'model.tau': 'auto' })],
      { groupSeeds: false },
    );
    const ids = (col: string, dir: 'asc' | 'desc') => sortRows(rows, col, dir).map((r) => r.id);
    assert.deepEqual(ids('param:model.tau', 'asc'), ['run-2', 'run-10', 'run-3', 'run-1']);
    assert.deepEqual(ids('param:model.tau', 'desc'), ['run-3', 'run-10', 'run-2', 'run-1']);
    assert.deepEqual(ids('run', 'asc'), ['run-1', 'run-2', 'run-3', 'run-10']);
  });

  it('filters by every term, matching labels, status and path=value', () => {
    const rows = buildRows(sweep(), { groupSeeds: false });
    assert.equal(filterRows(rows, '').length, 6);
    assert.deepEqual(
      filterRows(rows, 'tau=0.1 SEED=2').map((r) => r.id),
      ['t0.1-s2'],
    );
    assert.equal(filterRows(rows, 'completed').length, 6);
    assert.equal(filterRows(rows, 'running').length, 0);
  });

  it('offers numeric parameters with more than one value as x axes', () => {
    assert.deepEqual(numericParameterPaths([...sweep(), run('x', { seed: 1, 'model.tau': 0.001, 'model.kind': 'tanh' })]), ['seed', 'model.tau']);
  });
});

describe('webview seed groups: mean and band', () => {
  it('takes mean, min and max of finite values', () => {
    assert.deepEqual(statOf([1, 2, NaN, null, 6]), { mean: 3, min: 1, max: 6, n: 3 });
    assert.equal(statOf([]), null);
  });

  it('aligns curves by step and keeps the steps every curve has', () => {
    const band = bandOf([
      { xs: [10, 20, 30], ys: [1, 2, 3] },
      { xs: [10, 20], ys: [3, 4] },
      { xs: [20, 10], ys: [6, 5] },
    ]);
    assert.deepEqual(band, { xs: [10, 20], mean: [3, 4], min: [1, 2], max: [5, 6] });
    assert.deepEqual(bandOf([]).xs, []);
  });

  it('draws a group of seeds as its validation metric over steps, single runs not', () => {
    const evals = (k: number) => [
      { step: 10, split: 'validation', loss: k, mse: k },
      { step: 20, split: 'validation', loss: k / 2, mse: k / 2 },
      { step: 20, split: 'test', loss: 9, mse: 9 },
    ];
    const member = (runId: string, seed: number, k: number, tau = 0.1) => ({
      runId,
      label: runId,
      colorIndex: seed,
      parameters: { seed, 'model.tau': tau },
      eval: evals(k),
    });
    const bands = groupEvalBands([member('a', 1, 1), member('b', 2, 3), member('c', 1, 5, 0.5)], (g) => `${g.runs.length} seeds`);
    assert.equal(bands.length, 1, 'the lone tau=0.5 run is no group');
    assert.deepEqual([bands[0].label, bands[0].split, bands[0].metricName, bands[0].colorIndex], ['2 seeds', 'validation', 'mse', 1]);
    assert.deepEqual(bands[0].band, { xs: [10, 20], mean: [2, 1], min: [1, 0.5], max: [3, 1.5] });
  });
});

describe('webview metric against a hyperparameter', () => {
  it('chooses a log axis only for positive values spanning more than ~1.5 decades', () => {
    assert.equal(chooseAxisScale([4.6e-4, 5e-4, 6e-4, 0.16]), 'logarithmic');
    assert.equal(chooseAxisScale([4.6e-4, 5e-4, 6e-4]), 'linear');
    assert.equal(chooseAxisScale([0.001, 0.05]), 'logarithmic');
    assert.equal(chooseAxisScale([0.01, 0.2]), 'linear', '1.3 decades');
    assert.equal(chooseAxisScale([0, 1, 1000]), 'linear', 'zero cannot sit on a log axis');
    assert.equal(chooseAxisScale([-1, 100]), 'linear');
    assert.equal(chooseAxisScale([5]), 'linear');
  });

  it('averages seeds at each x on one line per other-parameter combination', () => {
    const runs = [...sweep(), run('k', { seed: 1, 'model.tau': 0.1, 'model.kind': 'tanh' }, withMse(1))];
    const plot = metricVsParameter(runs, 'model.tau', 'testAtBest');
    assert.equal(plot.lines.length, 2);
    const main = plot.lines[0];
    assert.deepEqual(
      main.points.map((p) => [
        p.x,
        Math.round(p.stat.mean * 1e6) / 1e6,
        Math.round(p.stat.min * 1e6) / 1e6,
        Math.round(p.stat.max * 1e6) / 1e6,
        p.runIds.length,
      ]),
      [
        [0.001, 2, 1, 3, 3],
        [0.1, 200, 100, 300, 3],
      ],
    );
    assert.equal(plot.lines[1].label, 'model.kind=tanh');
    assert.equal(plot.runs.length, 7);
    assert.equal(plot.xScale, 'logarithmic');
    assert.equal(plot.yScale, 'logarithmic');
    assert.equal(plot.metricName, 'mse');
  });
});

describe('webview tau chart: log y from the data', () => {
  const point = (runId: string, tau: number, metric: number): SweepPoint => ({
    runId,
    tau,
    label: runId,
    metric,
    metricName: 'mse',
    colorIndex: 0,
    sweepId: 's',
  });
  const tauChart = (points: SweepPoint[]) => {
    const data = emptyPanelData();
    data.sweep = points;
    return buildCharts(data, sanitizeViewOptions(undefined)).find((c) => c.id === 'sweep')!;
  };

  it('puts MSE spanning decades on a log axis, a narrow range on a linear one', () => {
    assert.equal(tauChart([point('a', 0.001, 0.16), point('b', 0.01, 4.6e-4), point('c', 0.1, 6e-4)]).yScale, 'logarithmic');
    assert.equal(tauChart([point('a', 0.001, 5e-4), point('b', 0.01, 4.6e-4), point('c', 0.1, 6e-4)]).yScale, 'linear');
  });
});
