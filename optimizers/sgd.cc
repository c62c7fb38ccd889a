#include "optimizers/sgd.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace nfalab {

absl::Status ValidateCommonOptimizerFields(const OptimizerConfig& config) {
  if (!(config.learning_rate() > 0) || !std::isfinite(config.learning_rate())) {
    return absl::InvalidArgumentError(
        absl::StrCat("optimizer.learning_rate must be positive and finite, "
                     "got ",
                     config.learning_rate()));
  }
  if (!(config.momentum() >= 0 && config.momentum() < 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "optimizer.momentum must be in [0, 1), got ", config.momentum()));
  }
  if (!(config.weight_decay() >= 0) || !std::isfinite(config.weight_decay())) {
    return absl::InvalidArgumentError(
        absl::StrCat("optimizer.weight_decay must be >= 0 and finite, got ",
                     config.weight_decay()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Optimizer>> Sgd::Create(
    const OptimizerConfig& config) {
  NFALAB_RETURN_IF_ERROR(ValidateCommonOptimizerFields(config));
  return std::unique_ptr<Optimizer>(new Sgd(
      config.learning_rate(), config.momentum(), config.weight_decay()));
}

template <typename Scalar>
absl::Status Sgd::StepIn(
    const BasicGradients<Scalar>& gradients,
    const std::vector<BasicParameterBlock<Scalar>>& parameters) {
  NFALAB_RETURN_IF_ERROR(CheckGradientShapes(gradients, parameters));
  NFALAB_ASSIGN_OR_RETURN(const bool first_step,
                          velocities_.Prepare(parameters, momentum_ != 0.0));
  BasicVelocities<Scalar>& velocity = velocities_.Of<Scalar>();
  for (size_t i = 0; i < parameters.size(); ++i) {
    const BasicParameterBlock<Scalar>& layer = parameters[i];
    SgdUpdate(gradients.weight[i], learning_rate(), momentum_, weight_decay_,
              first_step, &velocity.weight[i], layer.weight);
    if (layer.has_bias()) {
      SgdUpdate(gradients.bias[i], learning_rate(), momentum_, weight_decay_,
                first_step, &velocity.bias[i], layer.bias);
    }
  }
  return absl::OkStatus();
}

absl::Status Sgd::SaveState(OptimizerState* state) const {
  velocities_.Save(state);
  return absl::OkStatus();
}

absl::Status Sgd::LoadState(const OptimizerState& state) {
  return velocities_.Load(state);
}

NFALAB_REGISTER_OPTIMIZER("sgd", Sgd::Create,
                          "SGD with momentum and weight decay (PyTorch "
                          "semantics)");

}  // namespace nfalab
