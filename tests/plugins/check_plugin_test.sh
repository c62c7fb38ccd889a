#!/usr/bin/env bash
# `nfalab check-plugin` end to end:
#  1. On the example plugin (cube_tanh, trace_ratio, reverse): every check row, the
#     not-checked scale invariance of trace_ratio, the summary, exit 0; the
#     same when --plugin has loaded it already.
#  2. On a plugin with planted faults (tests/plugins/broken_plugin.cc): a
#     FAILED row with the numbers for each fault (an activation, a measure
#     and a layer), exit 1; the same when --plugin has loaded it already.
#  3. Both at once: one table for both, exit 1.
#  4. On a shared library that is not a plugin, a missing file and no path:
#     one `error:` line, nothing on stdout, exit 1 / 1 / 2.
#  5. --help documents the command.
set -uo pipefail

nfalab="$1"
example="$2"
broken="$3"
not_a_plugin="$4"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

out="${TEST_TMPDIR}/out"
err="${TEST_TMPDIR}/err"

# Runs nfalab with the arguments after the first; fails unless the exit
# code is the first.
expect_exit() {
  local expected="$1"
  shift
  "${nfalab}" "$@" >"${out}" 2>"${err}"
  local status=$?
  [[ ${status} -eq ${expected} ]] || {
    cat "${out}" "${err}" >&2
    fail "nfalab $*: exit ${status}, expected ${expected}"
  }
}

expect_line() {
  grep -qxF -- "$1" "${out}" || {
    cat "${out}" >&2
    fail "no line: $1"
  }
}

expect_match() {
  grep -qxE -- "$1" "${out}" || {
    cat "${out}" >&2
    fail "no line matching: $1"
  }
}

# Exactly one line on stderr, starting "error:" and containing $1.
expect_one_error() {
  [[ "$(wc -l <"${err}")" == 1 ]] || fail "expected one stderr line: $(cat "${err}")"
  grep -q "^error: .*$1" "${err}" || fail "no error line with \"$1\": $(cat "${err}")"
  [[ ! -s "${out}" ]] || fail "stdout not empty: $(cat "${out}")"
}

# 1. The example plugin passes.
names="3 names (activation cube_tanh, alignment measure trace_ratio, layer reverse)"
expect_exit 0 check-plugin "${example}"
expect_line "check-plugin ${example}: ${names}"
expect_line "kind               name         check                             result       detail"
expect_line "activation         cube_tanh    create by name                    pass         name() is the registry name"
expect_match "activation         cube_tanh    derivative vs finite diff\.        pass         max rel err [-+.e0-9]+ \(tol 1e-06\)"
expect_line "activation         cube_tanh    finite on [-50, 50]               pass         401 points, step 0.25, float and double"
expect_line "activation         cube_tanh    shape kept                        pass         [401, 1], [1, 401], [0, 3], float and double"
expect_match "activation         cube_tanh    float agrees with double          pass         max rel err [-+.e0-9]+ \(tol 1e-05\)"
expect_line "alignment measure  trace_ratio  create by name                    pass         ok"
expect_line "alignment measure  trace_ratio  finite on 3 layer shapes          pass         3 values on [6, 4], [3, 8], [2, 6] layers"
expect_line "alignment measure  trace_ratio  deterministic                     pass         1 value bit-identical in 2 calls"
expect_line "alignment measure  trace_ratio  scale invariance                  not checked  IsScaleInvariant() is false"
expect_match "layer              reverse      input VJP vs finite diff\.         pass         max rel err [-+.e0-9]+ \(tol 1e-06\), 5 probes"
expect_line "layer              reverse      param. gradients vs finite diff.  not checked  not a weighted layer"
expect_line "17 checks: 14 passed, 0 failed, 3 not checked"
[[ "$(wc -l <"${out}")" == 20 ]] || fail "expected 20 lines: $(cat "${out}")"
[[ ! -s "${err}" ]] || fail "stderr not empty: $(cat "${err}")"
# Also when --plugin loaded it already: the loader knows its names.
expect_exit 0 --plugin="${example}" check-plugin "${example}"
expect_line "check-plugin ${example}: ${names}"
expect_line "17 checks: 14 passed, 0 failed, 3 not checked"

# 2. The broken plugin fails, naming each fault with its numbers.
broken_names="3 names (activation bad_slope_tanh, alignment measure false_invariant, layer bad_vjp_tanh)"
expect_exit 1 check-plugin "${broken}"
expect_line "check-plugin ${broken}: ${broken_names}"
expect_match "activation         bad_slope_tanh   derivative vs finite diff\.        FAILED       rel err 0\.001 at h = [-.0-9]+: phi' [-.0-9]+ vs finite diff\. [-.0-9]+ \(tol 1e-06\)"
expect_match "alignment measure  false_invariant  scale invariance                  FAILED       declared invariant, but ratio = [.0-9]+ became [.0-9]+ with W, W0 x3 and K x5 \(rel change 4, tol 1e-09\)"
expect_line "layer              bad_vjp_tanh     create on probes                  pass         all 14 probes"
expect_match "layer              bad_vjp_tanh     input VJP vs finite diff\.         FAILED       \{out_features: 3, bias: true\} on \[5\]: rel err 0\.001 at x\([0-9], [0-9]\) = [-.0-9]+: d_x [-.0-9]+ vs finite diff\. [-.0-9]+ \(tol 1e-06\)"
expect_line "layer              bad_vjp_tanh     param. gradients vs finite diff.  not checked  not a weighted layer"
expect_match "layer              bad_vjp_tanh     float agrees with double          pass         max rel err [-+.e0-9]+ \(tol 1e-05\), 14 probes"
expect_line "17 checks: 12 passed, 3 failed, 2 not checked"
[[ "$(grep -c FAILED "${out}")" == 3 ]] || fail "expected 3 FAILED rows: $(cat "${out}")"
# Also when --plugin loaded it already: its layer is still found.
expect_exit 1 --plugin="${broken}" check-plugin "${broken}"
expect_line "check-plugin ${broken}: ${broken_names}"
expect_line "17 checks: 12 passed, 3 failed, 2 not checked"

# 3. Both plugins in one call.
expect_exit 1 check-plugin "${example}" "${broken}"
expect_line "check-plugin ${example}: ${names}"
expect_line "check-plugin ${broken}: ${broken_names}"
expect_line "34 checks: 26 passed, 3 failed, 5 not checked"

# 4. Not a plugin, no such file, no path.
expect_exit 1 check-plugin "${not_a_plugin}"
expect_one_error "libnot_a_plugin.so is not an nfalab plugin"

expect_exit 1 check-plugin "${TEST_TMPDIR}/missing.so"
expect_one_error "missing.so does not exist"

expect_exit 2 check-plugin
expect_one_error "check-plugin needs the path of a plugin"

# 5. Help.
expect_exit 0 check-plugin --help
grep -q "nfalab check-plugin PATH.so" "${out}" || fail "--help lacks check-plugin"

echo "PASS"
