#include "optimizers/optimizer.h"

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace nfalab {

absl::Status Optimizer::Step(const GradientsD& gradients,
                             const std::vector<ParameterBlockD>& parameters) {
  return absl::UnimplementedError(
      "this optimizer has no float64 step; it supports training.precision "
      "FLOAT32 only");
}

template <typename Scalar>
absl::Status CheckGradientShapes(
    const BasicGradients<Scalar>& gradients,
    const std::vector<BasicParameterBlock<Scalar>>& parameters) {
  const int n_layers = static_cast<int>(parameters.size());
  if (static_cast<int>(gradients.weight.size()) != n_layers ||
      static_cast<int>(gradients.bias.size()) != n_layers) {
    return absl::InvalidArgumentError(
        absl::StrCat("gradients have ", gradients.weight.size(),
                     " layers, the model has ", n_layers, " weighted layers"));
  }
  for (int i = 0; i < n_layers; ++i) {
    const BasicParameterBlock<Scalar>& block = parameters[i];
    NFALAB_RETURN_IF_ERROR(
        CheckShape(gradients.weight[i], block.weight->rows(),
                   block.weight->cols(),
                   absl::StrCat("weight gradient of layer ", i + 1)));
    NFALAB_RETURN_IF_ERROR(
        CheckShape(gradients.bias[i], block.bias->size(), 1,
                   absl::StrCat("bias gradient of layer ", i + 1)));
  }
  return absl::OkStatus();
}

template absl::Status CheckGradientShapes(const Gradients&,
                                          const std::vector<ParameterBlock>&);
template absl::Status CheckGradientShapes(const GradientsD&,
                                          const std::vector<ParameterBlockD>&);

}  // namespace nfalab
