/**
 * A real one-node Slurm cluster for the Slurm tests (the recipe of shared/research/slurm.md):
 * Debian's slurmctld + slurmd + munge, configured inside a temporary folder with ports of its own,
 * started in a few seconds and stopped by pid. Installs slurm-wlm and munge with apt-get when they are
 * missing and this runs as root. Not root and not CI: the caller skips with the reason given here;
 * under CI=true a cluster that cannot start is an error. Test code only; depends on Node.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface TestCluster {
  dir: string;
  /** The environment the Slurm commands (and hrnn, which calls them) need: SLURM_CONF. */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 60_000): { ok: boolean; out: string } {
  const r = spawnSync(command, args, { env, encoding: 'utf8', timeout: timeoutMs });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}` };
}

function has(command: string): boolean {
  return run('sh', ['-c', `command -v ${command}`]).ok;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '0.0.0.0', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function readPid(file: string): number | null {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Whether a process with this pid exists (signal 0). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`test cluster: ${what} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Blocks the thread for `ms` (teardown runs in signal handlers, where nothing may wait on the event loop). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function killAndWait(pid: number): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const t0 = Date.now();
  while (alive(pid) && Date.now() - t0 < 10_000) sleepSync(100);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

/** Signals that end a test process without its after hooks (a cancelled CI run, Ctrl-C). */
const ENDING_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/** Why the cluster tests cannot run here, or null when they can (or must: CI). */
export function skipReason(): string | null {
  if (isRoot() || process.env.CI === 'true') return null;
  return 'the Slurm cluster tests need root (to install and start slurmctld, slurmd and munge); run them as root or with CI=true';
}

/** Installs Slurm and munge with apt-get when missing (root only). */
function ensureInstalled(): void {
  if (has('slurmctld') && has('slurmd') && has('munged') && has('sbatch')) return;
  if (!isRoot()) throw new Error('test cluster: slurm-wlm and munge are not installed, and installing them needs root');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = run('apt-get', ['update'], env, 300_000);
  if (!update.ok) throw new Error(`test cluster: apt-get update failed\n${update.out}`);
  const install = run('apt-get', ['install', '-y', '--no-install-recommends', 'slurm-wlm', 'munge'], env, 600_000);
  if (!install.ok) throw new Error(`test cluster: apt-get install slurm-wlm munge failed\n${install.out}`);
}

/** Starts munged unless one already answers; returns the pid of the one started here. */
async function ensureMunge(): Promise<number | null> {
  if (run('sh', ['-c', 'munge -n | unmunge']).ok) return null;
  for (const d of ['/etc/munge', '/run/munge', '/var/lib/munge', '/var/log/munge']) fs.mkdirSync(d, { recursive: true });
  if (!fs.existsSync('/etc/munge/munge.key')) {
    const key = run('mungekey', ['-c', '-k', '/etc/munge/munge.key']);
    if (!key.ok) throw new Error(`test cluster: mungekey failed\n${key.out}`);
  }
  run('chown', ['-R', 'munge:munge', '/etc/munge', '/run/munge', '/var/lib/munge', '/var/log/munge']);
  fs.chmodSync('/etc/munge', 0o700);
  const started = run('runuser', ['-u', 'munge', '--', '/usr/sbin/munged']);
  if (!started.ok) throw new Error(`test cluster: munged did not start\n${started.out}`);
  await waitFor('munge answers', () => run('sh', ['-c', 'munge -n | unmunge']).ok, 10_000);
  return readPid('/run/munge/munged.pid');
}

export async function startTestCluster(): Promise<TestCluster> {
  ensureInstalled();
  const mungePid = await ensureMunge();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-slurm-'));
  for (const d of ['state', 'spool', 'log']) fs.mkdirSync(path.join(dir, d));
  const host = os.hostname().split('.')[0];
  const [ctldPort, dPort] = [await freePort(), await freePort()];
  const memoryMb = Math.floor((os.totalmem() / 2 ** 20) * 0.8);
  const conf = path.join(dir, 'slurm.conf');
  fs.writeFileSync(
    conf,
    `ClusterName=hrnntest
SlurmctldHost=${host}
SlurmUser=root
SlurmctldPort=${ctldPort}
SlurmdPort=${dPort}
AuthType=auth/munge
StateSaveLocation=${dir}/state
SlurmdSpoolDir=${dir}/spool
SlurmctldPidFile=${dir}/slurmctld.pid
SlurmdPidFile=${dir}/slurmd.pid
SlurmctldLogFile=${dir}/log/ctld.log
SlurmdLogFile=${dir}/log/d.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2,bf_interval=2
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
# Time limits end a task at once (no grace minutes), after a short TERM-to-KILL wait.
OverTimeLimit=0
KillWait=10
MinJobAge=600
InactiveLimit=0
NodeName=${host} CPUs=${os.cpus().length} RealMemory=${memoryMb} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
`,
  );
  const env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: conf };
  const pids = () => [readPid(path.join(dir, 'slurmd.pid')), readPid(path.join(dir, 'slurmctld.pid'))].filter((p): p is number => p !== null);
  let stopped = false;
  // Synchronous, so that a signal handler can run it whole before the process ends.
  const teardown = () => {
    if (stopped) return;
    stopped = true;
    ENDING_SIGNALS.forEach((sig) => process.off(sig, onSignal));
    // Jobs a failed test left behind end first, so no slurmstepd outlives its slurmd.
    if (run('squeue', ['--noheader', '--format=%i'], env, 5000).out.trim()) {
      run('scancel', ['--user', String(process.getuid?.() ?? 0)], env, 10_000);
      const t0 = Date.now();
      while (Date.now() - t0 < 30_000 && run('squeue', ['--noheader', '--format=%i'], env, 5000).out.trim()) sleepSync(500);
    }
    for (const pid of pids()) killAndWait(pid);
    if (mungePid !== null) killAndWait(mungePid);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  // A test process killed by a signal runs no after hook: without this, the daemons and any job
  // kept running (and training) after it.
  function onSignal(sig: NodeJS.Signals): void {
    teardown();
    process.kill(process.pid, sig); // our handler is gone: the process ends as the signal meant
  }
  ENDING_SIGNALS.forEach((sig) => process.once(sig, onSignal));
  const stop = async () => teardown();
  try {
    const ctld = run('/usr/sbin/slurmctld', ['-f', conf], env);
    if (!ctld.ok) throw new Error(`slurmctld did not start\n${ctld.out}`);
    const slurmd = run('/usr/sbin/slurmd', ['-f', conf], env);
    if (!slurmd.ok) throw new Error(`slurmd did not start\n${slurmd.out}`);
    await waitFor('the node is idle', () => /idle/.test(run('sinfo', ['--noheader', '--format=%T'], env, 5000).out), 30_000);
  } catch (e) {
    const logs = ['ctld.log', 'd.log'].map((f) => {
      try {
        return fs
          .readFileSync(path.join(dir, 'log', f), 'utf8')
          .split('\n')
          .slice(-15)
          .join('\n');
      } catch {
        return '';
      }
    });
    await stop();
    throw new Error(`test cluster: ${(e as Error).message}\n${logs.join('\n')}`, { cause: e });
  }
  return { dir, env, stop };
}
