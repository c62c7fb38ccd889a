#!/usr/bin/python3
"""Checks an nfalab --export_dir against metrics.csv, independently in NumPy.

  /usr/bin/python3 tools/check_export.py RUN_DIR EXPORT_DIR [--epoch E]
  /usr/bin/python3 tools/check_export.py --self_test

It rebuilds the network in float64 from EXPORT_DIR/model.json (layer types
flatten, linear with or without a bias, activation: every built-in activation
of layers/builtin_activations.cc; conv2d by im2col in NumPy with stride,
padding and bias; maxpool2d (first maximum on ties), avgpool2d,
global_avgpool; dropout as the identity, since nfalab measures in
evaluation mode), runs X.npy through it and, for every
exported K{l}.npy, backpropagates the C unit cotangents e_c to the output of
weighted layer l to form the PTK covariance

  K_l = (1/n) sum_{i,c} g_ic g_ic^T,   g_ic = d f_c(x_i) / d h_l(x_i)

(the plain sum when the run's config says measurement.plain_sum); for a
conv2d layer g_icq is the cotangent of output position q, in R^{C_out}, and
the sum runs over the positions q as well (the patch form of layers/layer.h),
and W is the [out, in kh kw] reshape of the exported [out, in, kh, kw]. A
maxpool2d window whose float64 maximum is another entry than the float32
one takes the float32 maximum (counted with the kink ties). From K_l and
the exported W, W0 it computes UC-NFC = rho(W^T W, W^T K W), C-NFC = the same
for dW = W - W0 (rho = Pearson, and cosine for the `_cos` rows) and the weight
change |dW|_F / |W|_F, and compares them with the measurement of metrics.csv
at the export's epoch (the last one; an `epoch_<e>` directory of
--export_every_measurement is compared with epoch e).

Tolerances (measured errors: README, "Export for Python"):
  - UC-NFC, C-NFC (Pearson and `_cos`): absolute error <= TOLERANCE = 1e-6.
    They are correlations in [-1, 1], so the absolute error is the meaningful
    one (a relative error blows up near 0). metrics.csv prints 9 significant
    digits, so at most 5e-10 of the error is printing.
  - weight_change: relative error <= TOLERANCE (a ratio of norms of any
    size). nfalab rounds dW to float32 before the norm; this script does not.
  - K: relative Frobenius error |K - K_nfalab|_F / |K|_F <= K_TOLERANCE =
    1e-5, not 1e-6. K's scale depends on the data and the network, so an
    absolute bound means nothing; and nfalab forms the tangent features and
    their per-chunk sums in float32 (only the chunk sums are accumulated in
    float64), so its K carries float32 summation error, about sqrt(terms)
    times 6e-8: measured up to 1.7e-6 on 30 seeds of the 3-hidden-layer MLP
    with biases of tests/experiment:export_numpy_test (8.4e-7 on its seed),
    with NFC errors up to 3.8e-7.
  - Kinks: where a relu or leaky_relu pre-activation has one sign in float64
    and the other in float32 (|h| ~ 1e-9), the float64 slope would not be
    the one nfalab used, and one such sample moved K by 5e-5 in a width-256
    run; those few slopes are taken from a float32 forward pass (the table's
    header counts them). Everything else is float64.
The table prints every error and the maximum per quantity.

Exits 0 if everything agrees, 1 naming each value that disagrees, 2 when the
export cannot be checked (unknown layer type or activation, missing file, a
shape that does not fit). --self_test checks this script's own derivatives and
backpropagation against central finite differences (no nfalab involved).
Needs only NumPy.
"""
import argparse
import csv
import json
import math
import os
import re
import sys

import numpy as np

TOLERANCE = 1e-6     # NFC absolute, weight_change relative
K_TOLERANCE = 1e-5   # K relative Frobenius (float32 sums in nfalab)


class ExportError(Exception):
    """The export cannot be checked (exit status 2)."""


def _sigmoid(h):
    # 1 / (1 + e^-h) without overflow for either sign of h.
    return 0.5 * (1.0 + np.tanh(0.5 * h))


_GELU_C = math.sqrt(2.0 / math.pi)


def _gelu_slope(h):
    # d/dh [h/2 (1 + tanh u)], u = sqrt(2/pi) (h + 0.044715 h^3).
    t = np.tanh(_GELU_C * (h + 0.044715 * h ** 3))
    du = _GELU_C * (1.0 + 3 * 0.044715 * h ** 2)
    return 0.5 * (1.0 + t) + 0.5 * h * (1.0 - t * t) * du


# name -> (phi, phi'), as layers/builtin_activations.cc defines them (the
# slope at a kink is the one for h <= 0, as nfalab's `h > 0` masks).
ACTIVATIONS = {
    "relu": (lambda h: np.maximum(h, 0.0), lambda h: (h > 0).astype(h.dtype)),
    "identity": (lambda h: h.copy(), np.ones_like),
    "tanh": (np.tanh, lambda h: 1.0 / np.cosh(h) ** 2),
    "sigmoid": (_sigmoid, lambda h: _sigmoid(h) * _sigmoid(-h)),
    # GELU, tanh approximation (PyTorch approximate="tanh").
    "gelu": (lambda h: 0.5 * h * (1.0 + np.tanh(_GELU_C * (h + 0.044715 * h ** 3))),
             _gelu_slope),
    "softplus": (lambda h: np.logaddexp(0.0, h), _sigmoid),
    "leaky_relu": (lambda h: np.where(h > 0, h, 0.01 * h),
                   lambda h: np.where(h > 0, 1.0, 0.01)),
    "quadratic": (lambda h: h * h, lambda h: 2.0 * h),
}
# Activations whose slope jumps at h = 0.
KINKED = {"relu", "leaky_relu"}


def load_npy(export_dir, name, dtype=None):
    path = os.path.join(export_dir, name)
    if not os.path.exists(path):
        raise ExportError(f"missing {path}")
    a = np.load(path)
    if dtype is not None and a.dtype != dtype:
        raise ExportError(f"{name} is {a.dtype}, expected {np.dtype(dtype)}")
    return a


def _windows(x, k, s, ho, wo):
    """[N, C, k, k, ho, wo]: entry (dy, dx) of the window at (oy, ox) is
    x[:, :, oy s + dy, ox s + dx] (x already padded)."""
    out = np.empty(x.shape[:2] + (k, k, ho, wo), dtype=x.dtype)
    for dy in range(k):
        for dx in range(k):
            out[:, :, dy, dx] = x[:, :, dy:dy + s * (ho - 1) + 1:s,
                                  dx:dx + s * (wo - 1) + 1:s]
    return out


def _unwindows(cols, k, s, shape):
    """The adjoint of _windows: [N, C, k, k, ho, wo] summed into `shape`."""
    ho, wo = cols.shape[4:]
    out = np.zeros(cols.shape[:2] + tuple(shape[-2:]), dtype=cols.dtype)
    for dy in range(k):
        for dx in range(k):
            out[:, :, dy:dy + s * (ho - 1) + 1:s, dx:dx + s * (wo - 1) + 1:s] += \
                cols[:, :, dy, dx]
    return out


def _pad(x, p):
    return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))) if p else x


class Conv:
    """conv2d geometry: W [out, in, k, k] as the [out, in k k] matrix acting on
    im2col patches in (c, dy, dx) order, as PyTorch flattens it."""

    def __init__(self, k, s, p, in_shape, out_channels):
        self.k, self.s, self.p, self.in_shape = k, s, p, in_shape
        c, h, w = in_shape
        self.ho = (h + 2 * p - k) // s + 1
        self.wo = (w + 2 * p - k) // s + 1
        self.out_shape = (out_channels, self.ho, self.wo)

    def patches(self, x):
        """[N, P, in k k], P = ho wo in row-major (oy, ox)."""
        cols = _windows(_pad(x, self.p), self.k, self.s, self.ho, self.wo)
        n = x.shape[0]
        return cols.reshape(n, -1, self.ho * self.wo).transpose(0, 2, 1)

    def forward(self, x, w2, b):
        h = self.patches(x) @ w2.T                         # [N, P, out]
        h = h.transpose(0, 2, 1).reshape((x.shape[0],) + self.out_shape)
        return h if b is None else h + b[:, None, None]

    def backward(self, g, w2):
        """g [N, out, ho, wo] -> d x [N, in, H, W]."""
        n = g.shape[0]
        dpatch = g.reshape(n, self.out_shape[0], -1).transpose(0, 2, 1) @ w2
        cols = dpatch.transpose(0, 2, 1).reshape(
            (n, self.in_shape[0], self.k, self.k, self.ho, self.wo))
        h, w = self.in_shape[1:]
        dx = _unwindows(cols, self.k, self.s, (h + 2 * self.p, w + 2 * self.p))
        return dx[:, :, self.p:self.p + h, self.p:self.p + w]


def _pool_out(where, kind, in_shape, k, s):
    if len(in_shape) != 3:
        raise ExportError(f"{where} ({kind}): input {list(in_shape)} is not [C, H, W]")
    c, h, w = in_shape
    if k < 1 or s < 1 or k > h or k > w:
        raise ExportError(f"{where} ({kind}): kernel {k}, stride {s} on {list(in_shape)}")
    return (c, (h - k) // s + 1, (w - k) // s + 1)


def _maxpool_argmax(x, k, s, out_shape):
    """The first maximum (row-major window order) of each window: [N, C, ho, wo]."""
    cols = _windows(x, k, s, *out_shape[1:])
    n, c = cols.shape[:2]
    cols = cols.reshape(n, c, k * k, -1)
    return cols.argmax(axis=2).reshape((n, c) + tuple(out_shape[1:])), cols


def _maxpool_backward(g, arg, k, s, in_shape):
    n, c, ho, wo = g.shape
    cols = np.zeros((n, c, k * k, ho, wo))
    np.put_along_axis(cols, arg[:, :, None], g[:, :, None], axis=2)
    return _unwindows(cols.reshape(n, c, k, k, ho, wo), k, s, in_shape)


def _image_weight(w):
    """W as the [out, in] matrix of layers/layer.h (conv: [out, in k k])."""
    return w.reshape(w.shape[0], -1)


class Network:
    """The model.json layer list in float64: (kind, params) in order."""

    def __init__(self, model, export_dir):
        self.input_shape = tuple(model["input_shape"])
        self.layers = []     # ("flatten", in_shape) | ("linear", l) | ("activation", name)
        self.weights = {}    # weighted layer l (1-based) -> (W, W0, b or None), float32
        self.convs = {}      # conv2d layer l -> Conv
        shape = self.input_shape
        for j, spec in enumerate(model["layers"]):
            kind = spec.get("type")
            where = f"model.json layers[{j}]"
            if kind == "flatten":
                self.layers.append(("flatten", shape))
                shape = (int(np.prod(shape)),)
            elif kind == "linear":
                l = len(self.weights) + 1
                w = load_npy(export_dir, spec["weight"], np.float32)
                w0 = load_npy(export_dir, spec["initial_weight"], np.float32)
                b = load_npy(export_dir, spec["bias"], np.float32) if "bias" in spec else None
                out, inp = spec["out_features"], spec["in_features"]
                if len(shape) != 1 or shape[0] != inp:
                    raise ExportError(f"{where} (linear): input {list(shape)}, "
                                      f"in_features {inp}")
                if w.shape != (out, inp) or w0.shape != w.shape:
                    raise ExportError(f"{where} (linear): {spec['weight']} {w.shape}, "
                                      f"{spec['initial_weight']} {w0.shape}, "
                                      f"expected {(out, inp)}")
                if b is not None and b.shape != (out,):
                    raise ExportError(f"{where} (linear): {spec['bias']} {b.shape}, "
                                      f"expected {(out,)}")
                self.weights[l] = (w, w0, b)
                self.layers.append(("linear", l))
                shape = (out,)
            elif kind == "activation":
                if spec.get("name") not in ACTIVATIONS:
                    raise ExportError(
                        f"{where}: activation {spec.get('name')!r} is not one this "
                        f"script knows ({', '.join(sorted(ACTIVATIONS))})")
                self.layers.append(("activation", spec["name"]))
            elif kind == "conv2d":
                l = len(self.weights) + 1
                w = load_npy(export_dir, spec["weight"], np.float32)
                w0 = load_npy(export_dir, spec["initial_weight"], np.float32)
                b = load_npy(export_dir, spec["bias"], np.float32) if "bias" in spec else None
                cin, cout = int(spec["in_channels"]), int(spec["out_channels"])
                k, s, p = (int(spec[key]) for key in ("kernel_size", "stride", "padding"))
                if len(shape) != 3 or shape[0] != cin:
                    raise ExportError(f"{where} (conv2d): input {list(shape)}, "
                                      f"in_channels {cin}")
                conv = Conv(k, s, p, shape, cout)
                if conv.ho < 1 or conv.wo < 1 or s < 1 or p < 0:
                    raise ExportError(f"{where} (conv2d): kernel {k}, stride {s}, "
                                      f"padding {p} on {list(shape)}")
                if w.shape != (cout, cin, k, k) or w0.shape != w.shape:
                    raise ExportError(f"{where} (conv2d): {spec['weight']} {w.shape}, "
                                      f"{spec['initial_weight']} {w0.shape}, "
                                      f"expected {(cout, cin, k, k)}")
                if b is not None and b.shape != (cout,):
                    raise ExportError(f"{where} (conv2d): {spec['bias']} {b.shape}, "
                                      f"expected {(cout,)}")
                self.weights[l] = (w, w0, b)
                self.convs[l] = conv
                self.layers.append(("conv2d", l))
                shape = conv.out_shape
            elif kind in ("maxpool2d", "avgpool2d"):
                k = int(spec.get("kernel_size", 2))
                s = int(spec.get("stride", k))
                if int(spec.get("padding", 0)) != 0:
                    raise ExportError(f"{where} ({kind}): padding {spec['padding']}")
                out = _pool_out(where, kind, shape, k, s)
                self.layers.append((kind, (k, s, shape, out)))
                shape = out
            elif kind == "global_avgpool" and len(shape) == 1:
                # nfalab's flat [C] is a C x 1 x 1 map: the pool is the identity.
                self.layers.append(("identity", shape))
            elif kind == "global_avgpool":
                if len(shape) != 3:
                    raise ExportError(f"{where} (global_avgpool): input {list(shape)} "
                                      "is not [C, H, W]")
                self.layers.append((kind, shape))
                shape = (shape[0],)
            elif kind == "dropout":
                # Measured in evaluation mode, where dropout is the identity.
                if not 0 <= float(spec.get("rate", -1)) < 1:
                    raise ExportError(f"{where} (dropout): rate {spec.get('rate')!r}")
                self.layers.append(("identity", shape))
            else:
                raise ExportError(f"{where}: layer type {kind!r} is not one this script "
                                  "knows (flatten, linear, activation, conv2d, "
                                  "maxpool2d, avgpool2d, global_avgpool, dropout)")
        if len(shape) != 1:
            raise ExportError(f"the output has shape {list(shape)}, not [C]")
        self.output_dim = shape[0]

    def forward(self, x, dtype=np.float64):
        """The output [n, C] and each layer's input, computed in `dtype`."""
        inputs = []
        a = x.astype(dtype)
        for kind, arg in self.layers:
            inputs.append(a)
            if kind == "identity":
                pass
            elif kind == "flatten":
                a = a.reshape(a.shape[0], -1)
            elif kind == "linear":
                w, _, b = self.weights[arg]
                a = a @ w.astype(dtype).T
                if b is not None:
                    a = a + b.astype(dtype)
            elif kind == "conv2d":
                w, _, b = self.weights[arg]
                a = self.convs[arg].forward(
                    a, _image_weight(w).astype(dtype), None if b is None else b.astype(dtype))
            elif kind == "maxpool2d":
                k, s, _, out = arg
                am, cols = _maxpool_argmax(a, k, s, out)
                a = np.take_along_axis(cols, am.reshape(am.shape[:2] + (1, -1)),
                                       axis=2).reshape(am.shape)
            elif kind == "avgpool2d":
                k, s, _, out = arg
                a = _windows(a, k, s, *out[1:]).mean(axis=(2, 3))
            elif kind == "global_avgpool":
                a = a.mean(axis=(2, 3))
            else:
                a = ACTIVATIONS[arg][0](a).astype(dtype)
        return a, inputs

    def ptk(self, x, normalize=True, float32_kinks=True):
        """({l: K_l} for every weighted layer, kink ties), by backpropagating
        e_1..e_C in float64.

        With float32_kinks, a pre-activation of a kinked activation (relu,
        leaky_relu) whose sign differs between float64 and a float32 forward
        pass takes the slope of the float32 side, the network nfalab measured
        (its slope there is one-sided either way); their number is returned.
        """
        _, inputs = self.forward(x)
        _, inputs32 = self.forward(x, np.float32) if float32_kinks else (None, inputs)
        n, c = x.shape[0], self.output_dim
        # g[i, c, ...] = d f_c(x_i) / d (output of the current layer).
        g = np.broadcast_to(np.eye(c), (n, c, c)).copy()
        ks = {}
        ties = 0
        for (kind, arg), a, a32 in zip(reversed(self.layers), reversed(inputs),
                                       reversed(inputs32)):
            if kind == "identity":
                pass
            elif kind == "linear":
                ks[arg] = np.einsum("ick,icj->kj", g, g) / (n if normalize else 1)
                g = g @ self.weights[arg][0].astype(np.float64)
            elif kind == "conv2d":
                conv = self.convs[arg]
                gq = g.reshape(n, c, conv.out_shape[0], -1)   # positions q last
                ks[arg] = np.einsum("ickq,icjq->kj", gq, gq) / (n if normalize else 1)
                w2 = _image_weight(self.weights[arg][0]).astype(np.float64)
                g = conv.backward(g.reshape((n * c,) + conv.out_shape), w2)
                g = g.reshape((n, c) + conv.in_shape)
            elif kind == "activation":
                if arg in KINKED:
                    tie = np.sign(a) != np.sign(a32)
                    ties += int(tie.sum())
                    a = np.where(tie, a32.astype(np.float64), a)
                g = g * ACTIVATIONS[arg][1](a)[:, None]
            elif kind == "maxpool2d":
                # The window maxima nfalab took: those of the float32 pass
                # where float64 picks another entry (a near tie).
                k, s, in_shape, out = arg
                am = _maxpool_argmax(a, k, s, out)[0]
                am32 = _maxpool_argmax(a32, k, s, out)[0]
                ties += int((am != am32).sum())
                am = np.repeat(am32, c, axis=0)
                g = _maxpool_backward(g.reshape((n * c,) + out), am, k, s, in_shape[1:])
                g = g.reshape((n, c) + in_shape)
            elif kind == "avgpool2d":
                k, s, in_shape, out = arg
                cols = np.broadcast_to(g.reshape((n * c, out[0], 1, 1) + out[1:]) / (k * k),
                                       (n * c, out[0], k, k) + out[1:])
                g = _unwindows(cols, k, s, in_shape[1:]).reshape((n, c) + in_shape)
            elif kind == "global_avgpool":
                ch, h, w = arg
                g = np.broadcast_to(g[..., None, None] / (h * w), (n, c, ch, h, w)).copy()
            else:
                g = g.reshape((n, c) + arg)
        self.input_cotangent = g     # d f_c(x_i) / d x_i, for the self test
        return ks, ties


def pearson(a, b):
    a = a - a.mean()
    b = b - b.mean()
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))


def cosine(a, b):
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))


def measurement(metrics_path, epoch):
    """(epoch, {(layer, measure): value}) of metrics.csv at `epoch` (None: last)."""
    with open(metrics_path) as f:
        rows = [r for r in csv.DictReader(f) if r["layer"] and int(r["epoch"]) >= 0]
    if not rows:
        raise ExportError(f"{metrics_path} has no per-layer measurement")
    if epoch is None:
        epoch = max(int(r["epoch"]) for r in rows)
    values = {(int(r["layer"]), r["measure"]): float(r["value"])
              for r in rows if int(r["epoch"]) == epoch}
    if not values:
        raise ExportError(f"{metrics_path} has no measurement at epoch {epoch}")
    return epoch, values


def plain_sum(run_dir):
    path = os.path.join(run_dir, "config.pbtxt")
    if not os.path.exists(path):
        return False
    with open(path) as f:
        return re.search(r"\bplain_sum:\s*true\b", f.read()) is not None


def check(run_dir, export_dir, epoch):
    if epoch is None:
        m = re.fullmatch(r"epoch_(\d+)", os.path.basename(os.path.normpath(export_dir)))
        epoch = int(m.group(1)) if m else None
    model_path = os.path.join(export_dir, "model.json")
    if not os.path.exists(model_path):
        raise ExportError(f"missing {model_path}")
    with open(model_path) as f:
        net = Network(json.load(f), export_dir)
    x = load_npy(export_dir, "X.npy", np.float32).astype(np.float64)
    if x.shape[1:] != net.input_shape:
        raise ExportError(f"X.npy is {list(x.shape)}, model.json's input_shape "
                          f"{list(net.input_shape)}")
    ks, ties = net.ptk(x, normalize=not plain_sum(run_dir))
    epoch, csv_values = measurement(os.path.join(run_dir, "metrics.csv"), epoch)
    exported = sorted(int(m.group(1)) for m in
                      (re.fullmatch(r"K(\d+)\.npy", f) for f in os.listdir(export_dir)) if m)
    if not exported:
        raise ExportError(f"no K{{l}}.npy in {export_dir}")

    print(f"epoch {epoch}; X {list(x.shape)}; {len(net.layers)} layers, "
          f"{len(net.weights)} weighted; {ties} kink ties took the float32 side; "
          f"tolerance K {K_TOLERANCE:g}, others {TOLERANCE:g}")
    print(f"{'layer':>5}  {'value':16}{'numpy':>16}{'nfalab':>16}{'error':>10}  error kind")
    failures = []
    worst = {}

    def compare(l, name, ours, theirs, kind, err=None):
        if err is not None:
            pass
        elif math.isnan(ours) and math.isnan(theirs):
            err = 0.0
        elif kind == "rel":
            err = abs(ours - theirs) / abs(ours) if ours else abs(theirs)
        else:
            err = abs(ours - theirs)
        err = float("inf") if math.isnan(err) else err
        group = re.sub(r"_cos$", "", name)
        worst[group] = max(worst.get(group, 0.0), err)
        bad = not err <= (K_TOLERANCE if name == "K" else TOLERANCE)
        if bad:
            failures.append(f"layer {l} {name}")
        print(f"{l:5d}  {name:16}{ours:16.9g}{theirs:16.9g}{err:10.1e}  {kind}"
              f"{'  MISMATCH' if bad else ''}")

    for l in exported:
        if l not in ks:
            raise ExportError(f"K{l}.npy, but model.json has {len(ks)} weighted layers")
        k_nfalab = load_npy(export_dir, f"K{l}.npy", np.float64)
        k = ks[l]
        if k_nfalab.shape != k.shape:
            raise ExportError(f"K{l}.npy is {k_nfalab.shape}, expected {k.shape}")
        w, w0, _ = net.weights[l]
        wl = _image_weight(w).astype(np.float64)
        dw = wl - _image_weight(w0).astype(np.float64)
        # The row shows |K|_F; the error is |K - K_nfalab|_F / |K|_F.
        compare(l, "K", float(np.linalg.norm(k)), float(np.linalg.norm(k_nfalab)),
                "rel Frobenius",
                float(np.linalg.norm(k - k_nfalab) / np.linalg.norm(k)))
        for name, a, b in (("uc_nfc", wl.T @ wl, wl.T @ k @ wl),
                           ("c_nfc", dw.T @ dw, dw.T @ k @ dw)):
            for suffix, rho in (("", pearson), ("_cos", cosine)):
                if (l, name + suffix) in csv_values:
                    with np.errstate(invalid="ignore", divide="ignore"):
                        ours = rho(a, b)
                    compare(l, name + suffix, ours, csv_values[(l, name + suffix)], "abs")
        if (l, "weight_change") in csv_values:
            compare(l, "weight_change", float(np.linalg.norm(dw) / np.linalg.norm(wl)),
                    csv_values[(l, "weight_change")], "rel")
    print("max errors: " + ", ".join(f"{g} {e:.1e}" for g, e in worst.items()))
    if failures:
        print(f"export check: MISMATCH ({', '.join(failures)})")
        return 1
    print("export check: OK")
    return 0


def self_test():
    """This script's slopes and backpropagation against finite differences."""
    rng = np.random.default_rng(0)
    h = np.concatenate([rng.normal(0, 3, 200), [-40.0, -5.0, 5.0, 40.0]])
    h = h[np.abs(h) > 1e-3]  # away from the kinks of relu and leaky_relu
    eps = 1e-6
    worst = 0.0
    for name, (phi, dphi) in ACTIVATIONS.items():
        fd = (phi(h + eps) - phi(h - eps)) / (2 * eps)
        err = np.max(np.abs(fd - dphi(h)) / (1 + np.abs(fd)))
        worst = max(worst, err)
        if not err < 1e-6:
            print(f"self test: slope of {name} off by {err:.1e}")
            return 1
    # A flatten-linear-gelu-linear-tanh-linear network with biases: K_l from
    # finite differences of f with respect to b_l (which shifts h_l alone).
    net = Network.__new__(Network)
    net.input_shape, net.output_dim = (2, 3), 3
    net.weights = {l: (rng.normal(size=shape).astype(np.float32), None,
                       rng.normal(size=shape[0]).astype(np.float32))
                   for l, shape in ((1, (5, 6)), (2, (4, 5)), (3, (3, 4)))}
    net.layers = [("flatten", (2, 3)), ("linear", 1), ("activation", "gelu"),
                  ("linear", 2), ("activation", "tanh"), ("linear", 3)]
    x = rng.normal(size=(7, 2, 3))
    ks = net.ptk(x, float32_kinks=False)[0]
    errors = []
    for l in (1, 2):
        w, _, b0 = net.weights[l]
        g = np.zeros((7, 3, len(b0)))
        for j in range(len(b0)):
            for sign in (1, -1):
                b = b0.astype(np.float64)
                b[j] += sign * eps
                net.weights[l] = (w, None, b)
                g[:, :, j] += sign * net.forward(x)[0] / (2 * eps)
        net.weights[l] = (w, None, b0)
        fd_k = np.einsum("ick,icj->kj", g, g) / 7
        errors.append(np.linalg.norm(fd_k - ks[l]) / np.linalg.norm(ks[l]))
    # conv2d and pooling: the forward pass against a direct loop, and the
    # backpropagated d f / d x against central finite differences.
    conv_errors = _conv_self_test(rng, eps)
    print(f"self test: slopes max error {worst:.1e}, K_1 and K_2 vs finite "
          f"differences {max(errors):.1e}; conv2d forward vs loop "
          f"{conv_errors[0]:.1e}, d f / d x of a conv/pool network vs finite "
          f"differences {conv_errors[1]:.1e}")
    return 0 if max(errors) < 1e-6 and max(conv_errors) < 1e-6 else 1


def _conv_self_test(rng, eps):
    net = Network.__new__(Network)
    net.input_shape, net.output_dim = (2, 9, 8), 3
    # conv (3x3, padding 1, bias), tanh, overlapping maxpool (3, stride 2),
    # gelu, conv (2x2, stride 2, padding 1), sigmoid, avgpool (2, stride 1),
    # global_avgpool, linear.
    net.convs = {1: Conv(3, 1, 1, (2, 9, 8), 3), 2: Conv(2, 2, 1, (3, 4, 3), 4)}
    net.weights = {1: (rng.normal(size=(3, 2, 3, 3)), None, rng.normal(size=3)),
                   2: (rng.normal(size=(4, 3, 2, 2)), None, None),
                   3: (rng.normal(size=(3, 4)), None, None)}
    net.layers = [("conv2d", 1), ("activation", "tanh"),
                  ("maxpool2d", (3, 2, (3, 9, 8), (3, 4, 3))),
                  ("activation", "gelu")]
    net.layers += [("conv2d", 2), ("activation", "sigmoid"),
                   ("avgpool2d", (2, 1, (4, 3, 2), (4, 2, 1))),
                   ("global_avgpool", (4, 2, 1)), ("linear", 3)]
    x = rng.normal(size=(3, 2, 9, 8))
    # Direct loop for the first conv.
    w, _, b = net.weights[1]
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    direct = np.zeros((3, 3, 9, 8))
    for i in range(3):
        for co in range(3):
            for oy in range(9):
                for ox in range(8):
                    direct[i, co, oy, ox] = b[co] + (
                        w[co] * xp[i, :, oy:oy + 3, ox:ox + 3]).sum()
    fwd_err = np.abs(net.convs[1].forward(x, _image_weight(w), b) - direct).max()
    net.ptk(x, float32_kinks=False)
    grad = net.input_cotangent              # [n, C, 2, 9, 8]
    fd = np.zeros_like(grad)
    for idx in np.ndindex(x.shape[1:]):
        for sign in (1, -1):
            xs = x.copy()
            xs[(slice(None),) + idx] += sign * eps
            fd[(slice(None), slice(None)) + idx] += sign * net.forward(xs)[0] / (2 * eps)
    return fwd_err, float(np.abs(fd - grad).max() / np.abs(grad).max())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_dir", nargs="?")
    parser.add_argument("export_dir", nargs="?")
    parser.add_argument("--epoch", type=int, help="the metrics.csv epoch to compare with")
    parser.add_argument("--self_test", action="store_true")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    if args.export_dir is None:
        parser.error("RUN_DIR and EXPORT_DIR are required")
    try:
        return check(args.run_dir, args.export_dir, args.epoch)
    except (ExportError, KeyError) as e:
        what = f"model.json entry without {e}" if isinstance(e, KeyError) else e
        print(f"check_export: cannot check {args.export_dir}: {what}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
