/**
 * PNG export: the chart canvases are transparent, so they are copied onto an opaque canvas in the
 * theme's card colour with their titles above (an image that reads the same outside the editor).
 */
import type { ChartCard } from './chartCard';
import type { Theme } from './theme';

/** Base64 PNG (no `data:` prefix) of the cards, laid out in up to two columns. */
export function cardsToPngBase64(cards: readonly ChartCard[], theme: Theme, heading: string): string {
  const scale = window.devicePixelRatio || 1;
  const pad = Math.round(12 * scale);
  const titleSize = Math.round(14 * scale);
  const subSize = Math.round(11 * scale);
  const headSize = Math.round(16 * scale);
  const titleBlock = titleSize + subSize + Math.round(10 * scale);
  const cellW = Math.max(1, ...cards.map((c) => c.chart.canvas.width)) + 2 * pad;
  const cellH = Math.max(1, ...cards.map((c) => c.chart.canvas.height)) + titleBlock + 2 * pad;
  const cols = cards.length > 1 ? 2 : 1;
  const rows = Math.ceil(cards.length / cols);
  const headH = heading ? headSize + 2 * pad : 0;
  const out = document.createElement('canvas');
  out.width = cols * cellW;
  out.height = headH + rows * cellH;
  const ctx = out.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas context for the PNG export');
  ctx.fillStyle = theme.card;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.textBaseline = 'top';
  if (heading) {
    ctx.fillStyle = theme.fg;
    ctx.font = `600 ${headSize}px ${theme.fontFamily}`;
    ctx.fillText(heading, pad, pad);
  }
  cards.forEach((card, i) => {
    const x0 = (i % cols) * cellW + pad;
    const y0 = headH + Math.floor(i / cols) * cellH + pad;
    const spec = card.currentSpec;
    ctx.fillStyle = theme.fg;
    ctx.font = `600 ${titleSize}px ${theme.fontFamily}`;
    ctx.fillText(spec?.title ?? '', x0, y0);
    ctx.fillStyle = theme.muted;
    ctx.font = `${subSize}px ${theme.fontFamily}`;
    ctx.fillText(spec?.subtitle ?? '', x0, y0 + titleSize + Math.round(4 * scale));
    ctx.drawImage(card.chart.canvas, x0, y0 + titleBlock);
  });
  return out.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
}
