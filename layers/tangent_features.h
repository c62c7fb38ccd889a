// Pre-activation tangent features (PTFs), paper §2.3:
//
//   g_{l,ic} = d f_c(x_i) / d h_l   in R^{k_l},
//
// the gradient of output c with respect to layer l's pre-activation, for
// every sample i and output c. They are computed for all layers at once by
// backpropagating the C unit cotangents e_c of every sample together, which
// is a chain of GEMMs:
//
//   G_{L+1} = [e_c] (rows (i, c)),   G_{l-1} = (G_l W_l) * phi'(h_{l-1})
//
// with phi'(h_{l-1}) of sample i applied to its C rows. Memory is
// O(m C k) for a chunk of m samples.
//
//   std::vector<Matrix> ptf;
//   ComputeTangentFeatures(mlp, x_chunk, &ptf);
//   ptf[l]  // [m * C, k_{l+1}], row i * C + c is g_{l+1, ic}
#ifndef NFALAB_LAYERS_TANGENT_FEATURES_H_
#define NFALAB_LAYERS_TANGENT_FEATURES_H_

#include <vector>

#include "core/tensor.h"
#include "layers/mlp.h"

namespace nfalab {

// `features` receives one matrix per layer (0-based, the readout last; its
// features are the unit vectors e_c). If `cache` is not null it keeps the
// forward pass over `x`.
template <typename Scalar>
void ComputeTangentFeatures(const BasicMlp<Scalar>& mlp,
                            const MatrixT<Scalar>& x,
                            std::vector<MatrixT<Scalar>>* features,
                            BasicMlpCache<Scalar>* cache = nullptr);

extern template void ComputeTangentFeatures(const BasicMlp<float>&,
                                            const Matrix&, std::vector<Matrix>*,
                                            BasicMlpCache<float>*);
extern template void ComputeTangentFeatures(const BasicMlp<double>&,
                                            const MatrixD&,
                                            std::vector<MatrixD>*,
                                            BasicMlpCache<double>*);

}  // namespace nfalab

#endif  // NFALAB_LAYERS_TANGENT_FEATURES_H_
