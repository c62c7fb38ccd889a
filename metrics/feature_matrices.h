// The feature matrices of a layer with weight W: [k_out, k_in] (paper §2.1,
// §2.2, §2.4), all in double:
//
//   NFM   F = W^T W                       [k_in, k_in]
//   AGOP  G = W^T K W                     [k_in, k_in]
//
// where K is the layer's PTK covariance (metrics/ptk.h). The identity
// G = (1/n) sum_{i,c} grad_{x_l} f_c(x_i) grad_{x_l} f_c(x_i)^T holds exactly
// for any activation; BruteForceAgop builds the right-hand side from
// per-sample input Jacobians (one backward pass per sample and output) to
// test it, and is far too slow for anything else.
#ifndef NFALAB_METRICS_FEATURE_MATRICES_H_
#define NFALAB_METRICS_FEATURE_MATRICES_H_

#include "core/tensor.h"
#include "layers/mlp.h"

namespace nfalab {

// W^T W.
MatrixD NeuralFeatureMatrix(const MatrixD& w);

// W^T K W; K: [k_out, k_out].
MatrixD AverageGradientOuterProduct(const MatrixD& w, const MatrixD& k);

// (1/n) sum_i J_i^T J_i with J_i = d f(x_i) / d x_l: [C, k_in] the Jacobian
// of the output with respect to the input of 0-based layer `layer`, one
// sample and one output at a time (divide by n unless `normalize_by_n` is
// false).
template <typename Scalar>
MatrixD BruteForceAgop(const BasicMlp<Scalar>& mlp, const MatrixT<Scalar>& x,
                       int layer, bool normalize_by_n = true);

extern template MatrixD BruteForceAgop(const BasicMlp<float>&, const Matrix&,
                                       int, bool);
extern template MatrixD BruteForceAgop(const BasicMlp<double>&, const MatrixD&,
                                       int, bool);

}  // namespace nfalab

#endif  // NFALAB_METRICS_FEATURE_MATRICES_H_
