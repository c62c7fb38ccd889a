// Benchmarks of the convolutional hot paths (issue 11) beside the machine's
// best GEMM rate (square sgemm 1024 / 2048 / 4096 on the BLAS backend,
// gemm_reference.h), all in one binary, so that every benchmark's `flops`
// divided by the best BM_SquareSgemm `flops` is its fraction of the GEMM
// limit, read off one run.
//
// The small VGG is the model.vgg preset of the main conv job
// (experiment/configs/fashion_mnist_vgg.pbtxt): configuration A with
// channels x 1/8 and classifier width 256 with dropout 0.5, on 1 x 32 x 32
// images (Fashion-MNIST padded to 32): conv 8, M, 16, M, 32, 32, M, 64, 64,
// M, 64, 64, M, global_avgpool, flatten, linear 256, 256, 10, ReLU after
// every conv and hidden linear layer, 3 x 3 convs (padding 1, bias), 2 x 2
// pools. The training step runs in training mode (dropout on); K in
// evaluation mode, as measurement does.
//
// FLOP counts. A weighted layer l (layers/layer.h) applies W_l: [k_l, p_l] at
// P_l positions, so one pass over n samples (or cotangent rows) is the GEMM
//   F_l(n) = 2 n k_l p_l P_l
// (conv: p = C_in kh kw, P = H_out W_out; linear: P = 1). Counted are:
//   training step   forward sum_l F_l(B) + dW sum_l F_l(B)
//                   + d_x sum_{l >= 2} F_l(B)           (no d_x for layer 1)
//                   = 3 sum_l F_l(B) - F_1(B)
//   one conv layer  forward + d_x + dW = 3 F(B)
//   K of the convs  forward sum_l F_l(m)
//                   + tangent chain C sum_{l >= 2} F_l(m)  (the C unit
//                     cotangents pushed down to conv 1, through every
//                     weighted layer above it, linear ones included)
//                   + rank updates m C sum_{conv l} P_l k_l^2
//                     (SYRK: lower triangle only, half of 2 m C P k^2)
// Not counted: elementwise and data-movement work (bias, db, ReLU and its
// derivative, pooling, im2col / col2im, the loss, the SGD update, the
// mirror and scaling of K): each is linear in the activations or the
// parameters, not a product of layer sizes.
// The counts are computed below from the built layers; for the record:
//   BM_SmallVggTrainStep     B = 128              1,914,568,704 FLOPs
//   BM_Vgg11Conv256TrainStep B = 128, 256 -> 256 at 8 x 8
//                                                28,991,029,248 FLOPs
//   BM_SmallVggConvK         m = 1000, C = 10    58,170,368,000 FLOPs
//   BM_SquareSgemm/n         2 n^3               (n = 2048: 17,179,869,184)
//
// Rates use wall time (UseRealTime): OpenBLAS runs on both cores, on threads
// the benchmark's CPU clock does not see. `bazel test` sets
// OPENBLAS_NUM_THREADS=1 for its smoke run; `bazel run` leaves both threads.
//
//   bazel run //benchmarks/conv:conv_benchmark -- --benchmark_min_time=0.2
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "benchmark/benchmark.h"
#include "benchmarks/gemm_reference.h"
#include "benchmarks/train_step.h"
#include "core/random.h"
#include "core/sample_shape.h"
#include "core/tensor.h"
#include "layers/layer.h"
#include "layers/loss.h"
#include "layers/model_config.pb.h"
#include "layers/sequential.h"
#include "metrics/ptk.h"
#include "optimizers/optimizer.h"
#include "optimizers/optimizer_config.pb.h"

namespace nfalab {
namespace {

constexpr int kBatch = 128;
constexpr int kClasses = 10;
constexpr int kKSamples = 1000;  // The "K on 1000 images".
constexpr SampleShape kImage = {1, 32, 32};

// F(n) = 2 n k p P: one GEMM pass of `layer` over n rows.
double PassFlops(const BasicWeightedLayer<float>& layer, int64_t n) {
  return 2.0 * n * layer.units() * layer.fan_in() * layer.positions();
}

// The small VGG of experiment/configs/fashion_mnist_vgg.pbtxt.
ModelConfig SmallVggConfig() {
  ModelConfig config;
  VggConfig* vgg = config.mutable_vgg();
  vgg->set_configuration("A");
  vgg->set_width_multiplier(0.125);
  vgg->set_classifier_width(256);
  vgg->set_dropout(0.5);
  return config;
}

absl::StatusOr<Model> SmallVgg(Rng* rng) {
  return Model::Create(SmallVggConfig(), kImage, kClasses, rng);
}

// 3 sum_l F_l(B) - F_1(B).
double TrainStepFlops(const Model& model) {
  double flops = -PassFlops(model.weighted_layer(0), kBatch);
  for (int l = 0; l < model.num_weighted_layers(); ++l) {
    flops += 3 * PassFlops(model.weighted_layer(l), kBatch);
  }
  return flops;
}

// The machine's GEMM limit that the other `flops` are divided by.
NFALAB_BENCHMARK_BEST_SGEMM();

// Forward, MSE loss with dL/df, Backward and one SGD step on a fixed batch,
// as the trainer (and benchmarks/layers/train_step_benchmark.cc) does.
void BM_SmallVggTrainStep(benchmark::State& state) {
  Rng rng(/*seed=*/1);
  absl::StatusOr<Model> vgg = SmallVgg(&rng);
  absl::StatusOr<std::unique_ptr<TrainStepper>> stepper =
      vgg.ok() ? TrainStepper::Create(*std::move(vgg)) : vgg.status();
  if (!stepper.ok()) {
    state.SkipWithError(std::string(stepper.status().message()).c_str());
    return;
  }
  Matrix x(kBatch, kImage.size()), y(kBatch, kClasses);
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
  state.counters["flops"] =
      benchmark::Counter(TrainStepFlops((*stepper)->model()) *
                             state.iterations(),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SmallVggTrainStep)->Unit(benchmark::kMillisecond)->UseRealTime();

// The conv work of a training step on full-width VGG11's 256 -> 256 layer
// at 8 x 8 (its third block on 32 x 32 images): Forward, then Backward with
// d_x, dW and db for a fixed d_h (what the loss would hand down). The SGD
// update is elementwise and left out.
void BM_Vgg11Conv256TrainStep(benchmark::State& state) {
  Rng rng(/*seed=*/2);
  LayerSpec spec;
  spec.set_type("conv2d");
  spec.set_out_channels(256);
  absl::StatusOr<std::unique_ptr<BasicLayer<float>>> conv =
      CreateLayer<float>(spec, SampleShape{256, 8, 8});
  if (!conv.ok()) {
    state.SkipWithError(std::string(conv.status().message()).c_str());
    return;
  }
  BasicWeightedLayer<float>& weighted = *(*conv)->AsWeighted();
  weighted.Initialise(ModelConfig::PYTORCH_UNIFORM, /*scale=*/1.0, &rng);
  Matrix x(kBatch, (*conv)->input_size());
  Matrix d_h(kBatch, (*conv)->output_size());
  FillUniform(0.0, 1.0, &rng, &x);
  FillUniform(-1.0, 1.0, &rng, &d_h);
  Matrix h, kept, d_x, d_weight;
  Vector d_bias;

  for (auto _ : state) {
    (*conv)->Forward(x, &h, &kept);
    (*conv)->Backward(x, h, kept, d_h, /*rows_per_sample=*/1, &d_x, &d_weight,
                      &d_bias);
    benchmark::DoNotOptimize(d_x.data());
    benchmark::DoNotOptimize(d_weight.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.counters["flops"] =
      benchmark::Counter(3 * PassFlops(weighted, kBatch) * state.iterations(),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Vgg11Conv256TrainStep)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// K of all 8 conv layers of the small VGG on m = 1000 images through
// ComputePtk, the function Measurement::ComputeKernels calls, with
// measurement's defaults (PtkOptions): at most 2^22 entries per chunk, here
// 8 samples ((C + 1) sum_j s_j = 11 * 43466 per sample).
void BM_SmallVggConvK(benchmark::State& state) {
  Rng rng(/*seed=*/3);
  absl::StatusOr<Model> vgg = SmallVgg(&rng);
  if (!vgg.ok()) {
    state.SkipWithError(std::string(vgg.status().message()).c_str());
    return;
  }
  Matrix x(kKSamples, kImage.size());
  FillUniform(0.0, 1.0, &rng, &x);
  std::vector<int> convs;
  // Forward and tangent chain (see the top); the readout takes no rank
  // update but its F_l counts in both.
  double flops = PassFlops(vgg->weighted_layer(0), kKSamples);
  for (int l = 0; l < vgg->num_weighted_layers(); ++l) {
    const BasicWeightedLayer<float>& layer = vgg->weighted_layer(l);
    if (l > 0) flops += (1 + kClasses) * PassFlops(layer, kKSamples);
    if (layer.type() != "conv2d") continue;
    convs.push_back(l);
    flops += static_cast<double>(kKSamples) * kClasses * layer.positions() *
             layer.units() * layer.units();
  }
  if (convs.size() != 8) {
    state.SkipWithError("the small VGG should have 8 conv layers");
    return;
  }

  for (auto _ : state) {
    absl::StatusOr<std::vector<MatrixD>> k =
        ComputePtk(*vgg, x, convs, PtkOptions());
    if (!k.ok()) {
      state.SkipWithError(std::string(k.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(k->front().data());
  }
  state.SetItemsProcessed(state.iterations() * kKSamples);
  state.counters["flops"] = benchmark::Counter(flops * state.iterations(),
                                               benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SmallVggConvK)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace nfalab
