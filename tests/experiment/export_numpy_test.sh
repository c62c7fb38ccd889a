#!/usr/bin/env bash
# End to end: `nfalab train --export_dir` writes .npy files that NumPy loads,
# and NumPy recomputes K, UC-NFC, C-NFC and the weight change from them to
# match metrics.csv (tools/check_export.py).
set -euo pipefail

nfalab="$1"
checker="$2"
run_dir="${TEST_TMPDIR}/run"
export_dir="${TEST_TMPDIR}/export"

"${nfalab}" train --out="${run_dir}" --export_dir="${export_dir}" \
  --data.n_train=600 --data.n_test=100 --data.synthetic.input_dim=12 \
  --data.synthetic.num_outputs=3 --model.depth=3 --model.width=20 \
  --training.epochs=3 --measurement.measure_samples=400 \
  --measurement.include_readout=true --optimizer.learning_rate=0.1

expected="K1.npy K2.npy K3.npy K4.npy W0_1.npy W0_2.npy W0_3.npy W0_4.npy W1.npy W2.npy W3.npy W4.npy X.npy model.json"
actual="$(cd "${export_dir}" && ls | tr '\n' ' ' | sed 's/ $//')"
if [[ "${actual}" != "${expected}" ]]; then
  echo "unexpected export files: ${actual}" >&2
  exit 1
fi
/usr/bin/python3 "${checker}" "${run_dir}" "${export_dir}"
