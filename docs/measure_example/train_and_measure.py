#!/usr/bin/python3
"""Trains the paper's MLP in PyTorch and measures its alignment with nfalab.

  /usr/bin/python3 docs/measure_example/train_and_measure.py OUT [NFALAB]

A 5 x 256 ReLU MLP without biases (MSE on centred one-hot targets, SGD)
on the first 2000 Fashion-MNIST training images (Debian's
dataset-fashion-mnist; random data if it is not installed), standardised.
Checkpoints go to OUT/ckpt/init and OUT/ckpt/epoch_<e> (export_torch) with
the measurement samples (X.npy) and their labels (y.npy); then the
`nfalab measure` command is printed, or run if NFALAB (the binary) is given.
Takes well under a minute on 2 cores.
"""
import copy
import gzip
import os
import subprocess
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tools", "python"))
from nfalab_export import export_torch  # noqa: E402

FASHION_MNIST = "/usr/share/datasets/fashion-mnist"
N, EPOCHS, BATCH, LR = 2000, 10, 128, 2.0


def load_data():
    """(x [N, 784] standardised, labels [N]) as float32 / int64 tensors."""
    images = os.path.join(FASHION_MNIST, "train-images-idx3-ubyte.gz")
    if os.path.exists(images):
        with gzip.open(images) as f:
            x = np.frombuffer(f.read(), np.uint8, offset=16)[:N * 784]
        with gzip.open(os.path.join(FASHION_MNIST, "train-labels-idx1-ubyte.gz")) as f:
            labels = np.frombuffer(f.read(), np.uint8, offset=8)[:N]
    else:
        print(f"{FASHION_MNIST} not found (apt-get install dataset-fashion-mnist): "
              "random data instead")
        rng = np.random.default_rng(0)
        x, labels = rng.integers(0, 256, N * 784), rng.integers(0, 10, N)
    x = x.reshape(N, 784).astype(np.float32)
    x = (x - x.mean()) / x.std(ddof=1)
    return torch.from_numpy(x), torch.from_numpy(labels.astype(np.int64))


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__.split("\n\n")[1])
    out = sys.argv[1]
    torch.manual_seed(0)
    x, labels = load_data()
    targets = nn.functional.one_hot(labels, 10).float() - 0.1   # centred one-hot
    widths = [784, 256, 256, 256, 256, 256]
    layers = []
    for fan_in, fan_out in zip(widths, widths[1:]):
        layers += [nn.Linear(fan_in, fan_out, bias=False), nn.ReLU()]
    model = nn.Sequential(*layers, nn.Linear(256, 10, bias=False))

    # The checkpoints: the initial weights (W0, which C-NFC needs) and one
    # per epoch, each with the samples nfalab measures on.
    x_measure = x[:500]
    initial = copy.deepcopy(model.state_dict())
    dirs = [os.path.join(out, "ckpt", "init")]
    export_torch(model, initial, x_measure, dirs[0])
    np.save(os.path.join(out, "ckpt", "y.npy"), labels[:500].numpy())
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    step = 0
    for epoch in range(EPOCHS):
        for batch in torch.randperm(N).split(BATCH):
            optimizer.zero_grad()
            loss = nn.functional.mse_loss(model(x[batch]), targets[batch])
            loss.backward()
            optimizer.step()
            step += 1
        dirs.append(os.path.join(out, "ckpt", f"epoch_{epoch}"))
        export_torch(model, initial, x_measure, dirs[-1], epoch=epoch, step=step)
        print(f"epoch {epoch}: loss {loss.item():.4f}")

    command = ["nfalab", "measure"] + [f"--model={d}" for d in dirs] + [
        f"--data={dirs[0]}/X.npy", f"--labels={out}/ckpt/y.npy",
        "--targets=centered_one_hot", f"--out={out}/measured", "--overwrite"]
    if len(sys.argv) == 3:
        command[0] = sys.argv[2]
        subprocess.run(command, check=True)
    else:
        print(" ".join(command))


if __name__ == "__main__":
    main()
