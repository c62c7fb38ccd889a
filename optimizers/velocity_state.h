// Momentum buffers in a checkpoint: per layer a weight and a bias velocity,
// stored as the OptimizerState tensors "weight_velocity/<i>" and
// "bias_velocity/<i>" under the optimizer's name. Shared by the optimizers
// that keep such buffers (sgd, slo).
#ifndef NFALAB_OPTIMIZERS_VELOCITY_STATE_H_
#define NFALAB_OPTIMIZERS_VELOCITY_STATE_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "core/tensor.h"
#include "optimizers/optimizer_state.pb.h"

namespace nfalab {

void SaveVelocities(absl::string_view optimizer,
                    const std::vector<Matrix>& weight_velocity,
                    const std::vector<Vector>& bias_velocity,
                    OptimizerState* state);

// InvalidArgument if `state` was saved by another optimizer or its tensors
// are not the expected pairs; the outputs are untouched then.
absl::Status LoadVelocities(absl::string_view optimizer,
                            const OptimizerState& state,
                            std::vector<Matrix>* weight_velocity,
                            std::vector<Vector>* bias_velocity);

}  // namespace nfalab

#endif  // NFALAB_OPTIMIZERS_VELOCITY_STATE_H_
