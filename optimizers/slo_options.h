// SloOptionsOf: the SloOptions of an OptimizerConfig, read from
// `optimizer.options` (an Any holding nfalab.SloOptions) or, for configs
// written before the options field, from the deprecated `optimizer.slo`
// alias. Readers of a run's SLO settings (the slo optimizer, validation,
// study reports) call this rather than either field.
//
//   NFALAB_ASSIGN_OR_RETURN(SloOptions slo, SloOptionsOf(config.optimizer()));
//   for (int layer : slo.target_layers()) ...
#ifndef NFALAB_OPTIMIZERS_SLO_OPTIONS_H_
#define NFALAB_OPTIMIZERS_SLO_OPTIONS_H_

#include <string>

#include "absl/status/statusor.h"
#include "optimizers/optimizer_config.pb.h"
#include "optimizers/slo_options.pb.h"

namespace nfalab {

// The options as set (defaults where unset; an empty target list if neither
// field is set). InvalidArgument if both `options` and `slo` are set, or if
// `options` holds another type. Does not check the values (Slo::Create does).
absl::StatusOr<SloOptions> SloOptionsOf(const OptimizerConfig& config);

// The config path errors about the options name: "optimizer.slo" when the
// alias is used, else "optimizer.options (nfalab.SloOptions)".
std::string SloOptionsPath(const OptimizerConfig& config);

// `options` packed into config->options (clearing the alias).
void SetSloOptions(const SloOptions& options, OptimizerConfig* config);

}  // namespace nfalab

#endif  // NFALAB_OPTIMIZERS_SLO_OPTIONS_H_
