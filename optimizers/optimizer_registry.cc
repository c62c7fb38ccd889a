// The one OptimizerRegistry instance (see layers/activation_registry.cc).
#include "optimizers/optimizer.h"

namespace nfalab {

template <>
OptimizerRegistry& OptimizerRegistry::Global() {
  static auto* registry = new OptimizerRegistry("optimizer");
  return *registry;
}

}  // namespace nfalab
