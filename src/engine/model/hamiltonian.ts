/**
 * The Hamiltonian RNN cell (reconstruction; see hamiltonianSequence.ts for the equations).
 *
 * Hamiltonian (full variant): H(y, z; u) = 1/2 ||z||^2 + alpha/2 ||y||^2 + sum_i log cosh((W y + V u + b)_i).
 * Diagonal variant: H = sum_i [ z_i^2/2 + alpha y_i^2/2 + P_i(y_i) ] with
 * P_i(y) = (log cosh(w_i y + p_i) - log cosh(p_i)) / w_i, p = V u + b (the constant in y is dropped so
 * that w_i -> 0 has the finite limit tanh(p_i) y).
 *
 * Initialisation (measured to work, research/science-calibration.md): W ~ N(0, 1/m), V ~ N(0, 1/d),
 * b = 0; diagonal: w ~ U(0, 1), c ~ U(-0.1, 0.1) (UnICORNN's choices), or from the ranges
 * `model.wInit` and `model.stepInit` (s = sigmoid(c) uniform in a range: spread frequencies).
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../experiment/schema';
import type { FusedKernel, FusedSequenceOptions, SequenceInputs } from '../kernels/types';
import type { Rng } from '../rng';
import type { CellRun, EnergyTrace, HostCellRun, LayerInput, RecurrentCell, RunOptions } from './cell';
import { energyRows } from './hamiltonianEnergy';
import { runHamiltonianComposite } from './hamiltonianSequence';
import { allInputs, normalInit, variableFrom } from './ops';

export class HamiltonianCell implements RecurrentCell {
  readonly kind = 'hamiltonian' as const;
  readonly featureSize: number;
  readonly variables: tf.Variable[];
  readonly variableNames: string[];
  readonly implementation: string;
  private readonly opts: FusedSequenceOptions;

  constructor(
    readonly inputDim: number,
    readonly hidden: number,
    private readonly config: ModelConfig,
    rng: Rng,
    private readonly kernel: FusedKernel | null,
  ) {
    const m = hidden;
    const d = inputDim;
    this.opts = {
      variant: config.variant,
      tau: config.tau,
      alpha: config.alpha,
      backprop: config.backprop,
      anchorEvery: config.anchorEvery,
    };
    this.featureSize = config.readout === 'yz' ? 2 * m : m;
    if (config.variant === 'full') {
      this.variableNames = ['W', 'V', 'b'];
      this.variables = [
        variableFrom(normalInit(rng, [m, m], 1 / Math.sqrt(m))), // W [k, m], k = m
        variableFrom(normalInit(rng, [m, d], 1 / Math.sqrt(d))), // V [k, d]
        variableFrom(tf.zeros([m])), // b [k]
      ];
    } else {
      this.variableNames = ['w', 'V', 'b', 'c'];
      this.variables = [
        variableFrom(tf.tensor1d(rng.uniformArray(m, config.wInit?.[0] ?? 0, config.wInit?.[1] ?? 1))), // w [m]
        variableFrom(normalInit(rng, [m, d], 1 / Math.sqrt(d))), // V [m, d]
        variableFrom(tf.zeros([m])), // b [m]
        variableFrom(tf.tensor1d(stepLogits(rng, m, config.stepInit))), // c [m]
      ];
    }
    this.implementation = kernel ? kernel.name : 'tfjs';
  }

  run(inputs: LayerInput, opts: RunOptions = {}): CellRun {
    const kernel = this.kernel && !opts.perturb && !opts.collect && !opts.composite ? this.kernel : null;
    // Stacked layers need every step's y (sequence) or take a differentiable input (a tensor):
    // the kernel's whole-sequence form when it has one, else the composite ops.
    const stacked = !!opts.sequence || inputs instanceof tf.Tensor;
    if (kernel && !stacked) {
      const yz = kernel.sequence(inputs as SequenceInputs, this.variables, this.opts); // [B, 2m]
      return { features: this.features(yz) };
    }
    if (kernel?.sequenceStates && stacked) {
      const { final, ys } = kernel.sequenceStates(inputs, this.variables, this.opts);
      return { features: this.features(final), sequence: opts.sequence ? ys : undefined };
    }
    const release = !!opts.release && !opts.collect;
    const trace = runHamiltonianComposite(inputs, this.variables, this.opts, {
      perturb: opts.perturb,
      collect: opts.collect,
      release,
      keepPositions: opts.sequence,
    });
    const features = this.config.readout === 'yz' ? (tf.concat([trace.y, trace.z], 1) as tf.Tensor2D) : trace.y;
    let sequence: tf.Tensor3D | undefined;
    if (opts.sequence) {
      sequence = tf.stack(trace.ys!) as tf.Tensor3D;
      // without a gradient the per-step positions are copies no one else holds (the last is y_T)
      if (release) tf.dispose(trace.ys!.slice(0, -1));
    }
    return {
      features,
      states: trace.ys && trace.zs ? { primary: trace.ys, momentum: trace.zs } : undefined,
      sequence,
    };
  }

  /**
   * Stacked cells as one fused op (FusedKernel.stackSequence of layer 1's kernel): the top layer's
   * readout features, the same as running the layers one by one. Null when a layer has no kernel
   * or the kernel no such op.
   */
  static runStack(cells: readonly HamiltonianCell[], inputs: SequenceInputs): CellRun | null {
    const kernel = cells[0]?.kernel;
    if (!kernel?.stackSequence || cells.some((c) => !c.kernel)) return null;
    const final = kernel.stackSequence(
      inputs,
      cells.map((c) => c.variables),
      cells[0].opts,
    ); // [B, 2m] of the top layer
    return { features: cells[cells.length - 1].features(final) };
  }

  /** The fused kernel outside tfjs' tape (the host training step); null without a kernel that has it. */
  hostRun(inputs: SequenceInputs): HostCellRun | null {
    return HamiltonianCell.hostStack([this], inputs);
  }

  /** Stacked cells outside tfjs' tape, as runStack runs them; null where a layer has no such kernel. */
  static hostStack(cells: readonly HamiltonianCell[], inputs: SequenceInputs): HostCellRun | null {
    const kernel = cells[0]?.kernel;
    if (!kernel?.hostSequence || cells.some((c) => !c.kernel)) return null;
    const top = cells[cells.length - 1];
    const pass = kernel.hostSequence(
      inputs,
      cells.map((c) => c.variables),
      cells[0].opts,
    );
    const m = top.hidden;
    const B = inputs.B;
    const yz = top.config.readout === 'yz';
    // readout y: the first m of each row's [y_T | z_T]; z_T's gradient is zero
    const features = yz ? pass.out : new Float32Array(B * m);
    if (!yz) for (let i = 0; i < B; i++) features.set(pass.out.subarray(i * 2 * m, i * 2 * m + m), i * m);
    return {
      features,
      backward: (g) => {
        let gout = g;
        if (!yz) {
          gout = new Float32Array(B * 2 * m);
          for (let i = 0; i < B; i++) gout.set(g.subarray(i * m, (i + 1) * m), i * 2 * m);
        }
        return pass.backward(gout).flat();
      },
    };
  }

  /** Readout features from [y_T | z_T] ([B, 2m]): all of it, or y_T alone. */
  private features(yz: tf.Tensor2D): tf.Tensor2D {
    return this.config.readout === 'yz' ? yz : (tf.slice(yz, [0, 0], [-1, this.hidden]) as tf.Tensor2D);
  }

  /**
   * H_n and the modified energy H~_n = H_n - tau/2 z_n^T grad_y V(y_n; u_n) (per-neuron step tau s_i
   * in the diagonal variant), evaluated at the state after step n with the input u_n of that step.
   * Symplectic Euler keeps H~ constant to O(tau^2) when the input is constant.
   */
  energy(inputs: SequenceInputs, states: NonNullable<CellRun['states']>): EnergyTrace {
    const { T, B } = inputs;
    const { tau, alpha } = this.opts;
    const [energy, modified] = tf.tidy(() => {
      const Y = tf.concat(states.primary, 0) as tf.Tensor2D; // [T*B, m], time-major rows
      const Z = tf.concat(states.momentum!, 0) as tf.Tensor2D;
      const U = allInputs(inputs); // [T*B, d]
      const rows = energyRows(this.variables, { variant: this.opts.variant, alpha, tau }, Y, Z, U);
      return [tf.mean(tf.reshape(rows.energy, [T, B]), 1), tf.mean(tf.reshape(rows.modifiedEnergy, [T, B]), 1)];
    });
    const result = { energy: Array.from(energy.dataSync() as Float32Array), modifiedEnergy: Array.from(modified.dataSync() as Float32Array) };
    tf.dispose([energy, modified]);
    return result;
  }

  reconstructionDrift(): number | null {
    return this.kernel ? this.kernel.lastReconstructionDrift() : null;
  }

  dispose(): void {
    tf.dispose(this.variables);
    this.kernel?.dispose();
  }
}

/**
 * The diagonal variant's time-step logits c [m]: UnICORNN's U(-0.1, 0.1) without a range; with
 * one, sigmoid(c) uniform in [min, max] (each neuron's share of tau, so its frequency).
 */
function stepLogits(rng: Rng, m: number, range: readonly number[] | null): Float32Array {
  if (!range) return rng.uniformArray(m, -0.1, 0.1);
  const s = rng.uniformArray(m, range[0], range[1]);
  return s.map((v) => Math.log(v / (1 - v)));
}
