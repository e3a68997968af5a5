/**
 * The command lines of the extension's trainer and of a `--parallel` sweep member: the flags
 * `hrnn train` (src/cli/commands/train.ts) parses.
 */
import assert from 'node:assert/strict';
import { sweepMemberArguments, trainArguments } from '../../../src/process/trainerArguments';

describe('process: trainer arguments', () => {
  it('the extension trains one experiment into its runs folder over IPC, with an optional backend', () => {
    assert.deepEqual(trainArguments({ experimentFile: '/w/a.hrnn.yaml', runsDir: '/w/runs' }), ['train', '/w/a.hrnn.yaml', '--ipc', '--runs-dir', '/w/runs']);
    assert.deepEqual(trainArguments({ experimentFile: '/w/a.hrnn.yaml', runsDir: '/w/runs', backend: 'wasm' }), [
      'train',
      '/w/a.hrnn.yaml',
      '--ipc',
      '--runs-dir',
      '/w/runs',
      '--backend',
      'wasm',
    ]);
  });

  it('Resume continues a run folder with --resume (no new run folder, no experiment positional)', () => {
    assert.deepEqual(trainArguments({ experimentFile: '/w/runs/r1/experiment.yaml', runsDir: '/w/runs', resumeFrom: '/w/runs/r1', backend: 'cpu' }), [
      'train',
      '--resume',
      '/w/runs/r1',
      '--ipc',
      '--backend',
      'cpu',
    ]);
  });

  it('a sweep member runs one index into the sweep folder, with the options of its parent', () => {
    assert.deepEqual(
      sweepMemberArguments({
        experimentFile: '/w/s.hrnn.yaml',
        sweepDir: '/w/runs/s-sweep-1',
        index: 2,
        passThrough: ['--set', 'training.steps=4', '--backend', 'cpu'],
      }),
      ['train', '/w/s.hrnn.yaml', '--sweep-dir', '/w/runs/s-sweep-1', '--sweep-index', '2', '--ipc', '--set', 'training.steps=4', '--backend', 'cpu'],
    );
  });
});
