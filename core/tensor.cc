#include "core/tensor.h"

#include "absl/strings/str_cat.h"

namespace nfalab {
namespace {

std::string Extent(int64_t n) { return n < 0 ? "*" : absl::StrCat(n); }

}  // namespace

absl::Status CheckShape(int64_t rows, int64_t cols, int64_t expected_rows,
                        int64_t expected_cols, absl::string_view what) {
  const bool rows_ok = expected_rows < 0 || rows == expected_rows;
  const bool cols_ok = expected_cols < 0 || cols == expected_cols;
  if (rows_ok && cols_ok) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(what, " has shape [", rows, ", ", cols, "], expected [",
                   Extent(expected_rows), ", ", Extent(expected_cols), "]"));
}

}  // namespace nfalab
