#!/usr/bin/python3
"""Prints run.sh's table from its outputs: DIR/<binary>_<threads>.json
(Google Benchmark JSON of nfalab's targets, 3 repetitions) and
DIR/torch.jsonl (torch_peers.py).

For each workload: nfalab's median wall time on 2 threads and on 1, its
rate as a fraction of the best square sgemm (1024/2048/4096) of the same
binary and run, PyTorch's time at its best thread setting, and the ratio
PyTorch / nfalab (> 1: nfalab is faster). PyTorch's setting is printed as
(torch threads / OpenBLAS threads).
"""
import glob
import json
import os
import sys

# workload: (nfalab binary, benchmark name, PyTorch workloads to compare)
WORKLOADS = [
    ("K, MLP 5x256, m = 2000", "ptk_benchmark", "BM_ComputePtkAllHiddenLayers",
     ["mlp_k_authors", "mlp_k_batched"]),
    ("SGD step, MLP, batch 128", "train_step_benchmark", "BM_TrainStep", ["mlp_step"]),
    ("epoch, MLP, 30000 samples", "train_step_benchmark", "BM_TrainEpoch", ["mlp_epoch"]),
    ("K, small VGG convs, m = 1000", "conv_benchmark", "BM_SmallVggConvK",
     ["vgg_k_authors", "vgg_k_batched"]),
    ("SGD step, small VGG, batch 128", "conv_benchmark", "BM_SmallVggTrainStep", ["vgg_step"]),
]


def load_benchmarks(path):
    """{name: (median seconds, median flops/s)} and the best sgemm flops/s."""
    runs = json.load(open(path))["benchmarks"]
    medians, best_gemm = {}, 0.0
    for run in runs:
        if run.get("aggregate_name") != "median":
            continue
        # "::nfalab::BM_SquareSgemm/1024/real_time" -> "BM_SquareSgemm/1024"
        name = run["run_name"].replace("/real_time", "").split("::")[-1]
        unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[run["time_unit"]]
        flops = run.get("flops", 0.0)
        medians[name] = (run["real_time"] * unit, flops)
        if name.startswith("BM_SquareSgemm/"):
            best_gemm = max(best_gemm, flops)
    return medians, best_gemm


def main():
    out = sys.argv[1]
    nfalab = {}
    for path in glob.glob(os.path.join(out, "*_[12].json")):
        binary, threads = os.path.basename(path)[:-5].rsplit("_", 1)
        nfalab[(binary, int(threads))] = load_benchmarks(path)
    torch = {}
    for line in open(os.path.join(out, "torch.jsonl")):
        row = json.loads(line)
        best = torch.get(row["workload"])
        if best is None or row["seconds"] < best[0]:
            torch[row["workload"]] = (
                row["seconds"], f'{row["threads"]}/{row.get("blas_threads", "?")}')

    gemm2 = max(g for (b, t), (_, g) in nfalab.items() if t == 2)
    gemm1 = max(g for (b, t), (_, g) in nfalab.items() if t == 1)
    print(f"best square sgemm: {gemm2 / 1e9:.1f} GFLOP/s on 2 threads, "
          f"{gemm1 / 1e9:.1f} on 1\n")
    print("| workload | nfalab 2 threads | of sgemm | nfalab 1 thread | of sgemm | "
          "2 / 1 thread speed-up | PyTorch (best threads) | PyTorch / nfalab |")
    print("|---|---|---|---|---|---|---|---|")
    for label, binary, name, peers in WORKLOADS:
        cells = []
        for threads in (2, 1):
            medians, gemm = nfalab[(binary, threads)]
            seconds, flops = medians.get(name, (float("nan"), 0.0))
            cells.append((seconds, flops / gemm if gemm else float("nan")))
        (t2, f2), (t1, f1) = cells
        peer_text = "; ".join(
            f"{p}: {torch[p][0] * 1e3:.1f} ms ({torch[p][1]})" for p in peers if p in torch)
        ratio_text = "; ".join(f"{p}: {torch[p][0] / t2:.2f}x" for p in peers if p in torch)
        print(f"| {label} | {t2 * 1e3:.1f} ms | {f2:.0%} | {t1 * 1e3:.1f} ms | {f1:.0%} | "
              f"{t1 / t2:.2f}x | {peer_text} | {ratio_text} |")


if __name__ == "__main__":
    main()
