#!/usr/bin/env bash
# The README's test command. The steps live in .ci/run, so that CI runs
# exactly this: tools/setup.sh, `bazel test //...`, the out-of-tree plugin
# test, and a final "N passed, M failed" line.
exec bash "$(dirname "$0")/../.ci/run"
