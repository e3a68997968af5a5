import assert from 'node:assert/strict';
import { contentSecurityPolicy, makeNonce, panelHtml } from '../../../src/extension/plots/panelHtml';

describe('extension: plots webview HTML and its Content Security Policy', () => {
  const input = {
    cspSource: 'https://abc.vscode-cdn.net',
    scriptUri: 'https://abc.vscode-cdn.net/ext/media/webview/plots.js',
    styleUri: 'https://abc.vscode-cdn.net/ext/media/webview/plots.css',
    nonce: 'N0nce123N0nce123N0nce123',
    title: 'Plots <x>',
  };

  it('allows scripts only with the nonce: no inline script, no eval, no remote origin', () => {
    const csp = contentSecurityPolicy(input.cspSource, input.nonce);
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    assert.deepEqual(directives['default-src'], ["'none'"]);
    assert.deepEqual(directives['script-src'], [`'nonce-${input.nonce}'`]);
    assert.ok(!csp.includes('unsafe-eval') && !csp.includes('unsafe-inline'), csp);
    assert.ok(!/https?:\/\/(?!abc\.vscode-cdn\.net)/.test(csp), 'only the webview resource origin');
  });

  it('loads the bundle with the nonce and escapes the title', () => {
    const html = panelHtml(input);
    assert.match(html, new RegExp(`<script nonce="${input.nonce}" src="${input.scriptUri.replace(/[.]/g, '\\.')}"></script>`));
    assert.equal((html.match(/<script/g) ?? []).length, 1, 'exactly one script, from the extension');
    assert.match(html, /<title>Plots &lt;x&gt;<\/title>/);
    assert.match(html, /http-equiv="Content-Security-Policy"/);
  });

  it('makes a fresh 24-character nonce each time', () => {
    const a = makeNonce();
    const b = makeNonce();
    assert.match(a, /^[A-Za-z0-9]{24}$/);
    assert.notEqual(a, b);
  });
});
