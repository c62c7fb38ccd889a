// The PTK feature covariance of a weighted layer, paper §2.3 (and its
// patch form for a layer applied at P positions, layers/layer.h):
//
//   K_l = (1/n) sum_{i,c,q} g_{l,icq} g_{l,icq}^T      in R^{k_l x k_l}
//
// (sum over outputs c and positions q with no division by C or P;
// `normalize_by_n = false` gives the authors' plain sum). The samples are
// streamed in chunks: each chunk's tangent features
// (layers/tangent_features.h) are folded in with a symmetric rank update, so
// memory is O(chunk C s + k^2) for the largest layer output size s, never
// O(n C s). Chunk sums are taken in the model's precision and accumulated in
// double.
//
//   NFALAB_ASSIGN_OR_RETURN(std::vector<MatrixD> k,
//                           ComputePtk(model, x, /*layers=*/{0, 1}, options));
#ifndef NFALAB_METRICS_PTK_H_
#define NFALAB_METRICS_PTK_H_

#include <vector>

#include "absl/status/statusor.h"
#include "core/tensor.h"
#include "layers/sequential.h"

namespace nfalab {

struct PtkOptions {
  // Samples per chunk (>= 1).
  int chunk_size = 1024;
  // Divide by the number of samples n (true) or keep the plain sum.
  bool normalize_by_n = true;
};

// K for each of `layers` (0-based weighted-layer indices, any order) over
// the rows of `x`, returned in the same order. InvalidArgument for an empty
// `x`, a bad layer index or chunk size.
template <typename Scalar>
absl::StatusOr<std::vector<MatrixD>> ComputePtk(const BasicSequential<Scalar>& model,
                                                const MatrixT<Scalar>& x,
                                                const std::vector<int>& layers,
                                                const PtkOptions& options);

extern template absl::StatusOr<std::vector<MatrixD>> ComputePtk(
    const BasicSequential<float>&, const Matrix&, const std::vector<int>&,
    const PtkOptions&);
extern template absl::StatusOr<std::vector<MatrixD>> ComputePtk(
    const BasicSequential<double>&, const MatrixD&, const std::vector<int>&,
    const PtkOptions&);

}  // namespace nfalab

#endif  // NFALAB_METRICS_PTK_H_
