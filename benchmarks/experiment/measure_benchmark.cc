// Benchmark of `nfalab measure`'s measuring part (experiment/
// measure_models.h, MeasureCheckpoints) on the workload of
// benchmarks/peers/measure_checkpoints.sh, without the file reading: 10
// checkpoints of the paper's MLP (d = 784, 5 x 256 ReLU, C = 10, no bias)
// on m = 2000 samples, the default measures (uc_nfc, c_nfc with their _cos
// forms, weight_change) on the 5 hidden layers. The machine's best sgemm
// (benchmarks/gemm_reference.h) runs in the same binary.
//
// BM_MeasureTenCheckpoints: the checkpoints are W0 from Model::Create plus a
// uniform perturbation growing with the checkpoint's index (W - W0 != 0, so
// the centred measures are defined); the cost does not depend on the values.
//
// FLOPs per checkpoint, with k_0 = d, k_1..k_5 = 256, k_6 = C and p_l =
// k_{l-1} the columns of W_l:
//   K of the 5 hidden layers (float; see benchmarks/metrics/ptk_benchmark.cc)
//     forward          2 m sum_{l=1..6} k_{l-1} k_l
//     tangent chain    2 m C sum_{l=2..6} k_l k_{l-1}
//     rank updates     m C sum_{l=1..5} k_l^2
//   per hidden layer, for W and for W - W0 (double): the NFM M^T M
//   (2 k p^2), K M (2 k^2 p) and the AGOP M^T (K M) (2 k p^2)
// = 19.0 GFLOP of K and 2.27 GFLOP of feature matrices, 21.3 GFLOP per
// checkpoint (each measure forms its NFM and AGOP once for both
// correlations). The `flops` rate mixes float K with double feature
// matrices, whose GEMMs run at about half the sgemm rate.
//
//   bazel run //benchmarks/experiment:measure_benchmark -- --benchmark_min_time=0.5
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "benchmark/benchmark.h"
#include "benchmarks/gemm_reference.h"
#include "benchmarks/train_step.h"
#include "core/random.h"
#include "core/tensor.h"
#include "datasets/dataset.h"
#include "experiment/experiment_config.pb.h"
#include "experiment/measure_models.h"
#include "experiment/model_import.h"
#include "layers/model_config.pb.h"
#include "layers/sequential.h"
#include "report/metrics_table.h"

namespace nfalab {
namespace {

constexpr int kCheckpoints = 10;
constexpr int kSamples = 2000;
constexpr int kInputDim = 784;
constexpr int kDepth = 5;
constexpr int kWidth = 256;
constexpr int kClasses = 10;

double CheckpointFlops() {
  std::vector<double> dims = {kInputDim};
  for (int i = 0; i < kDepth; ++i) dims.push_back(kWidth);
  dims.push_back(kClasses);
  double k_flops = 0, feature_flops = 0;
  for (size_t l = 1; l < dims.size(); ++l) {
    k_flops += 2.0 * kSamples * dims[l - 1] * dims[l];
    if (l >= 2) k_flops += 2.0 * kSamples * kClasses * dims[l] * dims[l - 1];
    if (l + 1 < dims.size()) {
      const double k = dims[l], p = dims[l - 1];
      k_flops += 1.0 * kSamples * kClasses * k * k;
      // W and W - W0: M^T M, K M, M^T (K M).
      feature_flops += 2 * (2 * k * p * p + 2 * k * k * p + 2 * k * p * p);
    }
  }
  return k_flops + feature_flops;
}

// W0 from the paper MLP's initialisation; checkpoint j adds uniform noise of
// (j + 1) / 100 of each layer's initial bound, as training moves W away
// from W0 more with every epoch.
absl::StatusOr<std::vector<ImportedModel>> MakeCheckpoints(Rng* rng) {
  ModelConfig config;
  config.set_depth(kDepth);
  config.set_width(kWidth);
  absl::StatusOr<Model> initial =
      Model::Create(config, kInputDim, kClasses, rng);
  if (!initial.ok()) return initial.status();
  std::vector<ImportedModel> checkpoints;
  for (int j = 0; j < kCheckpoints; ++j) {
    ImportedModel checkpoint{"checkpoint_" + std::to_string(j), *initial};
    // Distinct (epoch, step) per checkpoint, as MeasureCheckpoints requires.
    checkpoint.epoch = j;
    checkpoint.step = j;
    for (int l = 0; l < checkpoint.model.num_weighted_layers(); ++l) {
      Matrix& w = checkpoint.model.weighted_layer(l).weight();
      const double scale = (j + 1) / 100.0 / std::sqrt(w.cols());
      for (Eigen::Index i = 0; i < w.size(); ++i) {
        w.data()[i] += static_cast<float>(rng->Uniform(-scale, scale));
      }
    }
    checkpoints.push_back(std::move(checkpoint));
  }
  return checkpoints;
}

void BM_MeasureTenCheckpoints(benchmark::State& state) {
  Rng rng(/*seed=*/1);
  absl::StatusOr<std::vector<ImportedModel>> checkpoints =
      MakeCheckpoints(&rng);
  if (!checkpoints.ok()) {
    state.SkipWithError(std::string(checkpoints.status().message()).c_str());
    return;
  }
  // No targets: the early predictor, which needs them, is not measured, as
  // `nfalab measure` without --labels.
  Dataset data;
  data.x = Matrix(kSamples, kInputDim);
  FillUniform(-1.0, 1.0, &rng, &data.x);
  data.y = Matrix::Zero(kSamples, kClasses);
  const MeasurementConfig measurement;  // Defaults: `nfalab measure`'s.
  for (auto _ : state) {
    absl::StatusOr<MetricsTable> table = MeasureCheckpoints(
        *checkpoints, data, /*has_targets=*/false, measurement,
        TrainingConfig::MSE, /*log=*/nullptr);
    if (!table.ok()) {
      state.SkipWithError(std::string(table.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(table->rows().data());
  }
  state.SetItemsProcessed(state.iterations() * kCheckpoints);
  state.counters["flops"] = benchmark::Counter(
      kCheckpoints * CheckpointFlops() * state.iterations(),
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MeasureTenCheckpoints)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

NFALAB_BENCHMARK_BEST_SGEMM();

}  // namespace
}  // namespace nfalab
