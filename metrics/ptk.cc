#include "metrics/ptk.h"

#include <algorithm>

#include "Eigen/Core"
#include "absl/strings/str_cat.h"
#include "layers/tangent_features.h"

namespace nfalab {

template <typename Scalar>
absl::StatusOr<std::vector<MatrixD>> ComputePtk(const BasicMlp<Scalar>& mlp,
                                                const MatrixT<Scalar>& x,
                                                const std::vector<int>& layers,
                                                const PtkOptions& options) {
  if (x.rows() == 0) {
    return absl::InvalidArgumentError("PTK needs at least one sample");
  }
  if (options.chunk_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("PTK chunk size must be >= 1, got ", options.chunk_size));
  }
  for (int layer : layers) {
    if (layer < 0 || layer >= mlp.num_layers()) {
      return absl::InvalidArgumentError(absl::StrCat("PTK layer index ", layer,
                                                     " is outside [0, ",
                                                     mlp.num_layers(), ")"));
    }
  }
  std::vector<MatrixD> totals(layers.size());
  std::vector<MatrixT<Scalar>> chunk_sums(layers.size());
  for (size_t j = 0; j < layers.size(); ++j) {
    const int k = mlp.layer(layers[j]).output_dim();
    totals[j].setZero(k, k);
    chunk_sums[j].resize(k, k);
  }
  std::vector<MatrixT<Scalar>> features;
  MatrixT<Scalar> chunk;
  for (Eigen::Index start = 0; start < x.rows(); start += options.chunk_size) {
    const Eigen::Index rows =
        std::min<Eigen::Index>(options.chunk_size, x.rows() - start);
    chunk = x.middleRows(start, rows);
    ComputeTangentFeatures(mlp, chunk, &features);
    for (size_t j = 0; j < layers.size(); ++j) {
      // Only the lower triangle is written; it is mirrored at the end.
      chunk_sums[j].setZero();
      chunk_sums[j].template selfadjointView<Eigen::Lower>().rankUpdate(
          features[layers[j]].transpose());
      totals[j].template triangularView<Eigen::Lower>() +=
          chunk_sums[j].template cast<double>();
    }
  }
  const double scale =
      options.normalize_by_n ? 1.0 / static_cast<double>(x.rows()) : 1.0;
  for (MatrixD& total : totals) {
    total.template triangularView<Eigen::StrictlyUpper>() = total.transpose();
    total *= scale;
  }
  return totals;
}

template absl::StatusOr<std::vector<MatrixD>> ComputePtk(
    const BasicMlp<float>&, const Matrix&, const std::vector<int>&,
    const PtkOptions&);
template absl::StatusOr<std::vector<MatrixD>> ComputePtk(
    const BasicMlp<double>&, const MatrixD&, const std::vector<int>&,
    const PtkOptions&);

}  // namespace nfalab
