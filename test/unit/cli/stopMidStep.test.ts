/**
 * Stopping a real trainer process (the built CLI, bin/hrnn.js) while one training step runs for many
 * seconds, the case of "Runs that survive: stops within a second". Node runs the JS signal listeners
 * only when the main thread is free; the native addon's C signal handler reaches a step blocked in a
 * kernel call: SIGTERM (and the extension's Stop) interrupt it, a second Ctrl-C exits at once.
 * POSIX signals and the native addon are needed (skipped without them, except in CI).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nativeAddonPath } from '../../../src/engine/kernels/artifacts';
import { nextEvent } from '../../../src/process/emitter';
import { trainArguments } from '../../../src/process/trainerArguments';
import { TrainerProcess } from '../../../src/process/trainerProcess';
import type { RunSummary } from '../../../src/protocol/records';
import type { TrainerEvent } from '../../../src/protocol/trainer';

const root = path.resolve(__dirname, '../../../..');
const hrnn = path.join(root, 'bin', 'hrnn.js');

/**
 * One step of this takes about 25 s on a 2-core machine with the native kernel (T = 60000 took
 * 16 s there), a few seconds on 16 cores: every signal below lands inside it. Reversible backprop
 * keeps the memory independent of T.
 */
const LONG_STEP = `name: long-step
seed: 1
task: { kind: adding, length: 100000, testSize: 8 }
model: { kind: hamiltonian, hidden: 128, implementation: fused, backprop: reversible }
training: { batchSize: 64, steps: 3, evalEvery: 1000 }
probes: { every: null }
backend: cpu
`;

/** The composite tfjs path: a step blocks the main thread in tfjs ops (tens of seconds here) and cannot be interrupted. */
const LONG_COMPOSITE_STEP = `name: long-composite-step
seed: 1
task: { kind: adding, length: 20000, testSize: 8 }
model: { kind: hamiltonian, hidden: 16, implementation: tfjs }
training: { batchSize: 8, steps: 3, evalEvery: 1000 }
probes: { every: null }
backend: cpu
`;

/** How long after the run started (its folder exists) the first signal is sent: the step is then running. */
const INTO_THE_STEP_MS = 1500;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('hrnn train: stopped inside a long step (CLI process)', function () {
  this.timeout(120000);
  let dir: string;

  before(function () {
    const missing =
      process.platform === 'win32' ? 'POSIX signals' : !fs.existsSync(nativeAddonPath() ?? '') ? 'the native addon (npm run build with a C compiler)' : null;
    if (missing) {
      if (process.env.CI && process.platform !== 'win32') assert.fail(`needs ${missing}`);
      this.skip();
    }
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-stop-mid-step-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Starts `hrnn train` on `yaml`; resolves once the run's folder exists (the header on stderr names it). */
  async function startTraining(yaml: string) {
    const file = path.join(dir, 'exp.hrnn.yaml');
    fs.writeFileSync(file, yaml);
    const child = spawn(process.execPath, [hrnn, 'train', file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal, at: performance.now() })),
    );
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/recurrence/.test(stderr)) resolve();
      });
      void closed.then(() => reject(new Error(`hrnn train ended before the run started:\n${stderr}`)));
    });
    const runDir = /folder\s+(\S+)/.exec(stderr)![1];
    return { child, closed, runDir, output: () => ({ stdout, stderr }) };
  }

  const summaryOf = (runDir: string) => JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as RunSummary;

  it('SIGTERM during a step blocked in the native kernel: ends `stopped` within a second or two, the step discarded', async () => {
    const run = await startTraining(LONG_STEP);
    await sleep(INTO_THE_STEP_MS);
    const sent = performance.now();
    run.child.kill('SIGTERM');
    const exit = await run.closed;
    const latency = exit.at - sent;
    console.log(`      SIGTERM -> process ended in ${latency.toFixed(0)} ms`);
    assert.deepEqual([exit.code, exit.signal], [0, null], run.output().stderr);
    assert.ok(latency < 10000, `the process took ${latency.toFixed(0)} ms to end after SIGTERM`);
    const summary = summaryOf(run.runDir);
    assert.equal(summary.status, 'stopped');
    assert.equal(summary.stepsDone, 0);
    assert.equal(summary.message, 'stopped by SIGTERM: interrupted mid-step (step 1 was discarded); the checkpoint is from step 0');
    assert.ok(fs.existsSync(path.join(run.runDir, 'checkpoint', 'model.json')), 'the final checkpoint was written');
  });

  it("the extension's Stop (IPC message and SIGTERM) reaches a trainer blocked in the native kernel", async () => {
    const file = path.join(dir, 'exp.hrnn.yaml');
    fs.writeFileSync(file, LONG_STEP);
    const proc = new TrainerProcess({ script: hrnn, args: trainArguments({ experimentFile: file, runsDir: path.join(dir, 'runs') }), cwd: dir });
    const events: TrainerEvent[] = [];
    proc.onEvent((e) => events.push(e));
    try {
      await nextEvent(proc.onEvent, (e) => e.type === 'runStarted');
      await sleep(INTO_THE_STEP_MS);
      const sent = performance.now();
      const exit = await proc.stop(30000);
      const latency = performance.now() - sent;
      console.log(`      stop() -> trainer ended in ${latency.toFixed(0)} ms`);
      assert.deepEqual(exit, { code: 0, signal: null, forced: false });
      assert.ok(latency < 10000, `the trainer took ${latency.toFixed(0)} ms to end after stop()`);
      const ended = events.find((e) => e.type === 'runEnded');
      assert.equal(ended?.type === 'runEnded' && ended.status, 'stopped');
      assert.match((ended?.type === 'runEnded' && ended.summary.message) || '', /interrupted mid-step \(step 1 was discarded\)/);
    } finally {
      proc.kill();
    }
  });

  it('a second Ctrl-C while the step still blocks the thread (composite tfjs path) exits at once with status 130', async () => {
    const run = await startTraining(LONG_COMPOSITE_STEP);
    await sleep(INTO_THE_STEP_MS);
    run.child.kill('SIGINT');
    // The composite step is not interruptible: the first Ctrl-C only marks the stop. A moment
    // later (two signals sent together may merge into one) the second one ends the process.
    await sleep(300);
    const sent = performance.now();
    run.child.kill('SIGINT');
    const exit = await run.closed;
    const latency = exit.at - sent;
    console.log(`      second SIGINT -> process ended in ${latency.toFixed(0)} ms`);
    assert.equal(exit.code, 130, run.output().stderr);
    assert.ok(latency < 10000, `the process took ${latency.toFixed(0)} ms to end after the second SIGINT`);
    assert.match(run.output().stderr, /second interrupt, exiting now without a final checkpoint/);
    // no step ended: the exit did not wait for it
    assert.equal(summaryOf(run.runDir).stepsDone, 0);
  });
});
