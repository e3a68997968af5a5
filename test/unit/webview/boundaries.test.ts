import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

describe('webview boundaries', () => {
  it('imports only itself, src/protocol and the chart libraries (never the engine or vscode)', () => {
    const files = sources(path.join(ROOT, 'webview/src'));
    assert.ok(files.length > 5, 'found the webview sources');
    const allowedPackages = new Set(['chart.js', 'chartjs-plugin-zoom']);
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+'([^']+)'|import\('([^']+)'\)/g)) {
        const spec = m[1] ?? m[2];
        if (!spec.startsWith('.')) {
          assert.ok(allowedPackages.has(spec), `${path.relative(ROOT, file)} imports package "${spec}"`);
          continue;
        }
        const target = path.relative(ROOT, path.resolve(path.dirname(file), spec));
        assert.ok(
          target.startsWith(`webview${path.sep}src`) || target.startsWith(`src${path.sep}protocol${path.sep}`),
          `${path.relative(ROOT, file)} imports ${target}`,
        );
      }
    }
  });

  it('keeps the pure core free of the DOM (it runs under mocha)', () => {
    for (const file of sources(path.join(ROOT, 'webview/src/core'))) {
      const text = fs.readFileSync(file, 'utf8');
      assert.ok(
        !/\b(document|window|HTMLElement|requestAnimationFrame)\b/.test(text.replace(/\/\*[^]*?\*\/|\/\/.*$/gm, '')),
        `${path.relative(ROOT, file)} touches the DOM`,
      );
    }
  });
});
