#!/usr/bin/python3
"""Checkpoints of the paper's MLP for measure_checkpoints.sh.

Trains the MLP of paper.md §5.1 (d 784, 5 x 256 ReLU, no bias, 10 outputs,
PyTorch's default nn.Linear init) in PyTorch on the first --samples
Fashion-MNIST training images, with the settings of
experiment/configs/fashion_mnist_mlp.pbtxt (pixels standardised by the
mean and unbiased std of these samples, targets one-hot minus 1/C, MSE,
SGD at batch 128, epoch 0 at lr 1e-4 and then lr 2.0), and writes, in the
export format that `nfalab measure` reads (experiment/model_import.h):

  OUT/X.npy            float32 [samples, 784], the inputs trained and
                       measured on
  OUT/y.npy            int64 [samples], their labels
  OUT/ckpt_EE/         after epoch EE = 00, 01, ...: model.json (with
                       "epoch" and "step"), W{l}.npy and W0_{l}.npy, float32

Training is real so that W - W0 and the alignment have the structure of a
trained network; the measurement's cost does not depend on it. Without the
Fashion-MNIST files (Debian's dataset-fashion-mnist) the inputs are Gaussian
and the labels random, which times the same.
"""
import argparse
import gzip
import json
import os
import sys

import numpy as np
import torch
from torch import nn

D, WIDTH, DEPTH, C = 784, 256, 5, 10
BATCH = 128
LR_FIRST_EPOCH, LR = 1e-4, 2.0


def read_idx(path, header_bytes):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header_bytes)


def load_data(data_dir, samples, rng):
    images = os.path.join(data_dir, "train-images-idx3-ubyte.gz")
    labels = os.path.join(data_dir, "train-labels-idx1-ubyte.gz")
    if os.path.exists(images) and os.path.exists(labels):
        x = read_idx(images, 16).reshape(-1, D)[:samples].astype(np.float32)
        y = read_idx(labels, 8)[:samples].astype(np.int64)
        source = f"Fashion-MNIST ({data_dir})"
    else:
        x = rng.standard_normal((samples, D)).astype(np.float32)
        y = rng.integers(0, C, samples).astype(np.int64)
        source = "Gaussian inputs, random labels (no Fashion-MNIST files)"
    x = (x - x.mean()) / x.std(ddof=1)
    return x.astype(np.float32), y, source


def model_json(epoch, step):
    layers = []
    dims = [D] + [WIDTH] * DEPTH + [C]
    for l in range(1, len(dims)):
        layers.append({"type": "linear", "in_features": dims[l - 1],
                       "out_features": dims[l], "weight": f"W{l}.npy",
                       "initial_weight": f"W0_{l}.npy"})
        if l < len(dims) - 1:
            layers.append({"type": "activation", "name": "relu"})
    return {"input_shape": [D], "epoch": epoch, "step": step, "layers": layers}


def save_checkpoint(directory, linears, initial, epoch, step):
    os.makedirs(directory, exist_ok=True)
    for l, (linear, w0) in enumerate(zip(linears, initial), start=1):
        np.save(os.path.join(directory, f"W{l}.npy"),
                linear.weight.detach().numpy().astype(np.float32))
        np.save(os.path.join(directory, f"W0_{l}.npy"), w0)
    with open(os.path.join(directory, "model.json"), "w") as f:
        json.dump(model_json(epoch, step), f, indent=1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--checkpoints", type=int, default=10)
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    torch.manual_seed(args.seed)
    x, y, source = load_data(args.data, args.samples, rng)
    os.makedirs(args.out, exist_ok=True)
    np.save(os.path.join(args.out, "X.npy"), x)
    np.save(os.path.join(args.out, "y.npy"), y)

    dims = [D] + [WIDTH] * DEPTH + [C]
    linears = [nn.Linear(dims[i], dims[i + 1], bias=False) for i in range(len(dims) - 1)]
    model = nn.Sequential(*[m for linear in linears for m in (linear, nn.ReLU())][:-1])
    initial = [linear.weight.detach().numpy().copy() for linear in linears]
    xt = torch.from_numpy(x)
    targets = nn.functional.one_hot(torch.from_numpy(y), C).float() - 1.0 / C
    optimizer = torch.optim.SGD(model.parameters(), lr=LR_FIRST_EPOCH)
    step = 0
    for epoch in range(args.checkpoints):
        for group in optimizer.param_groups:
            group["lr"] = LR_FIRST_EPOCH if epoch == 0 else LR
        order = torch.randperm(args.samples)
        for start in range(0, args.samples, BATCH):
            rows = order[start:start + BATCH]
            optimizer.zero_grad(set_to_none=True)
            loss = nn.functional.mse_loss(model(xt[rows]), targets[rows])
            loss.backward()
            optimizer.step()
            step += 1
        if not torch.isfinite(loss):
            raise SystemExit(f"make_checkpoints.py: the loss diverged at epoch {epoch}")
        save_checkpoint(os.path.join(args.out, f"ckpt_{epoch:02d}"), linears, initial,
                        epoch, step)
    with torch.no_grad():
        accuracy = float((model(xt).argmax(1) == torch.from_numpy(y)).float().mean())
    print(f"make_checkpoints.py: {args.checkpoints} checkpoints of the paper MLP in "
          f"{args.out}, {args.samples} samples of {source}; last loss {float(loss):.4f}, "
          f"training accuracy {accuracy:.3f}", file=sys.stderr)


if __name__ == "__main__":
    main()
