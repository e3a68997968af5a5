/**
 * The `hrnn` launchers for VS Code's terminals: they run the given CLI with the given runtime,
 * pass every argument through unchanged, and set ELECTRON_RUN_AS_NODE for that process only.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { shimFiles, writeShims } from '../../../src/extension/terminal/hrnnShim';

describe('hrnn terminal launchers', () => {
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hrnn shim's-"))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('runs the CLI with the runtime, all arguments and ELECTRON_RUN_AS_NODE=1', function () {
    if (process.platform === 'win32') this.skip();
    const cli = path.join(tmp, 'cli.js');
    fs.writeFileSync(cli, 'process.stdout.write(JSON.stringify({ args: process.argv.slice(2), electron: process.env.ELECTRON_RUN_AS_NODE }))');
    const dir = writeShims({ dir: path.join(tmp, 'bin'), runtime: process.execPath, cli });
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dir}${path.delimiter}${process.env.PATH}` };
    delete env.ELECTRON_RUN_AS_NODE;
    const out = JSON.parse(execFileSync('sh', ['-c', 'hrnn train "a b" --set \'x=$y\''], { env, encoding: 'utf8' }));
    assert.deepEqual(out, { args: ['train', 'a b', '--set', 'x=$y'], electron: '1' });
    assert.ok((fs.statSync(path.join(dir, 'hrnn')).mode & 0o111) !== 0, 'executable');
  });

  it('writes a Windows launcher that passes %* through', () => {
    const files = shimFiles({ dir: tmp, runtime: 'C:\\VS Code\\Code.exe', cli: 'C:\\ext\\dist\\cli.js' });
    assert.match(files['hrnn.cmd'], /set ELECTRON_RUN_AS_NODE=1\r\n"C:\\VS Code\\Code\.exe" "C:\\ext\\dist\\cli\.js" %\*/);
  });
});
