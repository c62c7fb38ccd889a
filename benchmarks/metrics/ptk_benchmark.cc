// Benchmarks of one measurement's dominant cost, the PTK covariance K_l of
// every hidden layer (metrics/ptk.h), beside the machine's best sgemm
// (benchmarks/gemm_reference.h) in the same binary, so that its fraction of
// the GEMM limit is the ratio of the `flops` rates of one run.
//
// BM_ComputePtkAllHiddenLayers: the paper's MLP (d = 784, 5 x 256 ReLU,
// C = 10, no bias), K on m = 2000 samples (the default measure_samples)
// with measurement's default chunking (metrics/ptk.h).
// BM_PtkScaling/m/width/C: the same MLP shape (d = 784, 5 hidden layers)
// over m in 500 ... 16000, width in 64 ... 1024 and C in {10, 100}; it
// reports the chunk's samples and the process's peak RSS (run one point per
// process for its own peak: --benchmark_filter='BM_PtkScaling/16000/1024/100').
// With k_0 = d, k_1..k_5 = width, k_6 = C, the work is
//   forward          2 m sum_{l=1..6} k_{l-1} k_l
//   tangent chain    2 m C sum_{l=2..6} k_l k_{l-1}    (G_{l-1} = G_l W_l)
//   rank updates     m C sum_{l=1..5} k_l^2            (lower triangle only)
// Elementwise work (phi', the row scaling) is left out.
//
//   bazel run //benchmarks/metrics:ptk_benchmark -- --benchmark_min_time=0.5
#include <sys/resource.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "benchmark/benchmark.h"
#include "benchmarks/gemm_reference.h"
#include "benchmarks/train_step.h"
#include "core/random.h"
#include "core/tensor.h"
#include "layers/model_config.pb.h"
#include "layers/sequential.h"
#include "metrics/ptk.h"

namespace nfalab {
namespace {

constexpr int kSamples = 2000;
constexpr int kInputDim = 784;
constexpr int kDepth = 5;
constexpr int kWidth = 256;
constexpr int kClasses = 10;

double PtkFlops(int samples, int width, int classes) {
  std::vector<double> dims = {kInputDim};
  for (int i = 0; i < kDepth; ++i) dims.push_back(width);
  dims.push_back(classes);
  double forward = 0, chain = 0, rank_updates = 0;
  for (size_t l = 1; l < dims.size(); ++l) {
    forward += 2.0 * samples * dims[l - 1] * dims[l];
    if (l >= 2) chain += 2.0 * samples * classes * dims[l] * dims[l - 1];
    if (l + 1 < dims.size()) {
      rank_updates += 1.0 * samples * classes * dims[l] * dims[l];
    }
  }
  return forward + chain + rank_updates;
}

// K of the 5 hidden layers of the MLP of `width` and `classes` outputs on
// `samples` uniform inputs, timed; returns the chunk's samples.
void RunPtk(benchmark::State& state, int samples, int width, int classes) {
  Rng rng(/*seed=*/1);
  ModelConfig config;
  config.set_depth(kDepth);
  config.set_width(width);
  absl::StatusOr<Model> mlp = Model::Create(config, kInputDim, classes, &rng);
  if (!mlp.ok()) {
    state.SkipWithError(std::string(mlp.status().message()).c_str());
    return;
  }
  Matrix x(samples, kInputDim);
  FillUniform(-1.0, 1.0, &rng, &x);
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
  state.SetItemsProcessed(state.iterations() * samples);
  state.counters["flops"] =
      benchmark::Counter(PtkFlops(samples, width, classes) * state.iterations(),
                         benchmark::Counter::kIsRate);
  state.counters["chunk_samples"] =
      static_cast<double>(PtkChunkRows(*mlp, 0, PtkOptions()));
}

void BM_ComputePtkAllHiddenLayers(benchmark::State& state) {
  RunPtk(state, kSamples, kWidth, kClasses);
}
BENCHMARK(BM_ComputePtkAllHiddenLayers)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Peak resident memory of the process so far, in MiB (Linux: ru_maxrss is
// in KiB).
double PeakRssMib() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

void BM_PtkScaling(benchmark::State& state) {
  const int samples = static_cast<int>(state.range(0));
  RunPtk(state, samples, static_cast<int>(state.range(1)),
         static_cast<int>(state.range(2)));
  state.counters["peak_rss_mib"] = PeakRssMib();
  state.counters["input_mib"] =
      samples * static_cast<double>(kInputDim) * sizeof(float) / (1 << 20);
}
BENCHMARK(BM_PtkScaling)
    ->ArgNames({"m", "width", "C"})
    // m at the paper's width and C.
    ->Args({500, 256, 10})
    ->Args({1000, 256, 10})
    ->Args({4000, 256, 10})
    ->Args({8000, 256, 10})
    ->Args({16000, 256, 10})
    // Width at m = 2000.
    ->Args({2000, 64, 10})
    ->Args({2000, 128, 10})
    ->Args({2000, 512, 10})
    ->Args({2000, 1024, 10})
    // C = 100.
    ->Args({2000, 256, 100})
    ->Args({2000, 1024, 100})
    // The memory bound: RSS at m = 500 and m = 16000 alike.
    ->Args({500, 1024, 100})
    ->Args({16000, 1024, 100})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

NFALAB_BENCHMARK_BEST_SGEMM();

}  // namespace
}  // namespace nfalab
