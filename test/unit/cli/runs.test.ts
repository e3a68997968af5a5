/**
 * `hrnn runs`: lists runs found anywhere below the given folders, and a run whose trainer was killed
 * with SIGKILL is `crashed` (not `running` forever). Real processes of the built CLI.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunSummary } from '../../../src/protocol/records';
import type { RunListing } from '../../../src/cli/commands/runs';

const root = path.resolve(__dirname, '../../../..');
const hrnn = path.join(root, 'bin', 'hrnn.js');

function hrnnSync(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [hrnn, ...args], { cwd, encoding: 'utf8', timeout: 120000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const experiment = (name: string, steps: number) => `name: ${name}
seed: 3
task: { kind: adding, length: 10, testSize: 20 }
model: { kind: hamiltonian, hidden: 4 }
training: { batchSize: 4, steps: ${steps}, evalEvery: 50 }
probes: { every: null }
backend: cpu
`;

async function waitFor<T>(what: string, probe: () => T | undefined, ms = 60000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('hrnn runs (CLI process)', function () {
  this.timeout(180000);
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-runs-cli-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lists runs from runs/ and from a nested examples/runs/, and a SIGKILLed run as crashed', async () => {
    fs.mkdirSync(path.join(dir, 'examples'));
    fs.writeFileSync(path.join(dir, 'done.hrnn.yaml'), experiment('done', 3));
    fs.writeFileSync(path.join(dir, 'examples', 'long.hrnn.yaml'), experiment('long', 1_000_000));
    assert.equal(hrnnSync(['train', 'done.hrnn.yaml'], dir).code, 0);

    const child = spawn(process.execPath, [hrnn, 'train', path.join('examples', 'long.hrnn.yaml')], { cwd: dir, stdio: 'ignore' });
    try {
      const runsDir = path.join(dir, 'examples', 'runs');
      const runDir = await waitFor('the long run to train a few steps', () => {
        const [id] = fs.existsSync(runsDir) ? fs.readdirSync(runsDir) : [];
        if (!id) return undefined;
        const metrics = path.join(runsDir, id, 'metrics.jsonl');
        return fs.existsSync(metrics) && fs.statSync(metrics).size > 0 ? path.join(runsDir, id) : undefined;
      });
      const running = hrnnSync(['runs', '--json'], dir);
      assert.equal(running.code, 0, running.stderr);
      const before = running.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as RunListing);
      assert.deepEqual(before.map((l) => [l.name, l.status]).sort(), [
        ['done', 'completed'],
        ['long', 'running'],
      ]);

      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const summary = JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as RunSummary;
      assert.equal(summary.status, 'running', 'the file still says running: nobody recorded the end');

      const after = hrnnSync(['runs', '--json'], dir);
      const listed = after.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as RunListing);
      const long = listed.find((l) => l.name === 'long')!;
      assert.equal(long.status, 'crashed');
      assert.equal(long.dir, runDir);
      assert.ok(long.stepsDone >= 0 && typeof long.runId === 'string');
      assert.match(long.message ?? '', /is gone/);
      // The table form says it too, and names the reason on stderr.
      const table = hrnnSync(['runs', 'examples'], dir);
      assert.match(table.stdout, /^crashed\s/m);
      assert.match(table.stderr, /is gone/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('answers --help, and an empty folder lists nothing', () => {
    const help = hrnnSync(['runs', '--help'], dir);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /usage: hrnn runs/);
    const none = hrnnSync(['runs', '--json'], dir);
    assert.equal(none.code, 0);
    assert.equal(none.stdout, '');
  });
});
