// The feature matrices of a weighted layer with weight W: [k, p] (paper
// §2.1, §2.2, §2.4), all in double:
//
//   NFM   F = W^T W                       [p, p]
//   AGOP  G = W^T K W                     [p, p]
//
// where K is the layer's PTK covariance (metrics/ptk.h). The identity
// G = (1/n) sum_{i,c,q} J_{icq}^T J_{icq}, J_{icq} = d f_c(x_i) / d X_i[q, :]
// the gradient with respect to the q-th row that W multiplies (for linear,
// the layer's input), holds exactly for any activation; the tests build the
// right-hand side from per-sample Jacobians (tests/metrics/brute_force_agop.h).
#ifndef NFALAB_METRICS_FEATURE_MATRICES_H_
#define NFALAB_METRICS_FEATURE_MATRICES_H_

#include "core/tensor.h"

namespace nfalab {

// W^T W.
MatrixD NeuralFeatureMatrix(const MatrixD& w);

// W^T K W; K: [k_out, k_out].
MatrixD AverageGradientOuterProduct(const MatrixD& w, const MatrixD& k);

}  // namespace nfalab

#endif  // NFALAB_METRICS_FEATURE_MATRICES_H_
