// LoadDataset: builds both splits of a DatasetConfig through its source.
//
//   NFALAB_ASSIGN_OR_RETURN(DatasetSplits data, LoadDataset(config.data()));
//   data.train.x  // [n_train, d]
#ifndef NFALAB_DATASETS_LOAD_DATASET_H_
#define NFALAB_DATASETS_LOAD_DATASET_H_

#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "datasets/dataset_config.pb.h"

namespace nfalab {

// Creates config.source from the registry (NotFound naming data.source),
// loads, and validates both splits (consistent shapes and classes, finite
// values, a non-empty training split). Fills provenance.source (if the
// source left it empty) and provenance.train_used / test_used.
absl::StatusOr<DatasetSplits> LoadDataset(const DatasetConfig& config);

}  // namespace nfalab

#endif  // NFALAB_DATASETS_LOAD_DATASET_H_
