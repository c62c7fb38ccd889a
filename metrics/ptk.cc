#include "metrics/ptk.h"

#include <algorithm>

#include "Eigen/Core"
#include "absl/strings/str_cat.h"
#include "core/parallel.h"
#include "layers/tangent_features.h"

namespace nfalab {

template <typename Scalar>
Eigen::Index PtkChunkRows(const BasicSequential<Scalar>& model, int lowest,
                          const PtkOptions& options) {
  // Per sample: C cotangent rows and the forward value of every layer
  // output on the walk down from the readout.
  const int64_t c = model.output_dim();
  int64_t per_sample = 0, widest = 1;
  for (int j = model.weighted_position(lowest); j < model.num_layers(); ++j) {
    per_sample += (c + 1) * model.layer(j).output_size();
    widest = std::max<int64_t>(widest, model.layer(j).output_size());
  }
  const int64_t memory_rows = std::max<int64_t>(
      1, options.max_chunk_entries / std::max<int64_t>(1, per_sample));
  const int64_t cache_rows = std::max((kPtkMinCotangentRows + c - 1) / c,
                                      options.cache_entries / (c * widest));
  return static_cast<Eigen::Index>(std::min<int64_t>(
      {int64_t{options.chunk_size}, memory_rows, cache_rows}));
}

template <typename Scalar>
absl::StatusOr<std::vector<MatrixD>> ComputePtk(
    const BasicSequential<Scalar>& model, const MatrixT<Scalar>& x,
    const std::vector<int>& layers, const PtkOptions& options) {
  if (x.rows() == 0) {
    return absl::InvalidArgumentError("PTK needs at least one sample");
  }
  if (options.chunk_size < 1 || options.max_chunk_entries < 1 ||
      options.cache_entries < 1 || options.threads < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "PTK chunk_size, max_chunk_entries and cache_entries must be >= 1 "
        "and threads >= 0, got ",
        options.chunk_size, ", ", options.max_chunk_entries, ", ",
        options.cache_entries, " and ", options.threads));
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
  for (size_t j = 0; j < layers.size(); ++j) {
    const int k = model.weighted_layer(layers[j]).units();
    totals[j].setZero(k, k);
  }
  // Chunks of equal size, in an even number when there are several, so
  // that two cores share the rounds below evenly.
  const Eigen::Index m = x.rows();
  const Eigen::Index most_rows = PtkChunkRows(model, lowest, options);
  Eigen::Index num_chunks = (m + most_rows - 1) / most_rows;
  if (num_chunks > 1) num_chunks += num_chunks % 2;
  const Eigen::Index chunk_rows = (m + num_chunks - 1) / num_chunks;
  num_chunks = (m + chunk_rows - 1) / chunk_rows;
  const int workers = static_cast<int>(std::min<Eigen::Index>(
      options.threads > 0 ? options.threads : ParallelWorkers(), num_chunks));
  // Each worker holds one chunk's buffers and sums, so memory grows with
  // the workers, not with the samples.
  struct Worker {
    std::vector<MatrixT<Scalar>> features;
    MatrixT<Scalar> chunk, vectors;
    BasicModelCache<Scalar> forward;
    std::vector<MatrixT<Scalar>> sums;  // One chunk's lower triangles.
  };
  std::vector<Worker> state(workers);
  auto chunk_sums = [&](Eigen::Index index, Worker* w) {
    const Eigen::Index start = index * chunk_rows;
    const Eigen::Index rows = std::min(chunk_rows, x.rows() - start);
    w->chunk = x.middleRows(start, rows);
    w->sums.resize(layers.size());
    // Each layer's rank update runs as soon as its features are final,
    // while they are still in cache.
    auto fold = [&](int l) {
      for (size_t j = 0; j < layers.size(); ++j) {
        if (layers[j] != l) continue;
        const BasicWeightedLayer<Scalar>& layer = model.weighted_layer(l);
        const MatrixT<Scalar>* g = &w->features[l];
        if (layer.positions() != 1) {
          layer.OutputVectors(*g, &w->vectors);
          g = &w->vectors;
        }
        // Only the lower triangle is written; it is mirrored at the end.
        w->sums[j].setZero(layer.units(), layer.units());
        w->sums[j].template selfadjointView<Eigen::Lower>().rankUpdate(
            g->transpose());
      }
    };
    ComputeTangentFeatures(model, w->chunk, &w->features, &w->forward, lowest,
                           fold);
  };
  auto add = [&](const Worker& w) {
    for (size_t j = 0; j < layers.size(); ++j) {
      totals[j].template triangularView<Eigen::Lower>() +=
          w.sums[j].template cast<double>();
    }
  };
  // Rounds of one chunk per worker on a single-threaded BLAS, each added in
  // chunk order; the chunks left over (fewer than the workers) run one by
  // one on BLAS's own threads. The chunks and the order of their sums are
  // the same for any number of workers.
  const Eigen::Index in_rounds = num_chunks - num_chunks % workers;
  {
    ScopedSingleThreadedBlas single_threaded(workers > 1);
    for (Eigen::Index first = 0; first < in_rounds; first += workers) {
      ParallelFor(workers, workers, [&](int task, int worker) {
        chunk_sums(first + task, &state[worker]);
      });
      for (const Worker& w : state) add(w);
    }
  }
  for (Eigen::Index index = in_rounds; index < num_chunks; ++index) {
    chunk_sums(index, &state[0]);
    add(state[0]);
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
