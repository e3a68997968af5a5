/**
 * YAML warnings (an unknown tag such as `hidden: !foo 3`) become the project's own positioned
 * warnings, and the YAML library never prints its own `YAMLWarning` process warning.
 */
import assert from 'node:assert/strict';
import { loadExperimentText } from '../../../src/experiment';
import { parseOverride } from '../../../src/experiment/overrides';
import { formatProblem } from '../../../src/experiment/problems';

/** Runs `fn` and returns the process warnings it caused (they are emitted on a later tick). */
async function processWarningsOf(fn: () => void): Promise<string[]> {
  const seen: string[] = [];
  const listener = (w: Error) => seen.push(`${w.name}: ${w.message}`);
  process.on('warning', listener);
  try {
    fn();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', listener);
  }
  return seen;
}

const TAGGED = 'task: {kind: adding, length: 10}\nmodel:\n  kind: hamiltonian\n  hidden: !foo 3\n';

describe('YAML warnings', () => {
  it('an unknown tag in a file is a warning at its line and column, not a process warning', async () => {
    let lines: string[] = [];
    const warnings = await processWarningsOf(() => {
      const result = loadExperimentText(TAGGED, 'tag.hrnn.yaml');
      assert.equal(result.ok, false, 'the value becomes the string "3", which hidden refuses');
      if (!result.ok) lines = result.problems.map((p) => formatProblem('tag.hrnn.yaml', p));
    });
    assert.deepEqual(warnings, []);
    assert.ok(lines.includes('tag.hrnn.yaml:4:11: warning: model.hidden: unresolved tag: !foo'), lines.join('\n'));
    const ok = await processWarningsOf(() => {
      const result = loadExperimentText(TAGGED.replace('hidden: !foo 3', 'hidden: 3') + 'name: !bar x\n', 'tag.hrnn.yaml');
      assert.ok(result.ok);
      assert.deepEqual(
        result.warnings.map((w) => formatProblem('tag.hrnn.yaml', w)),
        ['tag.hrnn.yaml:5:7: warning: name: unresolved tag: !bar'],
      );
    });
    assert.deepEqual(ok, []);
  });

  it('an unknown tag in a --set value is refused with the override named, not a process warning', async () => {
    const warnings = await processWarningsOf(() => {
      const parsed = parseOverride('model.hidden=!foo 3');
      assert.deepEqual(parsed, { ok: false, message: '--set model.hidden=!foo 3: the value is not valid YAML (unresolved tag: !foo)' });
      const result = loadExperimentText(TAGGED.replace('!foo 3', '3'), 'f.hrnn.yaml', { overrides: ['model.hidden=!foo 3'] });
      assert.ok(!result.ok);
      assert.deepEqual(
        result.problems.map((p) => formatProblem('f.hrnn.yaml', p)),
        ['f.hrnn.yaml:1:1: error: --set model.hidden=!foo 3: the value is not valid YAML (unresolved tag: !foo)'],
      );
    });
    assert.deepEqual(warnings, []);
    // Standard tags still work.
    const int = parseOverride('model.hidden=!!int 3');
    assert.ok(int.ok && int.override.value === 3);
  });
});
