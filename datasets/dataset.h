// Dataset: inputs X: [n, d] and targets Y: [n, C], plus class labels for
// classification tasks. Sources (synthetic, IDX, CIFAR, ...) register a
// factory in the DatasetSourceRegistry and produce a train/test split.
//
//   NFALAB_ASSIGN_OR_RETURN(DatasetSplits data, LoadDataset(config.data()));
//   data.train.x  // [n_train, d]
#ifndef NFALAB_DATASETS_DATASET_H_
#define NFALAB_DATASETS_DATASET_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/registry.h"
#include "core/tensor.h"
#include "datasets/dataset_config.pb.h"

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

// A dataset source builds both splits from a DatasetConfig.
class DatasetSource {
 public:
  virtual ~DatasetSource() = default;
  virtual absl::StatusOr<DatasetSplits> Load(const DatasetConfig& config) = 0;
};

using DatasetSourceRegistry = Registry<DatasetSource>;
template <>
DatasetSourceRegistry& DatasetSourceRegistry::Global();

// Creates config.source from the registry, loads, and validates both splits.
absl::StatusOr<DatasetSplits> LoadDataset(const DatasetConfig& config);

}  // namespace nfalab

#define NFALAB_REGISTER_DATASET_SOURCE(name, Type, description)                \
  static const bool NFALAB_REGISTRY_UNIQUE_(nfalab_dataset_source_) =          \
      ::nfalab::internal::RegisterOrDie(                                       \
          ::nfalab::DatasetSourceRegistry::Global(), name, description,        \
          []() -> ::absl::StatusOr<std::unique_ptr<::nfalab::DatasetSource>> { \
            return std::unique_ptr<::nfalab::DatasetSource>(                   \
                std::make_unique<Type>());                                     \
          },                                                                   \
          __FILE__, __LINE__)

#endif  // NFALAB_DATASETS_DATASET_H_
