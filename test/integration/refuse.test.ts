import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as vscode from 'vscode';
import { SLOW_MS, experimentUri, getApi, openExperiment, runsDir, trainFromPalette, waitFor, withTimeout } from './helpers';
import { driver } from './uiDriver';

// broken.hrnn.yaml: line 9 `  tau: -0.5` (a negative step size), line 12 `  learningRat: 0.01` (unknown key).
describe('A broken experiment', () => {
  it('gets diagnostics at the right lines while it is open', async function () {
    const api = await getApi();
    assert.ok(api.editorSupport, 'the experiment editor support is registered');
    const uri = experimentUri('broken.hrnn.yaml');
    await openExperiment('broken.hrnn.yaml');
    const diagnostics = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(uri);
      return d.length >= 2 ? d : undefined;
    }, 'diagnostics on broken.hrnn.yaml');
    const tau = diagnostics.find((d) => /tau/.test(d.message));
    assert.ok(tau, `a diagnostic about tau: ${diagnostics.map((d) => d.message).join(' | ')}`);
    assert.equal(tau.range.start.line, 8, 'the tau problem is on line 9');
    assert.equal(tau.severity, vscode.DiagnosticSeverity.Error);
    const unknown = diagnostics.find((d) => /learningRat\b/.test(d.message));
    assert.ok(unknown, 'a diagnostic about the unknown key');
    assert.equal(unknown.range.start.line, 11, 'the unknown key is on line 12');
  });

  it('is refused by Train with a message naming the problems', async () => {
    const api = await getApi();
    const before = fs.existsSync(runsDir()) ? fs.readdirSync(runsDir()) : [];
    const session = await trainFromPalette(api, 'broken.hrnn.yaml');
    await withTimeout(session.ended, SLOW_MS, 'the refusal');
    assert.equal(session.outcome?.kind, 'refused', JSON.stringify(session.outcome));
    const problems = session.refusedProblems ?? [];
    assert.ok(
      problems.some((p) => /broken\.hrnn\.yaml:9:\d+: error: .*tau/.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => /broken\.hrnn\.yaml:12:\d+: error: .*learningRat/.test(p)),
      problems.join('\n'),
    );
    const notice = await waitFor(
      () => api.notifier.notices.find((n) => n.severity === 'error' && /refused to train broken\.hrnn\.yaml/.test(n.message)),
      'the refusal message',
    );
    assert.match(notice.message, /broken\.hrnn\.yaml:9:\d+/);
    const after = fs.existsSync(runsDir()) ? fs.readdirSync(runsDir()) : [];
    assert.deepEqual(
      after.filter((d) => d.startsWith('broken')),
      [],
      'no run folder for a refused experiment',
    );
    assert.equal(before.length, after.length);
    if (driver) {
      const toasts = await waitFor(async () => {
        const m = await driver!.notifications();
        return m.some((t) => /refused to train broken\.hrnn\.yaml/.test(t)) ? m : undefined;
      }, 'the refusal notification on screen');
      console.log(`notification on screen: ${toasts.find((t) => /refused/.test(t))}`);
      await driver.screenshot('refused', 'page');
    }
  });
});
