/**
 * Starting points for the New Experiment command. Values follow what MODEL.md's "What trains"
 * measured: end-to-end training at T = 50, the reservoir mode ([y; z] readout, fixed
 * standardisation, frozen recurrent weights, learning rate 0.01) for long sequences.
 */
import { SCHEMA_ID } from './schema';

export interface ExperimentTemplate {
  id: string;
  /** Shown in the quick pick. */
  label: string;
  description: string;
  /** Suggested file name (without `.hrnn.yaml`). */
  defaultName: string;
  /** The YAML after the modeline and the `name:` line. */
  body: string;
}

export const EXPERIMENT_TEMPLATES: readonly ExperimentTemplate[] = [
  {
    id: 'adding-T50',
    label: 'Adding problem, T = 50',
    description: 'End-to-end training; learns in a few minutes on a CPU',
    defaultName: 'adding-T50',
    body: `# The adding problem at T = 50, trained end to end: the test MSE leaves the 0.167 baseline
# (always predicting 1) within a few hundred steps.
seed: 1
task:
  kind: adding
  length: 50
model:
  kind: hamiltonian
  hidden: 128
  tau: auto          # tauScale / T, capped at tauMax
  alpha: 0
training:
  batchSize: 50
  steps: 2000
  optimizer: adam
  learningRate: 0.003
  gradClip: 1.0
  evalEvery: 100
probes:
  every: 200
`,
  },
  {
    id: 'adding-T1000-reservoir',
    label: 'Adding problem, T = 1000, reservoir mode',
    description: 'Frozen W, V, b; only the standardised [y; z] readout trains',
    defaultName: 'adding-T1000-reservoir',
    body: `# The adding problem at T = 1000 as a Hamiltonian reservoir: the recurrent weights keep their
# initialisation (recurrentLearningRate: 0) and only the readout of [y; z], standardised with
# statistics fixed at initialisation, trains.
seed: 1
task:
  kind: adding
  length: 1000
model:
  kind: hamiltonian
  hidden: 128
  tau: auto          # 5 / 1000 = 0.005
  readout: yz
  readoutNorm: fixed
training:
  batchSize: 50
  steps: 2000
  learningRate: 0.01
  recurrentLearningRate: 0
  evalEvery: 100
probes:
  every: 500
`,
  },
  {
    id: 'smnist',
    label: 'Sequential MNIST',
    description: 'One pixel per step (T = 784), 10 classes',
    defaultName: 'smnist',
    body: `# Sequential MNIST: one pixel per step, T = 784. trainLimit and evalLimit keep a first run to
# minutes on a CPU; set them to null for the full data set.
seed: 1
task:
  kind: smnist
  trainLimit: 5000
  evalLimit: 1000
model:
  kind: hamiltonian
  hidden: 128
  tau: auto
  readout: yz
  readoutNorm: fixed
training:
  batchSize: 100
  epochs: 2
  learningRate: 0.003
  gradClip: 1.0
  evalEvery: 50
probes:
  every: 100
  batchSize: 8
`,
  },
  {
    id: 'psmnist',
    label: 'Permuted sequential MNIST',
    description: 'The 784 pixels in one fixed random order (from the seed)',
    defaultName: 'psmnist',
    body: `# Permuted sequential MNIST: the pixels in one fixed random order drawn from the seed, so the
# information is spread over the whole sequence. Set the limits to null for the full data set.
seed: 1
task:
  kind: psmnist
  trainLimit: 5000
  evalLimit: 1000
model:
  kind: hamiltonian
  hidden: 128
  tau: auto
  readout: yz
  readoutNorm: fixed
training:
  batchSize: 100
  epochs: 2
  learningRate: 0.003
  gradClip: 1.0
  evalEvery: 50
probes:
  every: 100
  batchSize: 8
`,
  },
  {
    id: 'hamiltonian-vs-tanh-T1000',
    label: 'Hamiltonian RNN vs tanh RNN, T = 1000',
    description: 'Sweep over model.kind; compare the hidden-state gradient over time',
    defaultName: 'hamiltonian-vs-tanh-T1000',
    body: `# The hidden-state gradient ||dL/dy_k|| over k at T = 1000, for the Hamiltonian RNN and a tanh
# RNN. The probes at step 0 already show the difference; a short run is enough.
seed: 1
task:
  kind: adding
  length: 1000
  testSize: 200
model:
  kind: hamiltonian
  hidden: 64
  tau: auto          # used by the Hamiltonian run only
training:
  batchSize: 32
  steps: 100
  learningRate: 0.003
  evalEvery: 50
probes:
  every: 50
  batchSize: 8
sweep:
  grid:
    model.kind: [hamiltonian, tanh-rnn]
`,
  },
  {
    id: 'tau-sweep',
    label: 'Sweep over tau (adding, T = 200)',
    description: 'Final test MSE against the step size tau, in reservoir mode',
    defaultName: 'tau-sweep-T200',
    body: `# Which step sizes tau work at T = 200: tau * T from 0.1 to 10, in reservoir mode (fast on a CPU).
seed: 1
task:
  kind: adding
  length: 200
model:
  kind: hamiltonian
  hidden: 128
  readout: yz
  readoutNorm: fixed
training:
  batchSize: 50
  steps: 600
  learningRate: 0.01
  recurrentLearningRate: 0
  evalEvery: 100
probes:
  every: 300
sweep:
  grid:
    model.tau: [0.0005, 0.0025, 0.005, 0.025, 0.05]
`,
  },
];

export const MODELINE_PREFIX = '# yaml-language-server: $schema=';

/** The full text of a new experiment file: the schema modeline, the name, then the template. */
export function renderTemplate(template: ExperimentTemplate, name: string, schemaReference: string = SCHEMA_ID): string {
  return `${MODELINE_PREFIX}${schemaReference}\nname: ${name}\n${template.body}`;
}

/** Whether `name` can be an experiment name (and so a file name): the schema's `name` pattern. */
export function isValidExperimentName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/u.test(name) && name.length <= 200;
}

/**
 * What the modeline of a new file in `folder` should point at: a copy of the schema inside the
 * workspace (this repository's `media/`, or the npm package's), as a path relative to the file so
 * the line works on every machine; otherwise the schema's `$id` URL. A path into the editor's
 * extension folder is never used: it changes with every extension update.
 * `workspaceSchemas` are absolute paths that exist, best first.
 */
export function schemaReferenceFor(folder: string, workspaceSchemas: readonly string[]): string {
  const candidate = workspaceSchemas[0];
  if (candidate === undefined) return SCHEMA_ID;
  const from = folder.replace(/\\/gu, '/').replace(/\/+$/u, '').split('/');
  const to = candidate.replace(/\\/gu, '/').split('/');
  if (from[0] !== to[0]) return SCHEMA_ID; // different drives: no relative path
  let common = 0;
  while (common < from.length && common < to.length - 1 && from[common] === to[common]) common++;
  const up = from.length - common;
  const relative = [...Array<string>(up).fill('..'), ...to.slice(common)].join('/');
  return up === 0 ? `./${relative}` : relative;
}

/** Where a workspace may hold the schema, relative to a workspace folder, best first. */
export const WORKSPACE_SCHEMA_LOCATIONS = ['media/experiment.schema.json', 'node_modules/hamiltonian-rnn-lab/media/experiment.schema.json'] as const;
