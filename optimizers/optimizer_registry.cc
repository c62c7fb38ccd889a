// The one OptimizerRegistry instance (see layers/activation_registry.cc) and
// CreateOptimizer.
#include "core/status_macros.h"
#include "optimizers/optimizer.h"

namespace nfalab {

template <>
OptimizerRegistry& OptimizerRegistry::Global() {
  static auto* registry = new OptimizerRegistry("optimizer");
  return *registry;
}

absl::StatusOr<std::unique_ptr<Optimizer>> CreateOptimizer(
    const OptimizerConfig& config) {
  NFALAB_RETURN_IF_ERROR(OptimizerRegistry::Global().CheckOptions(
      config.name(), config.has_options() ? &config.options() : nullptr,
      "optimizer.options"));
  return OptimizerRegistry::Global().Create(config.name(), config);
}

}  // namespace nfalab
