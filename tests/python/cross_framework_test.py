#!/usr/bin/python3
"""`nfalab measure` on PyTorch-trained networks against PyTorch's own autograd.

  /usr/bin/python3 tests/python/cross_framework_test.py bazel-bin/nfalab
  /usr/bin/python3 tests/python/cross_framework_test.py --self_test

Trains three small networks in PyTorch (float32, a few full-batch SGD steps,
fixed seeds): an MLP (with and without biases), a conv net (conv, relu,
maxpool, conv, tanh, global average pool, linear) and a "zoo" of every
other supported module (gelu, leaky_relu, avgpool, stride 2, softplus,
dropout, sigmoid, identity). Each is exported at initialisation and after 5
and 10 steps with tools/python/nfalab_export.py (the MLP without
epoch/step, so nfalab numbers the checkpoints) and measured by
`nfalab measure` with every weighted layer selected and labels given.

The reference is float64: K_l = (1/m) sum_{i,c,q} g_icq g_icq^T from
PyTorch's autograd (a zero tensor added to each weighted layer's output,
d f_c / d of it), then UC-NFC, C-NFC (Pearson and cosine), the weight
change, and the early predictor rho(G0^T G0, G0^T K0 G0) with G0 the
full-batch gradient of nn.MSELoss (one-hot targets; also centred one-hot,
and nn.CrossEntropyLoss with --samples) in NumPy. Every value in
metrics.csv must agree to TOLERANCE (absolute); nfalab computes in float32,
so about 1e-7 is expected. The default layers, the absence of the predictor
without labels and a broken model.json (one `error:` line, nothing
written) are checked too.

So that it can fail, a wrong comparison (the MLP's layer 1 with layer 2's
K; a conv K of one position instead of the sum over positions) must land
more than WRONG_GAP away. --self_test (no nfalab; also run first
otherwise) checks the autograd K against central finite differences and
against tools/check_export.py's NumPy backpropagation of the export.
Prints the largest error per quantity and ends with "cross_framework: PASS"
(exit 0) or the failures and "cross_framework: FAIL" (exit 1).
"""
import copy
import csv
import importlib.util
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "python"))
import nfalab_export  # noqa: E402

TOLERANCE = 1e-4  # absolute, every compared value
WRONG_GAP = 1e-3  # a wrong comparison must be at least this far off
MEASURES = ("uc_nfc", "uc_nfc_cos", "c_nfc", "c_nfc_cos", "weight_change")


# ------------------------------------------------------------ the networks


def mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(12, 16), nn.ReLU(),
                         nn.Linear(16, 16, bias=False), nn.ReLU(),
                         nn.Linear(16, 3))


def conv_net():
    torch.manual_seed(1)
    return nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(4, 6, 3, padding=1),
                         nn.Tanh(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(6, 3))


def zoo():
    """Every other supported module: input 2 x 9 x 9."""
    torch.manual_seed(2)
    return nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1), nn.GELU(approximate="tanh"),
        nn.MaxPool2d(2),                                         # 4 x 4 x 4
        nn.Sequential(nn.Conv2d(4, 5, 2, padding="valid", bias=False),
                      nn.LeakyReLU(0.01)),                       # 5 x 3 x 3
        nn.AvgPool2d(2, stride=1),                               # 5 x 2 x 2
        nn.Conv2d(5, 6, 3, stride=2, padding=1), nn.Softplus(),  # 6 x 1 x 1
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.25),
        nn.Linear(6, 7), nn.Sigmoid(), nn.Identity(), nn.Linear(7, 3))


def data(shape, seed, m=64, classes=3):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn((m,) + shape, generator=g)
    labels = torch.randint(0, classes, (m,), generator=g)
    return x, labels


def train(model, x, labels, steps, lr):
    """Full-batch SGD on MSELoss with one-hot targets, in float32."""
    targets = nn.functional.one_hot(labels, 3).float()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    model.train()
    for _ in range(steps):
        optimizer.zero_grad()
        nn.MSELoss()(model(x), targets).backward()
        optimizer.step()
    model.eval()


def weighted(model):
    return [m for m in model.modules() if type(m) in (nn.Linear, nn.Conv2d)]


# ---------------------------------------------------- the float64 reference


def kernels(model, x, positions=None):
    """K_l of every weighted layer from autograd, float64, (1/m) normalised.

    A zero tensor z_l is added to layer l's output h_l, and d f_c / d z_l for
    all samples at once is the gradient of sum_i f_c(x_i) (the samples do not
    interact in eval mode). A conv layer's rows are its positions q.
    `positions`, for the deliberately wrong K: keep only that many
    positions (the first).
    """
    model = copy.deepcopy(model).double().eval()
    layers = weighted(model)
    zs = []

    def add_zero(module, inputs, output):
        z = torch.zeros_like(output, requires_grad=True)
        zs.append(z)
        return output + z

    handles = [layer.register_forward_hook(add_zero) for layer in layers]
    f = model(torch.as_tensor(x).double())
    for handle in handles:
        handle.remove()
    ks = [np.zeros((layer.weight.shape[0],) * 2) for layer in layers]
    for c in range(f.shape[1]):
        grads = torch.autograd.grad(f[:, c].sum(), zs, retain_graph=True)
        for k, g in zip(ks, grads):
            g = g.reshape(g.shape[0], g.shape[1], -1)        # [m, out, positions]
            if positions is not None:
                g = g[:, :, :positions]
            g = g.permute(0, 2, 1).reshape(-1, g.shape[1]).numpy()
            k += g.T @ g
    return [k / f.shape[0] for k in ks]


def matrix(w):
    """W as nfalab's [out, in kh kw] float64 matrix."""
    w = w.detach().cpu().numpy() if hasattr(w, "detach") else np.asarray(w)
    return w.reshape(w.shape[0], -1).astype(np.float64)


def pearson(a, b):
    a, b = a.ravel() - a.mean(), b.ravel() - b.mean()
    return float(a @ b / math.sqrt((a @ a) * (b @ b)))


def cosine(a, b):
    a, b = a.ravel(), b.ravel()
    norms = math.sqrt((a @ a) * (b @ b))
    return float(a @ b / norms) if norms > 0 else math.nan


def nfc(w, k):
    """(Pearson, cosine) of W^T W and W^T K W; NaN for W = 0."""
    nfm, agop = w.T @ w, w.T @ k @ w
    if not np.any(w):
        return math.nan, math.nan
    return pearson(nfm, agop), cosine(nfm, agop)


def reference(model, initial, x):
    """{(layer, measure): value} for every weighted layer, as nfalab names them."""
    values = {}
    for l, (layer, k) in enumerate(zip(weighted(model), kernels(model, x)), start=1):
        w = matrix(layer.weight)
        w0 = matrix(initial[l - 1])
        dw = w - w0
        for name, m in (("uc_nfc", w), ("c_nfc", dw)):
            values[l, name], values[l, name + "_cos"] = nfc(m, k)
        values[l, "weight_change"] = np.linalg.norm(dw) / np.linalg.norm(w)
    return values


def predictor(model, x, labels, loss="mse", centered=False, k_samples=None):
    """{(layer, predicted_c_nfc[_cos]): value}: rho(G0^T G0, G0^T K0 G0).

    G0: the gradient of the mean loss over all of x (nn.MSELoss on one-hot
    targets, minus 1/C if `centered`, or nn.CrossEntropyLoss); K0 on the
    first k_samples samples (all if None).
    """
    double = copy.deepcopy(model).double().eval()
    f = double(torch.as_tensor(x).double())
    labels = torch.as_tensor(labels)
    if loss == "cross_entropy":
        value = nn.CrossEntropyLoss()(f, labels)
    else:
        targets = nn.functional.one_hot(labels, f.shape[1]).double()
        value = nn.MSELoss()(f, targets - (1 / f.shape[1] if centered else 0))
    layers = weighted(double)
    grads = torch.autograd.grad(value, [layer.weight for layer in layers])
    values = {}
    ks = kernels(model, x[:k_samples])
    for l, (g, k) in enumerate(zip(grads, ks), start=1):
        values[l, "predicted_c_nfc"], values[l, "predicted_c_nfc_cos"] = nfc(matrix(g), k)
    return values


# ------------------------------------------------------------ nfalab measure


def run_measure(nfalab, dirs, x_path, out, *extra):
    command = [nfalab, "measure"] + [f"--model={d}" for d in dirs] + [
        f"--data={x_path}", f"--out={out}"] + list(extra)
    run = subprocess.run(command, capture_output=True, text=True, timeout=120)
    return command, run


def read_metrics(path):
    """{(epoch, step, layer, measure): value} of the per-layer rows."""
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != ["epoch", "step", "layer", "measure", "value"]:
            raise AssertionError(f"{path}: columns {reader.fieldnames}")
        return {(int(r["epoch"]), int(r["step"]), int(r["layer"]), r["measure"]):
                float(r["value"]) for r in reader if r["layer"]}


class Report:
    """Max absolute error per quantity, and every failure."""

    def __init__(self):
        self.errors = {}     # quantity -> (max error, count)
        self.failures = []

    def compare(self, network, quantity, where, expected, actual):
        key = f"{network} {quantity}"
        if actual is None:
            self.failures.append(f"{key} {where}: missing in metrics.csv")
            return
        if math.isnan(expected) or math.isnan(actual):
            error = 0.0 if math.isnan(expected) and math.isnan(actual) else math.inf
        else:
            error = abs(expected - actual)
        worst, count = self.errors.get(key, (0.0, 0))
        self.errors[key] = (max(worst, error), count + 1)
        if not error <= TOLERANCE:
            self.failures.append(f"{key} {where}: nfalab {actual!r}, "
                                 f"autograd {expected!r}, error {error:.3g}")

    def expect(self, condition, what):
        if not condition:
            self.failures.append(what)

    def print(self):
        width = max(len(key) for key in self.errors) if self.errors else 8
        print(f"{'quantity':<{width}} {'values':>6} {'max abs error':>14}")
        for key, (worst, count) in self.errors.items():
            print(f"{key:<{width}} {count:>6} {worst:>14.3e}")


def check_network(nfalab, name, model_fn, shape, steps, lr, tmp, report,
                  default_layers):
    """Exports init and two trained checkpoints of one network, measures them."""
    model = model_fn()
    x, labels = data(shape, seed=len(name))
    initial = copy.deepcopy(model.state_dict())
    w0 = [layer.weight.detach().clone() for layer in weighted(model)]
    dirs, expected = [], {}
    # (epoch, step) recorded in the checkpoint; the MLP records none, so
    # nfalab numbers them by order (experiment/measure_models.h).
    for j, (epoch, step) in enumerate(((-1, 0), (0, steps), (1, 2 * steps))):
        if j:
            train(model, x, labels, steps, lr)
        d = os.path.join(tmp, name, f"ckpt{j}")
        if name == "mlp":
            nfalab_export.export_torch(model, initial, x, d)
            epoch, step = order_position(j)
        else:
            nfalab_export.export_torch(model, initial, x, d, epoch=epoch, step=step)
        dirs.append(d)
        expected[epoch, step] = reference(model, w0, x)
        if j == 0:
            predicted = predictor(model, x, labels)
    y_path = os.path.join(tmp, name, "y.npy")
    np.save(y_path, labels.numpy().astype(np.int64))
    layers = ",".join(str(l) for l in range(1, len(w0) + 1))
    out = os.path.join(tmp, name, "measured")
    command, run = run_measure(nfalab, dirs, os.path.join(dirs[0], "X.npy"), out,
                           f"--labels={y_path}", f"--layers={layers}",
                           "--measures=uc_nfc,c_nfc,weight_change")
    if run.returncode != 0:
        report.failures.append(f"{name}: {' '.join(command)} exited "
                               f"{run.returncode}: {run.stderr.strip()}")
        return
    metrics = read_metrics(os.path.join(out, "metrics.csv"))
    report.expect(os.path.exists(os.path.join(out, "nfc.svg")), f"{name}: no nfc.svg")
    for (epoch, step), values in expected.items():
        for (l, measure), value in values.items():
            report.compare(name, measure, f"epoch {epoch} step {step} layer {l}",
                           value, metrics.get((epoch, step, l, measure)))
    for (l, measure), value in predicted.items():
        report.compare(name, measure, f"layer {l}", value,
                       metrics.get((-1, 0, l, measure)))
    measured = {(e, s) for (e, s, _, m) in metrics if m == "uc_nfc"}
    report.expect(measured == set(expected), f"{name}: metrics.csv measures at "
                  f"{sorted(measured)}, expected {sorted(expected)}")

    # Without --layers: the hidden layers (MLP), the convs (conv net); no
    # predictor without --labels.
    out = os.path.join(tmp, name, "default")
    command, run = run_measure(nfalab, dirs, os.path.join(dirs[0], "X.npy"), out)
    report.expect(run.returncode == 0, f"{name}: {' '.join(command)}: {run.stderr}")
    if run.returncode == 0:
        metrics = read_metrics(os.path.join(out, "metrics.csv"))
        got = sorted({l for (_, _, l, _) in metrics})
        report.expect(got == default_layers, f"{name}: default layers {got}, "
                      f"expected {default_layers}")
        report.expect(not any(m.startswith("predicted") for (*_, m) in metrics),
                      f"{name}: predicted_c_nfc rows without --labels")

    # The test must be able to tell a wrong K from the right one.
    trained = dirs[-1]
    last = list(expected.values())[-1]
    if name == "mlp":
        k2 = kernels(model, x)[1]
        wrong = nfc(matrix(model[0].weight), k2)[0]
        what = "layer 1 UC-NFC with layer 2's K"
        right = last[1, "uc_nfc"]
    else:
        k1 = kernels(model, x, positions=1)[0]
        wrong = nfc(matrix(model[0].weight), k1)[0]
        what = "layer 1 UC-NFC with K of position 0 only"
        right = last[1, "uc_nfc"]
    gap = abs(wrong - right)
    print(f"{name}: wrong comparison ({what}) is {gap:.3e} off in {trained}")
    report.expect(gap > WRONG_GAP, f"{name}: {what} is only {gap:.3g} off: the "
                  "test could not tell a wrong K")


def order_position(j):
    """(epoch, step) nfalab gives checkpoint j without a recorded one, the
    first being the initialisation: epoch j - 1, step j."""
    return j - 1, j


def check_options(nfalab, tmp, report):
    """--loss=cross_entropy with --samples (K on the first 40 samples, G0 on
    all 64), and --targets=centered_one_hot, on the MLP's init and a trained
    checkpoint: the rows and the predictor follow the options."""
    model = mlp()
    x, labels = data((12,), seed=7)
    initial = copy.deepcopy(model.state_dict())
    w0 = [layer.weight.detach().clone() for layer in weighted(model)]
    dirs = [os.path.join(tmp, "options", "init"), os.path.join(tmp, "options", "trained")]
    nfalab_export.export_torch(model, initial, x, dirs[0], epoch=-1, step=0)
    cross_entropy = predictor(model, x, labels, "cross_entropy", k_samples=40)
    centered = predictor(model, x, labels, "mse", centered=True)
    train(model, x, labels, 5, 0.5)
    nfalab_export.export_torch(model, initial, x, dirs[1], epoch=3, step=5)
    trained = reference(model, w0, x[:40])
    y_path = os.path.join(tmp, "options", "y.npy")
    np.save(y_path, labels.numpy())
    runs = (("cross_entropy --samples=40", cross_entropy, trained,
             ["--loss=cross_entropy", "--samples=40"]),
            ("centered_one_hot", centered, None, ["--targets=centered_one_hot"]))
    for what, predicted, values, flags in runs:
        out = os.path.join(tmp, "options", what.split()[0])
        command, run = run_measure(nfalab, dirs, os.path.join(dirs[0], "X.npy"),
                                   out, f"--labels={y_path}", "--layers=1,2,3",
                                   *flags)
        if run.returncode != 0:
            report.failures.append(f"{' '.join(command)} exited "
                                   f"{run.returncode}: {run.stderr.strip()}")
            continue
        metrics = read_metrics(os.path.join(out, "metrics.csv"))
        for (l, measure), value in predicted.items():
            report.compare(f"mlp {what}", measure, f"layer {l}", value,
                           metrics.get((-1, 0, l, measure)))
        for (l, measure), value in (values or {}).items():
            report.compare(f"mlp {what}", measure, f"epoch 3 layer {l}", value,
                           metrics.get((3, 5, l, measure)))


def check_bad_input(nfalab, tmp, report):
    """A broken model.json: one `error:` line, non-zero exit, nothing written."""
    model = mlp()
    x, _ = data((12,), seed=0, m=8)
    d = os.path.join(tmp, "broken")
    nfalab_export.export_torch(model, copy.deepcopy(model.state_dict()), x, d)
    with open(os.path.join(d, "model.json")) as f:
        text = f.read()
    with open(os.path.join(d, "model.json"), "w") as f:
        f.write(text.replace('"in_features": 16', '"in_features": 15', 1))
    out = os.path.join(tmp, "broken_out")
    _, run = run_measure(nfalab, [d], os.path.join(d, "X.npy"), out)
    lines = run.stderr.strip().splitlines()
    report.expect(run.returncode != 0 and len(lines) == 1 and
                  lines[0].startswith("error: ") and "model.json" in lines[0],
                  f"broken model.json: exit {run.returncode}, stderr {run.stderr!r}")
    report.expect(not os.path.exists(os.path.join(out, "metrics.csv")),
                  "broken model.json: metrics.csv written")


# --------------------------------------------------------------- self test


def self_test(tmp):
    """The autograd K against finite differences and check_export.py."""
    spec = importlib.util.spec_from_file_location(
        "check_export", os.path.join(ROOT, "tools", "check_export.py"))
    check_export = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check_export)
    report = Report()
    for name, model_fn, shape in (("mlp", mlp, (12,)), ("conv", conv_net, (2, 8, 8))):
        model = model_fn()
        x, labels = data(shape, seed=3, m=6)
        initial = copy.deepcopy(model.state_dict())
        train(model, x, labels, 3, 0.5)
        ks = kernels(model, x)
        d = os.path.join(tmp, name)
        nfalab_export.export_torch(model, initial, x, d)
        with open(os.path.join(d, "model.json")) as f:
            network = check_export.Network(json.load(f), d)
        numpy_ks = network.ptk(np.load(os.path.join(d, "X.npy")),
                               float32_kinks=False)[0]
        for l, k in enumerate(ks, start=1):
            error = np.abs(k - numpy_ks[l]).max() / np.abs(k).max()
            report.compare(name, "K vs check_export (rel)", f"layer {l}", 0.0, error)
        # Central differences of f in a perturbation of h_1 at sample 0.
        fd = finite_difference_k1(model, x[:1])
        k1 = kernels(model, x[:1])[0]
        report.compare(name, "K_1 vs finite diff. (rel)", "sample 0", 0.0,
                       np.abs(fd - k1).max() / np.abs(k1).max())
    a, b = np.random.default_rng(0).normal(size=(2, 5, 5))
    report.compare("", "pearson vs np.corrcoef", "", np.corrcoef(
        a.ravel(), b.ravel())[0, 1], pearson(a, b))
    return report


def finite_difference_k1(model, x, eps=1e-6):
    model = copy.deepcopy(model).double().eval()
    first = weighted(model)[0]
    delta = {}

    def shift(module, inputs, output):
        return output + delta["z"]

    first.register_forward_hook(shift)
    x = torch.as_tensor(x).double()
    with torch.no_grad():
        delta["z"] = 0.0
        shape = first(x).shape
        g = np.zeros((shape[1], model(x).shape[1], int(np.prod(shape[2:]))))
        for index in np.ndindex(*shape[1:]):
            row, q = index[0], np.ravel_multi_index(index[1:], shape[2:]) if len(shape) > 2 else 0
            for sign in (1, -1):
                z = torch.zeros(shape, dtype=torch.float64)
                z[(0,) + index] = sign * eps
                delta["z"] = z
                g[row, :, q] += sign * model(x)[0].numpy() / (2 * eps)
    g = g.transpose(1, 2, 0).reshape(-1, shape[1])       # rows (c, q)
    return g.T @ g


def main():
    args = sys.argv[1:]
    if len(args) != 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    torch.set_num_threads(1)
    tmp = tempfile.mkdtemp(prefix="nfalab_cross_framework.")
    try:
        if args[0] == "--self_test":
            report = self_test(tmp)
        else:
            nfalab = os.path.abspath(args[0])
            report = self_test(os.path.join(tmp, "self"))
            check_network(nfalab, "mlp", mlp, (12,), 5, 0.5, tmp, report, [1, 2])
            check_network(nfalab, "conv", conv_net, (2, 8, 8), 5, 0.5, tmp, report,
                          [1, 2])
            check_network(nfalab, "zoo", zoo, (2, 9, 9), 5, 0.5, tmp, report,
                          [1, 2, 3])
            check_options(nfalab, tmp, report)
            check_bad_input(nfalab, tmp, report)
    finally:
        shutil.rmtree(tmp)
    report.print()
    for failure in report.failures:
        print(f"FAIL: {failure}")
    ok = not report.failures and bool(report.errors)
    print(f"cross_framework: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
