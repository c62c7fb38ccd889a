#!/usr/bin/env bash
# Runs tests/python/nfalab_export_test.py (unittest) with Debian's Python,
# which has python3-numpy and python3-torch.
#   $1: nfalab_export_test.py  $2: nfalab_export.py  $3: check_export.py
set -euo pipefail
exec /usr/bin/python3 "$1" "$2" "$3"
