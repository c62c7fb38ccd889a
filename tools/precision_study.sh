#!/usr/bin/env bash
# The precision study (docs/precision/README.md): epoch 0 of the main job
# (experiment/configs/fashion_mnist_mlp.pbtxt, lr 1e-4) in float32 and in
# float64 (training.precision) for seeds 0..4, then per layer the epoch-0
# C-NFC and UC-NFC of both, the per-seed difference f32 - f64 with its mean
# and 95% Student-t interval, and the seed spread (sample std of f64).
#
#   bazel build -c opt //:nfalab
#   bash tools/precision_study.sh OUT_DIR      # from the repository root
#
# Writes OUT_DIR/{float32,float64}_seed<s>/ (run directories) and
# OUT_DIR/table.md. OPENBLAS_NUM_THREADS is 1 unless set; NFALAB overrides
# the binary (default bazel-bin/nfalab).
set -euo pipefail

out=${1:?usage: tools/precision_study.sh OUT_DIR}
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
nfalab=${NFALAB:-bazel-bin/nfalab}
config=experiment/configs/fashion_mnist_mlp.pbtxt
seeds=(0 1 2 3 4)

mkdir -p "$out"
for seed in "${seeds[@]}"; do
  for precision in FLOAT32 FLOAT64; do
    run="$out/${precision,,}_seed$seed"
    echo "== $run (OPENBLAS_NUM_THREADS=$OPENBLAS_NUM_THREADS)"
    "$nfalab" train --config="$config" --out="$run" --overwrite \
      --seed="$seed" --training.epochs=1 --training.precision="$precision" \
      --checkpoint_every=0
  done
done

python3 - "$out" "${seeds[@]}" > "$out/table.md" <<'PY'
import csv, math, statistics, sys

out, seeds = sys.argv[1], [int(s) for s in sys.argv[2:]]
T975 = {4: 2.776}  # Student t_{0.975, df}; df = seeds - 1.

def epoch0(run):
    values = {}
    with open(f"{out}/{run}/metrics.csv") as f:
        for row in csv.DictReader(f):
            if row["epoch"] == "0" and row["measure"] in ("c_nfc", "uc_nfc"):
                values[(row["measure"], int(row["layer"]))] = float(row["value"])
    return values

f32 = {s: epoch0(f"float32_seed{s}") for s in seeds}
f64 = {s: epoch0(f"float64_seed{s}") for s in seeds}
layers = sorted({layer for (_, layer) in f32[seeds[0]]})
t = T975[len(seeds) - 1]
for measure in ("c_nfc", "uc_nfc"):
    print(f"### {measure}, epoch 0\n")
    print("| layer | " + " | ".join(f"seed {s} f32 / f64" for s in seeds)
          + " | mean diff f32−f64 [95% CI] | seed std (f64) | abs(mean diff) / std |")
    print("|---" * (len(seeds) + 4) + "|")
    for layer in layers:
        a = [f32[s][(measure, layer)] for s in seeds]
        b = [f64[s][(measure, layer)] for s in seeds]
        d = [x - y for x, y in zip(a, b)]
        mean = statistics.mean(d)
        half = t * statistics.stdev(d) / math.sqrt(len(d))
        spread = statistics.stdev(b)
        cells = " | ".join(f"{x:.4f} / {y:.4f}" for x, y in zip(a, b))
        print(f"| {layer} | {cells} | {mean:+.2e} [{mean - half:+.2e}, "
              f"{mean + half:+.2e}] | {spread:.2e} | {abs(mean) / spread:.2f} |")
    print()
    print("per-seed differences f32−f64: " + "; ".join(
        f"layer {layer}: " + ", ".join(
            f"{f32[s][(measure, layer)] - f64[s][(measure, layer)]:+.2e}"
            for s in seeds) for layer in layers))
    print()
PY
cat "$out/table.md"
