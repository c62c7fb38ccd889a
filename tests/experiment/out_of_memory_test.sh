#!/usr/bin/env bash
# Running out of memory is one "error:" line and exit code 1, never an abort
# or the kernel's OOM killer:
#  1. a width whose run needs petabytes is refused by the memory estimate
#     at once, before anything is allocated or written;
#  2. a run that passes the estimate but exceeds the address-space limit
#     (ulimit -v) fails with std::bad_alloc, which main() turns into an error.
set -uo pipefail

nfalab="$1"
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# expect_one_error_line NAME STDERR_FILE PREFIX: exactly one line, starting
# with PREFIX.
expect_one_error_line() {
  local lines
  lines="$(wc -l < "$2")"
  if [[ "${lines}" != 1 ]]; then
    fail "$1: expected one stderr line, got ${lines}: $(cat "$2")"
  elif [[ "$(cat "$2")" != "$3"* ]]; then
    fail "$1: stderr does not start with \"$3\": $(cat "$2")"
  fi
}

# 1. Refused by the estimate.
out="${TEST_TMPDIR}/huge_width"
start="$(date +%s%N)"
"${nfalab}" train --model.width=100000000 --out="${out}" \
  > "${TEST_TMPDIR}/huge.out" 2> "${TEST_TMPDIR}/huge.err"
rc=$?
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
[[ "${rc}" == 1 ]] || fail "huge width: exit code ${rc}, expected 1"
expect_one_error_line "huge width" "${TEST_TMPDIR}/huge.err" \
  "error: this run needs about "
grep -q "is available; reduce model.width / model.widths / model.depth" \
  "${TEST_TMPDIR}/huge.err" || fail "huge width: no advice: $(cat "${TEST_TMPDIR}/huge.err")"
((elapsed_ms < 5000)) || fail "huge width: took ${elapsed_ms} ms"
[[ ! -e "${out}" ]] || fail "huge width: created ${out}"

# 2. Past the estimate, into the ulimit: W2 alone is 16000^2 floats = 1 GiB.
# Not under AddressSanitizer (bazel test --config=asan): its shadow memory
# needs terabytes of address space, and it aborts on a failed new.
if [[ "$(ldd "${nfalab}" 2>/dev/null)" == *libasan* ]]; then
  echo "skipped the ulimit case: ${nfalab} uses AddressSanitizer"
else
  out="${TEST_TMPDIR}/ulimit"
  (
    ulimit -v 800000  # KiB
    exec "${nfalab}" train --model.width=16000 --model.depth=2 \
      --data.n_train=64 --data.n_test=0 --training.epochs=1 --out="${out}"
  ) > "${TEST_TMPDIR}/ulimit.out" 2> "${TEST_TMPDIR}/ulimit.err"
  rc=$?
  [[ "${rc}" == 1 ]] || fail "ulimit: exit code ${rc}, expected 1 (134 is an abort)"
  expect_one_error_line "ulimit" "${TEST_TMPDIR}/ulimit.err" \
    "error: out of memory (std::bad_alloc): "
fi

if ((failures > 0)); then
  exit 1
fi
echo "PASS"
