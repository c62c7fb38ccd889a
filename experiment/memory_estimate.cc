#include "experiment/memory_estimate.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/parallel.h"
#include "core/system_memory.h"
#include "experiment/measurement.h"
#include "layers/sequential.h"

namespace nfalab {
namespace {

constexpr double kFloat = sizeof(float);
constexpr double kDouble = sizeof(double);
constexpr double kLabel = sizeof(int);
// Rows per chunk of Model::Predict, at most (its default).
constexpr double kPredictChunkRows = Model::kPredictChunkRows;
// The binary, its libraries and OpenBLAS's per-thread GEMM buffers: about
// 10 MiB before the first product, about 55 MiB on 2 cores after large ones.
constexpr double kRuntimeBytes = 64 << 20;

// k_0 = d, k_1..k_L, k_{L+1} = C. For a layer list or a VGG: the resolved
// out_features of its layers (layers/sequential.h, ResolveLayers); layers
// without one (conv2d, pools) are not counted, so the estimate leaves out
// a convolution's activations.
std::vector<double> LayerWidths(const ModelConfig& model,
                                const DataShape& shape) {
  std::vector<double> widths = {static_cast<double>(shape.input_dim)};
  if (model.layers_size() > 0 || model.has_vgg()) {
    const absl::StatusOr<std::vector<LayerSpec>> layers = ResolveLayers(
        model, SampleShape::Flat(static_cast<int>(shape.input_dim)),
        static_cast<int>(shape.output_dim));
    if (layers.ok()) {
      for (const LayerSpec& layer : *layers) {
        if (layer.out_features() > 0) widths.push_back(layer.out_features());
      }
    }
    if (widths.size() == 1) widths.push_back(shape.output_dim);
    return widths;
  }
  for (int l = 0; l < model.depth(); ++l) {
    widths.push_back(model.widths_size() > 0 ? model.widths(l) : model.width());
  }
  widths.push_back(static_cast<double>(shape.output_dim));
  return widths;
}

// Momentum-like buffers the optimizer keeps per parameter.
double OptimizerBuffers(const OptimizerConfig& optimizer) {
  if (optimizer.name() == "sgd" || optimizer.name() == "slo") {
    return optimizer.momentum() != 0 ? 1 : 0;
  }
  return 2;  // As Adam: first and second moments.
}

// Bytes split by lever.
struct Tally {
  std::array<double, kNumMemoryLevers> by_lever{};

  void Add(MemoryLever lever, double bytes) {
    by_lever[static_cast<int>(lever)] += bytes;
  }
  void Add(const Tally& other) {
    for (int i = 0; i < kNumMemoryLevers; ++i) by_lever[i] += other.by_lever[i];
  }
  double total() const {
    double sum = 0;
    for (double bytes : by_lever) sum += bytes;
    return sum;
  }
};

const Tally& Largest(std::initializer_list<const Tally*> tallies) {
  const Tally* largest = *tallies.begin();
  for (const Tally* tally : tallies) {
    if (tally->total() > largest->total()) largest = tally;
  }
  return *largest;
}

std::string LeverFields(MemoryLever lever, int64_t output_dim) {
  switch (lever) {
    case MemoryLever::kWidth:
      return "model.width / model.widths / model.depth";
    case MemoryLever::kBatch:
      return "training.batch_size";
    case MemoryLever::kData:
      return "data.n_train / data.n_test";
    case MemoryLever::kSubset:
      return "measurement.measure_samples";
    case MemoryLever::kChunk:
      return "measurement.chunk_size";
    case MemoryLever::kOutputs:
      return absl::StrCat("the data's ", output_dim,
                          " outputs (its class count)");
  }
  return "";
}

}  // namespace

DataShape DataShapeFromConfig(const ExperimentConfig& config) {
  DataShape shape;
  const DatasetConfig& data = config.data();
  if (data.source() != "synthetic") return shape;  // Lower bounds.
  const SyntheticOptions& synthetic = data.synthetic();
  const bool teacher = synthetic.target() == SyntheticOptions::TEACHER_MLP;
  shape.input_dim =
      int64_t{synthetic.input_dim()} + synthetic.irrelevant_dims();
  shape.output_dim = teacher ? synthetic.num_outputs() : 1;
  shape.train_size = data.n_train();
  shape.test_size = data.n_test();
  shape.classification = teacher && synthetic.classify();
  return shape;
}

DataShape DataShapeOf(const DatasetSplits& data) {
  DataShape shape;
  shape.input_dim = data.train.input_dim();
  shape.output_dim = data.train.output_dim();
  shape.train_size = data.train.size();
  shape.test_size = data.test.size();
  shape.classification = data.train.is_classification();
  return shape;
}

double MemoryEstimate::AlwaysHeld() const {
  return parameters + optimizer_state + gradients + batch + data + kernels +
         runtime;
}

double MemoryEstimate::LargestHeldInTurn() const {
  return std::max({evaluation, measurement, checkpoint});
}

MemoryEstimate EstimateRunMemory(const ExperimentConfig& config,
                                 const DataShape& shape) {
  using Lever = MemoryLever;
  // Bytes of the run's scalar type.
  const double f = config.training().precision() == TrainingConfig::FLOAT64
                       ? kDouble
                       : kFloat;
  const std::vector<double> k = LayerWidths(config.model(), shape);
  const int num_layers = static_cast<int>(k.size()) - 1;  // L + 1.
  const double d = k.front(), c_out = k.back();
  double weights = 0, biases = 0, cached = 0, hidden_preactivations = 0;
  for (int l = 1; l <= num_layers; ++l) {
    weights += k[l] * k[l - 1];
    biases += k[l];
    cached += k[l - 1] + k[l];
    if (l < num_layers) hidden_preactivations += k[l];
  }
  if (!config.model().bias()) biases = 0;
  const double k_max = *std::max_element(k.begin(), k.end());
  const double per_copy = f * (weights + biases);

  const MeasurementConfig& measuring = config.measurement();
  const double n_train = static_cast<double>(shape.train_size);
  const double n_test = static_cast<double>(shape.test_size);
  const double label = shape.classification ? kLabel : 0;
  const double batch =
      std::min<double>(config.training().batch_size(), n_train);
  const double m = measuring.measure_samples() == 0
                       ? n_train
                       : std::min<double>(measuring.measure_samples(), n_train);
  const double chunk = std::min<double>(measuring.chunk_size(), m);
  const bool enabled = measuring.measure_every() > 0;
  // K is k_l x k_l: the width's doing for hidden layers, C's for the readout.
  double kernel_squares = 0, readout_kernel_squares = 0, largest_measured = 0;
  for (int l : MeasuredLayers(measuring, num_layers)) {
    if (l < 0 || l >= num_layers) continue;  // Refused by the trainer.
    const double k_out = k[l + 1], k_in = k[l];
    (l + 1 == num_layers ? readout_kernel_squares : kernel_squares) +=
        k_out * k_out;
    largest_measured =
        std::max(largest_measured, 2 * k_out * k_in + 2 * k_in * k_in);
  }

  Tally parameters, optimizer_state, gradients, batch_buffers, data, kernels;
  parameters.Add(Lever::kWidth, f * (2 * weights + biases));
  optimizer_state.Add(Lever::kWidth,
                      OptimizerBuffers(config.optimizer()) * per_copy);
  gradients.Add(Lever::kWidth, per_copy);
  batch_buffers.Add(
      Lever::kBatch,
      f * batch * (cached + d + 2 * c_out + 3 * k_max) + label * batch);
  data.Add(Lever::kData, (f * (d + c_out) + label) * (n_train + n_test));
  // The subset exists even when nothing is measured.
  kernels.Add(Lever::kSubset, (f * (d + c_out) + label) * m);
  if (enabled) {
    kernels.Add(Lever::kWidth, kDouble * kernel_squares);
    kernels.Add(Lever::kOutputs, kDouble * readout_kernel_squares);
  }

  Tally evaluation, measurement, checkpoint;
  const double n_max = std::max(n_train, n_test);
  evaluation.Add(
      Lever::kData,
      f * (n_max * c_out + 2 * std::min(n_max, kPredictChunkRows) * k_max));
  if (enabled || !config.export_dir().empty()) {
    // ComputePtk holds a chunk, its walk and its float sums per worker
    // thread (metrics/ptk.h), as many as there are chunks at most.
    const double workers =
        std::min<double>(ParallelWorkers(), std::ceil(m / chunk));
    Tally computing_k;
    computing_k.Add(Lever::kWidth, (kDouble + workers * f) * kernel_squares);
    computing_k.Add(Lever::kOutputs,
                    (kDouble + workers * f) * readout_kernel_squares);
    computing_k.Add(Lever::kChunk,
                    workers * f * chunk *
                        (d + c_out * hidden_preactivations + cached + k_max));
    computing_k.Add(Lever::kOutputs, workers * f * chunk * c_out * c_out);
    // The cotangents between two weighted layers.
    computing_k.Add(Lever::kChunk, workers * f * chunk * c_out * k_max);
    Tally measures, early_predictor;
    if (enabled) {
      measures.Add(Lever::kWidth, kDouble * largest_measured);
    }
    if (enabled && measuring.early_predictor()) {
      early_predictor.Add(Lever::kSubset, f * m * (cached + c_out));
      early_predictor.Add(Lever::kWidth, per_copy);
      early_predictor.Add(computing_k);
    }
    measurement = Largest({&computing_k, &measures, &early_predictor});
  }
  // Not for the checkpoint an interrupt writes: counting that rare event
  // would refuse runs that fit (a failure then is a bad_alloc error line).
  for (int copy = 0; config.checkpoint_every() > 0 && copy < 3; ++copy) {
    checkpoint.Add(parameters);
    checkpoint.Add(optimizer_state);
  }

  MemoryEstimate estimate;
  estimate.parameters = parameters.total();
  estimate.optimizer_state = optimizer_state.total();
  estimate.gradients = gradients.total();
  estimate.batch = batch_buffers.total();
  estimate.data = data.total();
  estimate.kernels = kernels.total();
  estimate.evaluation = evaluation.total();
  estimate.measurement = measurement.total();
  estimate.checkpoint = checkpoint.total();
  estimate.runtime = kRuntimeBytes;
  Tally peak;
  for (const Tally* part : {&parameters, &optimizer_state, &gradients,
                            &batch_buffers, &data, &kernels}) {
    peak.Add(*part);
  }
  peak.Add(Largest({&evaluation, &measurement, &checkpoint}));
  estimate.peak_by_lever = peak.by_lever;
  estimate.output_dim = shape.output_dim;
  return estimate;
}

std::string FormatBytes(double bytes) {
  const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return absl::StrFormat("%.0f B", bytes);
  int unit = -1;
  while (bytes >= 1024 && unit + 1 < static_cast<int>(std::size(kUnits))) {
    bytes /= 1024;
    ++unit;
  }
  return absl::StrFormat("%.1f %s", bytes, kUnits[unit]);
}

absl::Status CheckEstimateFits(const MemoryEstimate& estimate,
                               double available_bytes, bool data_loaded) {
  const double available = available_bytes + (data_loaded ? estimate.data : 0);
  const double peak = estimate.Peak();
  if (peak <= available) return absl::OkStatus();

  const std::pair<const char*, double> always_held[] = {
      {"parameters W, W0", estimate.parameters},
      {"optimizer state", estimate.optimizer_state},
      {"gradients", estimate.gradients},
      {"batch activations", estimate.batch},
      {"data", estimate.data},
      {"measurement subset and K", estimate.kernels},
      {"libraries and BLAS buffers", estimate.runtime},
  };
  const std::pair<const char*, double> in_turn[] = {
      {"while evaluating", estimate.evaluation},
      {"while measuring", estimate.measurement},
      {"while checkpointing", estimate.checkpoint},
  };
  std::vector<std::string> parts;
  for (const auto& [label, bytes] : always_held) {
    if (bytes > 0)
      parts.push_back(absl::StrCat(label, " ", FormatBytes(bytes)));
  }
  const auto& [phase, phase_bytes] = *std::max_element(
      std::begin(in_turn), std::end(in_turn),
      [](const auto& a, const auto& b) { return a.second < b.second; });
  if (phase_bytes > 0) {
    parts.push_back(absl::StrCat("and ", FormatBytes(phase_bytes), " ", phase));
  }
  // The levers behind at least a fifth of the peak, largest first.
  std::vector<int> levers(kNumMemoryLevers);
  std::iota(levers.begin(), levers.end(), 0);
  std::stable_sort(levers.begin(), levers.end(), [&](int a, int b) {
    return estimate.peak_by_lever[a] > estimate.peak_by_lever[b];
  });
  std::vector<std::string> fields;
  for (int lever : levers) {
    if (!fields.empty() && estimate.peak_by_lever[lever] < 0.2 * peak) break;
    fields.push_back(
        LeverFields(static_cast<MemoryLever>(lever), estimate.output_dim));
  }
  return absl::ResourceExhaustedError(absl::StrCat(
      "this run needs about ", FormatBytes(peak), " (",
      absl::StrJoin(parts, ", "), ") but ", FormatBytes(available),
      " is available", data_loaded ? " (counting the loaded data)" : "",
      "; reduce ", absl::StrJoin(fields, ", or ")));
}

absl::Status CheckMemoryBeforeLoading(const ExperimentConfig& config) {
  const absl::StatusOr<int64_t> available = AvailableMemoryBytes();
  if (!available.ok()) return absl::OkStatus();  // Cannot tell: let it run.
  return CheckEstimateFits(
      EstimateRunMemory(config, DataShapeFromConfig(config)),
      static_cast<double>(*available), /*data_loaded=*/false);
}

absl::Status CheckMemoryAfterLoading(const ExperimentConfig& config,
                                     const DatasetSplits& data) {
  const absl::StatusOr<int64_t> available = AvailableMemoryBytes();
  if (!available.ok()) return absl::OkStatus();
  return CheckEstimateFits(EstimateRunMemory(config, DataShapeOf(data)),
                           static_cast<double>(*available),
                           /*data_loaded=*/true);
}

}  // namespace nfalab
