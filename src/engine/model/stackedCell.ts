/**
 * Stacked recurrent layers of one kind (`model.layers`), presented as a single cell: layer 1 reads
 * the task input, layer l+1 reads the sequence of layer l's primary states, the readout reads the
 * features of the last layer. The state passed up is the one the readout would read from a single
 * layer: y for the Hamiltonian RNN (the position; z is its rate of change, the momentum, and
 * carries no new information about the input), h for tanh RNN / LSTM / GRU (the LSTM cell state
 * stays inside its layer, as in every LSTM stack), hy for coRNN (its position, as for the
 * Hamiltonian RNN).
 *
 * The probes see layer 1: its states and energy are those of a cell driven by the task input (the
 * energy needs that input), and the gradient with respect to layer 1's states shows the gradient
 * travelling through time from the input end, after passing down through every layer above.
 * `hidden` and the probe shapes are therefore those of a single layer. Pure tfjs: no I/O.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../experiment/schema';
import type { PeerFusedKernel } from '../kernels/peerSequence';
import type { FusedKernel, SequenceInputs } from '../kernels/types';
import type { Rng } from '../rng';
import type { CellRun, EnergyTrace, HostCellRun, LayerInput, RecurrentCell, RunOptions } from './cell';
import { dropoutBetweenLayers } from './dropout';
import { HamiltonianCell } from './hamiltonian';
import { createLayerCell } from './layerCell';
import { hostPeerStack, runPeerStack } from './peers';

/** Checkpoint names of layer l (1-based): layer 1 keeps the single-layer names, so old checkpoints load. */
export function layerVariableName(layer: number, name: string): string {
  return layer === 1 ? name : `layer${layer}/${name}`;
}

export class StackedCell implements RecurrentCell {
  readonly kind: RecurrentCell['kind'];
  readonly inputDim: number;
  readonly hidden: number;
  readonly featureSize: number;
  readonly variables: tf.Variable[];
  readonly variableNames: string[];
  readonly implementation: string;
  readonly energy?: (inputs: SequenceInputs, states: NonNullable<CellRun['states']>) => EnergyTrace;

  /**
   * @param whole runs the whole stack as one fused op (null when it cannot), used when nothing
   * needs a layer's own states: no probes, no sequence output, no dropout between the layers.
   * @param wholeOnHost the same outside tfjs' tape (the host training step), or null.
   */
  constructor(
    readonly layers: RecurrentCell[],
    private readonly whole: ((inputs: SequenceInputs) => CellRun | null) | null = null,
    private readonly wholeOnHost: ((inputs: SequenceInputs) => HostCellRun | null) | null = null,
  ) {
    if (layers.length === 0) throw new Error('a stack needs at least one layer');
    const first = layers[0];
    this.kind = first.kind;
    this.inputDim = first.inputDim;
    this.hidden = first.hidden;
    this.featureSize = layers[layers.length - 1].featureSize;
    this.variables = layers.flatMap((l) => l.variables);
    this.variableNames = layers.flatMap((l, i) => l.variableNames.map((n) => layerVariableName(i + 1, n)));
    this.implementation = [...new Set(layers.map((l) => l.implementation))].join('+');
    if (first.energy) this.energy = (inputs, states) => first.energy!(inputs, states);
  }

  /**
   * Perturbation, collection (the probes) and `composite` apply to layer 1; `release` and
   * `composite` to every layer. Each layer below the top returns its state sequence for the next.
   */
  run(inputs: LayerInput, opts: RunOptions = {}): CellRun {
    const plain = !opts.sequence && !opts.perturb && !opts.collect && !opts.composite && !opts.dropout;
    if (this.whole && plain && !('shape' in inputs)) {
      const run = this.whole(inputs);
      if (run) return run;
    }
    let input: LayerInput = inputs;
    let states: CellRun['states'];
    let run: CellRun | null = null;
    this.layers.forEach((layer, i) => {
      const top = i === this.layers.length - 1;
      const layerOpts: RunOptions = { release: opts.release, composite: opts.composite, sequence: !top || opts.sequence };
      if (i === 0) Object.assign(layerOpts, { perturb: opts.perturb, collect: opts.collect });
      const below = input;
      run = layer.run(below, layerOpts);
      if (i === 0) states = run.states;
      // without a gradient the sequence read by this layer is needed no more
      if (opts.release && i > 0) (below as tf.Tensor3D).dispose();
      if (!top) {
        if (opts.release && !opts.collect) run.features.dispose();
        // dropout between layers (training only): the recurrence inside each layer is untouched
        input = opts.dropout ? dropoutBetweenLayers(run.sequence!, opts.dropout.rate, opts.dropout.seed + i) : run.sequence!;
      }
    });
    const last = run as unknown as CellRun;
    return { features: last.features, states, sequence: opts.sequence ? last.sequence : undefined };
  }

  hostRun(inputs: SequenceInputs): HostCellRun | null {
    return this.wholeOnHost?.(inputs) ?? null;
  }

  reconstructionDrift(): number | null {
    const drifts = this.layers.map((l) => l.reconstructionDrift?.() ?? null).filter((d): d is number => d !== null);
    return drifts.length ? Math.max(...drifts) : null;
  }

  dispose(): void {
    this.layers.forEach((l) => l.dispose());
  }
}

/**
 * The recurrent part of a model: `config.layers` layers of `config.kind` (1 when absent, as in run
 * folders written before stacking). One layer is returned as itself, exactly the single-layer
 * model (same random draws, same variable names). `kernel` serves layer 1; the layers above get
 * their own copies (`fork`), or the composite ops when the kernel cannot fork.
 */
export function createRecurrentStack(
  config: ModelConfig,
  inputDim: number,
  rng: Rng,
  kernel: FusedKernel | null,
  peerKernel: PeerFusedKernel | null = null,
): RecurrentCell {
  const layers = config.layers ?? 1;
  const first = createLayerCell(config.kind, inputDim, config, rng.fork('cell'), kernel, peerKernel);
  if (layers === 1) return first;
  const cells = [first];
  for (let l = 2; l <= layers; l++) {
    const own = kernel?.fork ? kernel.fork() : null;
    cells.push(createLayerCell(config.kind, config.hidden, config, rng.fork(`cell/layer${l}`), own, peerKernel?.fork() ?? null));
  }
  const whole =
    config.kind === 'hamiltonian'
      ? (inputs: SequenceInputs) => HamiltonianCell.runStack(cells as HamiltonianCell[], inputs)
      : (inputs: SequenceInputs) => runPeerStack(cells, inputs);
  const wholeOnHost =
    config.kind === 'hamiltonian'
      ? (inputs: SequenceInputs) => HamiltonianCell.hostStack(cells as HamiltonianCell[], inputs)
      : (inputs: SequenceInputs) => hostPeerStack(cells, inputs);
  return new StackedCell(cells, whole, wholeOnHost);
}
