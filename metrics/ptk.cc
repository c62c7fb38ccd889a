#include "metrics/ptk.h"

#include <algorithm>

#include "Eigen/Core"
#include "absl/strings/str_cat.h"
#include "layers/tangent_features.h"

namespace nfalab {

template <typename Scalar>
Eigen::Index PtkChunkRows(const BasicSequential<Scalar>& model, int lowest,
                          const PtkOptions& options) {
  // Per sample: C cotangent rows and the forward value of every layer
  // output on the walk down from the readout.
  int64_t per_sample = 0;
  for (int j = model.weighted_position(lowest); j < model.num_layers(); ++j) {
    per_sample +=
        (int64_t{model.output_dim()} + 1) * model.layer(j).output_size();
  }
  const int64_t fits = std::max<int64_t>(
      1, options.max_chunk_entries / std::max<int64_t>(1, per_sample));
  return static_cast<Eigen::Index>(std::min<int64_t>(options.chunk_size, fits));
}

template <typename Scalar>
absl::StatusOr<std::vector<MatrixD>> ComputePtk(const BasicSequential<Scalar>& model,
                                                const MatrixT<Scalar>& x,
                                                const std::vector<int>& layers,
                                                const PtkOptions& options) {
  if (x.rows() == 0) {
    return absl::InvalidArgumentError("PTK needs at least one sample");
  }
  if (options.chunk_size < 1 || options.max_chunk_entries < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("PTK chunk size and entries must be >= 1, got ",
                     options.chunk_size, " and ", options.max_chunk_entries));
  }
  for (int layer : layers) {
    if (layer < 0 || layer >= model.num_weighted_layers()) {
      return absl::InvalidArgumentError(
          absl::StrCat("PTK layer index ", layer, " is outside [0, ",
                       model.num_weighted_layers(), ")"));
    }
  }
  if (layers.empty()) return std::vector<MatrixD>();
  const int lowest = *std::min_element(layers.begin(), layers.end());
  std::vector<MatrixD> totals(layers.size());
  std::vector<MatrixT<Scalar>> chunk_sums(layers.size());
  for (size_t j = 0; j < layers.size(); ++j) {
    const int k = model.weighted_layer(layers[j]).units();
    totals[j].setZero(k, k);
    chunk_sums[j].resize(k, k);
  }
  const Eigen::Index chunk_rows = PtkChunkRows(model, lowest, options);
  std::vector<MatrixT<Scalar>> features;
  MatrixT<Scalar> chunk, vectors;
  for (Eigen::Index start = 0; start < x.rows(); start += chunk_rows) {
    const Eigen::Index rows =
        std::min<Eigen::Index>(chunk_rows, x.rows() - start);
    chunk = x.middleRows(start, rows);
    ComputeTangentFeatures(model, chunk, &features,
                           static_cast<BasicModelCache<Scalar>*>(nullptr),
                           lowest);
    for (size_t j = 0; j < layers.size(); ++j) {
      const BasicWeightedLayer<Scalar>& layer = model.weighted_layer(layers[j]);
      const MatrixT<Scalar>* g = &features[layers[j]];
      if (layer.positions() != 1) {
        layer.OutputVectors(*g, &vectors);
        g = &vectors;
      }
      // Only the lower triangle is written; it is mirrored at the end.
      chunk_sums[j].setZero();
      chunk_sums[j].template selfadjointView<Eigen::Lower>().rankUpdate(
          g->transpose());
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

template Eigen::Index PtkChunkRows(const BasicSequential<float>&, int,
                                   const PtkOptions&);
template Eigen::Index PtkChunkRows(const BasicSequential<double>&, int,
                                   const PtkOptions&);
template absl::StatusOr<std::vector<MatrixD>> ComputePtk(
    const BasicSequential<float>&, const Matrix&, const std::vector<int>&,
    const PtkOptions&);
template absl::StatusOr<std::vector<MatrixD>> ComputePtk(
    const BasicSequential<double>&, const MatrixD&, const std::vector<int>&,
    const PtkOptions&);

}  // namespace nfalab
