// Layer-wise normalised Adam, registered as "layerwise_adam".
//
// For every layer l (weight W_l and, with bias, b_l) with gradients G_l, g_l,
// at step t = 1, 2, ... (PyTorch Adam's moments, L2 weight decay added to the
// gradient as in torch.optim.Adam):
//
//   G  <- G + weight_decay * W            (the same for b)
//   m  <- beta1 m + (1 - beta1) G         v <- beta2 v + (1 - beta2) G.^2
//   U  =  (m / (1 - beta1^t)) ./ (sqrt(v / (1 - beta2^t)) + eps)
//   W  <- W - learning_rate * U_l / |U_l|
//
// where |U_l| is the Euclidean norm of layer l's whole update (weight and
// bias entries together), so every layer moves by exactly learning_rate
// (Frobenius) per step whatever the scale of its gradient. A layer whose
// update is exactly zero (|U_l| = 0) does not move.
//
// Options: learning_rate (> 0) and weight_decay (>= 0) from OptimizerConfig;
// the schedule applies as for any optimizer. beta1, beta2 (each in [0, 1))
// and eps (> 0) come from LayerwiseAdamOptions (layerwise_adam_options.proto,
// defaults 0.9, 0.999, 1e-8) in optimizer.options. momentum must be 0 (its
// role is played by beta1).
//
// Config:
//   optimizer {
//     name: "layerwise_adam"
//     learning_rate: 0.01
//     options {
//       [type.googleapis.com/nfalab.LayerwiseAdamOptions] {
//         beta1: 0.8 beta2: 0.99 epsilon: 1e-6
//       }
//     }
//   }
//
// State (checkpoints): the step count ("step", a 1x1 tensor) and per layer i
// the tensors "m_weight/<i>", "m_bias/<i>", "v_weight/<i>", "v_bias/<i>".
#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/plugin_options.h"
#include "core/status_macros.h"
#include "core/tensor.h"
#include "core/tensor_proto.h"
#include "optimizers/optimizer.h"
#include "plugins/layerwise_adam/layerwise_adam_options.pb.h"

namespace nfalab {
namespace {

constexpr char kName[] = "layerwise_adam";
constexpr char kOptionsField[] = "optimizer.options";

// OK if `value` is in [0, 1).
absl::Status CheckDecay(const LayerwiseAdamOptions& options,
                        absl::string_view field, double value) {
  if (value >= 0 && value < 1) return absl::OkStatus();
  return OptionsError(kOptionsField, options, field,
                      absl::StrCat("must be in [0, 1), got ", value));
}

class LayerwiseAdam : public Optimizer {
 public:
  static absl::StatusOr<std::unique_ptr<Optimizer>> Create(
      const OptimizerConfig& config) {
    if (!(config.learning_rate() > 0) ||
        !std::isfinite(config.learning_rate())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "optimizer.learning_rate must be positive and finite, got ",
          config.learning_rate()));
    }
    if (!(config.weight_decay() >= 0) ||
        !std::isfinite(config.weight_decay())) {
      return absl::InvalidArgumentError(
          absl::StrCat("optimizer.weight_decay must be >= 0 and finite, got ",
                       config.weight_decay()));
    }
    if (config.momentum() != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "optimizer.momentum must be 0 for layerwise_adam (its first-moment "
          "decay is LayerwiseAdamOptions.beta1), got ",
          config.momentum()));
    }
    NFALAB_ASSIGN_OR_RETURN(
        const LayerwiseAdamOptions options,
        UnpackOptions<LayerwiseAdamOptions>(
            config.has_options() ? &config.options() : nullptr, kOptionsField));
    NFALAB_RETURN_IF_ERROR(CheckDecay(options, "beta1", options.beta1()));
    NFALAB_RETURN_IF_ERROR(CheckDecay(options, "beta2", options.beta2()));
    if (!(options.epsilon() > 0) || !std::isfinite(options.epsilon())) {
      return OptionsError(
          kOptionsField, options, "epsilon",
          absl::StrCat("must be positive and finite, got ", options.epsilon()));
    }
    return std::unique_ptr<Optimizer>(new LayerwiseAdam(
        config.learning_rate(), config.weight_decay(), options));
  }

  absl::Status Step(const Gradients& gradients,
                    const std::vector<ParameterBlock>& parameters) override {
    NFALAB_RETURN_IF_ERROR(CheckGradientShapes(gradients, parameters));
    const int n_layers = static_cast<int>(parameters.size());
    if (step_ == 0) {
      m_weight_.assign(n_layers, Matrix());
      v_weight_.assign(n_layers, Matrix());
      m_bias_.assign(n_layers, Vector());
      v_bias_.assign(n_layers, Vector());
      for (int i = 0; i < n_layers; ++i) {
        const ParameterBlock& layer = parameters[i];
        m_weight_[i] =
            Matrix::Zero(layer.weight->rows(), layer.weight->cols());
        v_weight_[i] = m_weight_[i];
        if (layer.has_bias()) {
          m_bias_[i] = Vector::Zero(layer.bias->size());
          v_bias_[i] = m_bias_[i];
        }
      }
    }
    for (int i = 0; i < n_layers; ++i) {
      const ParameterBlock& layer = parameters[i];
      if (static_cast<int>(m_weight_.size()) != n_layers ||
          m_weight_[i].rows() != layer.weight->rows() ||
          m_weight_[i].cols() != layer.weight->cols() ||
          (layer.has_bias() && m_bias_[i].size() != layer.bias->size())) {
        return absl::FailedPreconditionError(absl::StrCat(
            "this layerwise_adam optimizer's state does not match layer ",
            i + 1, " of the model; use one optimizer per model"));
      }
    }
    ++step_;
    const double correction1 = 1 - std::pow(options_.beta1(), step_);
    const double correction2 = 1 - std::pow(options_.beta2(), step_);
    for (int i = 0; i < n_layers; ++i) {
      const ParameterBlock& layer = parameters[i];
      const MatrixD update_w =
          Moments(gradients.weight[i], (*layer.weight), correction1, correction2,
                  &m_weight_[i], &v_weight_[i]);
      double squared_norm = update_w.squaredNorm();
      MatrixD update_b;
      if (layer.has_bias()) {
        update_b = Moments(gradients.bias[i], (*layer.bias), correction1,
                           correction2, &m_bias_[i], &v_bias_[i]);
        squared_norm += update_b.squaredNorm();
      }
      if (!(squared_norm > 0)) continue;  // Zero update: the layer stays.
      const double scale = learning_rate() / std::sqrt(squared_norm);
      (*layer.weight) -= (scale * update_w).cast<float>();
      if (layer.has_bias()) {
        (*layer.bias) -= Vector((scale * update_b.col(0)).cast<float>());
      }
    }
    return absl::OkStatus();
  }

  absl::Status SaveState(OptimizerState* state) const override {
    state->Clear();
    state->set_optimizer(kName);
    // The step count is exact in float up to 2^24 steps.
    Add("step",
        ToProto(Matrix(Matrix::Constant(1, 1, static_cast<float>(step_)))),
        state);
    for (size_t i = 0; i < m_weight_.size(); ++i) {
      Add(absl::StrCat("m_weight/", i), ToProto(m_weight_[i]), state);
      Add(absl::StrCat("m_bias/", i), ToProto(m_bias_[i]), state);
      Add(absl::StrCat("v_weight/", i), ToProto(v_weight_[i]), state);
      Add(absl::StrCat("v_bias/", i), ToProto(v_bias_[i]), state);
    }
    return absl::OkStatus();
  }

  absl::Status LoadState(const OptimizerState& state) override {
    if (state.optimizer() != kName) {
      return absl::InvalidArgumentError(
          absl::StrCat("optimizer state was saved by \"", state.optimizer(),
                       "\", not by ", kName));
    }
    if (state.tensors_size() % 4 != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat(kName, " state has ", state.tensors_size(),
                       " tensors, expected 1 + 4 per layer"));
    }
    NFALAB_ASSIGN_OR_RETURN(const TensorProto* step_proto,
                            Get(state, 0, "step"));
    NFALAB_ASSIGN_OR_RETURN(Matrix step, MatrixFromProto(*step_proto, "step"));
    if (step.size() != 1 || !(step(0, 0) >= 0)) {
      return absl::InvalidArgumentError(
          absl::StrCat(kName, " state: bad step count"));
    }
    const int n_layers = (state.tensors_size() - 1) / 4;
    std::vector<Matrix> m_w(n_layers), v_w(n_layers);
    std::vector<Vector> m_b(n_layers), v_b(n_layers);
    for (int i = 0; i < n_layers; ++i) {
      const int base = 1 + 4 * i;
      const std::string names[4] = {
          absl::StrCat("m_weight/", i), absl::StrCat("m_bias/", i),
          absl::StrCat("v_weight/", i), absl::StrCat("v_bias/", i)};
      const TensorProto* protos[4];
      for (int j = 0; j < 4; ++j) {
        NFALAB_ASSIGN_OR_RETURN(protos[j], Get(state, base + j, names[j]));
      }
      NFALAB_ASSIGN_OR_RETURN(m_w[i], MatrixFromProto(*protos[0], names[0]));
      NFALAB_ASSIGN_OR_RETURN(m_b[i], VectorFromProto(*protos[1], names[1]));
      NFALAB_ASSIGN_OR_RETURN(v_w[i], MatrixFromProto(*protos[2], names[2]));
      NFALAB_ASSIGN_OR_RETURN(v_b[i], VectorFromProto(*protos[3], names[3]));
      if (m_w[i].rows() != v_w[i].rows() || m_w[i].cols() != v_w[i].cols() ||
          m_b[i].size() != v_b[i].size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            kName, " state: moment shapes of layer ", i + 1, " differ"));
      }
    }
    step_ = static_cast<int64_t>(step(0, 0));
    m_weight_ = std::move(m_w);
    v_weight_ = std::move(v_w);
    m_bias_ = std::move(m_b);
    v_bias_ = std::move(v_b);
    return absl::OkStatus();
  }

 private:
  LayerwiseAdam(double learning_rate, double weight_decay,
                const LayerwiseAdamOptions& options)
      : Optimizer(learning_rate),
        weight_decay_(weight_decay),
        options_(options) {}

  // Updates the moments of one parameter and returns its Adam direction U
  // (in double).
  template <typename T>
  MatrixD Moments(const T& gradient, const T& param, double correction1,
                  double correction2, T* m, T* v) const {
    const T g = gradient + static_cast<float>(weight_decay_) * param;
    const double beta1 = options_.beta1();
    const double beta2 = options_.beta2();
    *m = static_cast<float>(beta1) * *m + static_cast<float>(1 - beta1) * g;
    *v = static_cast<float>(beta2) * *v +
         static_cast<float>(1 - beta2) * g.cwiseAbs2();
    const MatrixD m_hat = MatrixD(m->template cast<double>()) / correction1;
    const MatrixD v_hat = MatrixD(v->template cast<double>()) / correction2;
    return (m_hat.array() / (v_hat.array().sqrt() + options_.epsilon()))
        .matrix();
  }

  static void Add(const std::string& name, TensorProto tensor,
                  OptimizerState* state) {
    OptimizerState::NamedTensor* named = state->add_tensors();
    named->set_name(name);
    *named->mutable_tensor() = std::move(tensor);
  }

  static absl::StatusOr<const TensorProto*> Get(const OptimizerState& state,
                                                int index,
                                                const std::string& name) {
    const OptimizerState::NamedTensor& named = state.tensors(index);
    if (named.name() != name) {
      return absl::InvalidArgumentError(
          absl::StrCat(kName, " state: tensor ", index, " is \"", named.name(),
                       "\", expected \"", name, "\""));
    }
    return &named.tensor();
  }

  double weight_decay_;
  LayerwiseAdamOptions options_;
  int64_t step_ = 0;
  std::vector<Matrix> m_weight_, v_weight_;
  std::vector<Vector> m_bias_, v_bias_;
};

}  // namespace

NFALAB_REGISTER_OPTIMIZER_WITH_OPTIONS(
    "layerwise_adam", LayerwiseAdam::Create,
    "Adam (LayerwiseAdamOptions: betas 0.9/0.999, eps 1e-8 by default) with "
    "every layer's step normalised to length learning_rate",
    LayerwiseAdamOptions());

}  // namespace nfalab
