// Benchmarks of one training step of the paper's MLP, its forward pass and a
// training epoch, beside the machine's best sgemm (gemm_reference.h) in the
// same binary, so that each one's fraction of the GEMM limit is the ratio
// of the `flops` rates of one run.
//
// The network is the paper's: d = 784, depth 5, width 256, C = 10, ReLU, no
// bias, batch B = 128. Writing k_0 = d, k_1..k_5 = 256, k_6 = C and
// S = sum_l k_{l-1} k_l over the 6 layers, the step's FLOP count is
//   forward  h_l = x_l W_l^T          2 B S
//   backward dW_l = dh_l^T x_l        2 B S
//            dx_l = dh_l W_l          2 B (S - k_0 k_1)   (not for layer 1)
// = 2 B (3 S - k_0 k_1). Only the matrix products are counted; the
// elementwise work (activation, its derivative, the loss, the SGD update) is
// O(B sum_l k_l + S) and left out. Here S = 465408 and the step costs
// 306,053,120 FLOPs.
//
// Rates use wall time (UseRealTime): a multithreaded BLAS does its work on
// threads whose CPU time the benchmark's per-thread CPU clock does not see.
// On a busy machine, compare the CPU column instead (with
// OPENBLAS_NUM_THREADS=1, as Eigen's own kernels are single-threaded here).
//
// Run for real with (one line)
//   bazel run //benchmarks/layers:train_step_benchmark --
//       --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
// adding --define=nfalab_blas=eigen before `--` for Eigen's own kernels. The
// cc_test's args pass --benchmark_min_time=0.01 to `bazel run` too; append
// e.g. --benchmark_min_time=0.5 (the last one wins) for steadier numbers.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "benchmark/benchmark.h"
#include "benchmarks/gemm_reference.h"
#include "benchmarks/train_step.h"
#include "core/status_macros.h"
#include "core/random.h"
#include "core/tensor.h"
#include "layers/loss.h"
#include "layers/sequential.h"
#include "layers/model_config.pb.h"
#include "optimizers/optimizer.h"
#include "optimizers/optimizer_config.pb.h"

namespace nfalab {
namespace {

constexpr int kBatch = 128;
constexpr int kInputDim = 784;
constexpr int kDepth = 5;
constexpr int kWidth = 256;
constexpr int kClasses = 10;
// The peer comparison's epoch: Fashion-MNIST's first 30000 training images.
constexpr int kEpochSamples = 30000;

// k_0 .. k_{L+1} of the paper's network.
std::vector<int64_t> LayerDims() {
  std::vector<int64_t> dims = {kInputDim};
  for (int i = 0; i < kDepth; ++i) dims.push_back(kWidth);
  dims.push_back(kClasses);
  return dims;
}

// S = sum_l k_{l-1} k_l.
int64_t SumOfLayerProducts() {
  const std::vector<int64_t> dims = LayerDims();
  int64_t sum = 0;
  for (size_t l = 1; l < dims.size(); ++l) sum += dims[l - 1] * dims[l];
  return sum;
}

// 2 B S.
int64_t ForwardFlops() { return 2 * int64_t{kBatch} * SumOfLayerProducts(); }

// 2 B S (forward) + 2 B S (dW) + 2 B (S - k_0 k_1) (dx, all but layer 1).
int64_t TrainStepFlops() {
  const std::vector<int64_t> dims = LayerDims();
  const int64_t s = SumOfLayerProducts();
  return 2 * int64_t{kBatch} * (3 * s - dims[0] * dims[1]);
}

absl::StatusOr<Model> PaperMlp(Rng* rng) {
  ModelConfig config;
  config.set_depth(kDepth);
  config.set_width(kWidth);
  config.set_activation("relu");
  config.set_bias(false);
  return Model::Create(config, kInputDim, kClasses, rng);
}

absl::StatusOr<std::unique_ptr<TrainStepper>> PaperMlpStepper(Rng* rng) {
  NFALAB_ASSIGN_OR_RETURN(Model mlp, PaperMlp(rng));
  return TrainStepper::Create(std::move(mlp));
}

// Forward, MSE loss with dL/df, Backward and one SGD step on a fixed batch.
void BM_TrainStep(benchmark::State& state) {
  Rng rng(/*seed=*/1);
  absl::StatusOr<std::unique_ptr<TrainStepper>> stepper = PaperMlpStepper(&rng);
  if (!stepper.ok()) {
    state.SkipWithError(std::string(stepper.status().message()).c_str());
    return;
  }
  Matrix x(kBatch, kInputDim), y(kBatch, kClasses);  // x: [B, d], y: [B, C]
  FillUniform(0.0, 1.0, &rng, &x);
  FillUniform(-1.0, 1.0, &rng, &y);

  for (auto _ : state) {
    const absl::Status status = (*stepper)->Step(x, y, &rng);
    if (!status.ok()) {
      state.SkipWithError(std::string(status.message()).c_str());
      break;
    }
    benchmark::DoNotOptimize(
        (*stepper)->model().weighted_layer(0).weight().data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.counters["flops"] = benchmark::Counter(
      static_cast<double>(TrainStepFlops()) * state.iterations(),
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TrainStep)->Unit(benchmark::kMillisecond)->UseRealTime();

// The forward pass alone (2 B S FLOPs).
void BM_Forward(benchmark::State& state) {
  Rng rng(/*seed=*/2);
  absl::StatusOr<Model> mlp = PaperMlp(&rng);
  if (!mlp.ok()) {
    state.SkipWithError(std::string(mlp.status().message()).c_str());
    return;
  }
  Matrix x(kBatch, kInputDim);
  FillUniform(0.0, 1.0, &rng, &x);
  ModelCache cache;

  for (auto _ : state) {
    mlp->Forward(x, &cache);
    benchmark::DoNotOptimize(cache.output().data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.counters["flops"] = benchmark::Counter(
      static_cast<double>(ForwardFlops()) * state.iterations(),
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Forward)->Unit(benchmark::kMillisecond)->UseRealTime();

// A training epoch over kEpochSamples samples as the trainer runs it: a
// fresh shuffle, each batch gathered from the split, then the step.
// (kEpochSamples / B) full steps and one of the remaining rows.
void BM_TrainEpoch(benchmark::State& state) {
  Rng rng(/*seed=*/3);
  absl::StatusOr<std::unique_ptr<TrainStepper>> stepper = PaperMlpStepper(&rng);
  if (!stepper.ok()) {
    state.SkipWithError(std::string(stepper.status().message()).c_str());
    return;
  }
  Matrix x(kEpochSamples, kInputDim), y(kEpochSamples, kClasses);
  FillUniform(0.0, 1.0, &rng, &x);
  FillUniform(-1.0, 1.0, &rng, &y);
  std::vector<int> order(kEpochSamples);
  std::iota(order.begin(), order.end(), 0);
  Matrix batch_x, batch_y;

  for (auto _ : state) {
    rng.Shuffle(&order);
    for (int begin = 0; begin < kEpochSamples; begin += kBatch) {
      const int rows = std::min(kBatch, kEpochSamples - begin);
      batch_x.resize(rows, kInputDim);
      batch_y.resize(rows, kClasses);
      for (int r = 0; r < rows; ++r) {
        batch_x.row(r) = x.row(order[begin + r]);
        batch_y.row(r) = y.row(order[begin + r]);
      }
      const absl::Status status = (*stepper)->Step(batch_x, batch_y, &rng);
      if (!status.ok()) {
        state.SkipWithError(std::string(status.message()).c_str());
        return;
      }
    }
    benchmark::ClobberMemory();
  }
  // The step's FLOPs scale with its rows.
  const double epoch_flops = static_cast<double>(TrainStepFlops()) *
                             kEpochSamples / static_cast<double>(kBatch);
  state.SetItemsProcessed(state.iterations() * kEpochSamples);
  state.counters["flops"] = benchmark::Counter(
      epoch_flops * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TrainEpoch)->Unit(benchmark::kMillisecond)->UseRealTime();

NFALAB_BENCHMARK_BEST_SGEMM();

}  // namespace
}  // namespace nfalab
