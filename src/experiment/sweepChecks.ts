/**
 * Checks of a sweep's own spec that the schema cannot express: one distribution per random path,
 * ranges with low < high whose ends the key accepts, log ranges above 0, no path swept two ways,
 * distinct seeds. Reported as findings at the offending part of
 * `sweep` (validate.ts places them in the file). Runs on a value the schema accepted.
 */
import type { Finding } from './findings';
import { formatPath } from './problems';
import { schemaFindings } from './schemaValidator';
import { combinationValue, SEED_PATH, seedsOf, type SweepInput } from './sweep';
import { numericBranch, sweptKeySchema, type Distribution } from './sweepSampling';
import type { PathSegment } from './yamlDocument';

type Obj = Record<string, unknown>;

const DISTRIBUTIONS = ['uniform', 'logUniform', 'choice'] as const;

function error(path: PathSegment[], target: Finding['target'], detail: string): Finding {
  return { severity: 'error', code: 'sweep', path, target, detail };
}

/** An end of a range the key does not accept, in the words of the key's own check. */
function endpointFindings(value: unknown, keyPath: string, at: PathSegment[], ends: [number, number]): Finding[] {
  const findings: Finding[] = [];
  ends.forEach((end, i) => {
    const keyFindings = schemaFindings(combinationValue(value as object, { [keyPath]: end })).filter(
      (f) => f.severity === 'error' && formatPath(f.path) === keyPath,
    );
    for (const f of keyFindings) findings.push({ ...f, code: 'sweep', path: [...at, i], target: 'value', detail: `${i === 0 ? 'low' : 'high'}: ${f.detail}` });
  });
  return findings;
}

function rangeFindings(value: unknown, keyPath: string, name: 'uniform' | 'logUniform', range: [number, number], at: PathSegment[]): Finding[] {
  const [low, high] = range;
  if (numericBranch(sweptKeySchema(keyPath)) === undefined) {
    return [error(at, 'key', `${keyPath} takes no numbers, so it cannot be drawn from a range; use choice: [...]`)];
  }
  if (!(low < high)) return [error(at, 'value', `low must be less than high (got [${low}, ${high}])`)];
  if (name === 'logUniform' && low <= 0) return [error([...at, 0], 'value', `a log-uniform range needs low > 0 (got ${low}); use uniform for ranges from 0`)];
  // Both ends valid makes every draw valid: the keys' bounds are intervals (and an integer key's ends are integers).
  return endpointFindings(value, keyPath, at, range);
}

/** The findings about `sweep.random` and `sweep.seeds` of an experiment value the schema accepted. */
export function sweepSpecFindings(value: unknown): Finding[] {
  const input = value as SweepInput;
  const sweep = input.sweep;
  if (sweep === undefined) return [];
  const findings: Finding[] = [];
  const gridPaths = new Set(Object.keys(sweep.grid ?? {}));
  const randomPaths = new Set<string>();
  for (const [keyPath, distribution] of Object.entries(sweep.random?.parameters ?? {})) {
    randomPaths.add(keyPath);
    const at: PathSegment[] = ['sweep', 'random', 'parameters', keyPath];
    const given = DISTRIBUTIONS.filter((d) => (distribution as Obj)[d] !== undefined);
    if (given.length !== 1) {
      findings.push(error(at, 'key', `give exactly one of uniform, logUniform or choice (got ${given.join(' and ')})`));
      continue;
    }
    if (gridPaths.has(keyPath)) findings.push(error(at, 'key', `${keyPath} is also swept by sweep.grid; sweep each path one way`));
    const name = given[0];
    if (name !== 'choice') findings.push(...rangeFindings(value, keyPath, name, (distribution as Distribution)[name]!, [...at, name]));
  }
  if (sweep.seeds !== undefined) {
    if (gridPaths.has(SEED_PATH) || randomPaths.has(SEED_PATH)) {
      findings.push(error(['sweep', 'seeds'], 'key', `the seed is already swept by sweep.${gridPaths.has(SEED_PATH) ? 'grid' : 'random'}; sweep it one way`));
    }
    const seeds = seedsOf(input) ?? [];
    if (Array.isArray(sweep.seeds)) {
      seeds.forEach((seed, i) => {
        if (seeds.indexOf(seed) !== i) findings.push(error(['sweep', 'seeds', i], 'value', `seed ${seed} is listed twice`));
      });
    } else if (seeds.length > 0 && seeds[seeds.length - 1] > 2147483647) {
      findings.push(error(['sweep', 'seeds'], 'value', `${sweep.seeds} seeds from seed ${seeds[0]} go past the largest seed, 2147483647`));
    }
  }
  return findings;
}
