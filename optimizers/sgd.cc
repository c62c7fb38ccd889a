#include "optimizers/sgd.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "optimizers/velocity_state.h"

namespace nfalab {
namespace {

// One PyTorch-SGD update of `param` with velocity buffer `velocity`.
template <typename T>
void UpdateParameter(const T& gradient, double learning_rate, double momentum,
                     double weight_decay, bool first_step, T* velocity,
                     T* param) {
  const float lr = static_cast<float>(learning_rate);
  const float mu = static_cast<float>(momentum);
  const float wd = static_cast<float>(weight_decay);
  if (momentum == 0.0) {
    if (weight_decay == 0.0) {
      *param -= lr * gradient;
    } else {
      *param -= lr * (gradient + wd * *param);
    }
    return;
  }
  if (first_step) {
    *velocity = gradient + wd * *param;
  } else {
    *velocity = mu * *velocity + gradient + wd * *param;
  }
  *param -= lr * *velocity;
}

}  // namespace

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

absl::Status Sgd::Step(const Gradients& gradients,
                    const std::vector<ParameterBlock>& parameters) {
  NFALAB_RETURN_IF_ERROR(CheckGradientShapes(gradients, parameters));
  const int n_layers = static_cast<int>(parameters.size());
  const bool first_step = weight_velocity_.empty();
  if (first_step) {
    weight_velocity_.resize(n_layers);
    bias_velocity_.resize(n_layers);
  }
  if (static_cast<int>(weight_velocity_.size()) != n_layers) {
    return absl::FailedPreconditionError(
        "this sgd optimizer's state belongs to a model with another number "
        "of layers; use one optimizer per model");
  }
  for (int i = 0; i < n_layers; ++i) {
    const ParameterBlock& layer = parameters[i];
    if (momentum_ != 0.0 && !first_step &&
        (weight_velocity_[i].rows() != layer.weight->rows() ||
         weight_velocity_[i].cols() != layer.weight->cols() ||
         bias_velocity_[i].size() != layer.bias->size())) {
      return absl::FailedPreconditionError(absl::StrCat(
          "this sgd optimizer's state for layer ", i + 1,
          " has another shape than the model's; use one optimizer per "
          "model"));
    }
  }
  for (int i = 0; i < n_layers; ++i) {
    const ParameterBlock& layer = parameters[i];
    UpdateParameter(gradients.weight[i], learning_rate(), momentum_,
                    weight_decay_, first_step, &weight_velocity_[i],
                    layer.weight);
    if (layer.has_bias()) {
      UpdateParameter(gradients.bias[i], learning_rate(), momentum_,
                      weight_decay_, first_step, &bias_velocity_[i],
                      layer.bias);
    }
  }
  return absl::OkStatus();
}

absl::Status Sgd::SaveState(OptimizerState* state) const {
  SaveVelocities("sgd", weight_velocity_, bias_velocity_, state);
  return absl::OkStatus();
}

absl::Status Sgd::LoadState(const OptimizerState& state) {
  return LoadVelocities("sgd", state, &weight_velocity_, &bias_velocity_);
}

NFALAB_REGISTER_OPTIMIZER("sgd", Sgd::Create,
                          "SGD with momentum and weight decay (PyTorch "
                          "semantics)");

}  // namespace nfalab
