#!/usr/bin/env bash
# The README's test command: installs any missing package, runs every test
# target (unit tests and benchmark smoke runs), then the out-of-tree plugin
# test (tests/out_of_tree/run.sh: a second Bazel workspace, so not a Bazel
# test), and ends with a plain "N passed, M failed" line computed from
# Bazel's per-target results plus that test.
set -uo pipefail
cd "$(dirname "$0")/.."

bash tools/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

log="$(mktemp)"
trap 'rm -f "${log}"' EXIT
bazel test --keep_going --test_summary=short //... 2>&1 | tee "${log}"
bazel_status=${PIPESTATUS[0]}

# Summary lines look like "//tests/core:registry_test   (cached) PASSED in 0.1s".
passed=$(grep -cE '^//[^ ]+[[:space:]]+(\(cached\) )?PASSED' "${log}")
failed=$(grep -cE '^//[^ ]+[[:space:]]+(\(cached\) )?(FAILED|TIMEOUT|NO STATUS|INCOMPLETE|FLAKY)' "${log}")
if [[ "${bazel_status}" != "0" && "${failed}" == "0" ]]; then
  failed=1  # The build itself failed before any test could report.
fi

out_of_tree_status=1
if [[ -x bazel-bin/nfalab ]]; then
  bash tests/out_of_tree/run.sh
  out_of_tree_status=$?
else
  echo "out_of_tree: FAIL: bazel-bin/nfalab was not built"
fi
if [[ "${out_of_tree_status}" == "0" ]]; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
fi

echo "${passed} passed, ${failed} failed"
[[ "${bazel_status}" == "0" && "${failed}" == "0" ]]
