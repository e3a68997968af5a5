import assert from 'node:assert/strict';
import { renderBar } from '../../../src/cli/progressBar';

describe('hrnn train progress bar', () => {
  it('shows step, loss, speed and ETA in the shared number format', () => {
    assert.equal(
      renderBar({ label: 'adding', step: 50, total: 100, loss: 0.0123456, stepsPerSecond: 2.5 }, 4),
      'adding ██░░ 50/100 loss 0.01235 2.5 steps/s ETA 20 s',
    );
    assert.equal(
      renderBar({ label: 'adding', step: 0, total: 100000, loss: 1.5e-6, stepsPerSecond: 12.3 }, 4),
      'adding ░░░░ 0/100000 loss 1.5e-6 12 steps/s ETA 2:15:30',
    );
    assert.match(renderBar({ label: 'a', step: 0, total: 10, loss: 1, stepsPerSecond: 0 }, 4), /ETA \?$/);
  });
});
