/**
 * The getting-started walkthrough (package.json `contributes.walkthroughs`, issue 12): every step's
 * page exists and is non-empty, and every command it links to or completes on is one the extension
 * contributes, so a renamed command cannot leave a dead button. Reads files only; no `vscode`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../experiment/paths';

interface Step {
  id: string;
  title: string;
  description: string;
  media: { markdown?: string };
  completionEvents?: string[];
}
interface Manifest {
  contributes: { commands: { command: string }[]; walkthroughs?: { id: string; steps: Step[] }[] };
}

describe('walkthrough: getting started', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;
  const commands = new Set(pkg.contributes.commands.map((c) => c.command));
  const steps = pkg.contributes.walkthroughs?.flatMap((w) => w.steps) ?? [];

  it('has steps, each with a page of its own', () => {
    assert.ok(steps.length >= 4, `${steps.length} steps`);
    const pages = steps.map((s) => s.media.markdown);
    assert.equal(new Set(pages).size, steps.length);
    for (const page of pages) {
      assert.ok(page, 'a step without a markdown page');
      const text = fs.readFileSync(path.join(REPO_ROOT, page), 'utf8');
      assert.match(text, /^## \S/, `${page} starts with its heading`);
    }
  });

  it('links and completes only on contributed commands', () => {
    for (const step of steps) {
      const linked = [...step.description.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1]);
      const completing = (step.completionEvents ?? []).map((e) => e.replace(/^onCommand:/, ''));
      assert.ok(linked.length > 0, `${step.id} offers a button`);
      for (const c of [...linked, ...completing]) assert.ok(commands.has(c), `${step.id}: ${c} is not contributed`);
    }
  });
});
