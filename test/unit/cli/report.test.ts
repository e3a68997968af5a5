/**
 * `hrnn report` as a user runs it: a real process of the built CLI (dist/cli.js via bin/hrnn.js).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPORT_DATA_ELEMENT_ID, type ReportPayload } from '../../../src/protocol/webview';
import { writeTwoSweepsOfOneGrid } from '../../fixtures/runs/fixtureRuns';

const root = path.resolve(__dirname, '../../../..');
const hrnn = path.join(root, 'bin', 'hrnn.js');

describe('hrnn report (CLI process)', function () {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-cli-report-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('tells two sweeps of one grid apart: four distinct run ids and labels', () => {
    const grid = writeTwoSweepsOfOneGrid(dir);
    const out = path.join(dir, 'grid.html');
    const r = spawnSync(process.execPath, [hrnn, 'report', grid.a, grid.b, '--out', out], { cwd: dir, encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 0, r.stderr);
    const html = fs.readFileSync(out, 'utf8');
    const data = new RegExp(`<script type="application/json" id="${REPORT_DATA_ELEMENT_ID}">([^]*?)</script>`).exec(html);
    assert.ok(data, 'the data block is there');
    const { snapshot } = JSON.parse(data[1]) as ReportPayload;
    assert.equal(snapshot.runs.length, 4);
    assert.equal(new Set(snapshot.runs.map((x) => x.runId)).size, 4, 'distinct run ids');
    assert.equal(new Set(snapshot.runs.map((x) => x.label)).size, 4, 'distinct labels');
    assert.equal(new Set(snapshot.sweep.map((p) => p.runId)).size, 4, 'distinct tau points');
  });
});
