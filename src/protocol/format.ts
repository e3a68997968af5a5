/**
 * How numbers read wherever a person sees them: the CLI's progress bar and final line, the status
 * bar, notifications and runs view of the extension, and the plots webview / HTML report. One rule
 * per kind of number, so a loss or an accuracy reads the same in every place.
 *
 * Pure functions over numbers and the run-folder records: no Node, DOM or `vscode` API (the webview
 * bundle and the CLI both import this file).
 */
import { headlineMetric, type RunSummary } from './records';

/**
 * Up to 4 significant digits (`0.01234`, `1235`, `0.5`); exponent form with 3 significant digits
 * for magnitudes below 1e-3 or from 1e5 up (`1.23e-5`, `2.5e6`), where plain digits would be long.
 */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  // Rounded first, so 99999.9 (which rounds to 1e5) takes the exponent form too.
  const plain = Number(x.toPrecision(4));
  const a = Math.abs(plain);
  if (a < 1e-3 || a >= 1e5) {
    const [mantissa, exponent] = x.toExponential(2).split('e');
    return `${trimZeros(mantissa)}e${Number(exponent)}`;
  }
  // String(Number(...)) drops trailing zeros and shows no exponent inside this range.
  return String(plain);
}

/**
 * A fraction in [0, 1] as a percentage: `decimals` decimals from 10% up (`97.3%`), as many
 * significant digits plus one below (`5.3%`, `0.53%`), none for whole percentages (`100%`).
 */
export function formatPercent(fraction: number, decimals = 1): string {
  if (!Number.isFinite(fraction)) return String(fraction);
  const p = fraction * 100;
  if (Number.isInteger(p)) return `${p}%`;
  return `${Math.abs(p) >= 10 ? p.toFixed(decimals) : p.toPrecision(decimals + 1)}%`;
}

/** Seconds as `42 s` (one decimal under a minute), `m:ss` or `h:mm:ss`; empty when not finite. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '';
  const sign = seconds < 0 ? '-' : '';
  let s = Math.abs(seconds);
  if (s < 60) return `${sign}${formatNumber(Math.round(s * 10) / 10)} s`;
  s = Math.round(s);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${sign}${h > 0 ? `${h}:` : ''}${mm}:${String(sec).padStart(2, '0')}`;
}

/** Training speed: whole steps from 10/s up (`45 steps/s`), one decimal below (`2.3 steps/s`). */
export function formatSpeed(stepsPerSecond: number): string {
  return `${stepsPerSecond >= 10 ? stepsPerSecond.toFixed(0) : stepsPerSecond.toFixed(1)} steps/s`;
}

/** What a progress line needs of a run in training (the extension's RunProgress has these fields). */
export interface ProgressFigures {
  step: number;
  totalSteps: number;
  /** Loss of the last training step; null before the first. */
  loss: number | null;
  /** null until the speed is known. */
  stepsPerSecond: number | null;
}

/** `step 120/2000 · loss 0.1234 · 45 steps/s`, leaving out what is not known yet. */
export function formatProgress(p: ProgressFigures): string {
  const parts = [`step ${p.step}/${p.totalSteps}`];
  if (p.loss !== null) parts.push(`loss ${formatNumber(p.loss)}`);
  if (p.stepsPerSecond !== null) parts.push(formatSpeed(p.stepsPerSecond));
  return parts.join(' · ');
}

/** The metric a run is judged by (see headlineMetric): `acc 97.1%`, `mse 0.01234` or `loss 0.3`. */
export function formatMetric(summary: RunSummary): string | undefined {
  const m = headlineMetric(summary);
  if (!m) return undefined;
  if (m.name === 'accuracy') return `acc ${formatPercent(m.value)}`;
  return `${m.name} ${formatNumber(m.value)}`;
}

/** The run's time constant from its tags (`τ 0.1`), when it has one. */
export function formatTau(summary: RunSummary): string | undefined {
  const tau = summary.tags?.tau;
  return typeof tau === 'number' ? `τ ${formatNumber(tau)}` : undefined;
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}
