#!/usr/bin/env bash
# //:nfalab stopped by a real SIGINT or SIGTERM in the middle of a run exits
# with 128 + the signal and one stderr line saying how to resume, leaving
# summary.json ("status": "interrupted"), nfc.svg and checkpoint.pb; the
# printed --resume command then finishes the run with the metrics.csv of an
# uninterrupted run, byte for byte.
set -euo pipefail
# Job control: a non-interactive shell starts background jobs with SIGINT
# ignored, and nfalab (like any well-behaved program) keeps it ignored.
set -m

nfalab="$1"
# Optimizer steps take most of an epoch (about 0.5 s of 500 steps), so the
# signal usually lands inside an epoch; either way the run must resume
# exactly.
args=(--data.n_train=4000 --data.n_test=200 --data.synthetic.input_dim=32
  --model.depth=2 --model.width=256 --training.epochs=12
  --training.batch_size=8 --optimizer.momentum=0.9
  --optimizer.learning_rate=0.02 --measurement.measure_every=5
  --measurement.measure_samples=200)

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

"${nfalab}" train --out="${TEST_TMPDIR}/whole" "${args[@]}" \
  >"${TEST_TMPDIR}/whole.log"

# interrupt_and_resume SIGNAL EXIT_CODE
interrupt_and_resume() {
  local signal="$1" expected_code="$2"
  local dir="${TEST_TMPDIR}/${signal}"
  "${nfalab}" train --out="${dir}" "${args[@]}" >"${dir}.out" 2>"${dir}.err" &
  local pid=$!
  for _ in $(seq 1 1200); do
    grep -q '^epoch' "${dir}.out" && break
    sleep 0.05
  done
  grep -q '^epoch' "${dir}.out" || fail "${signal}: no epoch line in 60s"
  kill -s "${signal#SIG}" "${pid}"
  local code=0
  wait "${pid}" || code=$?
  [[ "${code}" == "${expected_code}" ]] ||
    fail "${signal}: exit code ${code}, expected ${expected_code}"
  [[ "$(wc -l <"${dir}.err")" == 1 ]] || fail "${signal}: stderr: $(cat "${dir}.err")"
  grep -Eq "^interrupted by ${signal} (during|before) epoch [0-9]+.*, step [0-9]+; its state is saved in ${dir}/checkpoint.pb; continue with: nfalab train --resume=${dir}\$" \
    "${dir}.err" || fail "${signal}: stderr: $(cat "${dir}.err")"
  grep -q '"status": "interrupted"' "${dir}/summary.json" ||
    fail "${signal}: summary.json: $(cat "${dir}/summary.json")"
  grep -q "\"interrupted_by\": \"${signal}\"" "${dir}/summary.json" ||
    fail "${signal}: summary.json does not name ${signal}"
  [[ -s "${dir}/nfc.svg" ]] || fail "${signal}: no nfc.svg"
  [[ -s "${dir}/checkpoint.pb" ]] || fail "${signal}: no checkpoint.pb"
  if cmp -s "${TEST_TMPDIR}/whole/metrics.csv" "${dir}/metrics.csv"; then
    fail "${signal}: the run finished before the signal arrived"
  fi

  "${nfalab}" train --resume="${dir}" >"${dir}.resume.log" 2>&1 ||
    fail "${signal}: resume failed: $(cat "${dir}.resume.log")"
  cmp "${TEST_TMPDIR}/whole/metrics.csv" "${dir}/metrics.csv" ||
    fail "${signal}: the resumed metrics.csv differs from an uninterrupted run's"
  grep -q '"status": "completed"' "${dir}/summary.json" ||
    fail "${signal}: resumed summary.json: $(cat "${dir}/summary.json")"
  echo "${signal}: $(cat "${dir}.err")"
}

interrupt_and_resume SIGINT 130
interrupt_and_resume SIGTERM 143
echo PASS
