/**
 * Colours and font for the canvases, read from the `--vscode-*` theme variables (through the
 * `--hrnn-*` aliases in plots.css, which carry fallbacks for the standalone report). Canvas cannot
 * use CSS variables, so they are resolved to concrete colours by probe elements, and read again
 * whenever VS Code switches theme (it changes the body class and the variables on <html>).
 */
export interface Theme {
  fg: string;
  muted: string;
  grid: string;
  bg: string;
  /** Background of a chart card (PNG export fills with it). */
  card: string;
  accent: string;
  fontFamily: string;
  fontSize: number;
  dark: boolean;
}

const PROBES = ['fg', 'muted', 'grid', 'bg', 'card', 'accent'] as const;

export function readTheme(): Theme {
  const host = document.createElement('div');
  host.className = 'hrnn-theme-probes';
  const spans = PROBES.map((name) => {
    const s = document.createElement('span');
    s.className = `hrnn-probe-${name}`;
    host.appendChild(s);
    return s;
  });
  document.body.appendChild(host);
  const colors = spans.map((s) => getComputedStyle(s).color);
  const bodyStyle = getComputedStyle(document.body);
  host.remove();
  const [fg, muted, grid, bg, card, accent] = colors;
  const fontSize = parseFloat(bodyStyle.fontSize);
  return {
    fg,
    muted,
    grid,
    bg,
    card,
    accent,
    fontFamily: bodyStyle.fontFamily || 'sans-serif',
    fontSize: Number.isFinite(fontSize) && fontSize > 0 ? Math.min(fontSize, 16) : 12,
    dark: luminance(bg) < 0.5,
  };
}

/** Calls `onChange` (at most once per frame) when the editor theme changes. */
export function watchTheme(onChange: () => void): void {
  let scheduled = false;
  const fire = () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      onChange();
    });
  };
  const observer = new MutationObserver(fire);
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
}

/** Relative luminance of an `rgb()`/`rgba()` colour, 0..1 (0.5 when unparseable). */
export function luminance(color: string): number {
  const m = /rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)/.exec(color);
  if (!m) return 0.5;
  const [r, g, b] = [m[1], m[2], m[3]].map((c) => {
    const v = Number(c) / 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
