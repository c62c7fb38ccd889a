// The AGOP from per-sample Jacobians, one backward pass per sample and
// output: the brute-force side of the identity in metrics/feature_matrices.h,
// far too slow for anything but tests.
#ifndef NFALAB_TESTS_METRICS_BRUTE_FORCE_AGOP_H_
#define NFALAB_TESTS_METRICS_BRUTE_FORCE_AGOP_H_

#include "core/tensor.h"
#include "layers/sequential.h"

namespace nfalab {

// (1/n) sum_{i,c,q} J_{icq}^T J_{icq} for the 0-based weighted layer
// `layer`, one sample and one output at a time (divide by n unless
// `normalize_by_n` is false).
template <typename Scalar>
MatrixD BruteForceAgop(const BasicSequential<Scalar>& model,
                       const MatrixT<Scalar>& x, int layer,
                       bool normalize_by_n = true);

extern template MatrixD BruteForceAgop(const BasicSequential<float>&,
                                       const Matrix&, int, bool);
extern template MatrixD BruteForceAgop(const BasicSequential<double>&,
                                       const MatrixD&, int, bool);

}  // namespace nfalab

#endif  // NFALAB_TESTS_METRICS_BRUTE_FORCE_AGOP_H_
