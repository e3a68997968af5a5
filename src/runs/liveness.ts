/**
 * Is a `running` run really running? A run records who runs it (host, pid, the process's start
 * time) and refreshes a heartbeat while it trains; a reader on the same host asks the OS whether
 * that process still exists, a reader elsewhere (a shared folder, a cluster) looks at the heartbeat's
 * age. Either way a dead run is shown `crashed` instead of `running` forever. Node only; no engine,
 * no vscode.
 */
import fs from 'node:fs';
import os from 'node:os';
import type { RunOwner, RunSummary } from '../protocol/records';
import { processExists } from './atomicFile';

/** A heartbeat older than this many multiples of the run's own promise counts as stale. */
const STALE_FACTOR = 3;
/** The smallest heartbeat promise: short steps still get minutes of slack (clock skew, a busy NFS server). */
export const MIN_HEARTBEAT_TIMEOUT_MS = 5 * 60_000;

/**
 * The start time of a process in clock ticks since boot (Linux `/proc/<pid>/stat`, field 22), which
 * tells a live process from a later one that reused its pid. Undefined where /proc is not available.
 */
export function processStartTicks(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its end.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

export function currentOwner(): RunOwner {
  const owner: RunOwner = { host: os.hostname(), pid: process.pid };
  const ticks = processStartTicks(process.pid);
  if (ticks !== undefined) owner.startTicks = ticks;
  return owner;
}

/** True/false when this host can tell; undefined when the owner runs on another host. */
export function isOwnerAlive(owner: RunOwner): boolean | undefined {
  if (owner.host !== os.hostname()) return undefined;
  if (!processExists(owner.pid)) return false;
  if (owner.startTicks !== undefined) {
    const now = processStartTicks(owner.pid);
    if (now !== undefined && now !== owner.startTicks) return false; // the pid was reused
  }
  return true;
}

/** Why a summary that says `running` is not running any more, or null when it may well be. */
export function crashedReason(summary: RunSummary, now = Date.now()): string | null {
  if (summary.status !== 'running') return null;
  const owner: RunOwner | undefined = summary.owner ?? (typeof summary.pid === 'number' ? { host: os.hostname(), pid: summary.pid } : undefined);
  if (owner) {
    const alive = isOwnerAlive(owner);
    if (alive === false) return `the trainer process (pid ${owner.pid} on ${owner.host}) is gone; it ended without recording how the run ended`;
    if (alive === true) return null;
  }
  if (summary.heartbeatAt) {
    const last = Date.parse(summary.heartbeatAt);
    const timeout = Math.max(MIN_HEARTBEAT_TIMEOUT_MS, summary.heartbeatTimeoutMs ?? 0);
    if (Number.isFinite(last) && now - last > STALE_FACTOR * timeout) {
      return `no heartbeat from ${owner ? `pid ${owner.pid} on ${owner.host}` : 'its trainer'} since ${summary.heartbeatAt}`;
    }
  }
  return null;
}

/** The summary as a reader should show it: `crashed` (with the reason) when its process is gone. */
export function withLiveness(summary: RunSummary, now = Date.now()): RunSummary {
  const reason = crashedReason(summary, now);
  if (!reason) return summary;
  return { ...summary, status: 'crashed', message: reason };
}
