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

  it('a sweep member runs one index into the sweep folder, with the options of its parent', () => {
    assert.deepEqual(
      sweepMemberArguments({ experimentFile: '/w/s.hrnn.yaml', sweepDir: '/w/runs/s-sweep-1', index: 2, passThrough: ['--set', 'training.steps=4', '--backend', 'cpu'] }),
      ['train', '/w/s.hrnn.yaml', '--sweep-dir', '/w/runs/s-sweep-1', '--sweep-index', '2', '--ipc', '--set', 'training.steps=4', '--backend', 'cpu'],
    );
  });
});
