// Dataset: inputs X: [n, d] and targets Y: [n, C], plus class labels for
// classification tasks. Sources (datasets/dataset_source.h) produce a
// train/test split of them.
#ifndef NFALAB_DATASETS_DATASET_H_
#define NFALAB_DATASETS_DATASET_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/tensor.h"

namespace nfalab {

struct Dataset {
  Matrix x;  // [n, d]
  Matrix y;  // [n, C]
  // Class index per row in [0, num_classes) for classification; empty for
  // regression.
  std::vector<int> labels;
  int num_classes = 0;  // 0 for regression.

  int size() const { return static_cast<int>(x.rows()); }
  int input_dim() const { return static_cast<int>(x.cols()); }
  int output_dim() const { return static_cast<int>(y.cols()); }
  bool is_classification() const { return num_classes > 0; }

  // InvalidArgument (prefixed by `what`) unless rows agree, labels are in
  // range and every value is finite.
  absl::Status Validate(absl::string_view what) const;
};

struct DatasetSplits {
  Dataset train;
  Dataset test;
};

// The rows `indices` of `data`, in that order.
Dataset SelectRows(const Dataset& data, absl::Span<const int> indices);

}  // namespace nfalab

#endif  // NFALAB_DATASETS_DATASET_H_
