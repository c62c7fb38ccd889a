#!/usr/bin/env bash
# Builds tests/fuzz/parsers_fuzzer.cc with clang + libFuzzer + ASan + UBSan
# (outside Bazel: the Bazel toolchain is gcc) and fuzzes the dataset parsers.
#
#   bash tests/fuzz/run_fuzzer.sh [SECONDS]     # default 600
#
# Environment: FUZZ_WORK (default /tmp/nfalab_fuzz) holds the binary, the
# generated seed corpus (seeds/), the growing corpus (corpus/) and any crash
# reproducers (artifacts/); FUZZ_JOBS (default 1) parallel fuzzing jobs.
# Reproduce a crash with: $FUZZ_WORK/parsers_fuzzer $FUZZ_WORK/artifacts/crash-...
# Not run by CI or `bazel test` (it takes minutes and needs clang).
set -euo pipefail

seconds="${1:-600}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="${FUZZ_WORK:-/tmp/nfalab_fuzz}"
jobs="${FUZZ_JOBS:-1}"
mkdir -p "$work/seeds" "$work/corpus" "$work/artifacts"

cxx="${CXX_FUZZ:-clang++}"
absl_libs="$(pkg-config --libs absl_statusor absl_strings absl_str_format)"
echo "building $work/parsers_fuzzer with $cxx" >&2
# shellcheck disable=SC2086
"$cxx" -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined \
  -fno-sanitize-recover=undefined -I"$root" \
  "$root/tests/fuzz/parsers_fuzzer.cc" \
  "$root/datasets/gzip.cc" "$root/datasets/idx.cc" \
  "$root/datasets/cifar.cc" "$root/datasets/csv.cc" \
  "$root/datasets/file_util.cc" "$root/core/file_io.cc" \
  $absl_libs -lz -o "$work/parsers_fuzzer"

# Seed corpus: one small valid file per parser; the first byte selects the
# parser as in parsers_fuzzer.cc (0 IDX, 1 IDX gzip-or-plain, 2 CIFAR-10,
# 3 CIFAR-100, 4 CSV, 5 CSV ';' + header, 6 gzip).
python3 - "$work/seeds" <<'PY'
import gzip, struct, sys, os
out = sys.argv[1]
def save(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
idx_u8 = bytes([0, 0, 8, 3]) + struct.pack(">III", 2, 3, 3) + bytes(range(18))
idx_labels = bytes([0, 0, 8, 1]) + struct.pack(">I", 4) + bytes([0, 1, 9, 3])
idx_f32 = bytes([0, 0, 0x0D, 2]) + struct.pack(">II", 2, 2) + struct.pack(">4f", 1.5, -2, 0, 3)
idx_i16 = bytes([0, 0, 0x0B, 1]) + struct.pack(">I", 3) + struct.pack(">3h", -1, 2, 300)
idx_f64 = bytes([0, 0, 0x0E, 1]) + struct.pack(">I", 2) + struct.pack(">2d", 0.25, -8)
save("idx_u8", b"\x00" + idx_u8)
save("idx_labels", b"\x00" + idx_labels)
save("idx_f32", b"\x00" + idx_f32)
save("idx_i16", b"\x00" + idx_i16)
save("idx_f64", b"\x00" + idx_f64)
save("idx_gz", b"\x01" + gzip.compress(idx_u8))
save("idx_gz_labels", b"\x01" + gzip.compress(idx_labels))
save("idx_plain", b"\x01" + idx_labels)
save("idx_gz_two_members", b"\x01" + gzip.compress(idx_u8[:10]) + gzip.compress(idx_u8[10:]))
rec10 = bytes([3]) + bytes(i % 256 for i in range(3072))
save("cifar10", b"\x02" + rec10 + bytes([9]) + bytes(3072))
rec100 = bytes([19, 99]) + bytes((7 * i) % 256 for i in range(3072))
save("cifar100", b"\x03" + rec100 + bytes([0, 5]) + bytes(3072))
save("csv", b"\x04" + b"1,0.5,-2\n0,1e3,  7 \r\n\n2,+3,4.25\n")
save("csv_header", b"\x05" + b"\xef\xbb\xbflabel;a;b\n1;2;3\n4;5;6\n")
save("gzip", b"\x06" + gzip.compress(b"hello, world\n" * 20))
PY

echo "fuzzing for $seconds s (jobs: $jobs)" >&2
cd "$work"
flags=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048
  -max_len=16384 -print_final_stats=1 -artifact_prefix="$work/artifacts/")
status=0
if [[ "$jobs" -gt 1 ]]; then
  # Each job logs to $work/fuzz-<i>.log.
  ./parsers_fuzzer "${flags[@]}" -jobs="$jobs" -workers="$jobs" \
    "$work/corpus" "$work/seeds" || status=$?
  tail -n 7 "$work"/fuzz-*.log
else
  ./parsers_fuzzer "${flags[@]}" "$work/corpus" "$work/seeds" || status=$?
fi

# Optional: line coverage of the parsers over the corpus.
if [[ "${FUZZ_COVERAGE:-0}" == 1 ]]; then
  echo "building the coverage binary" >&2
  # shellcheck disable=SC2086
  "$cxx" -std=c++17 -O0 -g -fsanitize=fuzzer -fprofile-instr-generate \
    -fcoverage-mapping -I"$root" \
    "$root/tests/fuzz/parsers_fuzzer.cc" \
    "$root/datasets/gzip.cc" "$root/datasets/idx.cc" \
    "$root/datasets/cifar.cc" "$root/datasets/csv.cc" \
    "$root/datasets/file_util.cc" "$root/core/file_io.cc" \
    $absl_libs -lz -o "$work/parsers_coverage"
  LLVM_PROFILE_FILE="$work/coverage.profraw" ./parsers_coverage -runs=0 \
    "$work/corpus" "$work/seeds" >/dev/null 2>&1
  llvm-profdata merge -sparse "$work/coverage.profraw" \
    -o "$work/coverage.profdata"
  llvm-cov report "$work/parsers_coverage" \
    -instr-profile="$work/coverage.profdata" \
    "$root/datasets/gzip.cc" "$root/datasets/idx.cc" \
    "$root/datasets/cifar.cc" "$root/datasets/csv.cc"
  echo "uncovered lines: llvm-cov show $work/parsers_coverage" \
    "-instr-profile=$work/coverage.profdata $root/datasets/idx.cc" >&2
fi
exit "$status"
