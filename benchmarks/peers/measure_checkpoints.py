#!/usr/bin/python3
"""The PyTorch side of measure_checkpoints.sh: what `nfalab measure` computes
on checkpoints of the paper's MLP, computed the authors' way.

For each checkpoint directory (model.json and its W{l}.npy, W0_{l}.npy, the
export format of experiment/model_import.h; make_checkpoints.py writes them)
and the samples of X.npy: read the weights, build the bias-free ReLU MLP,
compute K_l = (1/m) sum_{i,c} g_ic g_ic^T of its 5 hidden layers as
torch_peers.py's mlp_k_authors does (zero perturbations on every
pre-activation, functorch vmap(jacrev(.)) per sample, chunks of 1024), then
per hidden layer, in float32 as the authors' code:

  NFM  W^T W,  AGOP  W^T K W                  -> uc_nfc, uc_nfc_cos
  the same with dW = W - W0                   -> c_nfc, c_nfc_cos
  |W - W0|_F / |W|_F                          -> weight_change

(Pearson over all entries, as their utils.mat_cov; cosine as `_cos`, which is
what nfalab's default measures report). The timed unit is the whole loop over
the checkpoints, reading the files included, as `nfalab measure`'s wall time
includes reading them; X.npy is read once inside it too. Prints one JSON line
per torch thread setting: the median of --repetitions loops after one
warm-up loop. --values CSV receives the measures of the first loop:
checkpoint (0-based, in the order given), epoch, step, layer (1-based),
measure, value.

OpenBLAS's thread count is fixed at start-up (OPENBLAS_NUM_THREADS), so the
driver runs this script once per OpenBLAS setting; --blas_threads only
records it.
"""
import argparse
import csv
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_peers  # noqa: E402  (the authors' K, beside this file)

CHUNK = 1024  # the authors' chunk of samples per vmap(jacrev) call
HIDDEN = torch_peers.DEPTH


def read_checkpoint(directory):
    """The linear layers' (W, W0) in order, as float32 tensors; checks that
    model.json is the paper's MLP, which is all this script builds."""
    with open(os.path.join(directory, "model.json")) as f:
        description = json.load(f)
    weights = []
    for entry in description["layers"]:
        kind = entry["type"]
        if kind == "linear":
            if "bias" in entry:
                raise SystemExit(f"{directory}: a linear layer has a bias; the paper MLP has none")
            w = np.load(os.path.join(directory, entry["weight"]))
            w0 = np.load(os.path.join(directory, entry["initial_weight"]))
            weights.append((torch.from_numpy(w.astype(np.float32, copy=False)),
                            torch.from_numpy(w0.astype(np.float32, copy=False))))
        elif kind == "activation":
            if entry.get("name") != "relu":
                raise SystemExit(f"{directory}: activation {entry.get('name')}, not relu")
        elif kind != "flatten":
            raise SystemExit(f"{directory}: layer type {kind} is not in the paper MLP")
    dims = [torch_peers.D] + [torch_peers.WIDTH] * HIDDEN + [torch_peers.C]
    shapes = [tuple(w.shape) for w, _ in weights]
    expected = [(dims[l + 1], dims[l]) for l in range(len(dims) - 1)]
    if shapes != expected:
        raise SystemExit(f"{directory}: weight shapes {shapes}, expected {expected}")
    return description, weights


def build_mlp(weights):
    mlp = torch_peers.Mlp()
    with torch.no_grad():
        for linear, (w, _) in zip(mlp.linears, weights):
            linear.weight.copy_(w)
    return mlp


def pearson(a, b):
    a = a - a.mean()
    b = b - b.mean()
    return float((a * b).sum() / (a.norm() * b.norm()))


def cosine(a, b):
    return float((a * b).sum() / (a.norm() * b.norm()))


def layer_measures(w, w0, k):
    """{measure: value} of one layer: W [k, p], W0, K [k, k] (float32)."""
    values = {}
    dw = w - w0
    for name, m in (("uc_nfc", w), ("c_nfc", dw)):
        nfm = m.T @ m
        agop = m.T @ k @ m
        values[name] = pearson(nfm, agop)
        values[name + "_cos"] = cosine(nfm, agop)
    values["weight_change"] = float(dw.norm() / w.norm())
    return values


def measure_all(directories, data_path):
    """One timed loop: [(checkpoint, epoch, step, layer, measure, value)]."""
    x = torch.from_numpy(np.load(data_path).astype(np.float32, copy=False))
    x = x.reshape(x.shape[0], -1)
    rows = []
    shapes = [(torch_peers.WIDTH,)] * HIDDEN
    for j, directory in enumerate(directories):
        description, weights = read_checkpoint(directory)
        mlp = build_mlp(weights)
        ks = torch_peers.authors_k(mlp, x, shapes, CHUNK)
        for l in range(HIDDEN):
            w, w0 = weights[l]
            k = ks[l] / x.shape[0]
            for name, value in layer_measures(w, w0, k).items():
                rows.append((j, description.get("epoch", ""), description.get("step", ""),
                             l + 1, name, value))
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", action="append", required=True,
                        help="a checkpoint directory (repeat, in order)")
    parser.add_argument("--data", required=True, help="X.npy")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--values", help="CSV of the measured values")
    # Only recorded: OPENBLAS_NUM_THREADS must be set before start-up.
    parser.add_argument("--blas_threads", type=int, default=0)
    args = parser.parse_args()

    samples = int(np.load(args.data, mmap_mode="r").shape[0])
    first = None
    for threads in args.threads:
        torch.set_num_threads(threads)
        rows = measure_all(args.model, args.data)  # warm-up
        if first is None:
            first = rows
        times = []
        for _ in range(args.repetitions):
            start = time.perf_counter()
            measure_all(args.model, args.data)
            times.append(time.perf_counter() - start)
        print(json.dumps({"workload": "measure_checkpoints", "checkpoints": len(args.model),
                          "samples": samples,
                          "threads": threads, "blas_threads": args.blas_threads,
                          "seconds": statistics.median(times), "runs": times}), flush=True)
    if args.values:
        with open(args.values, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["checkpoint", "epoch", "step", "layer", "measure", "value"])
            writer.writerows(first)


if __name__ == "__main__":
    sys.exit(main())
