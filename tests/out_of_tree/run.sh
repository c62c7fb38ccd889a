#!/usr/bin/env bash
# The out-of-tree plugin path, exactly as plugins/README.md documents it:
# the files marked `<!-- out-of-tree: NAME -->` there are extracted into a
# fresh workspace outside this repository (with /path/to/nfalab replaced by
# this checkout), the plugin is built there with Bazel, loaded into this
# checkout's nfalab binary and trained with; then the same source is built
# with a plain compiler and `nfalab plugin-flags`, and loaded again.
#
#   bash tests/out_of_tree/run.sh     # after `bazel build //:nfalab`
#
# Run by .ci/run (tools/test.sh) after `bazel test //...`. Prints
# "out_of_tree: PASS" or "out_of_tree: FAIL: ..." and exits 0 or 1.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
readme="${root}/plugins/README.md"
nfalab="${root}/bazel-bin/nfalab"
work="$(mktemp -d /tmp/nfalab_out_of_tree.XXXXXX)"
workspace="${work}/my_plugins"

fail() {
  echo "out_of_tree: FAIL: $*"
  exit 1
}

cleanup() {
  if [[ -d "${workspace}" ]]; then
    # The outside workspace has its own Bazel server and output base.
    (cd "${workspace}" && bazel clean --expunge >/dev/null 2>&1 &&
      bazel shutdown >/dev/null 2>&1)
  fi
  rm -rf "${work}"
}
trap cleanup EXIT

[[ -x "${nfalab}" ]] || fail "${nfalab} is missing; run bazel build //:nfalab"

# The fenced block after the marker for `name`, with the placeholder path
# replaced.
extract() {
  awk -v marker="<!-- out-of-tree: $1 -->" '
    $0 == marker { found = 1; next }
    found == 1 && /^```/ { found = 2; next }
    found == 2 && /^```/ { exit }
    found == 2 { print }
  ' "${readme}" | sed "s|/path/to/nfalab|${root}|g"
}

mkdir -p "${workspace}"
for name in WORKSPACE .bazelrc BUILD mish_plugin.cc; do
  extract "${name}" >"${workspace}/${name}"
  [[ -s "${workspace}/${name}" ]] || fail "no '${name}' block in ${readme}"
done
extract commands >"${work}/commands.sh"
extract plain >"${work}/plain.sh"
[[ -s "${work}/commands.sh" && -s "${work}/plain.sh" ]] ||
  fail "no 'commands' or 'plain' block in ${readme}"

# 1. Bazel, from the outside workspace, with the README's commands.
if ! (cd "${workspace}" && bash -e "${work}/commands.sh") \
  >"${work}/bazel.log" 2>&1; then
  tail -30 "${work}/bazel.log"
  fail "the README's Bazel commands failed in ${workspace}"
fi
metrics="${workspace}/runs/mish/metrics.csv"
[[ -f "${metrics}" ]] || fail "no ${metrics}"
grep -q 'activation: "mish"' "${workspace}/runs/mish/config.pbtxt" ||
  fail "config.pbtxt does not record activation mish"
# The loss fell: the last train_loss is below the first (epoch -1).
losses="$(awk -F, '$4 == "train_loss" { print $5 }' "${metrics}")"
first="$(head -1 <<<"${losses}")"
last="$(tail -1 <<<"${losses}")"
awk -v a="${first}" -v b="${last}" 'BEGIN { exit !(b < a) }' ||
  fail "train_loss did not fall with mish: ${first} -> ${last}"
echo "out_of_tree: bazel plugin trained, train_loss ${first} -> ${last}"

# 2. A plain compiler with nfalab plugin-flags.
plain="${work}/plain"
mkdir -p "${plain}"
cp "${workspace}/mish_plugin.cc" "${plain}/"
if ! (cd "${plain}" && bash -e "${work}/plain.sh") >"${work}/plain.log" 2>&1; then
  cat "${work}/plain.log"
  fail "the README's plain-compiler command failed"
fi
"${nfalab}" --plugin="${plain}/libmish_plugin.so" train \
  --config="${root}/experiment/configs/teacher_mlp.pbtxt" \
  --model.activation=mish --training.epochs=3 --out="${plain}/runs/mish" \
  >"${work}/plain_train.log" 2>&1 ||
  fail "training with the plain-compiler plugin failed: $(tail -3 "${work}/plain_train.log")"
# Both builds compute the same thing: byte-identical metrics.
cmp -s <(grep -v -e '^#' "${metrics}") \
  <(grep -v -e '^#' "${plain}/runs/mish/metrics.csv") ||
  fail "the Bazel-built and g++-built plugins give different metrics.csv"
echo "out_of_tree: plain-compiler plugin trained, metrics.csv identical"
echo "out_of_tree: PASS"
