/** Number formats for axes, tooltips and the run table. */

/** Compact: 3 significant digits, exponent form for very large or small magnitudes. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) {
    const [m, e] = v.toExponential(2).split('e');
    return `${trimZeros(m)}e${Number(e)}`;
  }
  if (Number.isInteger(v)) return String(v);
  return trimZeros(v.toPrecision(3));
}

/** Seconds as `m:ss` or `h:mm:ss` (`12 s` under a minute). */
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

/** A fraction in [0, 1] as a percentage. */
export function formatPercent(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const p = v * 100;
  return `${Math.abs(p) >= 10 || p === 0 ? p.toFixed(Number.isInteger(p) ? 0 : 1) : p.toPrecision(2)}%`;
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}
