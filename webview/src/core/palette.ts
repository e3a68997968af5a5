/**
 * Run colours: ten hues of medium lightness that keep contrast on both dark and light editor
 * backgrounds (no yellow or pale grey, which vanish on white; no navy, which vanishes on black).
 * The host assigns `colorIndex`, so a run keeps its colour across reloads and panels.
 */
export const RUN_PALETTE = [
  '#3b8eea', // blue
  '#f0803c', // orange
  '#2fb380', // green
  '#e5506b', // rose
  '#a77be8', // violet
  '#c9a227', // ochre
  '#1fb5c4', // teal
  '#d669b8', // pink
  '#8a9a3a', // olive
  '#9a8372', // taupe
] as const;

export function runColor(colorIndex: number): string {
  const n = RUN_PALETTE.length;
  const i = Number.isFinite(colorIndex) ? ((Math.trunc(colorIndex) % n) + n) % n : 0;
  return RUN_PALETTE[i];
}

/** `#rrggbb` with an alpha channel, for the faint raw line behind a smoothed one. */
export function withAlpha(hex: string, alpha: number): string {
  const a = Math.round(Math.min(Math.max(alpha, 0), 1) * 255)
    .toString(16)
    .padStart(2, '0');
  return hex.length === 7 ? hex + a : hex;
}
