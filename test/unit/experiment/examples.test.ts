/**
 * The shipped examples and the New Experiment templates (issue 12): each example is its template
 * rendered under its default name, so the two cannot drift apart, and no example carries a relative
 * `$schema` link (it breaks once the file is copied elsewhere; the `.hrnn.yaml` name gets the schema).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { EXPERIMENT_TEMPLATES, renderExample } from '../../../src/experiment/templates';
import { EXAMPLES, REPO_ROOT } from './paths';

describe('experiment files: examples and templates agree', () => {
  for (const template of EXPERIMENT_TEMPLATES) {
    const file = path.join(EXAMPLES, `${template.defaultName}.hrnn.yaml`);
    it(`examples/${template.defaultName}.hrnn.yaml is the ${template.id} template`, () => {
      assert.ok(fs.existsSync(file), `${file} is missing; write it as renderExample(template)`);
      assert.equal(fs.readFileSync(file, 'utf8'), renderExample(template), `${file} differs from its template in src/experiment/templates.ts`);
    });
  }

  it('the adding T = 50 template is the default experiment npm start trains', () => {
    const template = EXPERIMENT_TEMPLATES.find((t) => t.id === 'adding-T50')!;
    assert.ok(renderExample(template).includes('steps: 4000'));
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    assert.match(pkg.scripts.start, /examples\/adding-T50\.hrnn\.yaml/u);
  });

  it('no example has a modeline with a relative schema path, and the editor gets the schema from the .hrnn.yaml name', () => {
    const files = fs.readdirSync(EXAMPLES).filter((f) => /\.ya?ml$/u.test(f));
    assert.ok(files.length > 0);
    for (const f of files) {
      assert.ok(f.endsWith('.hrnn.yaml'), `${f}: only *.hrnn.yaml files get the schema by name`);
      const text = fs.readFileSync(path.join(EXAMPLES, f), 'utf8');
      assert.doesNotMatch(text, /\$schema=\.{1,2}\//u, `${f} links the schema by a relative path`);
    }
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      contributes: { yamlValidation: { fileMatch: string[]; url: string }[] };
    };
    const association = pkg.contributes.yamlValidation.find((v) => v.fileMatch.includes('*.hrnn.yaml'));
    assert.equal(association?.url, './media/experiment.schema.json');
  });
});
