// The PTK feature covariance of a weighted layer, paper §2.3 (and its
// patch form for a layer applied at P positions, layers/layer.h):
//
//   K_l = (1/n) sum_{i,c,q} g_{l,icq} g_{l,icq}^T      in R^{k_l x k_l}
//
// (sum over outputs c and positions q with no division by C or P;
// `normalize_by_n = false` gives the authors' plain sum). The samples are
// streamed in chunks: each chunk's tangent features
// (layers/tangent_features.h) are folded in with a symmetric rank update.
// A chunk has at most chunk_size samples, and no more than keep
//
//   chunk (C + 1) sum_j s_j  <=  max_chunk_entries      (memory)
//   chunk C max_j s_j        <=  cache_entries          (cache)
//
// with s_j the output size of layer j (k P for a weighted layer) over the
// layers from the lowest measured one up: each sample's C cotangent rows
// and forward value at every layer output on the walk down. The features,
// the walk's two buffers and the forward cache then hold at most
// 3 max_chunk_entries scalars per worker, plus the k_l^2 of each K,
// whatever the positions P: a convolution's chunks shrink as P grows. The
// cache bound keeps one layer's features (1 MiB in float by default) in
// cache between the GEMM that writes them and the rank update that reads
// them, which beats larger chunks on this project's machines
// (benchmarks/README.md); it yields to 512 cotangent rows (chunk C) at
// least, which keep the rank updates efficient. The chunks are then evened out (equal sizes, an even
// count when there are several) and taken in rounds of one chunk per
// worker thread (core/parallel.h). Chunk sums are taken in the model's
// precision and accumulated in double, in chunk order, so K is the same
// for any number of threads.
//
//   NFALAB_ASSIGN_OR_RETURN(std::vector<MatrixD> k,
//                           ComputePtk(model, x, /*layers=*/{0, 1}, options));
#ifndef NFALAB_METRICS_PTK_H_
#define NFALAB_METRICS_PTK_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "core/tensor.h"
#include "layers/sequential.h"

namespace nfalab {

struct PtkOptions {
  // Samples per chunk (>= 1), at most.
  int chunk_size = 1024;
  // Tangent-feature entries per chunk, at most (see the top); a chunk
  // always has at least one sample.
  int64_t max_chunk_entries = int64_t{1} << 22;
  // Entries of one layer's features per chunk, at most (see the top).
  int64_t cache_entries = int64_t{1} << 18;
  // Divide by the number of samples n (true) or keep the plain sum.
  bool normalize_by_n = true;
  // Worker threads, each on one chunk at a time with a single-threaded
  // BLAS (core/parallel.h); 0 takes ParallelWorkers(). K does not depend
  // on it: chunk sums are added in chunk order whatever the count.
  int threads = 0;
};

// Cotangent rows per chunk below which the cache bound does not go.
inline constexpr int64_t kPtkMinCotangentRows = 512;

// Samples per chunk, at most, for a walk down to weighted layer `lowest`
// (see the top): the least of chunk_size,
// max(1, max_chunk_entries / ((C + 1) sum_j s_j)) and
// max(ceil(512 / C), cache_entries / (C max_j s_j)).
template <typename Scalar>
Eigen::Index PtkChunkRows(const BasicSequential<Scalar>& model, int lowest,
                          const PtkOptions& options);

// K for each of `layers` (0-based weighted-layer indices, any order) over
// the rows of `x`, returned in the same order. InvalidArgument for an empty
// `x`, a bad layer index or chunk size.
template <typename Scalar>
absl::StatusOr<std::vector<MatrixD>> ComputePtk(
    const BasicSequential<Scalar>& model, const MatrixT<Scalar>& x,
    const std::vector<int>& layers, const PtkOptions& options);

extern template Eigen::Index PtkChunkRows(const BasicSequential<float>&, int,
                                          const PtkOptions&);
extern template Eigen::Index PtkChunkRows(const BasicSequential<double>&, int,
                                          const PtkOptions&);
extern template absl::StatusOr<std::vector<MatrixD>> ComputePtk(
    const BasicSequential<float>&, const Matrix&, const std::vector<int>&,
    const PtkOptions&);
extern template absl::StatusOr<std::vector<MatrixD>> ComputePtk(
    const BasicSequential<double>&, const MatrixD&, const std::vector<int>&,
    const PtkOptions&);

}  // namespace nfalab

#endif  // NFALAB_METRICS_PTK_H_
