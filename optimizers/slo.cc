#include "optimizers/slo.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/status_macros.h"
#include "optimizers/sgd.h"
#include "optimizers/slo_options.h"
#include "optimizers/velocity_state.h"

namespace nfalab {
namespace {

constexpr char kName[] = "slo";

// SCALED mode: one PyTorch-SGD update of `param` with learning rate
// `learning_rate` (= eta s_l). Written exactly as Sgd's update (same float
// expressions, same branches), so speeds of 1 reproduce "sgd" bit for bit.
template <typename T>
void ScaledUpdate(const T& gradient, double learning_rate, double momentum,
                  double weight_decay, bool first_step, T* velocity, T* param) {
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

// NORMALIZED mode, one part (weight or bias) of a layer's block: `gradient`
// already includes the weight decay and `inverse_norm` is
// 1 / (||block||_F + epsilon).
template <typename T>
void NormalizedUpdate(const T& gradient, double inverse_norm, double step,
                      double momentum, bool first_step, T* velocity, T* param) {
  if (momentum == 0.0) {
    *param -= static_cast<float>(step * inverse_norm) * gradient;
    return;
  }
  const float inv = static_cast<float>(inverse_norm);
  const float mu = static_cast<float>(momentum);
  if (first_step) {
    *velocity = inv * gradient;
  } else {
    *velocity = mu * *velocity + inv * gradient;
  }
  *param -= static_cast<float>(step) * *velocity;
}

absl::Status CheckSpeed(double speed, absl::string_view path,
                        absl::string_view field) {
  if (!(speed >= 0) || !std::isfinite(speed)) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ".", field, " must be >= 0 and finite, got ", speed));
  }
  return absl::OkStatus();
}

// The example options: layer 1 fast, the defaults otherwise.
SloOptions SloOptionsExample() {
  SloOptions options;
  options.add_target_layers(1);
  return options;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Optimizer>> Slo::Create(
    const OptimizerConfig& config) {
  NFALAB_RETURN_IF_ERROR(ValidateCommonOptimizerFields(config));
  NFALAB_ASSIGN_OR_RETURN(const SloOptions options, SloOptionsOf(config));
  const std::string path = SloOptionsPath(config);
  if (options.target_layers_size() == 0) {
    // A config with neither field may have been written for the alias.
    return absl::InvalidArgumentError(absl::StrCat(
        path,
        ".target_layers must list at least one layer (1-based, 1..L+1) for "
        "the slo optimizer",
        config.has_options() || path == "optimizer.slo"
            ? ""
            : " (or the deprecated optimizer.slo.target_layers)"));
  }
  for (int k = 0; k < options.target_layers_size(); ++k) {
    const int layer = options.target_layers(k);
    if (layer < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ".target_layers[", k,
                       "] must be a 1-based layer number >= 1, got ", layer));
    }
    for (int j = 0; j < k; ++j) {
      if (options.target_layers(j) == layer) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ".target_layers lists layer ", layer,
                         " twice (entries ", j, " and ", k, ")"));
      }
    }
  }
  NFALAB_RETURN_IF_ERROR(
      CheckSpeed(options.target_speed(), path, "target_speed"));
  NFALAB_RETURN_IF_ERROR(CheckSpeed(options.base_speed(), path, "base_speed"));
  if (!(options.epsilon() > 0) || !std::isfinite(options.epsilon())) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ".epsilon must be positive and finite, got ", options.epsilon()));
  }
  return std::unique_ptr<Optimizer>(
      new Slo(config.learning_rate(), config.momentum(), config.weight_decay(),
              options, path));
}

double Slo::Speed(int i) const {
  const auto& targets = options_.target_layers();
  return std::find(targets.begin(), targets.end(), i + 1) != targets.end()
             ? options_.target_speed()
             : options_.base_speed();
}

absl::Status Slo::Step(const Gradients& gradients,
                    const std::vector<ParameterBlock>& parameters) {
  NFALAB_RETURN_IF_ERROR(CheckGradientShapes(gradients, parameters));
  const int n_layers = static_cast<int>(parameters.size());
  for (const int layer : options_.target_layers()) {
    if (layer > n_layers) {
      return absl::InvalidArgumentError(absl::StrCat(
          options_path_, ".target_layers: target layer ", layer,
          " is beyond the model, which has ", n_layers, " weighted layers (1..",
          n_layers, ", the readout is ", n_layers, ")"));
    }
  }
  const bool first_step = weight_velocity_.empty();
  if (!first_step && static_cast<int>(weight_velocity_.size()) != n_layers) {
    return absl::FailedPreconditionError(
        "this slo optimizer's state belongs to a model with another number "
        "of layers; use one optimizer per model");
  }
  for (int i = 0; i < n_layers; ++i) {
    const ParameterBlock& layer = parameters[i];
    if (momentum_ != 0.0 && !first_step &&
        (weight_velocity_[i].rows() != layer.weight->rows() ||
         weight_velocity_[i].cols() != layer.weight->cols() ||
         bias_velocity_[i].size() != layer.bias->size())) {
      return absl::FailedPreconditionError(absl::StrCat(
          "this slo optimizer's state for layer ", i + 1,
          " has another shape than the model's; use one optimizer per "
          "model"));
    }
  }
  if (first_step) {
    weight_velocity_.resize(n_layers);
    bias_velocity_.resize(n_layers);
  }

  const bool normalized = options_.mode() == SloOptions::NORMALIZED;
  for (int i = 0; i < n_layers; ++i) {
    const ParameterBlock& layer = parameters[i];
    const double step = learning_rate() * Speed(i);
    if (!normalized) {
      ScaledUpdate(gradients.weight[i], step, momentum_, weight_decay_,
                   first_step, &weight_velocity_[i], layer.weight);
      if (layer.has_bias()) {
        ScaledUpdate(gradients.bias[i], step, momentum_, weight_decay_,
                     first_step, &bias_velocity_[i], layer.bias);
      }
      continue;
    }
    // g_l = [G_l + lambda W_l, g_l + lambda b_l], then its norm in double.
    const Matrix* weight_gradient = &gradients.weight[i];
    const Vector* bias_gradient = &gradients.bias[i];
    Matrix decayed_weight_gradient;
    Vector decayed_bias_gradient;
    if (weight_decay_ != 0.0) {
      const float wd = static_cast<float>(weight_decay_);
      decayed_weight_gradient = gradients.weight[i] + wd * (*layer.weight);
      weight_gradient = &decayed_weight_gradient;
      if (layer.has_bias()) {
        decayed_bias_gradient = gradients.bias[i] + wd * (*layer.bias);
        bias_gradient = &decayed_bias_gradient;
      }
    }
    double squared_norm = weight_gradient->cast<double>().squaredNorm();
    if (layer.has_bias()) {
      squared_norm += bias_gradient->cast<double>().squaredNorm();
    }
    const double inverse_norm =
        1.0 / (std::sqrt(squared_norm) + options_.epsilon());
    NormalizedUpdate(*weight_gradient, inverse_norm, step, momentum_,
                     first_step, &weight_velocity_[i], layer.weight);
    if (layer.has_bias()) {
      NormalizedUpdate(*bias_gradient, inverse_norm, step, momentum_,
                       first_step, &bias_velocity_[i], layer.bias);
    }
  }
  return absl::OkStatus();
}

absl::Status Slo::SaveState(OptimizerState* state) const {
  SaveVelocities(kName, weight_velocity_, bias_velocity_, state);
  return absl::OkStatus();
}

absl::Status Slo::LoadState(const OptimizerState& state) {
  return LoadVelocities(kName, state, &weight_velocity_, &bias_velocity_);
}

NFALAB_REGISTER_OPTIMIZER_WITH_OPTIONS(
    "slo", Slo::Create,
    "Speed Limited Optimization: per-layer step speeds, fast at the "
    "SloOptions target_layers",
    SloOptionsExample());

}  // namespace nfalab
