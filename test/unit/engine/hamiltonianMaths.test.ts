/**
 * The properties MODEL.md says any correct implementation shows, checked on the composite tfjs
 * implementation in float32 on tiny shapes.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../src/engine/backend';
import type { HamiltonianVariant, SequenceInputs } from '../../../src/engine/kernels/types';
import { hamiltonianInverseStep, runHamiltonianComposite, type HamiltonianOptions } from '../../../src/engine/model/hamiltonianSequence';
import { HamiltonianCell } from '../../../src/engine/model/hamiltonian';
import { Rng } from '../../../src/engine/rng';
import { resolveExperiment } from '../../../src/experiment/resolve';

function randomInputs(rng: Rng, T: number, B: number, d: number): SequenceInputs {
  return { data: rng.uniformArray(T * B * d, -1, 1), T, B, d };
}

function randomParams(rng: Rng, variant: HamiltonianVariant, m: number, d: number): tf.Tensor[] {
  if (variant === 'full') {
    return [
      tf.tensor2d(rng.normalArray(m * m, 1 / Math.sqrt(m)), [m, m]),
      tf.tensor2d(rng.normalArray(m * d, 1), [m, d]),
      tf.tensor1d(rng.normalArray(m, 0.3)),
    ];
  }
  return [
    tf.tensor1d(rng.uniformArray(m, 0.2, 1)),
    tf.tensor2d(rng.normalArray(m * d, 1), [m, d]),
    tf.tensor1d(rng.normalArray(m, 0.3)),
    tf.tensor1d(rng.uniformArray(m, -0.5, 0.5)),
  ];
}

/** A scalar loss of the final state: a fixed random linear functional of [y_T; z_T] plus a square term. */
function lossOf(inputs: SequenceInputs, params: tf.Tensor[], opts: HamiltonianOptions, probe: tf.Tensor2D): tf.Scalar {
  const { y, z } = runHamiltonianComposite(inputs, params, opts);
  const s = tf.concat([y, z], 1);
  return tf.add(tf.sum(tf.mul(s, probe)), tf.mul(tf.sum(tf.square(s)), 0.1)) as tf.Scalar;
}

describe('Hamiltonian RNN maths (composite tfjs)', () => {
  before(async () => {
    await selectBackend('wasm');
  });

  for (const variant of ['full', 'diagonal'] as const) {
    it(`${variant}: autodiff gradients match central finite differences`, () => {
      const rng = new Rng(7);
      const m = 4;
      const d = 2;
      const inputs = randomInputs(rng, 6, 3, d);
      const opts: HamiltonianOptions = { variant, tau: 0.3, alpha: 0.5 };
      const params = randomParams(rng, variant, m, d);
      const probe = tf.tensor2d(rng.normalArray(3 * 2 * m, 1), [3, 2 * m]);
      const grads = tf.grads((...p: tf.Tensor[]) => lossOf(inputs, p, opts, probe))(params);
      const eps = 1e-2;
      let worst = 0;
      params.forEach((p, pi) => {
        const base = p.dataSync().slice();
        const g = grads[pi].dataSync();
        for (let j = 0; j < base.length; j++) {
          const at = (delta: number) => {
            const moved = base.slice();
            moved[j] += delta;
            const q = params.slice();
            q[pi] = tf.tensor(moved, p.shape);
            const v = tf.tidy(() => lossOf(inputs, q, opts, probe).dataSync()[0]);
            q[pi].dispose();
            return v;
          };
          const numeric = (at(eps) - at(-eps)) / (2 * eps);
          const rel = Math.abs(numeric - g[j]) / Math.max(1e-2, Math.abs(numeric), Math.abs(g[j]));
          worst = Math.max(worst, rel);
        }
      });
      tf.dispose([...grads, ...params, probe]);
      assert.ok(worst < 1e-2, `worst relative error ${worst}`);
    });
  }

  /** Jacobian of one step (y, z) -> (y', z') at a random state, by autodiff through the implementation. */
  function oneStepJacobian(variant: HamiltonianVariant, m: number, seed: number): number[][] {
    const rng = new Rng(seed);
    const d = 2;
    const params = randomParams(rng, variant, m, d);
    const inputs = randomInputs(rng, 1, 1, d);
    const opts: HamiltonianOptions = { variant, tau: 0.4, alpha: 0.7 };
    const y0 = tf.tensor2d(rng.normalArray(m, 1), [1, m]);
    const z0 = tf.tensor2d(rng.normalArray(m, 1), [1, m]);
    const J: number[][] = [];
    for (let row = 0; row < 2 * m; row++) {
      const [gy, gz] = tf.grads((y: tf.Tensor, z: tf.Tensor) => {
        const out = runHamiltonianComposite(inputs, params, opts, { initial: { y: y as tf.Tensor2D, z: z as tf.Tensor2D } });
        const s = tf.concat([out.y, out.z], 1);
        return tf.sum(tf.mul(s, tf.oneHot(tf.tensor1d([row], 'int32'), 2 * m))) as tf.Scalar;
      })([y0, z0]);
      J.push([...Array.from(gy.dataSync()), ...Array.from(gz.dataSync())]);
      tf.dispose([gy, gz]);
    }
    tf.dispose([...params, y0, z0]);
    return J;
  }

  function determinant(a: number[][]): number {
    const n = a.length;
    const m = a.map((r) => r.slice());
    let det = 1;
    for (let c = 0; c < n; c++) {
      let p = c;
      for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
      if (m[p][c] === 0) return 0;
      if (p !== c) {
        [m[p], m[c]] = [m[c], m[p]];
        det = -det;
      }
      det *= m[c][c];
      for (let r = c + 1; r < n; r++) {
        const f = m[r][c] / m[c][c];
        for (let k = c; k < n; k++) m[r][k] -= f * m[c][k];
      }
    }
    return det;
  }

  for (const variant of ['full', 'diagonal'] as const) {
    it(`${variant}: the one-step Jacobian is symplectic (J^T Omega J = Omega) with determinant 1`, () => {
      const m = 4;
      const J = oneStepJacobian(variant, m, 11);
      const n = 2 * m;
      // Omega = [[0, I], [-I, 0]] in the (y, z) ordering.
      const omega = (i: number, j: number) => (j === i + m ? 1 : i === j + m ? -1 : 0);
      let worst = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) for (let l = 0; l < n; l++) s += J[k][i] * omega(k, l) * J[l][j];
          worst = Math.max(worst, Math.abs(s - omega(i, j)));
        }
      }
      assert.ok(worst < 1e-5, `max |J^T Omega J - Omega| = ${worst}`);
      assert.ok(Math.abs(determinant(J) - 1) < 1e-5, `det J = ${determinant(J)}`);
      // And the map is not the identity: the check has something to check.
      assert.ok(Math.abs(J[0][0] - 1) > 1e-3);
    });
  }

  for (const variant of ['full', 'diagonal'] as const) {
    it(`${variant}: the exact inverse step rebuilds y_{n-1}, z_{n-1}`, () => {
      const rng = new Rng(3);
      const m = 5;
      const d = 2;
      const params = randomParams(rng, variant, m, d);
      const opts: HamiltonianOptions = { variant, tau: 0.2, alpha: 0.3 };
      const inputs = randomInputs(rng, 1, 4, d);
      const y0 = tf.tensor2d(rng.normalArray(4 * m, 1), [4, m]);
      const z0 = tf.tensor2d(rng.normalArray(4 * m, 1), [4, m]);
      const fwd = runHamiltonianComposite(inputs, params, opts, { initial: { y: y0, z: z0 } });
      const u = tf.tensor2d(inputs.data, [4, d]);
      const back = hamiltonianInverseStep(fwd.y, fwd.z, u, params, opts);
      const err = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
      assert.ok(err(back.y, y0) < 1e-5, `y error ${err(back.y, y0)}`);
      assert.ok(err(back.z, z0) < 1e-5, `z error ${err(back.z, z0)}`);
      assert.ok(err(fwd.y, y0) > 1e-2, 'the forward step moved the state');
      tf.dispose([...params, y0, z0, fwd.y, fwd.z, u, back.y, back.z]);
    });
  }

  it('with constant input the modified energy is conserved far better than forward Euler conserves H', () => {
    const m = 8;
    const T = 2000;
    const tau = 0.05;
    const alpha = 0.5;
    const exp = resolveExperiment({ task: { kind: 'adding', length: T }, model: { kind: 'hamiltonian', hidden: m, tau, alpha } }, 'energy');
    const cell = new HamiltonianCell(2, m, exp.model, new Rng(5), null);
    // Constant input u = (0.5, 0) at every step.
    const data = new Float32Array(T * 2);
    for (let n = 0; n < T; n++) data[2 * n] = 0.5;
    const inputs: SequenceInputs = { data, T, B: 1, d: 2 };
    const states = tf.tidy(() => {
      const run = cell.run(inputs, { collect: true });
      return run.states!;
    });
    const { energy, modifiedEnergy } = cell.energy(inputs, states);
    tf.dispose([...states.primary, ...states.momentum!]);
    const drift = (xs: number[]) => Math.max(...xs.map((x) => Math.abs(x - xs[0]))) / Math.abs(xs[0]);

    // Forward (explicit) Euler on the same vector field, in float64, from the same start (y_1, z_1).
    const [W, V, b] = cell.variables.map((v) => Array.from(v.dataSync()));
    const y = Array.from(states.primary.length ? [] : []);
    void y;
    const yv = new Float64Array(m);
    const zv = new Float64Array(m);
    const H = () => {
      let h = 0;
      for (let i = 0; i < m; i++) h += 0.5 * zv[i] * zv[i] + 0.5 * alpha * yv[i] * yv[i];
      for (let k = 0; k < m; k++) {
        let a = b[k] + V[k * 2] * 0.5;
        for (let i = 0; i < m; i++) a += W[k * m + i] * yv[i];
        h += Math.log(Math.cosh(a));
      }
      return h;
    };
    const eulerEnergy: number[] = [];
    // Start where the symplectic run was after its first step, so both trajectories share H_1.
    const first = tf.tidy(() => cell.run({ data: data.subarray(0, 2), T: 1, B: 1, d: 2 }, { collect: true }).states!);
    yv.set(first.primary[0].dataSync());
    zv.set(first.momentum![0].dataSync());
    tf.dispose([...first.primary, ...first.momentum!]);
    eulerEnergy.push(H());
    for (let n = 1; n < T; n++) {
      const force = new Float64Array(m);
      const th = new Float64Array(m);
      for (let k = 0; k < m; k++) {
        let a = b[k] + V[k * 2] * 0.5;
        for (let i = 0; i < m; i++) a += W[k * m + i] * yv[i];
        th[k] = Math.tanh(a);
      }
      for (let i = 0; i < m; i++) {
        let f = alpha * yv[i];
        for (let k = 0; k < m; k++) f += W[k * m + i] * th[k];
        force[i] = f;
      }
      for (let i = 0; i < m; i++) {
        const yi = yv[i];
        yv[i] = yi + tau * zv[i];
        zv[i] = zv[i] - tau * force[i];
      }
      eulerEnergy.push(H());
    }
    cell.dispose();
    const sympl = drift(modifiedEnergy);
    const sympH = drift(energy);
    const euler = drift(eulerEnergy);
    assert.ok(sympl < 1e-3, `modified energy drift ${sympl}`);
    assert.ok(sympl < sympH, `modified energy (${sympl}) is conserved better than H itself (${sympH})`);
    assert.ok(euler > 50 * sympl, `forward Euler drift ${euler} vs symplectic modified ${sympl}`);
  });

  it('tau: auto resolves to c / T, capped at tauMax', () => {
    const at = (length: number, tauScale?: number) =>
      resolveExperiment({ task: { kind: 'adding', length }, model: { kind: 'hamiltonian', tau: 'auto', ...(tauScale ? { tauScale } : {}) } }, 'x').model.tau;
    assert.equal(at(1000), 5 / 1000);
    assert.equal(at(200, 2), 2 / 200);
    assert.equal(at(50), 0.05, 'capped');
    assert.equal(resolveExperiment({ task: { kind: 'smnist' }, model: { kind: 'hamiltonian', tau: 'auto' } }, 'x').model.tau, 5 / 784);
  });
});
