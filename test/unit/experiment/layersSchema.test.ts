/** `model.layers`: default 1, integers from 1 to 16 only, documented for hover. */
import assert from 'node:assert/strict';
import { schemaAt } from '../../../src/experiment/jsonSchema';
import { loadExperimentText } from '../../../src/experiment/load';

function load(layers: string | null) {
  const line = layers === null ? '' : `\n  layers: ${layers}`;
  return loadExperimentText(`task:\n  kind: adding\n  length: 20\nmodel:\n  kind: lstm\n  hidden: 8${line}\n`, 'layers.hrnn.yaml');
}

describe('model.layers in the schema', () => {
  it('defaults to 1 and resolves what is written', () => {
    const none = load(null);
    assert.ok(none.ok && none.resolved);
    assert.equal(none.resolved.model.layers, 1);
    const three = load('3');
    assert.ok(three.ok && three.resolved);
    assert.equal(three.resolved.model.layers, 3);
  });

  for (const bad of ['0', '-1', '2.5', '17', 'two']) {
    it(`rejects layers: ${bad} with an error at model.layers`, () => {
      const r = load(bad);
      assert.equal(r.ok, false);
      assert.ok(!r.ok && r.problems.some((p) => p.severity === 'error' && p.path === 'model.layers'), JSON.stringify(!r.ok && r.problems));
    });
  }

  it('has a hover description', () => {
    const node = schemaAt(['model', 'layers']);
    assert.match(String(node?.description), /stacked recurrent layers/);
  });
});
