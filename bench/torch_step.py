#!/usr/bin/python3
"""PyTorch half of the fused-kernel benchmark (bench/run.mjs): the same Hamiltonian RNN cell
(variant full, MODEL.md), trained the way PyTorch users would: eager autograd, Adam, MSE or
softmax cross-entropy on a linear readout of y_T.

Run with Debian's /usr/bin/python3 (python3-torch, libopenblas0-pthread): torch.set_num_threads(1)
with OpenBLAS' own 2 threads was measured best on this machine (research/tf-backends.md).
Denormals are flushed to zero (torch.set_flush_denormal), as in the fused native kernels.

  torch_step.py step --T 200 --B 128 --m 128 --d 2 --loss mse --warmup 2 --steps 7
        [--model hamiltonian|tanh-rnn|lstm|gru|cornn] [--layers 1|2]
  torch_step.py peak            matmul peak: torch.mm of 2048 x 2048 float32
The peers (issue #10) are PyTorch's own nn.RNN (tanh) / nn.LSTM / nn.GRU, and for coRNN a cell
written like the paper's public code (one linear map of [x; hz; hy] per step, input part hoisted).
Prints one JSON line.
"""
import argparse
import json
import os
import resource
import time

import torch


def peak_matmul(n=2048, reps=10):
    a = torch.randn(n, n)
    b = torch.randn(n, n)
    for _ in range(3):
        a @ b
    best = float('inf')
    for _ in range(reps):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    return {'gflops': 2 * n ** 3 / best / 1e9, 'n': n}


class HamiltonianFull(torch.nn.Module):
    """z_n = z_{n-1} - tau (W^T tanh(W y_{n-1} + V u_n + b) + alpha y_{n-1}),  y_n = y_{n-1} + tau z_n"""

    def __init__(self, d, m, out, tau, alpha):
        super().__init__()
        self.W = torch.nn.Parameter(torch.randn(m, m) / m ** 0.5)
        self.V = torch.nn.Parameter(torch.randn(m, d) / d ** 0.5)
        self.b = torch.nn.Parameter(torch.zeros(m))
        self.Q = torch.nn.Parameter(torch.randn(m, out) / m ** 0.5)
        self.c = torch.nn.Parameter(torch.zeros(out))
        self.tau = tau
        self.alpha = alpha

    def forward(self, u):  # u: [T, B, d]
        T, B, _ = u.shape
        m = self.W.shape[1]
        # all input projections in one product, then unbind (indexing would make autograd O(T^2))
        uv = torch.addmm(self.b, u.reshape(T * B, -1), self.V.t()).reshape(T, B, m).unbind(0)
        y = u.new_zeros(B, m)
        z = u.new_zeros(B, m)
        Wt = self.W.t()
        for n in range(T):
            h = torch.tanh(torch.addmm(uv[n], y, Wt))
            f = h @ self.W
            if self.alpha:
                f = f + self.alpha * y
            z = z - self.tau * f
            y = y + self.tau * z
        return y @ self.Q + self.c


class Peer(torch.nn.Module):
    """nn.RNN / nn.LSTM / nn.GRU (num_layers = layers) with a linear readout of the last step's h."""

    def __init__(self, kind, d, m, out, layers):
        super().__init__()
        cls = {'tanh-rnn': torch.nn.RNN, 'lstm': torch.nn.LSTM, 'gru': torch.nn.GRU}[kind]
        self.rnn = cls(d, m, num_layers=layers)
        self.readout = torch.nn.Linear(m, out)

    def forward(self, u):  # u: [T, B, d]
        hs, _ = self.rnn(u)
        return self.readout(hs[-1])


class CoRNN(torch.nn.Module):
    """hz += dt (tanh(W [x; hz; hy] + b) - gamma hy - eps hz); hy += dt hz (Rusch & Mishra, ICLR 2021)."""

    def __init__(self, d, m, out, layers, dt=0.034, gamma=1.3, eps=12.7):
        super().__init__()
        self.layers = torch.nn.ModuleList()
        for l in range(layers):
            self.layers.append(torch.nn.ModuleDict({'x': torch.nn.Linear(d if l == 0 else m, m), 'h': torch.nn.Linear(2 * m, m, bias=False)}))
        self.readout = torch.nn.Linear(m, out)
        self.dt, self.gamma, self.eps = dt, gamma, eps

    def forward(self, u):
        x = u
        for layer in self.layers:
            T, B, _ = x.shape
            m = layer['h'].out_features
            ux = layer['x'](x).unbind(0)  # input part for all steps in one product
            hy = x.new_zeros(B, m)
            hz = x.new_zeros(B, m)
            hs = []
            for n in range(T):
                hz = hz + self.dt * (torch.tanh(ux[n] + layer['h'](torch.cat([hz, hy], 1))) - self.gamma * hy - self.eps * hz)
                hy = hy + self.dt * hz
                hs.append(hy)
            x = torch.stack(hs)
        return self.readout(x[-1])


def make_model(kind, d, m, out, T, layers):
    if kind == 'hamiltonian':
        return HamiltonianFull(d, m, out, min(0.05, 5.0 / T), 0.0)
    if kind == 'cornn':
        return CoRNN(d, m, out, layers)
    return Peer(kind, d, m, out, layers)


def train_steps(T, B, m, d, loss_kind, warmup, steps, kind='hamiltonian', layers=1):
    torch.manual_seed(0)
    out = 1 if loss_kind == 'mse' else 10
    model = make_model(kind, d, m, out, T, layers)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    u = torch.rand(T, B, d)
    target = torch.rand(B, 1) if loss_kind == 'mse' else torch.randint(0, 10, (B,))
    lossf = torch.nn.MSELoss() if loss_kind == 'mse' else torch.nn.CrossEntropyLoss()
    times = []
    cpu0 = time.process_time()
    for i in range(warmup + steps):
        if i == warmup:
            cpu0 = time.process_time()
        t = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = lossf(model(u), target)
        loss.backward()
        opt.step()
        float(loss)
        if i >= warmup:
            times.append((time.perf_counter() - t) * 1e3)
    cpu = (time.process_time() - cpu0) * 1e3 / max(1, steps)
    return {'times_ms': times, 'cpu_ms_per_step': cpu}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('mode', choices=['step', 'peak'])
    ap.add_argument('--T', type=int, default=200)
    ap.add_argument('--B', type=int, default=128)
    ap.add_argument('--m', type=int, default=128)
    ap.add_argument('--d', type=int, default=2)
    ap.add_argument('--loss', choices=['mse', 'ce'], default='mse')
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--steps', type=int, default=7)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--model', choices=['hamiltonian', 'tanh-rnn', 'lstm', 'gru', 'cornn'], default='hamiltonian')
    ap.add_argument('--layers', type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    # Denormals flushed, as the fused native kernels run (their fp_enter): vanishing adjoints pass
    # through denormals, which an Intel core handles about a hundred times slower, and the
    # comparison is of implementations, not of that. This sets the calling thread only: OpenBLAS'
    # worker threads, started when torch loaded, keep their own setting (tanh RNN at add200 on an
    # Intel core: ~470 ms unflushed, 60-85 ms flushed with OPENBLAS_NUM_THREADS=1, ~260 ms as run).
    flushed = torch.set_flush_denormal(True)
    if a.mode == 'peak':
        res = peak_matmul()
    else:
        res = train_steps(a.T, a.B, a.m, a.d, a.loss, a.warmup, a.steps, a.model, a.layers)
    res['impl'] = 'pytorch-%s' % torch.__version__
    res['flush_denormal'] = flushed
    res['maxrss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    res['blas'] = os.path.realpath('/usr/lib/x86_64-linux-gnu/libblas.so.3')
    print(json.dumps(res))


if __name__ == '__main__':
    main()
