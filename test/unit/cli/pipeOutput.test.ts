/**
 * Output through a pipe arrives whole: hrnn must not exit while part of what it wrote still waits
 * in the process (a pipe takes 64 KiB at a time; the rest used to be lost at exit). The real CLI
 * (bin/hrnn.js) writes into an OS pipe whose reader starts only once hrnn has written its last
 * line to the other stream (a file), or has exited - so anything left unflushed at exit is lost.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MetricRecord } from '../../../src/protocol/records';

const root = path.resolve(__dirname, '../../../..');
const hrnn = path.join(root, 'bin', 'hrnn.js');

/*
 * $1 the other stream's file, $2 the exit-code file, $3 a pattern that marks hrnn's last line in
 * the other stream, $4 the stream piped (stdout or stderr), the rest the command. The reader waits
 * for the mark or for the exit (at most 60 s), then reads everything.
 */
const SLOW_PIPE = `other=$1; code=$2; mark=$3; piped=$4; shift 4
{ if [ "$piped" = stdout ]; then "$@" 2>"$other"; else "$@" 2>&1 >"$other"; fi; echo $? >"$code"; } |
{ i=0; while [ ! -s "$code" ] && ! grep -qE -- "$mark" "$other" 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; cat; }`;

function throughSlowPipe(dir: string, args: string[], piped: 'stdout' | 'stderr', mark: string) {
  const other = path.join(dir, 'other.txt');
  const codeFile = path.join(dir, 'code.txt');
  fs.rmSync(other, { force: true });
  fs.rmSync(codeFile, { force: true });
  const r = spawnSync('sh', ['-c', SLOW_PIPE, 'sh', other, codeFile, mark, piped, process.execPath, hrnn, ...args], {
    cwd: dir,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 240000,
  });
  assert.equal(r.status, 0, `the shell failed: ${r.stderr}`);
  return { piped: r.stdout, other: fs.readFileSync(other, 'utf8'), code: Number(fs.readFileSync(codeFile, 'utf8')) };
}

const VALID = 'task: {kind: adding, length: 10}\nmodel: {kind: gru, hidden: 4}\n';

describe('hrnn output through a pipe (CLI process)', function () {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-pipe-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('validate of many files: every "ok" line arrives on stdout, the last one with its newline', () => {
    const files: string[] = [];
    for (let i = 0; i < 1200; i++) {
      const file = path.join(dir, `experiment-number-${String(i).padStart(4, '0')}-with-a-name-long-enough-to-fill-the-pipe.hrnn.yaml`);
      fs.writeFileSync(file, VALID);
      files.push(file);
    }
    // The last file is broken: its error line on stderr (a file) tells the reader that stdout is complete.
    const broken = path.join(dir, 'zz-broken.hrnn.yaml');
    fs.writeFileSync(broken, 'task: {kind: adding}\nmodel: {kind: gru, hidden: 0}\n');
    const r = throughSlowPipe(dir, ['validate', ...files, broken], 'stdout', 'zz-broken.hrnn.yaml:2:[0-9]+: error');
    assert.equal(r.code, 1, r.other);
    assert.ok(r.piped.length >= 100 * 1024, `only ${r.piped.length} bytes arrived`);
    assert.ok(r.piped.endsWith('\n'), `cut at ${r.piped.length} bytes: ...${r.piped.slice(-60)}`);
    assert.deepEqual(
      r.piped.split('\n').slice(0, -1),
      files.map((f) => `${f}: ok`),
    );
  });

  it('validate: a 100 KB line on stderr arrives whole', () => {
    // A path too long for the file system: its error line repeats it.
    const long = path.join(dir, 'x'.repeat(100 * 1024) + '.hrnn.yaml');
    const good = path.join(dir, 'good.hrnn.yaml');
    fs.writeFileSync(good, VALID);
    const r = throughSlowPipe(dir, ['validate', long, good], 'stderr', 'good.hrnn.yaml: ok');
    assert.equal(r.code, 1);
    assert.equal(r.other, `${good}: ok\n`);
    assert.ok(r.piped.endsWith('\n'), `cut at ${r.piped.length} bytes`);
    assert.ok(r.piped.startsWith(`${long}:1:1: error: `) && r.piped.split('\n').length === 2, `not the one error line: ...${r.piped.slice(-200)}`);
  });

  it('train --json: a probe record of more than 100 KB arrives whole on stdout', () => {
    const file = path.join(dir, 'long-probe.hrnn.yaml');
    // Probes at step 0 and at the end over T = 2400 steps: a metric record of ~120 KB, written last.
    fs.writeFileSync(
      file,
      `name: long-probe
task: { kind: adding, length: 2400, testSize: 2, validationSize: null }
model: { kind: hamiltonian, hidden: 2 }
training: { batchSize: 2, steps: 1, evalEvery: 1 }
probes: { every: 1, batchSize: 1 }
backend: cpu
`,
    );
    const r = throughSlowPipe(dir, ['train', file, '--json', '--runs-dir', path.join(dir, 'runs')], 'stdout', '^hrnn: completed after');
    assert.equal(r.code, 0, r.other);
    assert.ok(r.piped.endsWith('\n'), `cut at ${r.piped.length} bytes`);
    const lines = r.piped.split('\n').slice(0, -1);
    const records = lines.map((l) => JSON.parse(l) as MetricRecord);
    const last = lines[lines.length - 1];
    assert.ok(last.length >= 100 * 1024, `the last record has ${last.length} bytes`);
    assert.equal(records[records.length - 1].type, 'probe');
    const [runDir] = fs.readdirSync(path.join(dir, 'runs'));
    const onDisk = fs.readFileSync(path.join(dir, 'runs', runDir, 'metrics.jsonl'), 'utf8');
    assert.equal(r.piped, onDisk, 'stdout carries the same records as metrics.jsonl');
  });
});
