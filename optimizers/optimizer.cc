#include "optimizers/optimizer.h"

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace nfalab {

absl::Status CheckGradientShapes(const Gradients& gradients, const Mlp& model) {
  const int n_layers = model.num_layers();
  if (static_cast<int>(gradients.weight.size()) != n_layers ||
      static_cast<int>(gradients.bias.size()) != n_layers) {
    return absl::InvalidArgumentError(
        absl::StrCat("gradients have ", gradients.weight.size(),
                     " layers, model has ", n_layers));
  }
  for (int i = 0; i < n_layers; ++i) {
    const Linear& layer = model.layer(i);
    NFALAB_RETURN_IF_ERROR(
        CheckShape(gradients.weight[i], layer.output_dim(), layer.input_dim(),
                   absl::StrCat("weight gradient of layer ", i + 1)));
    NFALAB_RETURN_IF_ERROR(
        CheckShape(gradients.bias[i], layer.has_bias() ? layer.output_dim() : 0,
                   1, absl::StrCat("bias gradient of layer ", i + 1)));
  }
  return absl::OkStatus();
}

}  // namespace nfalab
