// Benchmarks of one measurement's dominant cost, the PTK covariance K_l of
// every hidden layer (metrics/ptk.h), beside the machine's best sgemm
// (benchmarks/gemm_reference.h) in the same binary, so that its fraction of
// the GEMM limit is the ratio of the `flops` rates of one run.
//
// The network is the paper's MLP (d = 784, 5 x 256 ReLU, C = 10, no bias) and
// K is taken on m = 2000 samples (the default measure_samples) with
// measurement's default chunking (metrics/ptk.h). With k_0 = d, k_1..k_5 = 256, k_6 = C, the work is
//   forward          2 m sum_{l=1..6} k_{l-1} k_l
//   tangent chain    2 m C sum_{l=2..6} k_l k_{l-1}    (G_{l-1} = G_l W_l)
//   rank updates     m C sum_{l=1..5} k_l^2            (lower triangle only)
// Elementwise work (phi', the row scaling) is left out.
//
//   bazel run //benchmarks/metrics:ptk_benchmark -- --benchmark_min_time=0.5
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "benchmark/benchmark.h"
#include "benchmarks/gemm_reference.h"
#include "core/random.h"
#include "core/tensor.h"
#include "layers/sequential.h"
#include "layers/model_config.pb.h"
#include "metrics/ptk.h"

namespace nfalab {
namespace {

constexpr int kSamples = 2000;
constexpr int kInputDim = 784;
constexpr int kDepth = 5;
constexpr int kWidth = 256;
constexpr int kClasses = 10;

double PtkFlops() {
  std::vector<double> dims = {kInputDim};
  for (int i = 0; i < kDepth; ++i) dims.push_back(kWidth);
  dims.push_back(kClasses);
  double forward = 0, chain = 0, rank_updates = 0;
  for (size_t l = 1; l < dims.size(); ++l) {
    forward += 2.0 * kSamples * dims[l - 1] * dims[l];
    if (l >= 2) chain += 2.0 * kSamples * kClasses * dims[l] * dims[l - 1];
    if (l + 1 < dims.size()) {
      rank_updates += 1.0 * kSamples * kClasses * dims[l] * dims[l];
    }
  }
  return forward + chain + rank_updates;
}

void FillUniform(Rng* rng, Matrix* m) {
  for (Eigen::Index k = 0; k < m->size(); ++k) {
    m->data()[k] = static_cast<float>(rng->Uniform(-1.0, 1.0));
  }
}

void BM_ComputePtkAllHiddenLayers(benchmark::State& state) {
  Rng rng(/*seed=*/1);
  ModelConfig config;
  config.set_depth(kDepth);
  config.set_width(kWidth);
  absl::StatusOr<Model> mlp = Model::Create(config, kInputDim, kClasses, &rng);
  if (!mlp.ok()) {
    state.SkipWithError(std::string(mlp.status().message()).c_str());
    return;
  }
  Matrix x(kSamples, kInputDim);
  FillUniform(&rng, &x);
  const std::vector<int> layers = {0, 1, 2, 3, 4};
  for (auto _ : state) {
    absl::StatusOr<std::vector<MatrixD>> k =
        ComputePtk(*mlp, x, layers, PtkOptions());
    if (!k.ok()) {
      state.SkipWithError(std::string(k.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(k->front().data());
  }
  state.SetItemsProcessed(state.iterations() * kSamples);
  state.counters["flops"] = benchmark::Counter(PtkFlops() * state.iterations(),
                                               benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ComputePtkAllHiddenLayers)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

NFALAB_BENCHMARK_BEST_SGEMM();

}  // namespace
}  // namespace nfalab
