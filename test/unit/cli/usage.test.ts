/**
 * Usage of the `hrnn` commands as a user meets it: every command answers --help and -h, usage
 * mistakes are one clear line with exit 2. The real CLI process (bin/hrnn.js), plus the parser.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseCommandLine, usageText, UsageError, type CommandSpec } from '../../../src/cli/args';
import { COMMANDS, TRAIN_COMMAND } from '../../../src/cli/commandSpecs';

const root = path.resolve(__dirname, '../../../..');
const hrnn = path.join(root, 'bin', 'hrnn.js');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [hrnn, ...args], { cwd: root, encoding: 'utf8', timeout: 60000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** One non-empty line, no stack trace, no doubled prefix. */
function assertOneLine(text: string, pattern: RegExp): void {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, `expected one line, got:\n${text}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(lines[0], /hrnn[^:]*: hrnn/u, 'no doubled "hrnn:" prefix');
  assert.doesNotMatch(text, /^\s+at /mu, 'no stack trace');
}

describe('hrnn usage (CLI process)', () => {
  for (const spec of COMMANDS) {
    for (const flag of ['--help', '-h']) {
      it(`hrnn ${spec.name} ${flag} prints its usage and exits 0`, () => {
        const r = run([spec.name, flag]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, '');
        assert.ok(r.stdout.startsWith(`usage: hrnn ${spec.name} `), r.stdout);
        for (const [name, opt] of Object.entries(spec.options)) {
          if (opt.help !== undefined) assert.ok(r.stdout.includes(`--${name}`), `--${name} is listed`);
        }
        assert.match(r.stdout, /-h, --help/u);
      });
    }
    it(`hrnn help ${spec.name} prints the same usage`, () => {
      const r = run(['help', spec.name]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, usageText(spec) + '\n');
    });
    it(`hrnn ${spec.name} with an unknown option: exit 2, one line naming it`, () => {
      const r = run([spec.name, '--no-such-option', 'x']);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      assertOneLine(r.stderr, new RegExp(`^hrnn ${spec.name}: unknown option --no-such-option \\(see hrnn ${spec.name} --help\\)$`, 'u'));
    });
  }

  it('hrnn --help and hrnn help list every command, exit 0', () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const r = run(args);
      assert.equal(r.code, 0, r.stderr);
      for (const spec of COMMANDS) assert.match(r.stdout, new RegExp(`^  ${spec.name} `, 'mu'));
      assert.match(r.stdout, /exit codes:/u);
    }
  });

  it('hrnn train with no file: one clean line, exit 2', () => {
    const r = run(['train']);
    assert.equal(r.code, 2);
    assertOneLine(r.stderr, /^hrnn train: give the experiment file to train\b.*\(see hrnn train --help\)$/u);
  });

  it('hrnn validate with no file: one clean line, exit 2', () => {
    const r = run(['validate']);
    assert.equal(r.code, 2);
    assertOneLine(r.stderr, /^hrnn validate: give at least one experiment file \(see hrnn validate --help\)$/u);
  });

  it('a misspelt option or command gets a did-you-mean', () => {
    const option = run(['train', 'x.yaml', '--runs-dri', 'out']);
    assert.equal(option.code, 2);
    assertOneLine(option.stderr, /unknown option --runs-dri; did you mean --runs-dir\?/u);
    const command = run(['trian', 'x.yaml']);
    assert.equal(command.code, 2);
    assertOneLine(command.stderr, /^hrnn: unknown command "trian"; did you mean "train"\?/u);
    const help = run(['help', 'trian']);
    assert.equal(help.code, 2);
    assertOneLine(help.stderr, /unknown command "trian"/u);
  });
});

describe('hrnn option parser', () => {
  const SPEC: CommandSpec = {
    name: 'demo',
    synopsis: '<file> [options]',
    summary: 'a demo',
    options: {
      out: { value: 'FILE', help: 'where' },
      set: { value: 'k=v', repeatable: true, help: 'repeatable' },
      json: { help: 'a switch' },
      internal: { value: 'X' },
    },
  };
  const usageError = (argv: string[]) => {
    try {
      parseCommandLine(argv, SPEC);
    } catch (e) {
      assert.ok(e instanceof UsageError, String(e));
      return e.message;
    }
    assert.fail(`no usage error for ${argv.join(' ')}`);
  };

  it('reads positionals, switches, values in both spellings, repeats and --', () => {
    const p = parseCommandLine(['a', '--out=o.html', '--json', '--set', 'x=1', 'b', '--set=y=2', '--internal', 'i', '--', '--json'], SPEC);
    assert.deepEqual(p.positionals, ['a', 'b', '--json']);
    assert.deepEqual([...p.flags], ['json']);
    assert.deepEqual(p.values.get('out'), ['o.html']);
    assert.deepEqual(p.values.get('set'), ['x=1', 'y=2']);
    assert.deepEqual(p.values.get('internal'), ['i']);
    assert.equal(p.help, false);
    // A value may start with a dash (a negative number, say).
    assert.deepEqual(parseCommandLine(['--out', '-1'], SPEC).values.get('out'), ['-1']);
  });

  it('says what is wrong in one line', () => {
    assert.equal(usageError(['--outt', 'x']), 'unknown option --outt; did you mean --out?');
    assert.equal(usageError(['-x']), 'unknown option -x');
    assert.equal(usageError(['--json=yes']), 'option --json takes no value');
    assert.equal(usageError(['--out']), 'option --out needs a value (--out FILE)');
    assert.equal(usageError(['--out', 'a', '--out', 'b']), 'option --out given twice');
    assert.equal(usageError(['--__proto__']), 'unknown option --__proto__');
  });

  it('--help and -h win over everything else on the line', () => {
    assert.equal(parseCommandLine(['--bogus', '-h'], SPEC).help, true);
    assert.equal(parseCommandLine(['x', '--help', '--out'], SPEC).help, true);
  });

  it('the usage text comes from the same table: public options listed, internal ones not', () => {
    const text = usageText(SPEC);
    assert.match(text, /^usage: hrnn demo <file> \[options\]$/mu);
    assert.match(text, /^ {2}--out FILE +where$/mu);
    assert.match(text, /^ {2}--json +a switch$/mu);
    assert.match(text, /^ {2}-h, --help +show this text$/mu);
    assert.doesNotMatch(text, /internal/u);
    const train = usageText(TRAIN_COMMAND);
    assert.match(train, /--force/u);
    assert.doesNotMatch(train, /sweep-index/u);
  });
});
