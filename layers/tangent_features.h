// Pre-activation tangent features (PTFs), paper §2.3:
//
//   g_{l,ic} = d f_c(x_i) / d h_l,
//
// the gradient of output c with respect to the output h_l of weighted layer
// l (its pre-activation), for every sample i and output c. They are computed
// for all weighted layers at once by pushing the C unit cotangents e_c of
// every sample back through the layers together (Backward with R = C rows per
// sample), a chain of GEMMs for linear layers:
//
//   G = [e_c] (rows i C + c),   G <- Backward_j(G)  for j = J, ..., 1.
//
// Memory is O(m C s) for a chunk of m samples and the largest layer output
// size s; the walk stops at the lowest weighted layer asked for.
//
//   std::vector<Matrix> ptf;
//   ComputeTangentFeatures(model, x_chunk, &ptf);
//   ptf[l]  // [m C, output size of weighted layer l], row i C + c is g_{l,ic}
#ifndef NFALAB_LAYERS_TANGENT_FEATURES_H_
#define NFALAB_LAYERS_TANGENT_FEATURES_H_

#include <functional>
#include <vector>

#include "core/tensor.h"
#include "layers/sequential.h"

namespace nfalab {

// `features` receives one matrix per weighted layer (0-based, the readout
// last); those below weighted layer `lowest` are not computed. If `cache` is
// not null it keeps the forward pass over `x`. If `ready` is set, it is
// called with l as soon as features[l] is final, from the top layer down,
// while the matrix is still in cache (the PTK folds it in there).
template <typename Scalar>
void ComputeTangentFeatures(const BasicSequential<Scalar>& model,
                            const MatrixT<Scalar>& x,
                            std::vector<MatrixT<Scalar>>* features,
                            BasicModelCache<Scalar>* cache = nullptr,
                            int lowest = 0,
                            const std::function<void(int layer)>& ready = {});

extern template void ComputeTangentFeatures(const BasicSequential<float>&,
                                            const Matrix&, std::vector<Matrix>*,
                                            BasicModelCache<float>*, int,
                                            const std::function<void(int)>&);
extern template void ComputeTangentFeatures(const BasicSequential<double>&,
                                            const MatrixD&,
                                            std::vector<MatrixD>*,
                                            BasicModelCache<double>*, int,
                                            const std::function<void(int)>&);

}  // namespace nfalab

#endif  // NFALAB_LAYERS_TANGENT_FEATURES_H_
