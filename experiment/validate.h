// ValidateConfig: rejects an ExperimentConfig with impossible values or
// unknown registry names before any data is loaded or any weight is touched.
// Errors are InvalidArgument (or NotFound for unknown names) and name the
// field as written in the config, e.g. "model.width must be >= 1, got 0".
// The run's `name` must be one path component (it names runs/<name>): 1 to
// 200 characters from [A-Za-z0-9._=-], not "." or "..".
#ifndef NFALAB_EXPERIMENT_VALIDATE_H_
#define NFALAB_EXPERIMENT_VALIDATE_H_

#include "absl/status/status.h"
#include "experiment/experiment_config.pb.h"

namespace nfalab {

absl::Status ValidateConfig(const ExperimentConfig& config);

// InvalidArgument naming the field if measurement.layers or
// optimizer.slo.target_layers go beyond a model of `weighted_layers`
// weighted layers (-1: not known yet, only the lower bounds are checked).
absl::Status CheckLayerNumbers(const ExperimentConfig& config,
                               int weighted_layers);

}  // namespace nfalab

#endif  // NFALAB_EXPERIMENT_VALIDATE_H_
