#!/usr/bin/env bash
# Builds tests/fuzz/parsers_fuzzer.cc with clang + libFuzzer + ASan + UBSan
# (outside Bazel: the Bazel toolchain is gcc) and fuzzes the parsers of
# untrusted files: dataset formats, .npy and checkpoints.
#
#   bash tests/fuzz/run_fuzzer.sh [SECONDS]     # default 600
#
# Environment: FUZZ_WORK (default /tmp/nfalab_fuzz) holds the objects and
# generated protobuf code (build/), the binary, the generated seed corpus
# (seeds/), the growing corpus (corpus/) and any crash reproducers
# (artifacts/); FUZZ_JOBS (default 1) parallel fuzzing jobs; FUZZ_COVERAGE=1
# adds a line coverage report; NFALAB_BIN (default bazel-bin/nfalab) trains
# the small run whose checkpoint seeds the checkpoint modes (without it
# those modes start from nothing).
# Reproduce a crash with: $FUZZ_WORK/parsers_fuzzer $FUZZ_WORK/artifacts/crash-...
# Not run by CI or `bazel test` (it takes minutes and needs clang).
set -euo pipefail

seconds="${1:-600}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="${FUZZ_WORK:-/tmp/nfalab_fuzz}"
jobs="${FUZZ_JOBS:-1}"
nfalab_bin="${NFALAB_BIN:-$root/bazel-bin/nfalab}"
mkdir -p "$work/seeds" "$work/corpus" "$work/artifacts" "$work/build"

cxx="${CXX_FUZZ:-clang++}"
cxxflags=(-std=c++17 -I"$root" -I"$work/build/gen" -I/usr/include/eigen3
  -I/usr/include/jsoncpp)
libs=($(pkg-config --libs absl_statusor absl_strings absl_str_format \
  absl_synchronization) -lprotobuf -lcrypto -lz -lstb -lmatio -ljsoncpp
  -pthread)

# Mode 8 needs ParseCheckpoint (experiment/checkpoint.h, from the checkpoint
# integrity work); without it the mode is compiled out.
if grep -q 'ParseCheckpoint(' "$root/experiment/checkpoint.h"; then
  cxxflags+=(-DNFALAB_FUZZ_HAVE_PARSE_CHECKPOINT=1)
else
  echo "note: experiment/checkpoint.h has no ParseCheckpoint; fuzzer mode 8" \
    "(checkpoint file) is compiled out" >&2
fi

# The sources to link: every project .cc whose header the fuzzer includes,
# transitively, plus the registries and built-in activations and optimizers
# that a checkpoint's config names; the .proto files behind every included
# .pb.h, with their imports.
mapfile -t sources < <(python3 - "$root" <<'PY'
import os, re, sys
root = sys.argv[1]
roots = ["tests/fuzz/parsers_fuzzer.cc", "layers/activation_registry.cc",
         "layers/builtin_activations.cc", "optimizers/optimizer_registry.cc",
         "optimizers/sgd.cc", "optimizers/slo.cc",
         "datasets/dataset_source_registry.cc", "layers/layer_registry.cc"]
include = re.compile(r'^\s*#include "([^"]+)"', re.M)
proto_import = re.compile(r'^\s*import "([^"]+)"', re.M)
todo, seen, protos = list(roots), set(), set()
while todo:
    path = todo.pop()
    if path in seen or not os.path.exists(os.path.join(root, path)):
        continue
    seen.add(path)
    text = open(os.path.join(root, path)).read()
    if path.endswith(".proto"):
        protos.add(path)
        todo += proto_import.findall(text)
        continue
    for header in include.findall(text):
        if header.endswith(".pb.h"):
            todo.append(header[:-len(".pb.h")] + ".proto")
        elif os.path.exists(os.path.join(root, header)):
            todo += [header, header[:-2] + ".cc"]
for path in sorted(seen):
    if path.endswith(".cc") or path.endswith(".proto"):
        print(path)
PY
)
protos=() ccs=()
for source in "${sources[@]}"; do
  case "$source" in
    *.proto) protos+=("$source") ;;
    tests/fuzz/*) ;;  # The fuzzer itself is linked separately.
    *) ccs+=("$root/$source") ;;
  esac
done
# Regenerated into gen.new/ and copied only when changed, so objects stay
# up to date.
rm -rf "$work/build/gen.new"
mkdir -p "$work/build/gen" "$work/build/gen.new"
(cd "$root" && protoc --cpp_out="$work/build/gen.new" "${protos[@]}")
for proto in "${protos[@]}"; do
  for ext in pb.h pb.cc; do
    generated="${proto%.proto}.$ext"
    if ! cmp -s "$work/build/gen.new/$generated" "$work/build/gen/$generated"; then
      mkdir -p "$(dirname "$work/build/gen/$generated")"
      cp "$work/build/gen.new/$generated" "$work/build/gen/$generated"
    fi
  done
  ccs+=("$work/build/gen/${proto%.proto}.pb.cc")
done

# Compiles every library source to build/<tag>/*.o with the given flags, in
# parallel, skipping objects newer than their source and every project
# header; sets `objects`.
compile_objects() {
  local tag="$1"
  shift
  local dir="$work/build/$tag"
  mkdir -p "$dir"
  # Objects built with other flags are stale.
  if [[ "$(cat "$dir/flags" 2>/dev/null)" != "$cxx ${cxxflags[*]} $*" ]]; then
    rm -f "$dir"/*.o
    echo "$cxx ${cxxflags[*]} $*" >"$dir/flags"
  fi
  local newest_header
  newest_header="$(find "$root" "$work/build/gen" -name '*.h' -newer \
    "$dir/flags" -print -quit)"
  [[ -n "$newest_header" ]] && rm -f "$dir"/*.o && touch "$dir/flags"
  objects=()
  local cc object running=0 failed=0
  for cc in "${ccs[@]}"; do
    object="${cc#"$root"/}"
    object="$dir/$(echo "${object#"$work/build/gen"/}" | tr / _).o"
    objects+=("$object")
    [[ "$object" -nt "$cc" ]] && continue
    "$cxx" "${cxxflags[@]}" "$@" -c "$cc" -o "$object" &
    if ((++running >= $(nproc))); then
      wait -n || failed=1
      ((running--))
    fi
  done
  while ((running > 0)); do
    wait -n || failed=1
    ((running--))
  done
  return "$failed"
}

echo "building $work/parsers_fuzzer with $cxx (${#ccs[@]} sources)" >&2
sanitize=(-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined)
compile_objects fuzz "${sanitize[@]}" -fsanitize=fuzzer-no-link
"$cxx" "${cxxflags[@]}" "${sanitize[@]}" -fsanitize=fuzzer \
  "$root/tests/fuzz/parsers_fuzzer.cc" "${objects[@]}" "${libs[@]}" \
  -o "$work/parsers_fuzzer"
"$cxx" "${cxxflags[@]}" "${sanitize[@]}" -fsanitize=fuzzer-no-link \
  "$root/tests/fuzz/checkpoint_payload.cc" "${objects[@]}" "${libs[@]}" \
  -o "$work/checkpoint_payload"

# Seed corpus: small valid files; the first byte selects the parser as in
# parsers_fuzzer.cc (0 IDX, 1 IDX gzip-or-plain, 2 CIFAR-10, 3 CIFAR-100,
# 4 CSV, 5 CSV ';' + header, 6 gzip, 7 NPY, 8 checkpoint file, 9 checkpoint
# payload, 10 the npy source: 2-byte length of X_train.npy, X, y_train.npy,
# 11 PPM, 12 GTSRB GT CSV, 13 STL-10 X, 14 STL-10 y, 15 SVHN values, 16 SVHN
# .mat file, 17 ResizeImage, 18 model.json).
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
# .npy as NumPy writes it: magic, version, header length, the header dict
# padded to 64 bytes with spaces and '\n', the data.
def npy(descr, shape, data, major=1):
    shape_text = "(%d,)" % shape[0] if len(shape) == 1 else "(%s)" % ", ".join(map(str, shape))
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape_text)
    prefix = 10 if major == 1 else 12
    header += " " * (64 - (prefix + len(header) + 1) % 64) + "\n"
    length = struct.pack("<H" if major == 1 else "<I", len(header))
    return b"\x93NUMPY" + bytes([major, 0]) + length + header.encode("latin1") + data
save("npy_f4", b"\x07" + npy("<f4", (2, 3), struct.pack("<6f", 1, -2.5, 0, 3, 1e-3, 7)))
save("npy_f8", b"\x07" + npy("<f8", (3,), struct.pack("<3d", 0.5, -1, 1e300)))
save("npy_i4", b"\x07" + npy("<i4", (4,), struct.pack("<4i", 0, 1, -7, 2**31 - 1)))
save("npy_i8", b"\x07" + npy("<i8", (1, 2), struct.pack("<2q", -2**63, 2**53 + 1)))
save("npy_u1", b"\x07" + npy("|u1", (2, 2), bytes([0, 255, 17, 3])))
save("npy_i1_v2", b"\x07" + npy("|i1", (3,), bytes([0x80, 0x7f, 1]), major=2))
save("npy_empty_v3", b"\x07" + npy("<f4", (0, 5), b"", major=3))
def npy_source(x, y):
    return b"\x0a" + struct.pack("<H", len(x)) + x + y
save("npy_source_classes", npy_source(
    npy("<f4", (2, 3), struct.pack("<6f", 1, -2.5, 0, 3, 1e-3, 7)),
    npy("<i4", (2,), struct.pack("<2i", 0, 1))))
save("npy_source_images", npy_source(
    npy("|u1", (2, 1, 2, 2), bytes([0, 255, 17, 3, 9, 8, 7, 6])),
    npy("<f8", (2, 1), struct.pack("<2d", 0.5, -1))))
save("ppm", b"\x0b" + b"P6\n# a comment\n3 2\n255\n" + bytes(range(18)))
save("gtsrb_csv", b"\x0c" + b"Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\r\n"
     b"00000_00000.ppm;29;30;5;6;24;25;0\r\n00001.ppm;3;2;0;0;2;1;42\r\n")
save("stl10_x", b"\x0d" + bytes((i * 7) % 256 for i in range(3 * 96 * 96)))
save("stl10_y", b"\x0e" + bytes([1, 10, 5]))
save("svhn_values", b"\x0f" + bytes([2]) + struct.pack("<2d", 1.0, 10.0) + bytes(i % 256 for i in range(2 * 3072)))
save("resize_96_to_32", b"\x11" + bytes([2, 95, 95, 31, 31]) + bytes((i * 13) % 256 for i in range(3 * 96 * 96)))
save("resize_up", b"\x11" + bytes([0, 2, 3, 9, 7]) + bytes([0, 255, 17, 3, 9, 8]))
save("model_json", b"\x12" + b'{"input_shape": [1, 4, 4], "epoch": 2, "step": 9, "at_initialisation": false,\n'
     b' "layers": [{"type": "conv2d", "in_channels": 1, "out_channels": 2, "kernel_size": 3,'
     b' "stride": 1, "padding": 1, "weight": "W1.npy", "initial_weight": "W0_1.npy", "bias": "b1.npy"},\n'
     b' {"type": "activation", "name": "relu"}, {"type": "maxpool2d", "kernel_size": 2, "stride": 2},'
     b' {"type": "flatten"}, {"type": "dropout", "rate": 0.5},'
     b' {"type": "linear", "in_features": 8, "out_features": 3, "weight": "W2.npy",'
     b' "initial_weight": "W0_2.npy", "options": {"@type": "type.googleapis.com/nfalab.SwishOptions", "beta": 2}}]}\n')
PY

# SVHN .mat seeds (mode 16), written by libmatio itself: uncompressed and
# zlib-compressed MAT v5 files with 2 images.
cat >"$work/build/write_mat_seed.cc" <<'CC'
#include <matio.h>
#include <cstdint>
#include <vector>
int main(int argc, char** argv) {
  for (int compressed = 0; compressed < 2; ++compressed) {
    mat_t* mat = Mat_CreateVer(argv[1 + compressed], nullptr, MAT_FT_MAT5);
    if (mat == nullptr) return 1;
    std::vector<uint8_t> x(32 * 32 * 3 * 2);
    for (size_t i = 0; i < x.size(); ++i) x[i] = i % 251;
    std::vector<double> y = {10, 3};
    size_t x_dims[4] = {32, 32, 3, 2}, y_dims[2] = {2, 1};
    matvar_t* xv = Mat_VarCreate("X", MAT_C_UINT8, MAT_T_UINT8, 4, x_dims, x.data(), 0);
    matvar_t* yv = Mat_VarCreate("y", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, y_dims, y.data(), 0);
    const matio_compression c = compressed ? MAT_COMPRESSION_ZLIB : MAT_COMPRESSION_NONE;
    if (Mat_VarWrite(mat, xv, c) || Mat_VarWrite(mat, yv, c)) return 1;
    Mat_VarFree(xv);
    Mat_VarFree(yv);
    Mat_Close(mat);
  }
  return 0;
}
CC
if g++ -o "$work/build/write_mat_seed" "$work/build/write_mat_seed.cc" -lmatio &&
   "$work/build/write_mat_seed" "$work/build/svhn.mat" "$work/build/svhn_z.mat"; then
  for name in svhn svhn_z; do
    { printf '\x10'; cat "$work/build/$name.mat"; } >"$work/seeds/$name.mat"
  done
else
  echo "note: could not write the .mat seeds; mode 16 starts from nothing" >&2
fi

# Checkpoint seeds: a real checkpoint of a small run (mode 8) and its payload,
# the serialized Checkpoint proto behind the checksum (mode 9).
if [[ -x "$nfalab_bin" ]]; then
  run="$work/checkpoint_run"
  rm -rf "$run"
  "$nfalab_bin" train --config="$root/experiment/configs/teacher_mlp.pbtxt" \
    --training.epochs=1 --checkpoint_every=1 --out="$run" \
    --data.n_train=24 --data.n_test=8 --data.synthetic.input_dim=4 \
    --model.depth=2 --model.width=8 --model.bias=true \
    --optimizer.momentum=0.9 --training.batch_size=8 >/dev/null
  { printf '\x08'; cat "$run/checkpoint.pb"; } >"$work/seeds/checkpoint_file"
  { printf '\x09'; "$work/checkpoint_payload" "$run/checkpoint.pb"; } \
    >"$work/seeds/checkpoint_payload"
else
  echo "warning: no nfalab binary at $nfalab_bin (set NFALAB_BIN or" \
    "bazel build //:nfalab): the checkpoint modes get no seeds" >&2
fi

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
  coverage=(-O0 -g -fprofile-instr-generate -fcoverage-mapping)
  compile_objects coverage "${coverage[@]}"
  "$cxx" "${cxxflags[@]}" "${coverage[@]}" -fsanitize=fuzzer \
    "$root/tests/fuzz/parsers_fuzzer.cc" "${objects[@]}" "${libs[@]}" \
    -o "$work/parsers_coverage"
  LLVM_PROFILE_FILE="$work/coverage.profraw" ./parsers_coverage -runs=0 \
    "$work/corpus" "$work/seeds" >/dev/null 2>&1
  llvm-profdata merge -sparse "$work/coverage.profraw" \
    -o "$work/coverage.profdata"
  parsers=("$root"/datasets/{gzip,idx,cifar,csv}.cc "$root/core/npy.cc"
    "$root"/experiment/checkpoint.cc "$root"/core/tensor_proto.cc
    "$root"/optimizers/velocity_state.cc)
  llvm-cov report "$work/parsers_coverage" \
    -instr-profile="$work/coverage.profdata" "${parsers[@]}"
  echo "uncovered lines: llvm-cov show $work/parsers_coverage" \
    "-instr-profile=$work/coverage.profdata $root/core/npy.cc" >&2
fi
exit "$status"
