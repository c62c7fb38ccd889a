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
// A source with options of its own (core/plugin_options.h) registers an
// example of its options message and unpacks DatasetConfig.options in Load
// (UnpackOptions<T>(..., "data.options")):
//
//   NFALAB_REGISTER_DATASET_SOURCE_WITH_OPTIONS("my_source", MySource,
//                                               "summary", MyOptions());
//   data { source: "my_source"
//          options { [type.googleapis.com/my.MyOptions] { ... } } }
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

// The same for a source that takes options; `example` is an instance of
// its options message, also used by the conformance checks.
#define NFALAB_REGISTER_DATASET_SOURCE_WITH_OPTIONS(name, Type, description, \
                                                    example)                 \
  NFALAB_REGISTER_ENTRY_WITH_OPTIONS_(                                       \
      ::nfalab::DatasetSourceRegistry::Global(), name, description,          \
      []() -> ::absl::StatusOr<std::unique_ptr<::nfalab::DatasetSource>> {   \
        return std::unique_ptr<::nfalab::DatasetSource>(                     \
            std::make_unique<Type>());                                       \
      },                                                                     \
      example)

#endif  // NFALAB_DATASETS_DATASET_SOURCE_H_
