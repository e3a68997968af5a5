import assert from 'node:assert/strict';
import { makeNonce, panelHtml } from '../../../src/extension/plots/panelHtml';

describe('extension: plots webview HTML and its Content Security Policy', () => {
  const input = {
    cspSource: 'https://abc.vscode-cdn.net',
    scriptUri: 'https://abc.vscode-cdn.net/ext/media/webview/plots.js',
    styleUri: 'https://abc.vscode-cdn.net/ext/media/webview/plots.css',
    nonce: 'N0nce123N0nce123N0nce123',
    title: 'Plots <x>',
  };

  function csp(html: string): Record<string, string[]> {
    const content = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
    assert.ok(content, 'the page declares a CSP');
    return Object.fromEntries(
      content
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([k, ...v]) => [k, v]),
    );
  }

  it('allows scripts only with the nonce: no inline script, no eval, no remote origin', () => {
    const html = panelHtml(input);
    const directives = csp(html);
    assert.deepEqual(directives['default-src'], ["'none'"]);
    assert.deepEqual(directives['script-src'], [`'nonce-${input.nonce}'`]);
    assert.ok(!html.includes('unsafe-eval') && !html.includes('unsafe-inline'));
    for (const [name, sources] of Object.entries(directives))
      for (const src of sources) assert.ok(!/^https?:/.test(src) || src === input.cspSource, `${name} allows ${src}`);
  });

  it('loads exactly one script, the extension bundle, with the nonce; escapes the title', () => {
    const html = panelHtml(input);
    const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
    assert.deepEqual(scripts, [` nonce="${input.nonce}" src="${input.scriptUri}"`]);
    assert.match(html, /<title>Plots &lt;x&gt;<\/title>/);
  });

  it('uses a fresh 24-character nonce for every load', () => {
    const { nonce: _, ...withoutNonce } = input;
    const a = csp(panelHtml(withoutNonce))['script-src'][0];
    const b = csp(panelHtml(withoutNonce))['script-src'][0];
    assert.match(a, /^'nonce-[A-Za-z0-9]{24}'$/);
    assert.notEqual(a, b);
    assert.match(makeNonce(), /^[A-Za-z0-9]{24}$/);
  });
});
