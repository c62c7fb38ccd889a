// The trainable parameters of a model, one block per weighted layer (in the
// model's weighted-layer order, the paper's l = 1, 2, ...), and their
// gradients. Optimizers see only these, never the model.
#ifndef NFALAB_LAYERS_PARAMETERS_H_
#define NFALAB_LAYERS_PARAMETERS_H_

#include <vector>

#include "core/tensor.h"

namespace nfalab {

template <typename Scalar>
struct BasicParameterBlock {
  MatrixT<Scalar>* weight;  // W: [k, p].
  VectorT<Scalar>* bias;    // b: [k], empty when the layer has no bias.
  bool has_bias() const { return bias->size() > 0; }
};

// dL/dW_l and dL/db_l for every weighted layer l (bias entries are empty
// without bias).
template <typename Scalar>
struct BasicGradients {
  std::vector<MatrixT<Scalar>> weight;
  std::vector<VectorT<Scalar>> bias;
};

using ParameterBlock = BasicParameterBlock<float>;
using Gradients = BasicGradients<float>;
using ParameterBlockD = BasicParameterBlock<double>;
using GradientsD = BasicGradients<double>;

}  // namespace nfalab

#endif  // NFALAB_LAYERS_PARAMETERS_H_
