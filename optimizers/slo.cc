#include "optimizers/slo.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/status_macros.h"
#include "optimizers/sgd.h"
#include "optimizers/slo_options.h"

namespace nfalab {
namespace {

// NORMALIZED mode, one part (weight or bias) of a layer's block: `gradient`
// already includes the weight decay and `inverse_norm` is
// 1 / (||block||_F + epsilon).
template <typename T>
void NormalizedUpdate(const T& gradient, double inverse_norm, double step,
                      double momentum, bool first_step, T* velocity, T* param) {
  using Scalar = typename T::Scalar;
  if (momentum == 0.0) {
    *param -= static_cast<Scalar>(step * inverse_norm) * gradient;
    return;
  }
  const Scalar inv = static_cast<Scalar>(inverse_norm);
  const Scalar mu = static_cast<Scalar>(momentum);
  if (first_step) {
    *velocity = inv * gradient;
  } else {
    *velocity = mu * *velocity + inv * gradient;
  }
  *param -= static_cast<Scalar>(step) * *velocity;
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

template <typename Scalar>
absl::Status Slo::StepIn(
    const BasicGradients<Scalar>& gradients,
    const std::vector<BasicParameterBlock<Scalar>>& parameters) {
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
  NFALAB_ASSIGN_OR_RETURN(const bool first_step,
                          velocities_.Prepare(parameters, momentum_ != 0.0));
  BasicVelocities<Scalar>& velocity = velocities_.Of<Scalar>();

  const bool normalized = options_.mode() == SloOptions::NORMALIZED;
  for (int i = 0; i < n_layers; ++i) {
    const BasicParameterBlock<Scalar>& layer = parameters[i];
    const double step = learning_rate() * Speed(i);
    if (!normalized) {
      SgdUpdate(gradients.weight[i], step, momentum_, weight_decay_, first_step,
                &velocity.weight[i], layer.weight);
      if (layer.has_bias()) {
        SgdUpdate(gradients.bias[i], step, momentum_, weight_decay_, first_step,
                  &velocity.bias[i], layer.bias);
      }
      continue;
    }
    // g_l = [G_l + lambda W_l, g_l + lambda b_l], then its norm in double.
    const MatrixT<Scalar>* weight_gradient = &gradients.weight[i];
    const VectorT<Scalar>* bias_gradient = &gradients.bias[i];
    MatrixT<Scalar> decayed_weight_gradient;
    VectorT<Scalar> decayed_bias_gradient;
    if (weight_decay_ != 0.0) {
      const Scalar wd = static_cast<Scalar>(weight_decay_);
      decayed_weight_gradient = gradients.weight[i] + wd * (*layer.weight);
      weight_gradient = &decayed_weight_gradient;
      if (layer.has_bias()) {
        decayed_bias_gradient = gradients.bias[i] + wd * (*layer.bias);
        bias_gradient = &decayed_bias_gradient;
      }
    }
    double squared_norm =
        weight_gradient->template cast<double>().squaredNorm();
    if (layer.has_bias()) {
      squared_norm += bias_gradient->template cast<double>().squaredNorm();
    }
    const double inverse_norm =
        1.0 / (std::sqrt(squared_norm) + options_.epsilon());
    NormalizedUpdate(*weight_gradient, inverse_norm, step, momentum_,
                     first_step, &velocity.weight[i], layer.weight);
    if (layer.has_bias()) {
      NormalizedUpdate(*bias_gradient, inverse_norm, step, momentum_,
                       first_step, &velocity.bias[i], layer.bias);
    }
  }
  return absl::OkStatus();
}

absl::Status Slo::SaveState(OptimizerState* state) const {
  velocities_.Save(state);
  return absl::OkStatus();
}

absl::Status Slo::LoadState(const OptimizerState& state) {
  return velocities_.Load(state);
}

NFALAB_REGISTER_OPTIMIZER_WITH_OPTIONS(
    "slo", Slo::Create,
    "Speed Limited Optimization: per-layer step speeds, fast at the "
    "SloOptions target_layers",
    SloOptionsExample());

}  // namespace nfalab
