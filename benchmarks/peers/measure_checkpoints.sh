#!/usr/bin/env bash
# `nfalab measure` against PyTorch the authors' way, on one machine in one
# run: the alignment measures (uc_nfc, c_nfc, their _cos forms,
# weight_change) of the 5 hidden layers of 10 checkpoints of the paper's MLP
# on 2000 samples.
#
#   1. make_checkpoints.py trains the MLP on 2000 Fashion-MNIST images and
#      writes a checkpoint after each of epochs 0-9 (model.json, W{l}.npy,
#      W0_{l}.npy) and X.npy, in a temporary directory;
#   2. `nfalab measure` on all 10, wall time of the whole command (reading,
#      measuring, writing metrics.csv and nfc.svg), at OPENBLAS_NUM_THREADS=2
#      and 1: one untimed run, then the median of MEASURE_REPS runs;
#   3. measure_checkpoints.py, the same in PyTorch (K by functorch's
#      vmap(jacrev) on zero perturbations, chunks of 1024; the rest in
#      float32), at every (torch threads, OpenBLAS threads) in {1, 2}^2;
#   4. measure_table.py checks that both measured the same values and prints
#      the table (PyTorch's best setting against nfalab on 2 threads).
#
#   bash tools/setup.sh                         # PyTorch (python3-torch), once
#   bash benchmarks/peers/measure_checkpoints.sh  # 2-4 minutes on 2 idle cores (estimated)
#
# Keep the machine otherwise idle: the figures are wall times. Settings, for
# a quick check of the script: MEASURE_CHECKPOINTS (10), MEASURE_SAMPLES
# (2000), MEASURE_REPS (5, nfalab runs per setting), TORCH_REPS (3, PyTorch
# loops per setting). NFALAB_BAZEL_FLAGS are added to `bazel build` (e.g.
# --disk_cache=DIR); PEERS_KEEP=DIR keeps the checkpoints and raw outputs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

checkpoints="${MEASURE_CHECKPOINTS:-10}"
samples="${MEASURE_SAMPLES:-2000}"
nfalab_reps="${MEASURE_REPS:-5}"
torch_reps="${TORCH_REPS:-3}"

if ! /usr/bin/python3 -c "import torch, functorch" 2>/dev/null; then
  echo "measure_checkpoints.sh: PyTorch is not installed; run: bash tools/setup.sh" >&2
  exit 1
fi
# shellcheck disable=SC2086  # the flags are words
bazel build ${NFALAB_BAZEL_FLAGS:-} //:nfalab
nfalab=bazel-bin/nfalab

out="$(mktemp -d)"
trap 'rm -rf "${out}"' EXIT
/usr/bin/python3 benchmarks/peers/make_checkpoints.py --out="${out}/data" \
  --samples="${samples}" --checkpoints="${checkpoints}"
models=()
for dir in "${out}"/data/ckpt_*; do models+=("--model=${dir}"); done

for threads in 2 1; do
  echo "nfalab measure: ${#models[@]} checkpoints, OpenBLAS ${threads} thread(s)" >&2
  run() {
    OPENBLAS_NUM_THREADS="${threads}" "${nfalab}" measure "${models[@]}" \
      --data="${out}/data/X.npy" --out="${out}/nfalab" --overwrite >/dev/null
  }
  run  # untimed: the files into the page cache, and metrics.csv to compare
  for ((rep = 0; rep < nfalab_reps; ++rep)); do
    start="$(date +%s%N)"
    run
    echo "$(($(date +%s%N) - start))" >>"${out}/nfalab_${threads}.txt"
  done
done

# PyTorch's matrix products run on OpenBLAS, whose thread pool is set by
# OPENBLAS_NUM_THREADS at start-up, apart from torch.set_num_threads: one
# process per OpenBLAS setting, both torch settings in each.
for blas in 1 2; do
  echo "PyTorch: measure_checkpoints.py, OpenBLAS ${blas} thread(s)" >&2
  values=()
  if [[ "${blas}" == 1 ]]; then values=(--values="${out}/torch_values.csv"); fi
  OPENBLAS_NUM_THREADS="${blas}" /usr/bin/python3 benchmarks/peers/measure_checkpoints.py \
    "${models[@]}" --data="${out}/data/X.npy" --threads 1 2 \
    --repetitions="${torch_reps}" --blas_threads="${blas}" "${values[@]}" \
    >>"${out}/torch.jsonl"
done

status=0
/usr/bin/python3 benchmarks/peers/measure_table.py "${out}" || status=$?
if [[ -n "${PEERS_KEEP:-}" ]]; then cp -r "${out}" "${PEERS_KEEP}"; fi
exit "${status}"
