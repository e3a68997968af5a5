/**
 * The plots webview's HTML as the host serves it: the skeleton and strict Content Security Policy of
 * the webview contract (`buildWebviewHtml`: scripts only from the extension with a per-load nonce,
 * no inline script, no eval, no remote content), plus the nonce. Pure (no `vscode`), unit-tested.
 */
import { randomBytes } from 'node:crypto';
import { buildWebviewHtml } from '../../protocol/webview';

export interface PanelHtmlInput {
  /** `webview.cspSource`: the origin the webview serves extension resources from. */
  cspSource: string;
  /** `asWebviewUri` of media/webview/plots.js and plots.css. */
  scriptUri: string;
  styleUri: string;
  title: string;
  /** Fresh per load unless given (tests). */
  nonce?: string;
}

export function makeNonce(): string {
  return randomBytes(18)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 24)
    .padEnd(24, '0');
}

export function panelHtml(input: PanelHtmlInput): string {
  return buildWebviewHtml({ ...input, nonce: input.nonce ?? makeNonce() });
}
