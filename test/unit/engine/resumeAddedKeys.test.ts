/** Resuming a run written before `model.layers` or `training.maxMinutes` existed: the key's default is no change; any other value is. */
import assert from 'node:assert/strict';
import { experimentChanges, RESUMABLE_CHANGES } from '../../../src/engine/train/resume';

describe('resume: keys added to the schema since a run was written', () => {
  const saved = { model: { kind: 'lstm', hidden: 8 }, training: { steps: 10 } };

  it('model.layers: 1 against a checkpoint without it is no change', () => {
    assert.deepEqual(experimentChanges(saved, { model: { kind: 'lstm', hidden: 8, layers: 1 }, training: { steps: 10 } }), []);
  });

  it('training.maxMinutes: null against a checkpoint without it is no change; a budget is, and a resume may set one', () => {
    assert.deepEqual(experimentChanges(saved, { model: { kind: 'lstm', hidden: 8 }, training: { steps: 10, maxMinutes: null } }), []);
    assert.deepEqual(experimentChanges(saved, { model: { kind: 'lstm', hidden: 8 }, training: { steps: 10, maxMinutes: 90 } }), ['training.maxMinutes']);
    assert.ok(RESUMABLE_CHANGES.includes('training.maxMinutes'));
  });

  it('any other layer count, or other keys, still count as changes', () => {
    assert.deepEqual(experimentChanges(saved, { model: { kind: 'lstm', hidden: 8, layers: 2 }, training: { steps: 10 } }), ['model.layers']);
    assert.deepEqual(experimentChanges(saved, { model: { kind: 'lstm', hidden: 9, layers: 1 }, training: { steps: 10 } }), ['model.hidden']);
    // a checkpoint that has the key compares as usual
    assert.deepEqual(experimentChanges({ model: { layers: 2 } }, { model: { layers: 1 } }), ['model.layers']);
  });
});
