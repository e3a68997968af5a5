// FLOP floors for the bench scripts (bench/run.mjs, bench/cli-kinds.mjs): the FLOPs of one training
// step of each model kind, and this CPU's FMA peak (bench/fma_peak.c compiled with -march=native
// into a temp dir removed when the process exits, run with one thread per core). Depends on Node
// and, for the peak, a C compiler `cc`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Builds fma_peak; returns the executable's path, or null (with the reason on stderr) when cc fails. */
export function buildFmaPeak() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-fma-peak-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const exe = path.join(dir, 'fma_peak');
  const cc = spawnSync('cc', ['-O2', '-march=native', '-pthread', path.join(here, 'fma_peak.c'), '-o', exe], { encoding: 'utf8' });
  if (cc.status === 0) return exe;
  console.error(`  FMA peak: cc failed: ${((cc.stderr || '') + (cc.error?.message ?? '')).trim().split('\n').slice(-2).join(' | ')}`);
  return null;
}

/** The arguments that run fma_peak over `seconds` with one thread per core. */
export const fmaPeakArgs = (seconds) => [String(os.cpus().length), String(seconds)];

/** FLOPs of one Hamiltonian RNN step (variant full): forward and backward, T·(12·B·m² + 4·B·m·d). */
export const hamiltonianFlops = ({ T, B, m, d }) => T * (12 * B * m * m + 4 * B * m * d);

/** FLOPs of one peer step: 3 x the forward's products, 2·B·G·m·(K + input) per step and layer. */
export function peerFlops(kind, { T, B, m, d }, layers = 1) {
  const G = kind === 'lstm' ? 4 : kind === 'gru' ? 3 : 1;
  const K = kind === 'cornn' ? 2 * m : m;
  let total = 0;
  for (let l = 0; l < layers; l++) total += 6 * B * G * m * (K + (l === 0 ? d : m));
  return T * total;
}

/** ms of one step at a FLOP count, at a peak in GFLOP/s. */
export const floorMs = (flopCount, gflops) => (flopCount / (gflops * 1e9)) * 1e3;
