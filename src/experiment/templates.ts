/**
 * Starting points for the New Experiment command, and the source of the matching files in
 * `examples/` (renderExample; a test keeps each example equal to its template). Values follow what
 * MODEL.md's "What trains" measured: end-to-end training at T = 50, the reservoir mode ([y; z]
 * readout, fixed standardisation, frozen recurrent weights, learning rate 0.01) for long sequences.
 */
import { SCHEMA_ID } from './schema';

export interface ExperimentTemplate {
  id: string;
  /** Shown in the quick pick. */
  label: string;
  description: string;
  /** Suggested file name (without `.hrnn.yaml`). */
  defaultName: string;
  /** Comment lines (each `# ...`, ending in a newline) that open the file, before the `name:` line. */
  comment: string;
  /** The YAML after the `name:` line. */
  body: string;
}

/** The sequential MNIST recipe, one for both orders of the pixels (measured in docs/results-long.md). */
function mnistRecipe(task: 'smnist' | 'psmnist'): string {
  return `seed: 1
task:
  kind: ${task}
  validationLimit: 1000   # validation on 1,000 of the 3,000 held-out images (cheap, every 200 steps)
model:
  kind: hamiltonian
  # The diagonal variant (the UnICORNN form: per-neuron time steps tau * sigmoid(c)), two layers:
  # layer 2 reads every y_n of layer 1. alpha = 13 makes fast oscillators (frequency ~ sqrt(alpha)).
  variant: diagonal
  hidden: 256
  layers: 2
  tau: 0.126
  alpha: 13
  # Each neuron's share of tau drawn from (0.02, 0.98): frequencies spread instead of one for all
  # (UnICORNN's initialisation, c ~ U(-0.1, 0.1), gives every neuron about half of tau).
  stepInit: [0.02, 0.98]
  readout: yz
  readoutNorm: fixed
training:
  batchSize: 120
  steps: 7000             # ~15 epochs, 95 minutes on one core here; the schedule spans them
  learningRate: 0.00314
  warmupSteps: 100
  lrSchedule: cosine      # from the full rate down to lrMinFactor of it at the last step
  lrMinFactor: 0.02
  gradClip: 1.0
  gradClipScope: per-group
  evalEvery: 200
  evalAtStart: true
  checkpointEvery: 500
probes:
  every: 2000
  batchSize: 8
`;
}

export const EXPERIMENT_TEMPLATES: readonly ExperimentTemplate[] = [
  {
    id: 'adding-T50',
    label: 'Adding problem, T = 50',
    description: 'End-to-end training; learns in a few minutes on a CPU',
    defaultName: 'adding-T50',
    comment: `# The default experiment: the adding problem at T = 50, trained end to end.
# It leaves the 0.167 baseline within a few hundred steps and reaches MSE < 0.05 in ~1500 steps.
`,
    body: `seed: 1
task:
  kind: adding
  length: 50
model:
  kind: hamiltonian
  hidden: 128
  tau: auto          # = tauScale / T = 5 / 50 = 0.1 (the measured default tau*T = 5)
  tauScale: 5
  tauMax: 0.1        # the usual cap (0.05) would halve tau at this short length and slow learning
  alpha: 0
  variant: full
training:
  batchSize: 50
  steps: 4000
  optimizer: adam
  learningRate: 0.003
  gradClip: 1.0
  evalEvery: 100
  checkpointEvery: 500
probes:
  every: 200
backend: auto
`,
  },
  {
    id: 'adding-T1000-reservoir',
    label: 'Adding problem, T = 1000, reservoir mode',
    description: 'Frozen W, V, b; only the standardised [y; z] readout trains',
    defaultName: 'adding-T1000-reservoir',
    comment: `# Adding problem at T = 1000 as a "Hamiltonian reservoir": W, V, b stay at their initialisation
# (recurrentLearningRate: 0) and only the standardised [y; z] readout trains. Measured with the
# PyTorch reference: MSE < 0.05 after ~600 steps, < 0.01 after ~1700.
`,
    body: `seed: 1
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
    comment: `# Sequential MNIST: one pixel per step (T = 784), 10 classes; 57k/3k train/validation split, test
# accuracy (all 10k) measured at the best-validation weights, also when the run is stopped early.
# Peers' published results: LEM 99.5 %, coRNN 99.4 % (120 epochs on a GPU).
# Measured on a 2-core machine, one core for this run (\`npm run reproduce -- --long\`,
# docs/results-long.md): validation 93.7 % after 10 minutes, 95.2 % after 30, 97.3 % after 60,
# 98.1 % after 90; all 7000 steps in 95 minutes, test 98.1 % at the best validation step.
`,
    body: mnistRecipe('smnist'),
  },
  {
    id: 'psmnist',
    label: 'Permuted sequential MNIST',
    description: 'The 784 pixels in one fixed random order (from the seed)',
    defaultName: 'psmnist',
    comment: `# Permuted sequential MNIST: the 784 pixels in one fixed random order (drawn from the seed), which
# spreads the information over the whole sequence. Peers' published results: UnICORNN 98.4 %,
# coRNN 97.3 %, LEM 96.6 %. The recipe is smnist.hrnn.yaml's.
# Measured on one core (docs/results-long.md): validation 86.5 % after 10 minutes, 90.7 % after 30,
# 93.9 % after 60, 95.1 % after 90; all 7000 steps in 95 minutes, test 96.1 % at the best validation
# step. Without stepInit (and at a constant rate) it had 59.9 %, 73.2 %, 75.7 %; test 81.4 % after 90.
`,
    body: mnistRecipe('psmnist'),
  },
  {
    id: 'hamiltonian-vs-tanh-T1000',
    label: 'Hamiltonian RNN vs tanh RNN, T = 1000',
    description: 'Sweep over model.kind; compare the hidden-state gradient over time',
    defaultName: 'hamiltonian-vs-tanh-T1000',
    comment: `# The headline plot: the hidden-state gradient ||dL/dy_k|| against k at T = 1000.
# The Hamiltonian RNN keeps it within a small factor over all 1000 steps; the tanh RNN's gradient
# vanishes (it underflows to 0 in float32 a few hundred steps back). A short run is enough: the
# probes at step 0 already show it; later probes show whether training changes it.
`,
    body: `seed: 1
task:
  kind: adding
  length: 1000
  testSize: 200
model:
  kind: hamiltonian
  hidden: 64
  tau: auto
training:
  batchSize: 32
  steps: 40
  learningRate: 0.003
  evalEvery: 20
probes:
  every: 20
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
    comment: `# The "window" of tau where training works: final test MSE against tau at T = 200, in reservoir
# mode (fast on a CPU). tau * T spans 0.1 ... 10.
`,
    body: `seed: 1
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
  {
    id: 'copy-T1000',
    label: 'Copy task, T = 1000',
    description: 'Remember 10 symbols, reproduce them 990 steps later: memory that integration cannot fake',
    defaultName: 'copy-T1000',
    comment: `# The copy task at T = 1000: remember 10 symbols (of 8), reproduce them at the last 10 steps (a
# delay of 990). Integrating the input does not help. Accuracy is per recalled symbol; chance is
# 12.5 % (loss log 8 = 2.08); solved at >= 99 % on the test set (best weights on validation).
# What makes it work: oscillators at many frequencies. stepInit spreads each neuron's share of
# tau over (0.02, 0.98), so with tau * sqrt(alpha) just under 2 (the stability limit of symplectic
# Euler) the neurons turn by 0.04 to 2.7 radians a step; the readout tells symbols one step apart
# by their phases. Small w keeps each oscillator linear, so its phase does not depend on what it
# holds. UnICORNN's initialisation (every neuron at one frequency) stays at 40 % here.
# readout y keeps the fused kernel (yz reads every [y; z] through composite ops).
`,
    body: `seed: 1
task:
  kind: copy
  length: 1000
  copySymbols: 10
  alphabet: 8
  testSize: 500
  validationSize: 200
model:
  kind: hamiltonian
  variant: diagonal
  hidden: 512
  tau: 1.0
  alpha: 3.8
  stepInit: [0.02, 0.98]
  wInit: [0, 0.01]
  readout: y
  readoutNorm: fixed
training:
  batchSize: 50
  steps: 1000
  learningRate: 0.003
  recurrentLearningRate: 0.001
  gradClip: 1.0
  gradClipScope: per-group
  recurrentGradClip: 10
  evalEvery: 100
  evalAtStart: true
probes:
  every: null
`,
  },
];

export const MODELINE_PREFIX = '# yaml-language-server: $schema=';

/** The full text of a new experiment file: the schema modeline, the comment, the name, then the template. */
export function renderTemplate(template: ExperimentTemplate, name: string, schemaReference: string = SCHEMA_ID): string {
  return `${MODELINE_PREFIX}${schemaReference}\n${template.comment}name: ${name}\n${template.body}`;
}

/**
 * The text of `examples/<defaultName>.hrnn.yaml`: the template under its default name, without a
 * modeline. A relative `$schema` path breaks once the file is copied elsewhere; the `.hrnn.yaml`
 * name alone gets the schema in the editor (package.json `yamlValidation`) and `hrnn` validates it.
 */
export function renderExample(template: ExperimentTemplate): string {
  return `${template.comment}name: ${template.defaultName}\n${template.body}`;
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
