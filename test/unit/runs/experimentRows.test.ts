/**
 * The hyperparameter columns of the experiments table (`src/runs/experimentRows.ts`): flattened
 * resolved experiments, only the paths that differ, and that both the panel and `hrnn report`
 * put them in the snapshot.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PanelRuns } from '../../../src/extension/plots/panelRuns';
import { loadReportSnapshot } from '../../../src/report/reportData';
import { differingParameters, differingPaths, flattenExperiment } from '../../../src/runs/experimentRows';
import { readRunExperiment } from '../../../src/runs/runExperiment';
import { buildSnapshot } from '../../../src/runs/snapshot';
import { fixtureSummary } from '../../fixtures/runs/summary';
import { writeSeedSweep } from '../../fixtures/runs/seedSweep';

const experiment = (tau: number, seed: number, extra: Record<string, unknown> = {}) => ({
  name: 'x',
  description: 'free text',
  seed,
  task: { kind: 'adding', length: 200 },
  model: { kind: 'hamiltonian', hidden: 64, tau, layers: [1, 2], ...extra },
});

describe('runs: experiment rows (differing hyperparameters)', () => {
  it('flattens nested sections to dotted paths, arrays as JSON, without name and description', () => {
    assert.deepEqual(flattenExperiment(experiment(0.01, 3)), {
      seed: 3,
      'task.kind': 'adding',
      'task.length': 200,
      'model.kind': 'hamiltonian',
      'model.hidden': 64,
      'model.tau': 0.01,
      'model.layers': '[1,2]',
    });
    assert.deepEqual(flattenExperiment(null), {});
  });

  it('keeps only the paths whose values differ, a path missing from a run differing too', () => {
    const a = flattenExperiment(experiment(0.01, 1));
    const b = flattenExperiment(experiment(0.1, 1));
    const c = flattenExperiment(experiment(0.1, 2, { dt: 0.5 }));
    assert.deepEqual(differingPaths([a, b]), ['model.tau']);
    assert.deepEqual(differingPaths([a, b, c]), ['seed', 'model.tau', 'model.dt']);
    assert.deepEqual(differingPaths([a, null, a]), [], 'unknown experiments are left out of the comparison');
    assert.deepEqual(differingParameters([experiment(0.01, 1), undefined, experiment(0.1, 1)]), [{ 'model.tau': 0.01 }, undefined, { 'model.tau': 0.1 }]);
    assert.deepEqual(differingParameters([experiment(0.01, 1)]), [{}], 'one run differs from nothing');
  });

  it('puts the differing parameters into the snapshot only for runs whose experiment is known', () => {
    const records = { train: [], eval: [], probes: [] };
    const snap = buildSnapshot([
      { runDir: '/r/a', summary: fixtureSummary('a'), records, experiment: experiment(0.01, 1) },
      { runDir: '/r/b', summary: fixtureSummary('b'), records, experiment: experiment(0.1, 1) },
      { runDir: '/r/c', summary: fixtureSummary('c'), records },
    ]);
    assert.deepEqual(
      snap.runs.map((r) => r.parameters),
      [{ 'model.tau': 0.01 }, { 'model.tau': 0.1 }, undefined],
    );
    assert.equal('parameters' in snap.runs[2], false);
  });

  describe('from run folders', () => {
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-exprows-'))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('reads experiment.yaml of a seed-grouped sweep: tau and seed differ, the same in the panel and the report', async () => {
      const sweep = writeSeedSweep(path.join(dir, 'sweep'));
      const report = loadReportSnapshot([sweep.sweepDir]);
      assert.equal(report.runs.length, 15);
      assert.deepEqual(report.runs[4].parameters, { seed: 2, 'model.tau': 0.001 });
      const panel = new PanelRuns();
      for (const d of sweep.runDirs) panel.add(d);
      assert.deepEqual((await panel.snapshot()).runs, report.runs);
    });

    it('reads a missing or broken experiment.yaml as null, and a rewritten one anew', () => {
      const run = path.join(dir, 'one');
      fs.mkdirSync(run, { recursive: true });
      assert.equal(readRunExperiment(run), null);
      fs.writeFileSync(path.join(run, 'experiment.yaml'), 'seed: [unclosed');
      assert.equal(readRunExperiment(run), null);
      fs.writeFileSync(path.join(run, 'experiment.yaml'), 'seed: 12\nmodel:\n  tau: 0.5\n');
      assert.deepEqual(readRunExperiment(run), { seed: 12, model: { tau: 0.5 } });
    });
  });
});
