#!/usr/bin/python3
"""Prints measure_checkpoints.sh's table from its outputs in DIR:

  nfalab_<t>.txt     wall times of `nfalab measure`, nanoseconds, one a line,
                     at OPENBLAS_NUM_THREADS=t (t = 2, 1)
  nfalab/metrics.csv what nfalab measured (epoch,step,layer,measure,value)
  torch.jsonl        measure_checkpoints.py's timings, one line per
                     (torch threads, OpenBLAS threads)
  torch_values.csv   what PyTorch measured (checkpoint,epoch,step,layer,
                     measure,value)

and first checks that both sides measured the same values: every PyTorch
value against nfalab's of the same checkpoint, layer and measure, the
largest absolute difference per measure printed. nfalab's checkpoints are
its rows' distinct (epoch, step) pairs in order of appearance, which is the
order of the --model flags. Exits 1 (after the table) if a value is missing
or differs by more than --tolerance: timings of different results are not a
comparison.
"""
import argparse
import collections
import csv
import json
import math
import os
import statistics
import sys


def nfalab_values(path):
    """{(checkpoint, layer, measure): value}."""
    checkpoints, values = {}, {}
    with open(path) as f:
        for row in csv.DictReader(f):
            if not row["layer"]:
                continue  # run-level rows
            key = (row["epoch"], row["step"])
            checkpoint = checkpoints.setdefault(key, len(checkpoints))
            values[(checkpoint, int(row["layer"]), row["measure"])] = float(row["value"])
    return values


def torch_values(path):
    with open(path) as f:
        return {(int(row["checkpoint"]), int(row["layer"]), row["measure"]): float(row["value"])
                for row in csv.DictReader(f)}


def compare(nfalab, torch, tolerance):
    """Prints the largest difference per measure; True if they agree."""
    largest = collections.defaultdict(float)
    missing, both_nan = [], 0
    for key, value in sorted(torch.items()):
        if key not in nfalab:
            missing.append(key)
            continue
        other = nfalab[key]
        if math.isnan(value) and math.isnan(other):
            both_nan += 1
            continue
        largest[key[2]] = max(largest[key[2]], abs(value - other))
    text = ", ".join(f"{m} {d:.1e}" for m, d in sorted(largest.items()))
    print(f"agreement, max |PyTorch - nfalab| over {len(torch) - len(missing)} values "
          f"(checkpoint x layer x measure): {text}"
          + (f"; {both_nan} NaN on both sides" if both_nan else ""))
    if missing:
        print(f"MISSING in nfalab's metrics.csv: {len(missing)} values, e.g. {missing[0]}")
    worst = max(largest.values(), default=math.nan)
    if worst > tolerance or math.isnan(worst):
        print(f"DISAGREEMENT: {worst:.1e} > tolerance {tolerance:.0e}")
    return not missing and worst <= tolerance


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--tolerance", type=float, default=1e-3)
    args = parser.parse_args()
    out = args.dir

    agree = compare(nfalab_values(os.path.join(out, "nfalab", "metrics.csv")),
                    torch_values(os.path.join(out, "torch_values.csv")), args.tolerance)

    nfalab = {}
    for threads in (2, 1):
        with open(os.path.join(out, f"nfalab_{threads}.txt")) as f:
            runs = [int(line) * 1e-9 for line in f if line.strip()]
        nfalab[threads] = (statistics.median(runs), len(runs))
    torch = [json.loads(line) for line in open(os.path.join(out, "torch.jsonl"))]
    best = min(torch, key=lambda row: row["seconds"])
    checkpoints = best["checkpoints"]

    def cell(seconds):
        return f"{seconds:.2f} s ({seconds / checkpoints * 1e3:.0f} ms per checkpoint)"

    print()
    print(f"| {checkpoints} checkpoints, paper MLP, m = {best.get('samples', '?')} "
          "| nfalab 2 threads | nfalab 1 thread | PyTorch, authors' way (best) "
          "| its setting | PyTorch / nfalab (2 threads) |")
    print("|---|---|---|---|---|---|")
    print(f"| uc_nfc, c_nfc (+ _cos), weight_change, 5 hidden layers | {cell(nfalab[2][0])} | "
          f"{cell(nfalab[1][0])} | {cell(best['seconds'])} | "
          f"{best['threads']}/{best['blas_threads']} | "
          f"{best['seconds'] / nfalab[2][0]:.2f}x |")
    print()
    print(f"nfalab: median of {nfalab[2][1]} runs per setting (wall time of the command, "
          "reading and writing included). PyTorch: median of "
          f"{len(best['runs'])} loops after a warm-up, each setting "
          "(torch threads / OpenBLAS threads): "
          + ", ".join(f"{row['threads']}/{row['blas_threads']} {row['seconds']:.2f} s"
                      for row in sorted(torch, key=lambda r: (r["threads"], r["blas_threads"]))))
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
