/**
 * Terminal progress for `hrnn train`: a redrawn bar with loss and speed when stderr is a terminal,
 * otherwise a plain line every few seconds (logs of servers and CI). Numbers read as everywhere else
 * (src/protocol/format.ts).
 */
import { formatDuration, formatNumber, formatSpeed } from '../protocol/format';

export interface ProgressLine {
  label: string;
  step: number;
  total: number;
  loss: number;
  stepsPerSecond: number;
}

export function renderBar(p: ProgressLine, width = 28): string {
  const frac = p.total > 0 ? Math.min(1, p.step / p.total) : 0;
  const filled = Math.round(frac * width);
  const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
  // Whole seconds: tenths of a second of an estimate would only flicker.
  const eta = p.stepsPerSecond > 0 ? formatDuration(Math.round((p.total - p.step) / p.stepsPerSecond)) : '?';
  return `${p.label} ${bar} ${p.step}/${p.total} loss ${formatNumber(p.loss)} ${formatSpeed(p.stepsPerSecond)} ETA ${eta}`;
}

export class ProgressReporter {
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly interactive = Boolean(stream.isTTY),
  ) {}

  update(p: ProgressLine): void {
    const now = Date.now();
    const final = p.step >= p.total;
    if (this.interactive) {
      if (!final && now - this.lastDraw < 100) return;
      const cols = this.stream.columns || 120;
      this.stream.write(
        '\r' +
          renderBar(p)
            .slice(0, cols - 1)
            .padEnd(Math.min(cols - 1, 110)),
      );
      this.drawn = true;
    } else {
      if (!final && now - this.lastDraw < 5000) return;
      this.stream.write(renderBar(p, 20) + '\n');
    }
    this.lastDraw = now;
  }

  /** Ends the bar line so the next message starts on a fresh line. */
  clear(): void {
    if (this.interactive && this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}
