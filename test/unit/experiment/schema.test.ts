/** The published JSON Schema: valid draft-07, generated from the TypeBox schema, documented. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { experimentJsonSchema, experimentJsonSchemaText, type SchemaNode } from '../../../src/experiment/jsonSchema';
import { SCHEMA_ID } from '../../../src/experiment/schema';
import { createAjv } from '../../../src/experiment/schemaValidator';
import { REPO_ROOT } from './paths';

const PUBLISHED = path.join(REPO_ROOT, 'media/experiment.schema.json');

describe('experiment schema', () => {
  it('is valid against the draft-07 meta-schema', () => {
    const ajv = new Ajv({ strict: false });
    const schema = experimentJsonSchema();
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    const valid = ajv.validateSchema(schema as object);
    assert.equal(valid, true, JSON.stringify(ajv.errors));
    // The meta-schema check must be able to fail.
    assert.equal(ajv.validateSchema({ ...schema, properties: { task: { type: 'no-such-type' } } }), false);
  });

  it('compiles in ajv strict mode once the x- annotations are known keywords, and not before', () => {
    assert.doesNotThrow(() => createAjv().compile(experimentJsonSchema()));
    assert.throws(() => new Ajv({ strict: true }).compile(experimentJsonSchema()), /unknown keyword.*x-/u);
  });

  it('media/experiment.schema.json is the generated schema (run `node scripts/build.mjs --no-tsc` after changing schema.ts)', () => {
    const published = fs.readFileSync(PUBLISHED, 'utf8');
    assert.equal(published, experimentJsonSchemaText());
    assert.equal((JSON.parse(published) as SchemaNode).$id, SCHEMA_ID);
  });

  it('gives every key a description and an example, and every leaf key a default', () => {
    const noDefault = new Set(['name', 'description']);
    const missing: string[] = [];
    const walk = (node: SchemaNode, prefix: string) => {
      for (const [key, child] of Object.entries(node.properties ?? {})) {
        const dotted = prefix === '' ? key : `${prefix}.${key}`;
        if (dotted.startsWith('sweep.grid.')) continue; // derived from the keys they sweep
        if (!child.description) missing.push(`${dotted}: description`);
        if (!child.examples || child.examples.length === 0) missing.push(`${dotted}: examples`);
        const leaf = child.type !== 'object';
        if (leaf && child.default === undefined && !noDefault.has(dotted)) missing.push(`${dotted}: default`);
        if (!leaf) walk(child, dotted);
      }
    };
    walk(experimentJsonSchema(), '');
    assert.deepEqual(missing, []);
  });

  it("lets a sweep vary every leaf key of task, model, training and probes, with that key's values", () => {
    const schema = experimentJsonSchema();
    const grid = schema.properties!.sweep.properties!.grid;
    for (const section of ['task', 'model', 'training', 'probes']) {
      for (const [key, leaf] of Object.entries(schema.properties![section].properties!)) {
        const entry = grid.properties![`${section}.${key}`];
        assert.ok(entry, `${section}.${key} is not sweepable`);
        assert.equal(entry.type, 'array');
        assert.deepEqual(entry.items, leaf);
      }
    }
    assert.equal(grid.additionalProperties, false);
  });

  it('marks model-specific keys with x-appliesTo and task-specific keys with x-appliesToTask', () => {
    const model = experimentJsonSchema().properties!.model.properties!;
    assert.deepEqual(model.tau['x-appliesTo'], ['hamiltonian']);
    assert.deepEqual(model.gamma['x-appliesTo'], ['cornn']);
    assert.equal(model.hidden['x-appliesTo'], undefined);
    const task = experimentJsonSchema().properties!.task.properties!;
    assert.deepEqual(task.length['x-appliesToTask'], ['adding', 'copy']);
    assert.deepEqual(task.trainLimit['x-appliesToTask'], ['smnist', 'psmnist']);
  });
});
