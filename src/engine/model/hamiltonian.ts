/**
 * The Hamiltonian RNN cell (reconstruction; see hamiltonianSequence.ts for the equations).
 *
 * Hamiltonian (full variant): H(y, z; u) = 1/2 ||z||^2 + alpha/2 ||y||^2 + sum_i log cosh((W y + V u + b)_i).
 * Diagonal variant: H = sum_i [ z_i^2/2 + alpha y_i^2/2 + P_i(y_i) ] with
 * P_i(y) = (log cosh(w_i y + p_i) - log cosh(p_i)) / w_i, p = V u + b (the constant in y is dropped so
 * that w_i -> 0 has the finite limit tanh(p_i) y).
 *
 * Initialisation (measured to work, research/science-calibration.md): W ~ N(0, 1/m), V ~ N(0, 1/d),
 * b = 0; diagonal: w ~ U(0, 1), c ~ U(-0.1, 0.1) (UnICORNN's choices).
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../experiment/schema';
import type { FusedKernel, FusedSequenceOptions, SequenceInputs } from '../kernels/types';
import type { Rng } from '../rng';
import type { CellRun, EnergyTrace, LayerInput, RecurrentCell, RunOptions } from './cell';
import { runHamiltonianComposite } from './hamiltonianSequence';
import { allInputs, logCosh, mm, normalInit, variableFrom } from './ops';

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
        variableFrom(tf.tensor1d(rng.uniformArray(m, 0, 1))), // w [m]
        variableFrom(normalInit(rng, [m, d], 1 / Math.sqrt(d))), // V [m, d]
        variableFrom(tf.zeros([m])), // b [m]
        variableFrom(tf.tensor1d(rng.uniformArray(m, -0.1, 0.1))), // c [m]
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
      const kinetic = tf.mul(tf.sum(tf.square(Z), 1), 0.5); // [T*B]
      let potential: tf.Tensor;
      let gradPotential: tf.Tensor; // grad_y V, scaled by the per-neuron step factor where it applies
      if (this.opts.variant === 'full') {
        const [W, V, b] = this.variables as [tf.Variable<tf.Rank.R2>, tf.Variable<tf.Rank.R2>, tf.Variable<tf.Rank.R1>];
        const a = tf.add(tf.add(mm(Y, tf.transpose(W)), mm(U, tf.transpose(V))), b) as tf.Tensor2D; // [T*B, k]
        potential = tf.sum(logCosh(a), 1);
        gradPotential = mm(tf.tanh(a) as tf.Tensor2D, W); // [T*B, m]
        if (alpha !== 0) gradPotential = tf.add(gradPotential, tf.mul(Y, alpha));
      } else {
        const [w, V, b, c] = this.variables as [tf.Variable<tf.Rank.R1>, tf.Variable<tf.Rank.R2>, tf.Variable<tf.Rank.R1>, tf.Variable<tf.Rank.R1>];
        const p = tf.add(mm(U, tf.transpose(V)), b); // [T*B, m]
        const a = tf.add(tf.mul(Y, w), p);
        // (logcosh(w y + p) - logcosh(p)) / w, with its Taylor form where w is too small to divide by.
        const small = tf.less(tf.abs(w), 1e-3);
        const safeW = tf.where(small, tf.onesLike(w), w);
        const exact = tf.div(tf.sub(logCosh(a), logCosh(p)), safeW);
        const sech2 = tf.sub(1, tf.square(tf.tanh(p)));
        const taylor = tf.add(tf.mul(tf.tanh(p), Y), tf.mul(tf.mul(tf.mul(sech2, tf.square(Y)), w), 0.5));
        potential = tf.sum(tf.where(tf.broadcastTo(small, a.shape), taylor, exact), 1);
        let g: tf.Tensor = tf.tanh(a);
        if (alpha !== 0) g = tf.add(g, tf.mul(Y, alpha));
        gradPotential = tf.mul(g, tf.sigmoid(c)); // per-neuron step tau*s_i
      }
      if (alpha !== 0) potential = tf.add(potential, tf.mul(tf.sum(tf.square(Y), 1), alpha / 2));
      const H = tf.add(kinetic, potential); // [T*B]
      const correction = tf.mul(tf.sum(tf.mul(Z, gradPotential), 1), tau / 2);
      const Hmod = tf.sub(H, correction);
      return [tf.mean(tf.reshape(H, [T, B]), 1), tf.mean(tf.reshape(Hmod, [T, B]), 1)];
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
