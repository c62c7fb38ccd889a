// The PTK feature covariance, paper §2.3:
//
//   K_l = (1/n) sum_{i,c} g_{l,ic} g_{l,ic}^T      in R^{k_l x k_l}
//
// (sum over outputs c with no division by C; `normalize_by_n = false` gives
// the authors' plain sum). The samples are streamed in chunks: each chunk's
// tangent features (layers/tangent_features.h) are folded in with a
// symmetric rank update, so memory is O(chunk C k + k^2), never O(n C k).
// Chunk sums are taken in the model's precision and accumulated in double.
//
//   NFALAB_ASSIGN_OR_RETURN(std::vector<MatrixD> k,
//                           ComputePtk(mlp, x, /*layers=*/{0, 1}, options));
#ifndef NFALAB_METRICS_PTK_H_
#define NFALAB_METRICS_PTK_H_

#include <vector>

#include "absl/status/statusor.h"
#include "core/tensor.h"
#include "layers/mlp.h"

namespace nfalab {

struct PtkOptions {
  // Samples per chunk (>= 1).
  int chunk_size = 1024;
  // Divide by the number of samples n (true) or keep the plain sum.
  bool normalize_by_n = true;
};

// K for each of `layers` (0-based layer indices, any order) over the rows of
// `x`, returned in the same order. InvalidArgument for an empty `x`, a bad
// layer index or chunk size.
template <typename Scalar>
absl::StatusOr<std::vector<MatrixD>> ComputePtk(const BasicMlp<Scalar>& mlp,
                                                const MatrixT<Scalar>& x,
                                                const std::vector<int>& layers,
                                                const PtkOptions& options);

extern template absl::StatusOr<std::vector<MatrixD>> ComputePtk(
    const BasicMlp<float>&, const Matrix&, const std::vector<int>&,
    const PtkOptions&);
extern template absl::StatusOr<std::vector<MatrixD>> ComputePtk(
    const BasicMlp<double>&, const MatrixD&, const std::vector<int>&,
    const PtkOptions&);

}  // namespace nfalab

#endif  // NFALAB_METRICS_PTK_H_
