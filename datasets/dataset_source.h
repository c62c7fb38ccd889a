// DatasetSource: where a Dataset comes from (synthetic generators, file
// readers). Sources register under a name in the DatasetSourceRegistry and
// are chosen in a config by `data { source: "name" }`:
//
//   class MySource : public DatasetSource {
//    public:
//     absl::StatusOr<DatasetSplits> Load(const DatasetConfig& config) override;
//   };
//   NFALAB_REGISTER_DATASET_SOURCE("my_source", MySource, "one-line summary");
//
// Header-only, so run-time plugins can use it without a second registry.
#ifndef NFALAB_DATASETS_DATASET_SOURCE_H_
#define NFALAB_DATASETS_DATASET_SOURCE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "core/registry.h"
#include "datasets/dataset.h"
#include "datasets/dataset_config.pb.h"

namespace nfalab {

// A dataset source builds both splits from a DatasetConfig.
class DatasetSource {
 public:
  virtual ~DatasetSource() = default;
  virtual absl::StatusOr<DatasetSplits> Load(const DatasetConfig& config) = 0;
};

using DatasetSourceRegistry = Registry<DatasetSource>;
template <>
DatasetSourceRegistry& DatasetSourceRegistry::Global();

}  // namespace nfalab

#define NFALAB_REGISTER_DATASET_SOURCE(name, Type, description)           \
  NFALAB_REGISTER_ENTRY_(                                                  \
      ::nfalab::DatasetSourceRegistry::Global(), name, description,        \
      []() -> ::absl::StatusOr<std::unique_ptr<::nfalab::DatasetSource>> { \
        return std::unique_ptr<::nfalab::DatasetSource>(                   \
            std::make_unique<Type>());                                     \
      })

#endif  // NFALAB_DATASETS_DATASET_SOURCE_H_
