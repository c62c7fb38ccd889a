#include "optimizers/slo_options.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/plugin_options.h"

// The alias is deprecated for configs, not for this reader of it.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace nfalab {

absl::StatusOr<SloOptions> SloOptionsOf(const OptimizerConfig& config) {
  if (config.has_options() && config.has_slo()) {
    return absl::InvalidArgumentError(
        "optimizer.slo and optimizer.options are both set; optimizer.slo is "
        "the deprecated alias of optimizer.options { "
        "[type.googleapis.com/nfalab.SloOptions] { ... } }: keep one");
  }
  if (config.has_slo()) return config.slo();
  return UnpackOptions<SloOptions>(
      config.has_options() ? &config.options() : nullptr, "optimizer.options");
}

std::string SloOptionsPath(const OptimizerConfig& config) {
  if (config.has_slo()) return "optimizer.slo";
  return absl::StrCat("optimizer.options (",
                      SloOptions::descriptor()->full_name(), ")");
}

void SetSloOptions(const SloOptions& options, OptimizerConfig* config) {
  config->clear_slo();
  config->mutable_options()->PackFrom(options);
}

}  // namespace nfalab
