#!/usr/bin/env bash
# The plugin ABI guard (core/plugin_abi.h, cli/plugin_loader.h):
#  1. A plugin built with other flags (libmisbuilt_plugin.so: -march=x86-64,
#     -UNDEBUG) is refused with one error line naming each differing setting
#     and the flags to rebuild with, before any of its code runs.
#  2. The example plugin, built with the binary's flags, still loads.
#  3. `nfalab plugin-flags` prints the flags the refusal names.
set -uo pipefail

nfalab="$1"
misbuilt="$2"
example="$3"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# 1.
"${nfalab}" --plugin="${misbuilt}" list >"${TEST_TMPDIR}/1.out" \
  2>"${TEST_TMPDIR}/1.err"
status=$?
[[ ${status} -eq 1 ]] || fail "mis-built plugin: exit ${status}, expected 1"
[[ ! -s "${TEST_TMPDIR}/1.out" ]] || fail "mis-built plugin printed a listing"
[[ "$(wc -l <"${TEST_TMPDIR}/1.err")" -eq 1 ]] ||
  fail "expected exactly one line on stderr: $(cat "${TEST_TMPDIR}/1.err")"
message="$(cat "${TEST_TMPDIR}/1.err")"
echo "refusal: ${message}"
[[ "${message}" == "error: plugin ${misbuilt} was built with settings that differ from this nfalab binary's: "* ]] ||
  fail "unexpected message start"
grep -q 'MISBUILT PLUGIN CODE RAN' "${TEST_TMPDIR}/1.err" &&
  fail "the mis-built plugin's static initialiser ran"
# Settings that differ whatever the machine: assertions, and x86-64's
# baseline vectorisation (SSE2 only) against -march=native's.
for expected in 'ndebug=0 (nfalab: 1)' 'eigen_simd=simd+sse2 (nfalab: simd+sse2+' \
  "rebuild it with the binary's flags: " ' -fPIC ' '`nfalab plugin-flags`'; do
  [[ "${message}" == *"${expected}"* ]] || fail "message lacks: ${expected}"
done
# Settings that agree are not listed.
for absent in 'api=' 'cplusplus=' 'eigen=3' 'eigen_index=' 'cxx11_abi='; do
  [[ "${message}" != *"${absent}"* ]] || fail "message lists agreeing ${absent}"
done

# 2.
"${nfalab}" --plugin="${example}" list >"${TEST_TMPDIR}/2.out" 2>&1 ||
  fail "the example plugin no longer loads: $(cat "${TEST_TMPDIR}/2.out")"
grep -q '^  cube_tanh ' "${TEST_TMPDIR}/2.out" || fail "cube_tanh not listed"

# 3. The flags in the refusal are plugin-flags' first words.
flags="$("${nfalab}" plugin-flags)" ||
  fail "plugin-flags failed"
named="${message#*rebuild it with the binary\'s flags: }"
named="${named% (\`nfalab plugin-flags\`*}"
[[ "${flags}" == "${named} -shared -I"* ]] ||
  fail "plugin-flags (${flags}) does not start with the named flags (${named})"
for expected in '-std=c++17' '-march=' '-DNDEBUG'; do
  [[ " ${flags} " == *" ${expected}"* ]] || fail "plugin-flags lacks ${expected}"
done
echo "PASS"
