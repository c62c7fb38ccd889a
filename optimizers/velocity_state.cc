#include "optimizers/velocity_state.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "core/tensor_proto.h"

namespace nfalab {

void SaveVelocities(absl::string_view optimizer,
                    const std::vector<Matrix>& weight_velocity,
                    const std::vector<Vector>& bias_velocity,
                    OptimizerState* state) {
  state->Clear();
  state->set_optimizer(std::string(optimizer));
  for (size_t i = 0; i < weight_velocity.size(); ++i) {
    OptimizerState::NamedTensor* weight = state->add_tensors();
    weight->set_name(absl::StrCat("weight_velocity/", i));
    *weight->mutable_tensor() = ToProto(weight_velocity[i]);
    OptimizerState::NamedTensor* bias = state->add_tensors();
    bias->set_name(absl::StrCat("bias_velocity/", i));
    *bias->mutable_tensor() = ToProto(bias_velocity[i]);
  }
}

absl::Status LoadVelocities(absl::string_view optimizer,
                            const OptimizerState& state,
                            std::vector<Matrix>* weight_velocity,
                            std::vector<Vector>* bias_velocity) {
  if (state.optimizer() != optimizer) {
    return absl::InvalidArgumentError(
        absl::StrCat("optimizer state was saved by \"", state.optimizer(),
                     "\", not by ", optimizer));
  }
  if (state.tensors_size() % 2 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(optimizer, " state has an odd tensor count"));
  }
  const int n_layers = state.tensors_size() / 2;
  std::vector<Matrix> weights(n_layers);
  std::vector<Vector> biases(n_layers);
  for (int i = 0; i < n_layers; ++i) {
    const OptimizerState::NamedTensor& weight = state.tensors(2 * i);
    const OptimizerState::NamedTensor& bias = state.tensors(2 * i + 1);
    if (weight.name() != absl::StrCat("weight_velocity/", i) ||
        bias.name() != absl::StrCat("bias_velocity/", i)) {
      return absl::InvalidArgumentError(absl::StrCat(
          optimizer, " state: unexpected tensors \"", weight.name(), "\", \"",
          bias.name(), "\" for layer ", i));
    }
    NFALAB_ASSIGN_OR_RETURN(weights[i],
                            MatrixFromProto(weight.tensor(), weight.name()));
    NFALAB_ASSIGN_OR_RETURN(biases[i],
                            VectorFromProto(bias.tensor(), bias.name()));
  }
  *weight_velocity = std::move(weights);
  *bias_velocity = std::move(biases);
  return absl::OkStatus();
}

}  // namespace nfalab
