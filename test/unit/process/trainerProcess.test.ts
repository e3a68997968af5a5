/**
 * The trainer process shared by the extension and the CLI's `--parallel` sweeps, run against the
 * fake trainer (test/fixtures/fake-trainer), which speaks the same process contract without tfjs.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TrainerEvent } from '../../../src/protocol/trainer';
import { nextEvent } from '../../../src/process/emitter';
import { trainArguments } from '../../../src/process/trainerArguments';
import { TrainerProcess, type TrainerOutput } from '../../../src/process/trainerProcess';
import { readSummary } from '../../../src/runs/runFolder';
import { processExists } from '../../../src/runs/atomicFile';

const FAKE_CLI = path.resolve(__dirname, '../../../../test/fixtures/fake-trainer/cli.js');

const isAlive = processExists;

describe('process: trainer process (fake trainer)', function () {
  this.timeout(20000);
  let dir: string;
  const started: TrainerProcess[] = [];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-trainer-process-'));
  });
  afterEach(() => {
    for (const p of started.splice(0)) p.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function start(name: string, body: string) {
    const experimentFile = path.join(dir, `${name}.hrnn.yaml`);
    fs.writeFileSync(experimentFile, body);
    const proc = new TrainerProcess({ script: FAKE_CLI, args: trainArguments({ experimentFile, runsDir: path.join(dir, 'runs') }), cwd: dir });
    started.push(proc);
    const events: TrainerEvent[] = [];
    const output: TrainerOutput[] = [];
    proc.onEvent((e) => events.push(e));
    proc.onOutput((o) => output.push(o));
    return { proc, events, output };
  }

  const runDirOf = (events: TrainerEvent[]) => {
    const first = events.find((e) => e.type === 'runStarted');
    assert.ok(first?.type === 'runStarted', 'runStarted was received');
    return first.runDir;
  };

  it('runs a trainer to completion: typed events in order, exit code 0, not forced', async () => {
    const { proc, events } = start('ok', 'training:\n  steps: 5\n');
    assert.ok(proc.pid);
    const exit = await proc.exited;
    assert.deepEqual(exit, { code: 0, signal: null, forced: false });
    assert.deepEqual(
      events.map((e) => e.type),
      ['runStarted', 'record', 'record', 'record', 'record', 'record', 'runEnded'],
    );
    assert.equal(proc.stopping, false);
  });

  it('stop() asks the trainer that has spoken (SIGTERM on POSIX): it ends `stopped` with a checkpoint, exit code 0, not forced', async () => {
    const { proc, events } = start('long', 'training:\n  steps: 100000\n');
    await nextEvent(proc.onEvent, (e) => e.type === 'record' && e.record.step >= 3);
    const exit = await proc.stop(5000);
    assert.deepEqual(exit, { code: 0, signal: null, forced: false });
    assert.equal(proc.stopping, true);
    const ended = events.find((e) => e.type === 'runEnded');
    assert.equal(ended?.type === 'runEnded' && ended.status, 'stopped');
    assert.ok(fs.existsSync(path.join(runDirOf(events), 'checkpoint', 'model.json')));
  });

  it('kills a trainer that ignores the stop command once the timeout has passed (forced)', async () => {
    const { proc, events } = start('stubborn', 'training:\n  steps: 100000\n# fake-ignore-stop\n');
    await nextEvent(proc.onEvent, (e) => e.type === 'record');
    const pid = proc.pid!;
    const t0 = Date.now();
    const exit = await proc.stop(400);
    const waited = Date.now() - t0;
    assert.ok(waited >= 350, `killed after ${waited} ms, before the timeout`);
    assert.deepEqual(exit, { code: null, signal: 'SIGKILL', forced: true });
    assert.equal(isAlive(pid), false, 'the process is gone');
    assert.equal(readSummary(runDirOf(events))?.status, 'running', 'no chance to write its end');
  });

  it('stop() sends SIGTERM, which reaches a trainer blocked in a kernel call (POSIX)', async function () {
    if (process.platform === 'win32') this.skip();
    // The fake heeds neither the IPC message nor SIGINT: only the signal can stop it in time.
    const { proc, events } = start('blocked', 'training:\n  steps: 100000\n# fake-deaf-but-signals\n');
    await nextEvent(proc.onEvent, (e) => e.type === 'record' && e.record.step >= 3);
    const exit = await proc.stop(5000);
    assert.deepEqual(exit, { code: 0, signal: null, forced: false });
    assert.equal(readSummary(runDirOf(events))?.status, 'stopped');
  });

  it('stop() without an IPC channel sends SIGINT, the same graceful stop', async () => {
    const { proc, events } = start('deaf', 'training:\n  steps: 100000\n# fake-disconnect\n');
    await nextEvent(proc.onEvent, (e) => e.type === 'runStarted');
    // The trainer closes the channel right after runStarted; give the 'disconnect' time to arrive.
    await new Promise((r) => setTimeout(r, 200));
    const exit = await proc.stop(5000);
    assert.deepEqual(exit, { code: 0, signal: null, forced: false });
    assert.equal(readSummary(runDirOf(events))?.status, 'stopped');
  });

  it('kill() ends the trainer at once, reported as forced', async () => {
    const { proc } = start('doomed', 'training:\n  steps: 100000\n');
    await nextEvent(proc.onEvent, (e) => e.type === 'record');
    proc.kill();
    assert.deepEqual(await proc.exited, { code: null, signal: 'SIGKILL', forced: true });
  });

  it('loses no event sent right before the trainer exits', async () => {
    const { proc, events, output } = start('abrupt', 'training:\n  steps: 3\n# fake-exit-at-once: 50\n');
    const exit = await proc.exited;
    assert.equal(exit.code, 0);
    const logs = events.filter((e) => e.type === 'log').map((e) => (e.type === 'log' ? e.message : ''));
    assert.equal(logs.length, 50);
    assert.equal(logs[49], 'last words 50/50');
    assert.ok(events.some((e) => e.type === 'runEnded'));
    assert.deepEqual(output, [{ stream: 'stderr', line: 'goodbye from stderr' }]);
  });

  it("settles on 'close': output still in the pipes when the process exits is delivered first", async () => {
    // A grandchild holds stdout and prints 300 ms after the trainer exited: settling on 'exit'
    // would resolve before that line arrives.
    const { proc, events, output } = start('late', 'training:\n  steps: 2\n# fake-late-output-ms: 300\n');
    const exit = await proc.exited;
    assert.equal(exit.code, 0);
    assert.ok(events.some((e) => e.type === 'runEnded'));
    assert.deepEqual(output, [{ stream: 'stdout', line: 'late output' }]);
  });

  it('a trainer that cannot start settles with code 1 and says why, and stop() signals nothing', async () => {
    // In a process group of its own: a kill(2) with pid 0 would interrupt everything in the group.
    const script = `
      const { TrainerProcess } = require(${JSON.stringify(path.resolve(__dirname, '../../../src/process/trainerProcess.js'))});
      let interrupted = false;
      process.on('SIGINT', () => (interrupted = true));
      const proc = new TrainerProcess({ script: ${JSON.stringify(FAKE_CLI)}, args: ['train', 'x'], cwd: ${JSON.stringify(path.join(dir, 'missing'))} });
      const lines = [];
      proc.onOutput((o) => lines.push(o.line));
      proc.stop(100);
      proc.kill();
      proc.exited.then((exit) => setTimeout(() => console.log(JSON.stringify({ exit, lines, interrupted })), 200));
    `;
    const child = spawn(process.execPath, ['-e', script], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 0);
    const result = JSON.parse(out) as { exit: unknown; lines: string[]; interrupted: boolean };
    assert.deepEqual(result.exit, { code: 1, signal: null, forced: false });
    assert.match(result.lines[0] ?? '', /^trainer process error: spawn .* ENOENT/);
    assert.equal(result.interrupted, false, 'stop() sent SIGINT to its own process group');
  });
});
