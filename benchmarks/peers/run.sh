#!/usr/bin/env bash
# Peer comparison: the same workloads in nfalab (its Google Benchmark
# targets) and in PyTorch (torch_peers.py), printed as one table of times
# and ratios (table.py). nfalab runs once with OpenBLAS on both cores and
# once on one; PyTorch gets its best thread setting (torch threads and
# OpenBLAS threads, each 1 or 2). Each nfalab
# binary also measures the machine's best sgemm (square 1024/2048/4096) in
# the same run, so every rate has its fraction of the limit beside it.
#
#   bash tools/setup.sh              # PyTorch (python3-torch), once
#   bash benchmarks/peers/run.sh     # about 10 minutes on 2 cores
#
# Keep the machine otherwise idle: the figures are wall times.
# PEERS_KEEP=DIR keeps the raw outputs (Google Benchmark JSON, torch.jsonl).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

if ! /usr/bin/python3 -c "import torch, functorch" 2>/dev/null; then
  echo "run.sh: PyTorch is not installed; run: bash tools/setup.sh" >&2
  exit 1
fi
bazel build -c opt //benchmarks/layers:train_step_benchmark \
  //benchmarks/metrics:ptk_benchmark //benchmarks/conv:conv_benchmark
out="$(mktemp -d)"
trap 'rm -rf "${out}"' EXIT
for threads in 2 1; do
  for target in layers/train_step_benchmark metrics/ptk_benchmark conv/conv_benchmark; do
    echo "nfalab: ${target}, ${threads} thread(s)" >&2
    OPENBLAS_NUM_THREADS="${threads}" "bazel-bin/benchmarks/${target}" \
      --benchmark_filter=-BM_PtkScaling \
      --benchmark_min_time=0.5 --benchmark_repetitions=3 \
      --benchmark_report_aggregates_only=true \
      --benchmark_out="${out}/$(basename "${target}")_${threads}.json" \
      --benchmark_out_format=json >&2
  done
done
# PyTorch's matrix products run on OpenBLAS, whose thread pool is set by
# OPENBLAS_NUM_THREADS at start-up, apart from torch.set_num_threads: try
# every pair on 2 cores, keep the best per workload.
for blas in 1 2; do
  echo "PyTorch: torch_peers.py, OpenBLAS ${blas} thread(s)" >&2
  OPENBLAS_NUM_THREADS="${blas}" /usr/bin/python3 benchmarks/peers/torch_peers.py \
    --threads 1 2 --blas_threads "${blas}" >>"${out}/torch.jsonl"
done
/usr/bin/python3 benchmarks/peers/table.py "${out}"
if [[ -n "${PEERS_KEEP:-}" ]]; then cp -r "${out}" "${PEERS_KEEP}"; fi
