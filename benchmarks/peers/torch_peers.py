#!/usr/bin/python3
"""The PyTorch side of benchmarks/peers/run.sh.

Times, in PyTorch (Debian's python3-torch, CPU), the workloads that nfalab's
Google Benchmark targets time, on the same shapes, and prints one JSON line
per (workload, torch threads): the median wall time of --repetitions runs
after one warm-up run.

  mlp_k_authors   K of the 5 hidden layers of the paper's MLP (d 784,
                  5 x 256 ReLU, no bias, C 10) on m = 2000 samples, the
                  authors' way: zero perturbations added to every
                  pre-activation, per-sample Jacobians of the C outputs with
                  respect to them by functorch's vmap(jacrev(.)), in chunks
                  of 1024, K_l += sum_{i,c} g g^T.
  mlp_k_batched   the same K hand-batched: one forward pass per chunk, the C
                  unit cotangents pushed back as batched GEMMs, G^T G per
                  layer (nfalab's algorithm, metrics/ptk.cc).
  mlp_step        one SGD step (forward, MSE, backward, update) at batch 128.
  mlp_epoch       a training epoch over 30000 samples (a fresh permutation,
                  batches of 128), training only.
  vgg_k_authors   K of the 8 conv layers of the small VGG (configuration A,
                  channels x 1/8, classifier 256, 1 x 32 x 32) on 1000
                  images, the authors' way (perturbations of shape
                  [k, H, W] on every conv output), in chunks of 100.
  vgg_k_batched   the same K hand-batched (autograd.grad of each output
                  class summed over the chunk, retain_graph).
  vgg_step        one SGD step of the small VGG at batch 128, train mode
                  (dropout on).

Inputs are uniform random of the benchmarks' shapes: the cost does not
depend on the values.
"""
import argparse
import json
import statistics
import sys
import time

import torch
from torch import nn

D, WIDTH, DEPTH, C = 784, 256, 5, 10
M_MLP, CHUNK_MLP = 2000, 1024
M_VGG = 1000
BATCH = 128
EPOCH_SAMPLES = 30000


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        dims = [D] + [WIDTH] * DEPTH + [C]
        self.linears = nn.ModuleList(
            nn.Linear(dims[i], dims[i + 1], bias=False) for i in range(len(dims) - 1))

    def forward(self, x, perturbs=None):
        for l, linear in enumerate(self.linears[:-1]):
            h = linear(x)
            if perturbs is not None:
                h = h + perturbs[l]
            x = torch.relu(h)
        return self.linears[-1](x)


VGG_A = [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]


class SmallVgg(nn.Module):
    def __init__(self, width=0.125, classifier=256, dropout=0.5):
        super().__init__()
        self.convs = nn.ModuleList()
        self.after = []  # "M" after conv j?
        channels = 1
        for v in VGG_A:
            if v == "M":
                self.after[-1] = True
                continue
            out = max(1, round(v * width))
            self.convs.append(nn.Conv2d(channels, out, 3, padding=1))
            self.after.append(False)
            channels = out
        self.classifier = nn.Sequential(
            nn.Linear(channels, classifier), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(classifier, classifier), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(classifier, C))

    def forward(self, x, perturbs=None):
        for j, conv in enumerate(self.convs):
            h = conv(x)
            if perturbs is not None:
                h = h + perturbs[j]
            x = torch.relu(h)
            if self.after[j]:
                x = nn.functional.max_pool2d(x, 2)
        x = nn.functional.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.classifier(x)

    def conv_output_shapes(self, size=32):
        shapes = []
        for j, conv in enumerate(self.convs):
            shapes.append((conv.out_channels, size, size))
            if self.after[j]:
                size //= 2
        return shapes


def authors_k(model, x, shapes, chunk):
    from functorch import jacrev, vmap  # torch 1.13; torch.func in 2.x
    ks = [torch.zeros(s[0], s[0]) for s in shapes]
    zeros = [torch.zeros(s) for s in shapes]

    def f(perturbs, xi):
        return model(xi.unsqueeze(0), perturbs).squeeze(0)

    for start in range(0, x.shape[0], chunk):
        jac = vmap(jacrev(f), in_dims=(None, 0))(zeros, x[start:start + chunk])
        for l, g in enumerate(jac):  # [n, C, k, ...]
            g = g.reshape(g.shape[0], C, g.shape[2], -1)
            ks[l] += torch.einsum("nckq,ncjq->kj", g, g)
    return ks


def batched_mlp_k(model, x, chunk):
    weights = [linear.weight for linear in model.linears]
    ks = [torch.zeros(WIDTH, WIDTH) for _ in range(DEPTH)]
    with torch.no_grad():
        for start in range(0, x.shape[0], chunk):
            a = x[start:start + chunk]
            slopes = []
            for w in weights[:-1]:
                h = a @ w.T
                slopes.append((h > 0).to(a.dtype))
                a = torch.relu(h)
            n = a.shape[0]
            g = weights[-1].expand(n, C, WIDTH)  # d f / d a_L: [n, C, k]
            for l in range(DEPTH - 1, -1, -1):
                g = g * slopes[l].unsqueeze(1)  # d f / d h_l
                flat = g.reshape(n * C, -1)
                ks[l] += flat.T @ flat
                if l > 0:
                    g = g @ weights[l]
    return ks


def batched_vgg_k(model, x, chunk):
    ks = [torch.zeros(conv.out_channels, conv.out_channels) for conv in model.convs]
    for start in range(0, x.shape[0], chunk):
        xs = x[start:start + chunk]
        outs = []

        def keep(_module, _inputs, output):
            outs.append(output)

        hooks = [conv.register_forward_hook(keep) for conv in model.convs]
        f = model(xs)
        for h in hooks:
            h.remove()
        for c in range(C):
            # Samples are independent, so the gradient of the summed output
            # c holds every sample's own gradient.
            grads = torch.autograd.grad(f[:, c].sum(), outs, retain_graph=c < C - 1)
            for l, g in enumerate(grads):
                v = g.transpose(0, 1).reshape(g.shape[1], -1)  # [k, n P]
                ks[l] += v @ v.T
    return ks


def sgd_step(model, optimizer, x, y):
    optimizer.zero_grad(set_to_none=True)
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()


def workloads():
    torch.manual_seed(0)
    mlp = Mlp()
    x_mlp = torch.rand(M_MLP, D)
    vgg = SmallVgg()
    x_vgg = torch.rand(M_VGG, 1, 32, 32)
    mlp_optimizer = torch.optim.SGD(mlp.parameters(), lr=1e-4)
    vgg_optimizer = torch.optim.SGD(vgg.parameters(), lr=1e-4)
    xb, yb = torch.rand(BATCH, D), torch.rand(BATCH, C) * 2 - 1
    xv, yv = torch.rand(BATCH, 1, 32, 32), torch.rand(BATCH, C) * 2 - 1
    x_epoch, y_epoch = torch.rand(EPOCH_SAMPLES, D), torch.rand(EPOCH_SAMPLES, C) * 2 - 1

    def epoch():
        order = torch.randperm(EPOCH_SAMPLES)
        for start in range(0, EPOCH_SAMPLES, BATCH):
            rows = order[start:start + BATCH]
            sgd_step(mlp, mlp_optimizer, x_epoch[rows], y_epoch[rows])

    def vgg_k(fn):
        vgg.eval()
        return fn()

    def vgg_step():
        vgg.train()
        sgd_step(vgg, vgg_optimizer, xv, yv)

    mlp_shapes = [(WIDTH,)] * DEPTH
    return {
        "mlp_k_authors": lambda: authors_k(mlp, x_mlp, mlp_shapes, CHUNK_MLP),
        "mlp_k_batched": lambda: batched_mlp_k(mlp, x_mlp, CHUNK_MLP),
        "mlp_step": lambda: sgd_step(mlp, mlp_optimizer, xb, yb),
        "mlp_epoch": epoch,
        "vgg_k_authors": lambda: vgg_k(
            lambda: authors_k(vgg, x_vgg, vgg.conv_output_shapes(), 100)),
        "vgg_k_batched": lambda: vgg_k(lambda: batched_vgg_k(vgg, x_vgg, 100)),
        "vgg_step": vgg_step,
    }


def check(jobs):
    """The two K procedures of each network agree, else a timing would
    compare different work."""
    for net in ("mlp", "vgg"):
        authors = jobs[f"{net}_k_authors"]()
        batched = jobs[f"{net}_k_batched"]()
        for l, (a, b) in enumerate(zip(authors, batched)):
            scale = float(b.abs().max())
            if not torch.allclose(a, b, rtol=1e-3, atol=1e-3 * scale):
                raise SystemExit(f"{net} layer {l + 1}: the two K procedures differ")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--only", nargs="*", default=None)
    # Only recorded: OPENBLAS_NUM_THREADS must be set before start-up.
    parser.add_argument("--blas_threads", type=int, default=0)
    args = parser.parse_args()
    jobs = workloads()
    check(jobs)
    for name, job in jobs.items():
        if args.only and name not in args.only:
            continue
        for threads in args.threads:
            torch.set_num_threads(threads)
            job()  # warm-up
            times = []
            for _ in range(args.repetitions):
                start = time.perf_counter()
                job()
                times.append(time.perf_counter() - start)
            print(json.dumps({"workload": name, "threads": threads,
                              "blas_threads": args.blas_threads,
                              "seconds": statistics.median(times)}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
