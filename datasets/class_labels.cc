#include "datasets/class_labels.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace nfalab {
namespace {

// num_classes is an int32 field, so no label can reach this.
constexpr int64_t kInt32Limit = std::numeric_limits<int32_t>::max();

}  // namespace

int64_t InferredClassLimit(int64_t labelled_rows) {
  return std::min(std::max(kMinInferredClassLimit, labelled_rows), kInt32Limit);
}

std::string ClassLabelProblem(double label, int num_classes,
                              int64_t labelled_rows,
                              absl::string_view options) {
  if (!(label >= 0) || !std::isfinite(label) || label != std::floor(label)) {
    return "is not a non-negative integer";
  }
  if (num_classes > 0) {
    if (label < num_classes) return "";
    return absl::StrCat("is outside [0, ", num_classes, ") (", options,
                        ".num_classes = ", num_classes, ")");
  }
  const int64_t inferred_limit = InferredClassLimit(labelled_rows);
  if (label < static_cast<double>(inferred_limit)) return "";
  if (label >= static_cast<double>(kInt32Limit)) {
    return absl::StrCat("is too large: class labels must be below ",
                        kInt32Limit, " (", options,
                        ".num_classes is an int32)");
  }
  return absl::StrCat(
      "is too large: with ", options,
      ".num_classes = 0 the class count is the largest label + 1, here ",
      FormatLabel(label + 1), ", but an inferred count is limited to max(",
      kMinInferredClassLimit, ", ", labelled_rows,
      " labelled rows) = ", inferred_limit, "; set ", options,
      ".num_classes if there are that many classes");
}

std::string FormatLabel(double label) {
  if (std::isfinite(label) && label == std::floor(label) &&
      std::fabs(label) < 1e18) {
    return absl::StrCat(static_cast<int64_t>(label));
  }
  return absl::StrFormat("%.15g", label);
}

}  // namespace nfalab
