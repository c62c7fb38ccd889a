#include "datasets/load_dataset.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "datasets/dataset_source.h"

namespace nfalab {

namespace {

absl::Status CheckSplits(const DatasetSplits& splits) {
  NFALAB_RETURN_IF_ERROR(splits.train.Validate("training split"));
  NFALAB_RETURN_IF_ERROR(splits.test.Validate("test split"));
  if (splits.train.size() == 0) {
    return absl::InvalidArgumentError("the training split is empty");
  }
  if (splits.test.size() > 0 &&
      (splits.test.input_dim() != splits.train.input_dim() ||
       splits.test.output_dim() != splits.train.output_dim())) {
    return absl::InvalidArgumentError(
        "training and test splits have different shapes");
  }
  if (splits.test.size() > 0 &&
      splits.test.num_classes != splits.train.num_classes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "training split has ", splits.train.num_classes,
        " classes but the test split has ", splits.test.num_classes));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DatasetSplits> LoadDataset(const DatasetConfig& config) {
  absl::StatusOr<std::unique_ptr<DatasetSource>> source =
      DatasetSourceRegistry::Global().Create(config.source());
  if (!source.ok()) return AnnotateStatus(source.status(), "data.source");
  NFALAB_RETURN_IF_ERROR(DatasetSourceRegistry::Global().CheckOptions(
      config.source(), config.has_options() ? &config.options() : nullptr,
      "data.options"));
  absl::StatusOr<DatasetSplits> splits = (*source)->Load(config);
  const std::string context =
      absl::StrCat("data (source \"", config.source(), "\")");
  if (!splits.ok()) return AnnotateStatus(splits.status(), context);
  // A bad value found here comes from the source's files: name them.
  const std::string& path = splits->provenance.path;
  NFALAB_RETURN_IF_ERROR(AnnotateStatus(
      CheckSplits(*splits),
      path.empty() ? context : absl::StrCat(context, ", read from ", path)));
  DataProvenance& provenance = splits->provenance;
  if (provenance.source.empty()) provenance.source = config.source();
  provenance.train_used = splits->train.size();
  provenance.test_used = splits->test.size();
  return splits;
}

}  // namespace nfalab
