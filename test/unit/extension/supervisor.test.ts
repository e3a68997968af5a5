import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TrainerEvent } from '../../../src/protocol/trainer';
import { readSummary } from '../../../src/runs/runFolder';
import { nextEvent } from '../../../src/process/emitter';
import { ConcurrencyLimitError, TrainingSupervisor, type TrainingSession } from '../../../src/extension/training/supervisor';

// The fake trainer speaks the trainer process contract without tfjs (test/fixtures/fake-trainer).
const FAKE_CLI = path.resolve(__dirname, '../../../../test/fixtures/fake-trainer/cli.js');

describe('extension: training supervisor (fake trainer process)', function () {
  this.timeout(20000);
  let dir: string;
  let supervisor: TrainingSupervisor;
  let maxRuns = 1;
  let stopTimeoutMs = 5000;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-supervisor-'));
    maxRuns = 1;
    stopTimeoutMs = 5000;
    supervisor = new TrainingSupervisor({ maxConcurrentRuns: () => maxRuns, stopTimeoutMs: () => stopTimeoutMs });
  });
  afterEach(() => {
    supervisor.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function experiment(name: string, body: string): string {
    const file = path.join(dir, `${name}.hrnn.yaml`);
    fs.writeFileSync(file, body);
    return file;
  }

  function start(file: string): TrainingSession {
    return supervisor.start({ cliPath: FAKE_CLI, experimentFile: file, runsDir: path.join(dir, 'runs'), cwd: dir });
  }

  const ended = (s: TrainingSession) => s.ended;

  it('runs a trainer to completion and folds its events into progress', async () => {
    const events: TrainerEvent[] = [];
    supervisor.onDidReceiveEvent(({ event }) => events.push(event));
    const session = start(experiment('ok', 'training:\n  steps: 12\n'));
    assert.equal(supervisor.activeSessions.length, 1);
    await ended(session);
    assert.equal(session.outcome?.kind, 'finished');
    const [run] = session.runList;
    assert.equal(run.status, 'completed');
    assert.equal(run.step, 12);
    assert.equal(run.loss, 1 / 12);
    assert.equal(events.filter((e) => e.type === 'record').length, 12);
    assert.deepEqual(
      events.map((e) => e.type).filter((t) => t !== 'record'),
      ['runStarted', 'runEnded'],
    );
    assert.equal(readSummary(run.runDir)?.status, 'completed');
    assert.equal(supervisor.activeSessions.length, 0);
  });

  it('stops gracefully on request: status stopped, checkpoint written, before the last step', async () => {
    const session = start(experiment('long', 'training:\n  steps: 100000\n# fake-step-ms: 2\n'));
    await nextEvent(supervisor.onDidReceiveEvent, ({ event }) => event.type === 'record' && event.record.step >= 5);
    await supervisor.stop(session);
    await ended(session);
    const [run] = session.runList;
    assert.equal(session.outcome?.kind, 'finished');
    assert.equal(run.status, 'stopped');
    assert.ok(run.step < 100000);
    assert.equal(session.exit?.forced, false);
    assert.ok(fs.existsSync(path.join(run.runDir, 'checkpoint', 'model.json')));
    assert.equal(readSummary(run.runDir)?.status, 'stopped');
  });

  it('kills a trainer that ignores stop after the timeout and marks its run failed on disk', async () => {
    stopTimeoutMs = 300;
    const session = start(experiment('stubborn', 'training:\n  steps: 100000\n# fake-ignore-stop\n'));
    const started = await nextEvent(supervisor.onDidReceiveEvent, ({ event }) => event.type === 'runStarted');
    assert.equal(started.event.type, 'runStarted');
    const t0 = Date.now();
    await supervisor.stop(session);
    assert.ok(Date.now() - t0 >= 250, 'killed before the timeout');
    await ended(session);
    assert.equal(session.exit?.forced, true);
    assert.equal(session.outcome?.kind, 'crashed');
    const summary = readSummary(session.runList[0].runDir);
    assert.equal(summary?.status, 'failed');
    assert.match(summary?.message ?? '', /did not stop in time/);
  });

  it('reports a refused experiment with the problems the trainer sent', async () => {
    const session = start(experiment('bad', '# fake-refuse\n'));
    await ended(session);
    assert.deepEqual(session.outcome?.kind, 'refused');
    assert.match(session.refusedProblems?.[0] ?? '', /bad\.hrnn\.yaml:3:5: error: model\.tau/);
    assert.equal(session.exit?.code, 1);
    assert.equal(session.runs.size, 0);
  });

  it('treats a trainer that dies mid-run as crashed and repairs the run folder', async () => {
    const session = start(experiment('crash', 'training:\n  steps: 50\n# fake-crash-at: 4\n'));
    await ended(session);
    assert.equal(session.outcome?.kind, 'crashed');
    assert.equal(session.exit?.code, 3);
    const summary = readSummary(session.runList[0].runDir);
    assert.equal(summary?.status, 'failed');
    assert.match(summary?.message ?? '', /exit code 3/);
  });

  it('refuses a new session beyond the concurrency limit, and allows it when raised', async () => {
    const first = start(experiment('a', 'training:\n  steps: 100000\n'));
    assert.throws(() => start(experiment('b', 'training:\n  steps: 5\n')), ConcurrencyLimitError);
    maxRuns = 2;
    const second = start(experiment('c', 'training:\n  steps: 5\n'));
    await ended(second);
    assert.equal(second.runList[0].status, 'completed');
    await supervisor.stop(first);
    await ended(first);
    assert.equal(first.runList[0].status, 'stopped');
  });
});
