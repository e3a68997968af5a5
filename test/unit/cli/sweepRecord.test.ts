/**
 * What sweep.json records of a random and seeded sweep (issue 12): the spec, the resolved seeds and
 * every member with its drawn parameters and its seed, so seed groups can be formed later.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sweepRecordOf } from '../../../src/cli/sweepRunner';
import { loadExperimentText } from '../../../src/experiment';
import type { SweepSummary } from '../../../src/protocol/records';
import { sweepMemberId } from '../../../src/runs/layout';
import { readSweepSummary, SweepFolderWriter } from '../../../src/runs/sweepFolder';

const TEXT = `name: rec
seed: 4
task: {kind: adding, length: 10}
model: {kind: hamiltonian, hidden: 4}
sweep:
  random:
    count: 2
    parameters:
      training.learningRate: {logUniform: [0.001, 0.1]}
  seeds: 2
`;

describe('cli: sweep.json of a random, seeded sweep', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-sweep-record-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('records the random spec, the seeds and each member with its parameters under their dotted paths', () => {
    const loaded = loadExperimentText(TEXT, 'rec.hrnn.yaml');
    assert.ok(loaded.ok && loaded.runs);
    const runs = loaded.runs;
    const record = sweepRecordOf(loaded.input);
    assert.deepEqual(record, { random: { count: 2, seed: 1, parameters: { 'training.learningRate': { logUniform: [0.001, 0.1] } } }, seeds: [4, 5] });
    SweepFolderWriter.create(dir, {
      sweepId: 'rec-sweep',
      name: 'rec',
      experimentFile: '/x/rec.hrnn.yaml',
      grid: {},
      ...record,
      members: runs.map((r) => ({ index: r.index, runId: sweepMemberId(r.index, r.parameters, runs.length), parameters: r.parameters })),
    });
    const written = readSweepSummary(path.join(dir, 'rec-sweep')) as SweepSummary;
    assert.deepEqual(written.seeds, [4, 5]);
    assert.equal(written.random?.count, 2);
    assert.deepEqual(
      written.runs.map((r) => r.parameters.seed),
      [4, 5, 4, 5],
    );
    // The members of one draw share their learning rate and differ only in the seed: a seed group.
    assert.equal(written.runs[0].parameters['training.learningRate'], written.runs[1].parameters['training.learningRate']);
    assert.notEqual(written.runs[0].parameters['training.learningRate'], written.runs[2].parameters['training.learningRate']);
    assert.match(written.runs[1].runId, /^1-learningRate-[0-9.e-]+_seed-5$/u);
  });

  it('records neither for a grid-only sweep', () => {
    const loaded = loadExperimentText(TEXT.replace(/sweep:[\s\S]*$/u, 'sweep:\n  grid:\n    model.hidden: [4, 8]\n'), 'g.hrnn.yaml');
    assert.ok(loaded.ok);
    assert.deepEqual(sweepRecordOf(loaded.input), {});
  });
});
