#include "optimizers/velocity_state.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "core/tensor_proto.h"

namespace nfalab {
namespace {

template <typename Scalar>
void SaveVelocities(absl::string_view optimizer,
                    const BasicVelocities<Scalar>& velocities,
                    OptimizerState* state) {
  state->Clear();
  state->set_optimizer(std::string(optimizer));
  for (size_t i = 0; i < velocities.weight.size(); ++i) {
    OptimizerState::NamedTensor* weight = state->add_tensors();
    weight->set_name(absl::StrCat("weight_velocity/", i));
    *weight->mutable_tensor() = ToProto(velocities.weight[i]);
    OptimizerState::NamedTensor* bias = state->add_tensors();
    bias->set_name(absl::StrCat("bias_velocity/", i));
    *bias->mutable_tensor() = ToProto(velocities.bias[i]);
  }
}

template <typename Scalar>
absl::StatusOr<BasicVelocities<Scalar>> LoadVelocities(
    absl::string_view optimizer, const OptimizerState& state) {
  const int n_layers = state.tensors_size() / 2;
  BasicVelocities<Scalar> velocities;
  velocities.weight.resize(n_layers);
  velocities.bias.resize(n_layers);
  for (int i = 0; i < n_layers; ++i) {
    const OptimizerState::NamedTensor& weight = state.tensors(2 * i);
    const OptimizerState::NamedTensor& bias = state.tensors(2 * i + 1);
    if (weight.name() != absl::StrCat("weight_velocity/", i) ||
        bias.name() != absl::StrCat("bias_velocity/", i)) {
      return absl::InvalidArgumentError(absl::StrCat(
          optimizer, " state: unexpected tensors \"", weight.name(), "\", \"",
          bias.name(), "\" for layer ", i));
    }
    NFALAB_ASSIGN_OR_RETURN(
        velocities.weight[i],
        MatrixFromProto<Scalar>(weight.tensor(), weight.name()));
    NFALAB_ASSIGN_OR_RETURN(
        velocities.bias[i],
        VectorFromProto<Scalar>(bias.tensor(), bias.name()));
  }
  return velocities;
}

}  // namespace

template <>
BasicVelocities<float>& Velocities::Of<float>() {
  return f32_;
}

template <>
BasicVelocities<double>& Velocities::Of<double>() {
  return f64_;
}

template <typename Scalar>
absl::StatusOr<bool> Velocities::Prepare(
    const std::vector<BasicParameterBlock<Scalar>>& parameters, bool momentum) {
  BasicVelocities<Scalar>& velocities = Of<Scalar>();
  const int n_layers = static_cast<int>(parameters.size());
  const bool first_step = velocities.weight.empty();
  if (first_step) {
    velocities.weight.resize(n_layers);
    velocities.bias.resize(n_layers);
    return true;
  }
  if (static_cast<int>(velocities.weight.size()) != n_layers) {
    return absl::FailedPreconditionError(absl::StrCat(
        "this ", optimizer_,
        " optimizer's state belongs to a model with another number of "
        "layers; use one optimizer per model"));
  }
  for (int i = 0; i < n_layers && momentum; ++i) {
    const BasicParameterBlock<Scalar>& layer = parameters[i];
    if (velocities.weight[i].rows() != layer.weight->rows() ||
        velocities.weight[i].cols() != layer.weight->cols() ||
        velocities.bias[i].size() != layer.bias->size()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "this ", optimizer_, " optimizer's state for layer ", i + 1,
          " has another shape than the model's; use one optimizer per "
          "model"));
    }
  }
  return false;
}

void Velocities::Save(OptimizerState* state) const {
  if (!f64_.weight.empty()) {
    SaveVelocities(optimizer_, f64_, state);
  } else {
    SaveVelocities(optimizer_, f32_, state);
  }
}

absl::Status Velocities::Load(const OptimizerState& state) {
  if (state.optimizer() != optimizer_) {
    return absl::InvalidArgumentError(
        absl::StrCat("optimizer state was saved by \"", state.optimizer(),
                     "\", not by ", optimizer_));
  }
  if (state.tensors_size() % 2 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(optimizer_, " state has an odd tensor count"));
  }
  bool f64 = false;
  for (const OptimizerState::NamedTensor& tensor : state.tensors()) {
    f64 |= tensor.tensor().values_f64_size() > 0;
  }
  // Buffers without momentum are empty in either precision: float then.
  if (f64) {
    NFALAB_ASSIGN_OR_RETURN(f64_, LoadVelocities<double>(optimizer_, state));
    f32_ = {};
  } else {
    NFALAB_ASSIGN_OR_RETURN(f32_, LoadVelocities<float>(optimizer_, state));
    f64_ = {};
  }
  return absl::OkStatus();
}

template absl::StatusOr<bool> Velocities::Prepare(
    const std::vector<ParameterBlock>&, bool);
template absl::StatusOr<bool> Velocities::Prepare(
    const std::vector<ParameterBlockD>&, bool);

}  // namespace nfalab
