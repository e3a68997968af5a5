/**
 * The plots webview's HTML: a strict Content Security Policy (scripts only from the extension, with
 * a per-load nonce; no inline script, no eval, no remote content), the bundle from `media/webview/`.
 * Pure (no `vscode`) so the policy is unit-tested.
 */
import { randomBytes } from 'node:crypto';

export interface PanelHtmlInput {
  /** `webview.cspSource`: the origin the webview serves extension resources from. */
  cspSource: string;
  /** `asWebviewUri` of media/webview/plots.js and plots.css. */
  scriptUri: string;
  styleUri: string;
  nonce: string;
  title: string;
}

export function makeNonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 24).padEnd(24, '0');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    // Chart.js sizes canvases through element.style (CSSOM), which style-src does not restrict.
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `img-src ${cspSource} data: blob:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function panelHtml(input: PanelHtmlInput): string {
  const csp = contentSecurityPolicy(input.cspSource, input.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttr(input.styleUri)}" nonce="${input.nonce}">
<title>${escapeText(input.title)}</title>
</head>
<body data-hrnn-panel="plots">
<div id="app"></div>
<script nonce="${input.nonce}" src="${escapeAttr(input.scriptUri)}"></script>
</body>
</html>
`;
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
