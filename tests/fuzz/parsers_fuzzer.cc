// libFuzzer target for the dataset parsers that read untrusted files: the
// same in-memory functions the readers call (datasets/idx.h, gzip.h,
// cifar.h, csv.h). The first input byte picks the parser, the rest is the
// file. Besides crashes and sanitizer reports, every successful parse is
// checked for the documented invariants (__builtin_trap on a violation).
//
// Not a Bazel target (the Bazel toolchain is gcc, libFuzzer needs clang):
// build and run it with tests/fuzz/run_fuzzer.sh.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "datasets/cifar.h"
#include "datasets/csv.h"
#include "datasets/gzip.h"
#include "datasets/idx.h"

namespace {

using ::nfalab::CifarVariant;

void Require(bool condition) {
  if (!condition) __builtin_trap();
}

// Limits small enough to keep every execution fast.
constexpr int64_t kMaxBytes = int64_t{1} << 20;

void CheckIdx(const absl::StatusOr<nfalab::IdxArray>& array) {
  if (!array.ok()) {
    Require(array.status().code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  Require(!array->dims.empty());
  uint64_t elements = 1;
  for (int64_t dim : array->dims) {
    Require(dim >= 0);
    elements *= static_cast<uint64_t>(dim);
  }
  Require(elements == static_cast<uint64_t>(array->num_elements()));
  Require(array->data.size() == elements * nfalab::IdxElementSize(array->type));
  if (elements > 0) {
    volatile double first = array->Get(0);
    volatile double last = array->Get(static_cast<int64_t>(elements) - 1);
    (void)first;
    (void)last;
  }
}

void CheckCifar(const absl::StatusOr<nfalab::CifarRecords>& records,
                CifarVariant variant, size_t input_size) {
  if (!records.ok()) {
    Require(records.status().code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  const int64_t n = records->size();
  Require(n > 0);
  Require(static_cast<size_t>(n) * nfalab::CifarRecordBytes(variant) ==
          input_size);
  Require(records->pixels.size() ==
          static_cast<size_t>(n) * nfalab::kCifarImageBytes);
  const int classes = variant == CifarVariant::kCifar10 ? 10 : 100;
  for (int label : records->labels) Require(label >= 0 && label < classes);
  if (variant == CifarVariant::kCifar100) {
    Require(records->coarse_labels.size() == static_cast<size_t>(n));
    for (int label : records->coarse_labels) {
      Require(label >= 0 && label < 20);
    }
  } else {
    Require(records->coarse_labels.empty());
  }
}

void CheckCsv(const absl::StatusOr<nfalab::CsvTable>& table) {
  if (!table.ok()) {
    Require(table.status().code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  Require(table->rows > 0 && table->cols > 0);
  Require(table->values.size() ==
          static_cast<size_t>(table->rows * table->cols));
  Require(table->line_numbers.size() == static_cast<size_t>(table->rows));
  for (size_t i = 1; i < table->line_numbers.size(); ++i) {
    Require(table->line_numbers[i] > table->line_numbers[i - 1]);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const absl::string_view bytes(reinterpret_cast<const char*>(data + 1),
                                size - 1);
  switch (data[0] % 7) {
    case 0:
      CheckIdx(nfalab::ParseIdx(bytes, "fuzz"));
      break;
    case 1:  // The reader's path: gzip detection, bounded decompression.
      CheckIdx(nfalab::DecodeIdx(bytes, "fuzz", kMaxBytes));
      break;
    case 2:
      CheckCifar(nfalab::ParseCifar(bytes, CifarVariant::kCifar10, "fuzz"),
                 CifarVariant::kCifar10, bytes.size());
      break;
    case 3:
      CheckCifar(nfalab::ParseCifar(bytes, CifarVariant::kCifar100, "fuzz"),
                 CifarVariant::kCifar100, bytes.size());
      break;
    case 4: {
      nfalab::CsvParseOptions options;
      CheckCsv(nfalab::ParseCsv(bytes, options, "fuzz"));
      break;
    }
    case 5: {
      nfalab::CsvParseOptions options;
      options.delimiter = ';';
      options.header = true;
      CheckCsv(nfalab::ParseCsv(bytes, options, "fuzz"));
      break;
    }
    case 6: {
      const absl::StatusOr<std::string> plain =
          nfalab::Gunzip(bytes, kMaxBytes, "fuzz");
      if (plain.ok()) {
        Require(static_cast<int64_t>(plain->size()) <= kMaxBytes);
      }
      const absl::StatusOr<std::string> prefix =
          nfalab::GunzipPrefix(bytes, 100, "fuzz");
      if (prefix.ok()) {
        Require(prefix->size() <= 100);
        if (plain.ok()) {
          Require(*prefix == plain->substr(0, 100));
        }
      }
      break;
    }
  }
  return 0;
}
