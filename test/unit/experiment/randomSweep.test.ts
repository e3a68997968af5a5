/**
 * Random sweeps and the seeds axis (issue 12): deterministic draws from uniform, log-uniform and
 * choice distributions, seeds multiplying every run, the spec's mistakes at their line and column,
 * overrides, completion and hover of the new keys.
 */
import assert from 'node:assert/strict';
import { expandSweep, loadExperimentText, MAX_SWEEP_RUNS, type ExperimentInput } from '../../../src/experiment';
import { experimentJsonSchema } from '../../../src/experiment/jsonSchema';
import { completionsAt } from '../../../src/experiment/language/completion';
import { hoverAt } from '../../../src/experiment/language/hover';
import { formatProblem } from '../../../src/experiment/problems';
import { seededRandom } from '../../../src/experiment/sweepSampling';

const BASE = `name: rs
seed: 5
task: {kind: adding, length: 20}
model: {kind: hamiltonian, hidden: 8}
training: {steps: 10}
`;

function runsOf(text: string, overrides: string[] = []) {
  const result = loadExperimentText(text, 'rs.hrnn.yaml', { overrides });
  assert.ok(result.ok, result.ok ? '' : result.problems.map((p) => formatProblem('rs.hrnn.yaml', p)).join('\n'));
  assert.ok(result.runs, 'expected a sweep');
  return result.runs;
}

/** The error lines `hrnn validate` would print for `text`. */
function errorLines(text: string): string[] {
  const result = loadExperimentText(text, 'f.hrnn.yaml');
  assert.equal(result.ok, false, 'expected the file to be refused');
  return result.ok ? [] : result.problems.filter((p) => p.severity === 'error').map((p) => formatProblem('f', p));
}

const RANDOM = `${BASE}sweep:
  random:
    count: 12
    seed: 7
    parameters:
      training.learningRate: {logUniform: [0.0001, 0.01]}
      model.tau: {uniform: [0.01, 0.1]}
      model.hidden: {uniform: [4, 16]}
      model.kind: {choice: [hamiltonian, lstm]}
`;

describe('experiment sweeps: random draws', () => {
  it('draws count runs within the ranges, integers for integer keys, choices from the list', () => {
    const runs = runsOf(RANDOM);
    assert.equal(runs.length, 12);
    for (const run of runs) {
      const p = run.parameters;
      assert.deepEqual(Object.keys(p), ['training.learningRate', 'model.tau', 'model.hidden', 'model.kind']);
      const lr = p['training.learningRate'] as number;
      assert.ok(lr >= 0.0001 && lr <= 0.01, String(lr));
      const tau = p['model.tau'] as number;
      assert.ok(tau >= 0.01 && tau <= 0.1, String(tau));
      assert.ok(Number.isInteger(p['model.hidden']) && (p['model.hidden'] as number) >= 4 && (p['model.hidden'] as number) <= 16);
      assert.ok(['hamiltonian', 'lstm'].includes(p['model.kind'] as string));
      assert.equal(run.resolved.training.learningRate, lr);
      assert.equal(run.resolved.model.kind, p['model.kind']);
      assert.equal(run.input.sweep, undefined);
    }
    // Log-uniform spreads over the decades: with 12 draws, both halves of the log range are hit.
    const logs = runs.map((r) => Math.log10(r.parameters['training.learningRate'] as number));
    assert.ok(logs.some((l) => l < -3) && logs.some((l) => l > -3), logs.join());
    assert.ok(new Set(runs.map((r) => r.parameters['model.kind'])).size === 2);
  });

  it('draws the same runs for the same seed, and other runs for another seed', () => {
    const again = runsOf(RANDOM).map((r) => r.parameters);
    assert.deepEqual(
      runsOf(RANDOM).map((r) => r.parameters),
      again,
    );
    const other = runsOf(RANDOM.replace('seed: 7', 'seed: 8')).map((r) => r.parameters);
    assert.notDeepEqual(other, again);
    // The generator itself is fixed (the same numbers on every machine).
    const random = seededRandom(1);
    assert.deepEqual(
      [random(), random()].map((x) => x.toFixed(6)),
      [0.627074, 0.002736].map((x) => x.toFixed(6)),
    );
  });

  it('defaults count to 10 and crosses the grid with the draws', () => {
    const text = `${BASE}sweep:\n  grid:\n    model.kind: [hamiltonian, gru]\n  random:\n    parameters:\n      training.learningRate: {choice: [0.1, 0.2, 0.3]}\n`;
    const runs = runsOf(text);
    assert.equal(runs.length, 20);
    assert.deepEqual(
      runs.map((r) => r.parameters['model.kind']),
      [...Array<string>(10).fill('hamiltonian'), ...Array<string>(10).fill('gru')],
    );
    // Every grid combination gets the same draws.
    assert.deepEqual(
      runs.slice(0, 10).map((r) => r.parameters['training.learningRate']),
      runs.slice(10).map((r) => r.parameters['training.learningRate']),
    );
  });
});

describe('experiment sweeps: the seeds axis', () => {
  it('a count of seeds starts at the experiment seed; every run records its seed as a parameter, the seed varying fastest', () => {
    const runs = runsOf(`${BASE}sweep:\n  grid:\n    model.tau: [0.01, 0.02]\n  seeds: 3\n`);
    assert.deepEqual(
      runs.map((r) => r.parameters),
      [0.01, 0.02].flatMap((tau) => [5, 6, 7].map((seed) => ({ 'model.tau': tau, seed }))),
    );
    assert.deepEqual(
      runs.map((r) => r.resolved.seed),
      [5, 6, 7, 5, 6, 7],
    );
  });

  it('a list of seeds alone sweeps only the seed; a file without seed counts from 1', () => {
    assert.deepEqual(
      runsOf(`${BASE}sweep:\n  seeds: [11, 3]\n`).map((r) => r.parameters),
      [{ seed: 11 }, { seed: 3 }],
    );
    const noSeed = BASE.replace('seed: 5\n', '');
    assert.deepEqual(
      runsOf(`${noSeed}sweep:\n  seeds: 2\n`).map((r) => r.resolved.seed),
      [1, 2],
    );
  });

  it('multiplies random draws by seeds, the draws unchanged by the seeds', () => {
    const withSeeds = runsOf(RANDOM.replace('    count: 12\n', '    count: 4\n') + '  seeds: [1, 2]\n');
    assert.equal(withSeeds.length, 8);
    const draws = runsOf(RANDOM.replace('    count: 12\n', '    count: 4\n')).map((r) => r.parameters);
    assert.deepEqual(
      withSeeds.map((r) => r.parameters),
      draws.flatMap((d) => [1, 2].map((seed) => ({ ...d, seed }))),
    );
  });

  it('expandSweep takes a seeds-only sweep in code too', () => {
    const input = { task: { kind: 'adding' }, model: { kind: 'gru' }, sweep: { seeds: 2 } } as ExperimentInput;
    assert.deepEqual(
      expandSweep(input, 'x').map((r) => r.parameters),
      [{ seed: 1 }, { seed: 2 }],
    );
  });
});

describe('experiment sweeps: mistakes in random and seeds, at their line and column', () => {
  const random = (parameters: string, extra = '') => `${BASE}sweep:\n  random:\n    count: 4\n    parameters:\n${parameters}${extra}`;

  it('refuses a range with low >= high, a log range from 0, and ends the key does not accept', () => {
    assert.deepEqual(errorLines(random('      model.tau: {uniform: [0.1, 0.01]}\n')), [
      'f:10:28: error: sweep.random.parameters.model.tau.uniform: low must be less than high (got [0.1, 0.01])',
    ]);
    assert.deepEqual(errorLines(random('      training.learningRate: {logUniform: [0, 0.01]}\n')), [
      'f:10:44: error: sweep.random.parameters.training.learningRate.logUniform[0]: a log-uniform range needs low > 0 (got 0); use uniform for ranges from 0',
    ]);
    assert.deepEqual(errorLines(random('      training.learningRate:\n        uniform: [0.001, 500]\n')), [
      'f:11:26: error: sweep.random.parameters.training.learningRate.uniform[1]: high: must be a number <= 100 (got 500)',
    ]);
    assert.deepEqual(errorLines(random('      model.hidden: {uniform: [4.5, 16]}\n')), [
      'f:10:32: error: sweep.random.parameters.model.hidden.uniform[0]: low: must be an integer from 1 to 8192 (got 4.5)',
    ]);
  });

  it('refuses a range on a key without numbers, two distributions, and a misspelt one with a did-you-mean', () => {
    assert.deepEqual(errorLines(random('      model.kind: {uniform: [1, 2]}\n')), [
      'f:10:20: error: sweep.random.parameters.model.kind.uniform: model.kind takes no numbers, so it cannot be drawn from a range; use choice: [...]',
    ]);
    assert.deepEqual(errorLines(random('      model.tau: {uniform: [0.01, 0.1], choice: [0.1]}\n')), [
      'f:10:7: error: sweep.random.parameters.model.tau: give exactly one of uniform, logUniform or choice (got uniform and choice)',
    ]);
    const typo = errorLines(random('      training.learningRate: {loguniform: [0.0001, 0.01]}\n'));
    assert.equal(typo.length, 1);
    assert.match(typo[0], /^f:10:31: error: unknown key "loguniform" in sweep\.random\.parameters\.training\.learningRate; did you mean "logUniform"\?$/u);
    assert.match(errorLines(random('      model.hiden: {choice: [4]}\n'))[0], /^f:10:7: error: unknown key "model\.hiden".*did you mean "model\.hidden"/u);
    assert.match(errorLines(random('      model.kind: {choice: [hamiltonain]}\n'))[0], /^f:10:29: error: .*did you mean "hamiltonian"/u);
  });

  it('refuses a path swept two ways, a seed swept twice, repeated seeds, and too many runs', () => {
    assert.deepEqual(errorLines(`${BASE}sweep:\n  grid:\n    model.tau: [0.1]\n  random:\n    parameters:\n      model.tau: {uniform: [0.01, 0.1]}\n`), [
      'f:11:7: error: sweep.random.parameters.model.tau: model.tau is also swept by sweep.grid; sweep each path one way',
    ]);
    assert.deepEqual(errorLines(`${BASE}sweep:\n  grid:\n    seed: [1, 2]\n  seeds: 2\n`), [
      'f:9:3: error: sweep.seeds: the seed is already swept by sweep.grid; sweep it one way',
    ]);
    assert.deepEqual(errorLines(`${BASE}sweep:\n  seeds: [1, 2, 1]\n`), ['f:7:17: error: sweep.seeds[2]: seed 1 is listed twice']);
    assert.deepEqual(
      errorLines(
        `${BASE}sweep:\n  grid:\n    model.tau: [0.1, 0.2]\n  random:\n    count: 500\n    parameters:\n      training.learningRate: {choice: [0.1]}\n  seeds: 3\n`,
      ),
      [`f:6:1: error: sweep: expands to 3000 runs (2 grid combinations x 500 random draws x 3 seeds); a sweep may have at most ${MAX_SWEEP_RUNS}`],
    );
    assert.deepEqual(errorLines(`${BASE}sweep:\n  random:\n    count: 0\n    parameters:\n      training.learningRate: {choice: [0.1]}\n`), [
      'f:8:12: error: sweep.random.count: must be an integer >= 1 (got 0)',
    ]);
    assert.deepEqual(errorLines(`${BASE}sweep: {}\n`), ['f:6:8: error: sweep: must be a mapping with at least one key (got an empty mapping)']);
  });

  it('names the runs whose drawn value breaks another key, at that key', () => {
    const text = `task: {kind: smnist}\nmodel: {kind: gru}\ntraining: {epochs: 1}\nsweep:\n  random:\n    count: 20\n    parameters:\n      task.kind: {choice: [smnist, adding]}\n`;
    const lines = errorLines(text);
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^f:3:12: error: training\.epochs: .*no epochs.* \(in \d+ of 20 sweep runs, e\.g\. task\.kind=adding\)$/u);
  });

  it('widens what applies to every kind a random choice brings in (no warning for tau or dt)', () => {
    const text = `${BASE.replace('hidden: 8}', 'hidden: 8, tau: 0.1, dt: 0.05}')}sweep:\n  random:\n    count: 4\n    parameters:\n      model.kind: {choice: [hamiltonian, cornn]}\n`;
    const result = loadExperimentText(text, 'k.hrnn.yaml');
    assert.ok(result.ok);
    assert.deepEqual(result.warnings, []);
  });
});

describe('experiment sweeps: overrides of random and seeded paths', () => {
  it('--set of a drawn path takes it out of the draws, and --set seed drops the seeds axis', () => {
    const runs = runsOf(
      `${BASE}sweep:\n  random:\n    count: 3\n    parameters:\n      model.tau: {uniform: [0.01, 0.1]}\n      training.learningRate: {choice: [0.1, 0.2]}\n  seeds: 2\n`,
      ['model.tau=0.05', 'seed=9'],
    );
    assert.equal(runs.length, 3);
    for (const run of runs) {
      assert.deepEqual(Object.keys(run.parameters), ['training.learningRate']);
      assert.equal(run.resolved.model.tau, 0.05);
      assert.equal(run.resolved.seed, 9);
    }
    const single = loadExperimentText(`${BASE}sweep:\n  random:\n    parameters:\n      model.tau: {uniform: [0.01, 0.1]}\n`, 'o.hrnn.yaml', {
      overrides: ['model.tau=0.05'],
    });
    assert.ok(single.ok && single.resolved && single.runs === undefined);
  });
});

describe('experiment sweeps: schema, completion and hover of random and seeds', () => {
  const schema = experimentJsonSchema();
  const sweep = schema.properties!.sweep;

  it('lets random draw every path the grid sweeps, and caps count at the sweep limit', () => {
    assert.deepEqual(Object.keys(sweep.properties!.random.properties!.parameters.properties!), Object.keys(sweep.properties!.grid.properties!));
    assert.equal(sweep.properties!.random.properties!.count.maximum, MAX_SWEEP_RUNS);
  });

  const complete = (marked: string) => {
    const offset = marked.indexOf('|');
    return completionsAt(marked.slice(0, offset) + marked.slice(offset + 1), offset).map((c) => c.label);
  };

  it('completes the sweep keys, the drawable paths and the distributions', () => {
    assert.deepEqual(complete(`${BASE}sweep:\n  |\n`), ['grid', 'random', 'seeds']);
    assert.deepEqual(complete(`${BASE}sweep:\n  random:\n    |\n`), ['count', 'seed', 'parameters']);
    const paths = complete(`${BASE}sweep:\n  random:\n    parameters:\n      model.tau: {uniform: [0.1, 0.2]}\n      |\n`);
    assert.ok(paths.includes('training.learningRate') && paths.includes('seed') && !paths.includes('model.tau'), paths.join());
    assert.deepEqual(complete(`${BASE}sweep:\n  random:\n    parameters:\n      training.learningRate:\n        |\n`), ['uniform', 'logUniform', 'choice']);
    assert.deepEqual(complete(`${BASE}sweep:\n  random:\n    parameters:\n      model.kind:\n        choice: [hamiltonian, |]\n`), [
      'hamiltonian',
      'tanh-rnn',
      'lstm',
      'gru',
      'cornn',
    ]);
  });

  it('explains the new keys on hover', () => {
    const hover = (marked: string) => {
      const offset = marked.indexOf('|');
      return hoverAt(marked.slice(0, offset) + marked.slice(offset + 1), offset);
    };
    assert.match(hover(`${BASE}sweep:\n  see|ds: 3\n`)?.contents ?? '', /once per training seed/u);
    assert.match(hover(`${BASE}sweep:\n  random:\n    co|unt: 3\n    parameters: {seed: {choice: [1]}}\n`)?.contents ?? '', /Number of random draws/u);
    const log = hover(`${BASE}sweep:\n  random:\n    parameters:\n      training.learningRate: {logUn|iform: [0.0001, 0.01]}\n`);
    assert.deepEqual(log?.path, ['sweep', 'random', 'parameters', 'training.learningRate', 'logUniform']);
    assert.match(log?.contents ?? '', /log-uniformly/u);
    assert.match(
      hover(`${BASE}sweep:\n  random:\n    parameters:\n      training.lear|ningRate: {logUniform: [0.0001, 0.01]}\n`)?.contents ?? '',
      /How random sweep runs draw `training\.learningRate`/u,
    );
  });
});
