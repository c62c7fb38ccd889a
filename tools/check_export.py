#!/usr/bin/python3
"""Checks an nfalab --export_dir against metrics.csv, independently in NumPy.

From X.npy and the exported weights it recomputes, for every exported K{l}.npy,
the PTK covariance K_l = (1/n) sum_{i,c} g g^T by explicit backpropagation in
float64, then UC-NFC, C-NFC (Pearson and cosine) and the weight change, and
compares them with the last measurement in metrics.csv.

  /usr/bin/python3 tools/check_export.py RUN_DIR EXPORT_DIR [--activation relu]

Exits 1 (and says which value) if anything disagrees beyond the tolerances.
"""
import argparse
import csv
import glob
import os
import re
import sys

import numpy as np

ACTIVATIONS = {
    "relu": (lambda h: np.maximum(h, 0), lambda h: (h > 0).astype(h.dtype)),
    "identity": (lambda h: h, lambda h: np.ones_like(h)),
    "tanh": (np.tanh, lambda h: 1 - np.tanh(h) ** 2),
}


def pearson(a, b):
    a = a - a.mean()
    b = b - b.mean()
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))


def cosine(a, b):
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))


def ptk(weights, x, phi, dphi):
    """K_l for every layer l (1-based dict), by backpropagating e_c."""
    pre = []
    a = x
    for i, w in enumerate(weights):
        h = a @ w.T
        pre.append(h)
        if i + 1 < len(weights):
            a = phi(h)
    n, c = x.shape[0], weights[-1].shape[0]
    # g[i, c, :] = d f_c(x_i) / d h_l, walking down from the readout.
    g = np.broadcast_to(np.eye(c), (n, c, c)).copy()
    ks = {len(weights): np.einsum("ick,icj->kj", g, g) / n}
    for l in range(len(weights) - 1, 0, -1):
        g = (g @ weights[l]) * dphi(pre[l - 1])[:, None, :]
        ks[l] = np.einsum("ick,icj->kj", g, g) / n
    return ks


def last_measurement(metrics_path):
    rows = list(csv.DictReader(open(metrics_path)))
    measured = [r for r in rows if r["layer"] and int(r["epoch"]) >= 0]
    last_epoch = max(int(r["epoch"]) for r in measured)
    values = {}
    for r in measured:
        if int(r["epoch"]) == last_epoch:
            values[(int(r["layer"]), r["measure"])] = float(r["value"])
    return last_epoch, values


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("run_dir")
    parser.add_argument("export_dir")
    parser.add_argument("--activation", default="relu", choices=ACTIVATIONS)
    args = parser.parse_args()

    phi, dphi = ACTIVATIONS[args.activation]
    x = np.load(os.path.join(args.export_dir, "X.npy")).astype(np.float64)
    count = sum(1 for f in os.listdir(args.export_dir) if re.fullmatch(r"W\d+\.npy", f))
    w = [np.load(os.path.join(args.export_dir, f"W{l}.npy")) for l in range(1, count + 1)]
    w0 = [np.load(os.path.join(args.export_dir, f"W0_{l}.npy")) for l in range(1, count + 1)]
    assert all(m.dtype == np.float32 for m in w + w0), "weights must be float32"
    w64 = [m.astype(np.float64) for m in w]
    ks = ptk(w64, x, phi, dphi)
    epoch, csv_values = last_measurement(os.path.join(args.run_dir, "metrics.csv"))

    failures = 0

    def check(what, ours, theirs, tol):
        nonlocal failures
        ok = abs(ours - theirs) <= tol
        failures += not ok
        print(f"  {what:28s} numpy {ours: .7f}  nfalab {theirs: .7f}  {'ok' if ok else 'MISMATCH'}")

    print(f"last measurement: epoch {epoch}; X {x.shape}, {count} weight matrices")
    for path in sorted(glob.glob(os.path.join(args.export_dir, "K*.npy"))):
        l = int(os.path.basename(path)[1:-4])
        k_exported = np.load(path)
        assert k_exported.dtype == np.float64, "K must be float64"
        rel = np.abs(k_exported - ks[l]).max() / np.abs(ks[l]).max()
        print(f"layer {l}: K {k_exported.shape}, max rel. difference to numpy {rel:.2e}")
        failures += rel > 1e-4
        wl, dw = w64[l - 1], w64[l - 1] - w0[l - 1].astype(np.float64)
        k = ks[l]
        for name, a, b in (("uc_nfc", wl.T @ wl, wl.T @ k @ wl),
                           ("c_nfc", dw.T @ dw, dw.T @ k @ dw)):
            for suffix, rho in (("", pearson), ("_cos", cosine)):
                if (l, name + suffix) in csv_values:
                    check(name + suffix, rho(a, b), csv_values[(l, name + suffix)], 1e-5)
        if (l, "weight_change") in csv_values:
            check("weight_change", np.linalg.norm(dw) / np.linalg.norm(wl),
                  csv_values[(l, "weight_change")], 1e-6)
    print("export check:", "OK" if failures == 0 else f"{failures} mismatches")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
