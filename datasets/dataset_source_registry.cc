// The one DatasetSourceRegistry instance (see layers/activation_registry.cc).
#include "datasets/dataset_source.h"

namespace nfalab {

template <>
DatasetSourceRegistry& DatasetSourceRegistry::Global() {
  static auto* registry = new DatasetSourceRegistry("dataset source");
  return *registry;
}

}  // namespace nfalab
