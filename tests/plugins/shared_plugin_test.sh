#!/usr/bin/env bash
# Run-time plugins end to end (plugins/example_shared):
#  1. `nfalab train --plugin=libexample_shared_plugin.so` trains with the
#     plugin's activation (cube_tanh) and writes the plugin's measure
#     (trace_ratio) to metrics.csv next to the built-in uc_nfc: the .so
#     registered into the binary's registries, not into a private copy.
#  2. The same command without --plugin fails before writing anything, with
#     one `error:` line naming the unknown activation.
#  3. A plugin that registers a name the binary already has ("relu") aborts
#     the process with both registration sites and shared objects, before
#     any run directory is created.
#  4. So do two copies of one plugin, naming both files.
#  5. config.pbtxt records the plugin (canonical path, SHA-256, names), and
#     that config, --resume and report work without --plugin; a plugin file
#     that changed since is refused naming both digests.
#  6. `nfalab measure --plugin` measures an export with the plugin's layer.
set -uo pipefail

nfalab="$1"
plugin="$2"
duplicate="$3"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

tiny_run=(
  --data.source=synthetic --data.n_train=64 --data.n_test=16
  --data.synthetic.input_dim=5 --data.synthetic.num_outputs=2
  --model.depth=2 --model.width=6 --training.epochs=2 --training.batch_size=16
  --measurement.measure_samples=32 --optimizer.learning_rate=0.05
  --model.activation=cube_tanh --measurement.measures=uc_nfc,trace_ratio
)

# 1. With the plugin.
run="${TEST_TMPDIR}/with_plugin"
"${nfalab}" train --plugin="${plugin}" --out="${run}" "${tiny_run[@]}" \
  >"${TEST_TMPDIR}/1.out" 2>"${TEST_TMPDIR}/1.err"
status=$?
if [[ ${status} -ne 0 ]]; then
  cat "${TEST_TMPDIR}/1.err" >&2
  fail "train with --plugin exited with ${status}"
fi
[[ -f "${run}/metrics.csv" ]] || fail "no metrics.csv"
# Rows epoch,step,layer,measure,value: trace_ratio for layers 1 and 2, with
# finite values.
for layer in 1 2; do
  grep -qE "^[-0-9]+,[0-9]*,${layer},trace_ratio,[-+0-9.eE]+$" \
    "${run}/metrics.csv" ||
    fail "no finite trace_ratio row for layer ${layer} in metrics.csv"
done
grep -q ",uc_nfc," "${run}/metrics.csv" || fail "no uc_nfc rows"
grep -q 'cube_tanh' "${run}/config.pbtxt" ||
  fail "config.pbtxt does not record activation cube_tanh"

# 2. Without the plugin: one error line naming cube_tanh, no run directory.
run="${TEST_TMPDIR}/without_plugin"
"${nfalab}" train --out="${run}" "${tiny_run[@]}" \
  >"${TEST_TMPDIR}/2.out" 2>"${TEST_TMPDIR}/2.err"
status=$?
[[ ${status} -ne 0 ]] || fail "train without --plugin succeeded"
errors="$(cat "${TEST_TMPDIR}/2.out" "${TEST_TMPDIR}/2.err" | grep -c '^error:')"
[[ "${errors}" == 1 ]] || {
  cat "${TEST_TMPDIR}/2.err" >&2
  fail "expected one error: line, got ${errors}"
}
grep '^error:' "${TEST_TMPDIR}/2.err" | grep -q 'cube_tanh' ||
  fail "the error line does not name cube_tanh: $(cat "${TEST_TMPDIR}/2.err")"
[[ ! -e "${run}" ]] || fail "a run directory was created without the plugin"

# 3. A plugin registering "relu" again: abort naming both sites.
run="${TEST_TMPDIR}/duplicate"
"${nfalab}" train --plugin="${duplicate}" --out="${run}" "${tiny_run[@]}" \
  >"${TEST_TMPDIR}/3.out" 2>"${TEST_TMPDIR}/3.err"
status=$?
# abort() raises SIGABRT: the shell reports 128 + 6.
[[ ${status} -eq 134 ]] || {
  cat "${TEST_TMPDIR}/3.err" >&2
  fail "duplicate plugin: expected an abort (exit 134), got ${status}"
}
grep -q 'activation "relu" is registered twice' "${TEST_TMPDIR}/3.err" ||
  fail "no duplicate-registration message: $(cat "${TEST_TMPDIR}/3.err")"
grep -q 'layers/builtin_activations.cc:[0-9]' "${TEST_TMPDIR}/3.err" ||
  fail "the message does not name the built-in's registration site"
grep -q 'plugins/example_shared/duplicate_plugin.cc:[0-9]' \
  "${TEST_TMPDIR}/3.err" ||
  fail "the message does not name the plugin's registration site"
grep -q '(in [^)]*nfalab) and at plugins/example_shared/duplicate_plugin.cc:[0-9]* (in [^)]*/libduplicate_plugin.so)' \
  "${TEST_TMPDIR}/3.err" ||
  fail "the message does not name both shared objects: $(cat "${TEST_TMPDIR}/3.err")"
[[ ! -e "${run}" ]] || fail "a run directory was created by the aborted run"

# 4. Two builds (here: two copies) of one plugin: the abort names both files.
mkdir -p "${TEST_TMPDIR}/a" "${TEST_TMPDIR}/b"
cp "${plugin}" "${TEST_TMPDIR}/a/libmy.so"
cp "${plugin}" "${TEST_TMPDIR}/b/libmy.so"
"${nfalab}" --plugin="${TEST_TMPDIR}/a/libmy.so" \
  --plugin="${TEST_TMPDIR}/b/libmy.so" list >"${TEST_TMPDIR}/4.out" \
  2>"${TEST_TMPDIR}/4.err"
status=$?
[[ ${status} -eq 134 ]] || fail "two copies: expected exit 134, got ${status}"
grep -q "(in ${TEST_TMPDIR}/a/libmy.so) and at .*(in ${TEST_TMPDIR}/b/libmy.so)" \
  "${TEST_TMPDIR}/4.err" ||
  fail "the abort does not name both copies: $(cat "${TEST_TMPDIR}/4.err")"

# 5. Recorded plugins. A private copy, so that the test can change it.
copy="${TEST_TMPDIR}/recorded/libcopy.so"
mkdir -p "${TEST_TMPDIR}/recorded"
cp "${plugin}" "${copy}"
run="${TEST_TMPDIR}/recorded/run"
"${nfalab}" train --plugin="${copy}" --out="${run}" --checkpoint_every=1 \
  "${tiny_run[@]}" >"${TEST_TMPDIR}/5.out" 2>&1 ||
  fail "train with the copy failed: $(cat "${TEST_TMPDIR}/5.out")"
digest="$(sha256sum "${copy}" | cut -d' ' -f1)"
grep -qF "path: \"${copy}\"" "${run}/config.pbtxt" ||
  fail "config.pbtxt does not record the plugin's path: $(grep -A4 plugins "${run}/config.pbtxt")"
grep -qF "sha256: \"${digest}\"" "${run}/config.pbtxt" ||
  fail "config.pbtxt does not record the plugin's SHA-256 ${digest}"
grep -qF 'registered: "activation cube_tanh"' "${run}/config.pbtxt" ||
  fail "config.pbtxt does not record the registered names"
grep -qF 'registered: "alignment measure trace_ratio"' "${run}/config.pbtxt" ||
  fail "config.pbtxt does not record trace_ratio"

# The recorded config alone reproduces the run, byte for byte.
"${nfalab}" train --config="${run}/config.pbtxt" --out="${run}_again" \
  >"${TEST_TMPDIR}/5b.out" 2>&1 ||
  fail "train --config=<recorded> without --plugin failed: $(cat "${TEST_TMPDIR}/5b.out")"
cmp -s "${run}/metrics.csv" "${run}_again/metrics.csv" ||
  fail "the recorded config does not reproduce metrics.csv"

# --resume without --plugin (one more epoch).
"${nfalab}" train --resume="${run}" --training.epochs=3 \
  >"${TEST_TMPDIR}/5c.out" 2>&1 ||
  fail "--resume without --plugin failed: $(cat "${TEST_TMPDIR}/5c.out")"
grep -q "^2,[0-9]*,1,trace_ratio," "${run}/metrics.csv" ||
  fail "the resumed run has no epoch-2 trace_ratio row"

# study and report without --plugin after the study recorded it.
study="${TEST_TMPDIR}/recorded/tiny_study.pbtxt"
cat >"${study}" <<STUDY
name: "tiny_plugin_study"
base {
  plugins { path: "${copy}" }
  data { source: "synthetic" n_train: 64 n_test: 16
         synthetic { input_dim: 5 num_outputs: 2 } }
  model { depth: 2 width: 6 activation: "cube_tanh" }
  optimizer { learning_rate: 0.05 }
  training { epochs: 2 batch_size: 16 }
  measurement { measure_samples: 32 measures: "uc_nfc" measures: "trace_ratio" }
}
seeds: [1, 2]
STUDY
"${nfalab}" study "${study}" --out="${TEST_TMPDIR}/recorded/study" \
  >"${TEST_TMPDIR}/5d.out" 2>&1 ||
  fail "study with a recorded plugin failed: $(cat "${TEST_TMPDIR}/5d.out")"
grep -qF "sha256: \"${digest}\"" "${TEST_TMPDIR}/recorded/study/study.pbtxt" ||
  fail "study.pbtxt does not record the plugin's SHA-256"
"${nfalab}" report "${TEST_TMPDIR}/recorded/study" \
  >"${TEST_TMPDIR}/5e.out" 2>&1 ||
  fail "report without --plugin failed: $(cat "${TEST_TMPDIR}/5e.out")"

# A changed file is refused, naming both digests; nothing is written.
printf 'x' >>"${copy}"
new_digest="$(sha256sum "${copy}" | cut -d' ' -f1)"
"${nfalab}" train --config="${run}/config.pbtxt" --out="${run}_changed" \
  >"${TEST_TMPDIR}/5f.out" 2>"${TEST_TMPDIR}/5f.err"
status=$?
[[ ${status} -eq 1 ]] || fail "a changed plugin: exit ${status}, expected 1"
grep -q "^error: plugin ${copy} (recorded in ${run}/config.pbtxt) has changed since the run: its SHA-256 is now ${new_digest} but the config records ${digest}" \
  "${TEST_TMPDIR}/5f.err" ||
  fail "unexpected message for a changed plugin: $(cat "${TEST_TMPDIR}/5f.err")"
[[ ! -e "${run}_changed" ]] || fail "a run directory was created"
"${nfalab}" train --resume="${run}" >"${TEST_TMPDIR}/5g.out" \
  2>"${TEST_TMPDIR}/5g.err" && fail "--resume accepted a changed plugin"
grep -q "has changed since the run" "${TEST_TMPDIR}/5g.err" ||
  fail "--resume: $(cat "${TEST_TMPDIR}/5g.err")"

# 6. nfalab measure on an export of a network with the plugin's layer
# (reverse): with --plugin it reproduces the run's rows (after the last
# epoch); without, one error line names the type and nothing is written.
run="${TEST_TMPDIR}/measure_run"
cat >"${TEST_TMPDIR}/reverse.pbtxt" <<CONFIG
data { source: "synthetic" n_train: 64 n_test: 16
       synthetic { input_dim: 5 num_outputs: 2 } }
model {
  layers { type: "linear" out_features: 6 }
  layers { type: "reverse" }
  layers { type: "activation" activation: "cube_tanh" }
  layers { type: "linear" }
}
optimizer { learning_rate: 0.05 }
training { epochs: 2 batch_size: 16 }
measurement { measure_samples: 32 measures: "uc_nfc" measures: "c_nfc" }
export_dir: "${run}/export"
CONFIG
"${nfalab}" train --plugin="${plugin}" --out="${run}" \
  --config="${TEST_TMPDIR}/reverse.pbtxt" >"${TEST_TMPDIR}/6.out" 2>&1 ||
  fail "train with the reverse layer failed: $(cat "${TEST_TMPDIR}/6.out")"
grep -q '"type": "reverse"' "${run}/export/model.json" ||
  fail "model.json has no reverse layer: $(cat "${run}/export/model.json")"
"${nfalab}" measure --plugin="${plugin}" --model="${run}/export" \
  --data="${run}/export/X.npy" --measures=uc_nfc,c_nfc \
  --out="${TEST_TMPDIR}/measured" >"${TEST_TMPDIR}/6b.out" 2>&1 ||
  fail "measure with --plugin failed: $(cat "${TEST_TMPDIR}/6b.out")"
# The run's per-layer rows of its last epoch (1), as measure writes them.
grep -E '^1,[0-9]+,[0-9]+,' "${run}/metrics.csv" >"${TEST_TMPDIR}/6.expected"
tail -n +2 "${TEST_TMPDIR}/measured/metrics.csv" >"${TEST_TMPDIR}/6.measured"
[[ -s "${TEST_TMPDIR}/6.expected" ]] || fail "the run has no epoch-1 rows"
cmp -s "${TEST_TMPDIR}/6.expected" "${TEST_TMPDIR}/6.measured" || fail \
  "measure's rows differ from the run's: $(cat "${TEST_TMPDIR}/6.expected" "${TEST_TMPDIR}/6.measured")"
"${nfalab}" measure --model="${run}/export" --data="${run}/export/X.npy" \
  --out="${TEST_TMPDIR}/unmeasured" >"${TEST_TMPDIR}/6c.out" \
  2>"${TEST_TMPDIR}/6c.err" && fail "measure without --plugin succeeded"
[[ "$(grep -c '^error:' "${TEST_TMPDIR}/6c.err")" == 1 ]] ||
  fail "expected one error line: $(cat "${TEST_TMPDIR}/6c.err")"
grep '^error:' "${TEST_TMPDIR}/6c.err" | grep -q '"reverse"' ||
  fail "the error does not name the type: $(cat "${TEST_TMPDIR}/6c.err")"
[[ ! -e "${TEST_TMPDIR}/unmeasured" ]] || fail "measure wrote a directory"

echo "PASS"
