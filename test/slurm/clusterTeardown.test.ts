/**
 * The test cluster's teardown when the test process is killed by a signal (a cancelled CI run,
 * Ctrl-C): its after hooks never run, so testCluster.ts tears the cluster down from a signal
 * handler. A child process starts a cluster and a job, is sent SIGTERM, and must leave no daemon,
 * no job and no folder behind. Runs on the real one-node cluster (root or CI=true); depends on
 * Node and testCluster.ts only.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { alive, skipReason } from './testCluster';

/** What the child reports once its job runs. */
interface Started {
  dir: string;
  pids: number[];
  marker: string;
}

/** Pids of the processes whose command line contains `text`. */
function processesWith(text: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
    .filter((name) => {
      try {
        return fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').includes(text);
      } catch {
        return false; // ended while we looked
      }
    })
    .map(Number);
}

/** After a failed assertion: what the teardown left runs no longer (the job first, while slurmd can still end its step). */
function leftBehind({ dir, pids, marker }: Started): void {
  if (pids.some(alive)) {
    const env = { ...process.env, SLURM_CONF: path.join(dir, 'slurm.conf') };
    spawnSync('scancel', ['--user', String(process.getuid?.() ?? 0)], { env, timeout: 10_000 });
    const t0 = Date.now();
    while (processesWith(`sleep ${marker}`).length && Date.now() - t0 < 15_000) spawnSync('sleep', ['0.5']);
  }
  pids.filter(alive).forEach((pid) => process.kill(pid, 'SIGKILL'));
  processesWith(`sleep ${marker}`).forEach((pid) => process.kill(pid, 'SIGKILL'));
  fs.rmSync(dir, { recursive: true, force: true });
}

// The child: starts a cluster, submits a job that would sleep for an hour, reports once it runs.
const CHILD = `
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { startTestCluster } = require(${JSON.stringify(path.join(__dirname, 'testCluster.js'))});
(async () => {
  const cluster = await startTestCluster();
  const marker = '3600.' + String(process.pid);
  const sub = spawnSync('sbatch', ['--parsable', '--output', path.join(cluster.dir, 'job-%j.out'), '--wrap', 'exec sleep ' + marker], { env: cluster.env, encoding: 'utf8' });
  if (sub.status !== 0) throw new Error('sbatch failed: ' + sub.stderr);
  const t0 = Date.now();
  while (!/R/.test(spawnSync('squeue', ['--noheader', '--format=%t'], { env: cluster.env, encoding: 'utf8' }).stdout)) {
    if (Date.now() - t0 > 60000) throw new Error('the job did not start');
    await new Promise((r) => setTimeout(r, 250));
  }
  const pids = ['slurmctld.pid', 'slurmd.pid'].map((f) => Number(fs.readFileSync(path.join(cluster.dir, f), 'utf8').trim()));
  console.log(JSON.stringify({ dir: cluster.dir, pids, marker }));
  setInterval(() => {}, 1000); // waits for the signal
})().catch((e) => {
  console.error(e);
  process.exit(2);
});
`;

describe('test cluster: teardown when the test process is killed', function () {
  this.timeout(180_000);

  before(function () {
    const reason = skipReason();
    if (reason) {
      console.log(`    skipped: ${reason}`);
      this.skip();
    }
  });

  it('SIGTERM cancels the job, stops slurmctld and slurmd, removes the folder, and ends the process by that signal', async () => {
    const child = spawn(process.execPath, ['-e', CHILD], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    let started: Started | undefined;
    try {
      started = await new Promise<Started>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const line = out.split('\n').find((l) => l.startsWith('{'));
          if (line) resolve(JSON.parse(line) as Started);
        });
        void ended.then(({ code }) => reject(new Error(`the child ended (${code}) before its job ran:\n${stderr}`)));
      });
      assert.ok(started.pids.every(alive), 'the daemons run before the signal');
      assert.notEqual(processesWith(`sleep ${started.marker}`).length, 0, 'the job runs before the signal');
      child.kill('SIGTERM');
      const { signal } = await ended;
      assert.equal(signal, 'SIGTERM', `the child ends by the signal it got\n${stderr}`);
      const { pids, dir, marker } = started;
      assert.deepEqual(
        pids.filter((pid) => alive(pid)),
        [],
        'no daemon outlives the test process',
      );
      assert.deepEqual(processesWith(`sleep ${marker}`), [], 'the job was cancelled');
      assert.equal(fs.existsSync(dir), false, 'the cluster folder is removed');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if (started) leftBehind(started);
    }
  });
});
