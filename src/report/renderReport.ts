/**
 * `renderReportHtml`: one self-contained HTML file with the plots of run and sweep folders. It
 * inlines the same webview bundle the editor panel loads (plots.js, plots.css) and the snapshot as
 * a non-executed JSON block; the bundle notices there is no VS Code and reads the block itself.
 * No network access: everything is inline, under a strict CSP.
 */
import crypto from 'node:crypto';
import { REPORT_DATA_ELEMENT_ID, WEBVIEW_ROOT_ID, type ReportPayload } from '../protocol/webview';
import { loadWebviewAssets } from './assets';
import { loadReportSnapshot, type ReportDataOptions } from './reportData';

export interface ReportOptions extends ReportDataOptions {
  /** Colour scheme; `auto` follows the reader's browser. */
  theme?: 'auto' | 'light' | 'dark';
  /** Package root holding media/webview/ (default: found above this file). */
  assetsRoot?: string;
  /** Written into the page as its generator, e.g. `hrnn report 0.1.0`. */
  generator?: string;
  /** Fixed time stamp (tests); default now. */
  generatedAt?: Date;
}

export function renderReportHtml(runDirs: string[], options: ReportOptions = {}): string {
  const snapshot = loadReportSnapshot(runDirs, options);
  const assets = loadWebviewAssets(options.assetsRoot);
  const payload: ReportPayload = {
    snapshot,
    generatedAt: (options.generatedAt ?? new Date()).toISOString(),
    generator: options.generator ?? 'hrnn report',
    theme: options.theme ?? 'auto',
  };
  const nonce = crypto.randomBytes(18).toString('base64');
  const csp = `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; img-src data: blob:`;
  const initialTheme = options.theme === 'dark' ? 'vscode-dark' : 'vscode-light';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${escapeAttr(payload.generator)}">
<title>${escapeText(snapshot.title)}</title>
<style nonce="${nonce}">
${escapeStyle(assets.style)}
</style>
</head>
<body class="hrnn-standalone ${initialTheme}">
<div id="${WEBVIEW_ROOT_ID}"></div>
<script type="application/json" id="${REPORT_DATA_ELEMENT_ID}">${jsonForScript(payload)}</script>
<script nonce="${nonce}">
${scriptForInline(assets.script)}
</script>
</body>
</html>
`;
}

/** JSON that cannot end its <script> block early: `<`, U+2028 and U+2029 escaped. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The bundle without its source-map link (which would point at a file the report lacks). */
function scriptForInline(js: string): string {
  return js
    .replace(/^\/\/# sourceMappingURL=.*$/gm, '')
    .replace(/<\/(script)/gi, '<\\/$1')
    .replace(/<!--/g, '<\\!--');
}

function escapeStyle(css: string): string {
  return css.replace(/<\/(style)/gi, '<\\/$1');
}

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;');
}
