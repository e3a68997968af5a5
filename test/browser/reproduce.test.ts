/**
 * `npm run reproduce --quick` (issue 11): the pipeline that writes the README's figures and tables
 * trains every README experiment for a few steps, draws the report's chart cards in headless
 * Chromium and writes results.md whose rows are the runs' own summaries. Checks the files, not
 * the (quick, meaningless) numbers. Runs the script as a process, like CI and users do.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('npm run reproduce --quick', function () {
  this.timeout(300_000);
  let out: string;
  before(() => (out = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-reproduce-test-'))));
  after(() => fs.rmSync(out, { recursive: true, force: true }));

  it('trains the README experiments and writes their figures and result tables', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/reproduce.mjs'), '--quick', '--out', out], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const images = fs.readdirSync(path.join(out, 'images')).sort();
    assert.deepEqual(images, ['energy-drift.png', 'experiments-table.png', 'gradient-over-time.png', 'state-norms.png', 'tau-window.png']);
    for (const image of images) {
      const bytes = fs.readFileSync(path.join(out, 'images', image));
      assert.ok(bytes.subarray(0, 8).equals(PNG_SIGNATURE), `${image} is a PNG`);
      assert.ok(bytes.length > 5_000, `${image} holds a drawing (${bytes.length} bytes)`);
    }
    const results = fs.readFileSync(path.join(out, 'results.md'), 'utf8');
    assert.match(results, /Quick mode/);
    // One row per run: 2 of the gradient comparison, 1 of the energy view, 5 taus x 3 seeds of the tau sweep, each completed.
    const rows = results.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| run |'));
    assert.equal(rows.length, 18, results);
    for (const row of rows) assert.match(row, /\| completed \| 4\/4 \| mse \d/, row);
  });

  it('--long trains the sequential MNIST recipes side by side and writes their accuracy figures and curves', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/reproduce.mjs'), '--long', '--quick', '--out', out], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    for (const image of ['smnist-accuracy.png', 'psmnist-accuracy.png']) {
      const bytes = fs.readFileSync(path.join(out, 'images', image));
      assert.ok(bytes.subarray(0, 8).equals(PNG_SIGNATURE), `${image} is a PNG`);
    }
    const results = fs.readFileSync(path.join(out, 'results-long.md'), 'utf8');
    assert.match(results, /Quick mode/);
    assert.match(results, /reproduce -- --long/);
    for (const task of ['smnist', 'psmnist'])
      assert.match(results, new RegExp(`\\| ${task}-\\d{8}-\\d{6}-[0-9a-f]{4} \\| completed \\| 3/3 \\| accuracy `), results);
    // the curve: one row (minutes, step, validation accuracy) per evaluation mark
    assert.equal(results.split('\n').filter((l) => /^\| [\d.]+ \| \d+ \| [\d.]+ % \|$/.test(l)).length, 2, results);
  });

  it('--group copy trains the Hamiltonian RNN and its two peers on the copy task side by side, one figure and one curve for the three', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/reproduce.mjs'), '--group', 'copy', '--quick', '--out', out], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const bytes = fs.readFileSync(path.join(out, 'images', 'copy-accuracy.png'));
    assert.ok(bytes.subarray(0, 8).equals(PNG_SIGNATURE), 'copy-accuracy.png is a PNG');
    const results = fs.readFileSync(path.join(out, 'results-copy.md'), 'utf8');
    assert.match(results, /reproduce -- --group copy/);
    // one row per model
    for (const name of ['copy-T1000', 'copy-T1000-tanh', 'copy-T1000-lstm'])
      assert.match(results, new RegExp(`\\| ${name}-\\d{8}-\\d{6}-[0-9a-f]{4} \\| completed \\| 3/3 \\| accuracy `), results);
    assert.match(
      results,
      /\| minutes \| hamiltonian step \| hamiltonian validation \| tanh-rnn step \| tanh-rnn validation \| lstm step \| lstm validation \|/,
    );
  });

  it('--group adding trains the adding problem at T = 1000 end to end and writes its MSE figure and curve', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/reproduce.mjs'), '--group', 'adding', '--quick', '--out', out], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const bytes = fs.readFileSync(path.join(out, 'images', 'adding-T1000-end-to-end-mse.png'));
    assert.ok(bytes.subarray(0, 8).equals(PNG_SIGNATURE), 'adding-T1000-end-to-end-mse.png is a PNG');
    const results = fs.readFileSync(path.join(out, 'results-adding.md'), 'utf8');
    assert.match(results, /reproduce -- --group adding/);
    assert.match(results, /\| adding-T1000-end-to-end-\d{8}-\d{6}-[0-9a-f]{4} \| completed \| 3\/3 \| mse /, results);
    assert.match(results, /Validation MSE against wall time/);
  });
});
