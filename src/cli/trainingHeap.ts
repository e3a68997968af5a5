/**
 * The JavaScript heap settings of a process that trains (`hrnn train`, in a terminal or as the
 * extension's trainer process): V8's incremental marking is turned off there.
 *
 * Why: a training process keeps a small heap (15-40 MB) and allocates briskly (a batch, gradients,
 * parameter copies: hundreds of KB a step). Once V8's young generation has grown to its full size,
 * the old generation's headroom is smaller than it, and V8 then starts an incremental marking cycle
 * after another "in case": on the add200 tanh RNN and two-layer LSTM a mark-compact every 15-20
 * steps, with its concurrent marking and sweeping on helper threads. On a two-core machine those
 * threads take cores from the fused kernel's threads, which wait for each other every time step.
 * Without incremental marking, V8 collects the old generation only when its limit is reached (in
 * one pause, a few ms on such a heap): 5 mark-compacts in 400 tanh steps instead of 20-31, and
 * the step 7-10 % faster (bench/RESULTS-peers.md). Scavenges of the young generation are unchanged.
 *
 * Only the process's entry calls this (cli/main.ts runCli), never the extension host or a test
 * runner. HRNN_INCREMENTAL_MARKING=1 keeps V8's default (for side-by-side measurements).
 * Depends on node:v8 only.
 */
import v8 from 'node:v8';

/** Applies the training heap settings to this process unless the environment opts out; says whether it did. */
export function useTrainingHeapSettings(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.HRNN_INCREMENTAL_MARKING === '1') return false;
  // Read by V8 each time it considers starting a marking cycle, so it takes effect when set at run time.
  v8.setFlagsFromString('--no-incremental-marking');
  return true;
}
