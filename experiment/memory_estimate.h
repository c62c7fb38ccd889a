// The memory a training run needs, estimated from its config before anything
// big is allocated, so that a run that cannot fit is refused at once instead
// of being killed by the kernel minutes later.
//
//   NFALAB_RETURN_IF_ERROR(CheckMemoryBeforeLoading(config));
//   ... load the data ...
//   NFALAB_RETURN_IF_ERROR(CheckMemoryAfterLoading(config, data));
//
// The formulas follow the allocations of experiment/trainer.cc and what it
// calls (layers/sequential.cc, layers/tangent_features.cc, metrics/ptk.cc,
// experiment/measurement.cc, optimizers/, experiment/checkpoint.cc). With
//   k_0 = d inputs, k_1..k_L the hidden widths, k_{L+1} = C outputs
//   (for a model.layers list: the out_features of its layers; layers
//   without one are not counted),
//   layer l = 1..L+1 holding W_l: [k_l, k_{l-1}],
//   P = sum_l k_l k_{l-1} (+ sum_l k_l with biases)   parameters per copy,
//   A = sum_l (k_{l-1} + k_l)          cached floats per sample of a forward,
//   k_max = max_l k_l (l = 0..L+1),
//   B = min(batch_size, n_train),  m = the measurement subset's size,
//   c = min(chunk_size, m),  M = the measured layers,
//   n = n_train + n_test,  f = 4 (float; 8 for training.precision FLOAT64),
//   g = 8 (double),  i = 4 (label),
// the parts are, in bytes:
//
//   always held
//     parameters       f (2 sum_l k_l k_{l-1} + sum_l k_l [bias])  W, W0, b
//     optimizer_state  s f P with s buffers per parameter: 1 for sgd and slo
//                      with momentum (0 without), 2 (as Adam) for any other
//                      optimizer, e.g. a plugin's
//     gradients        f P
//     batch            f B (A + d + 2C + 3 k_max) + i B: the forward cache,
//                      the minibatch, dL/df and the backward temporaries
//     data             f n (d + C) + i n [classification]: both splits
//     kernels          g sum_{l in M} k_l^2 + f m (d + C) + i m: the last K
//                      of every measured layer and the measurement subset
//     runtime          64 MiB: the binary, its libraries and OpenBLAS's
//                      per-thread GEMM buffers
//   held in turn (the largest counts)
//     evaluation       f (n_max C + 2 min(n_max, 4096) k_max): Predict on the
//                      larger split
//     measurement      the largest of
//                      - computing K: (g + f) sum_{l in M} k_l^2
//                        + f c (d + C sum_{l>=1} k_l + A + k_max + C k_max),
//                        the chunk's tangent features of every layer
//                        (c C k_l each), its forward pass and the
//                        cotangents between two weighted layers;
//                      - the measures: g (2 k_l k_{l-1} + 2 k_{l-1}^2)
//                        for the largest measured layer (W, K W, W^T W and
//                        W^T K W in double, as the built-in NFCs);
//                      - the early predictor: f m (A + C) + f P + computing K.
//     checkpoint       3 (parameters + optimizer_state): the Checkpoint
//                      proto, its serialised payload and the serialised
//                      CheckpointFile (with checkpoint_every > 0; the
//                      checkpoint of an interrupt is not counted)
//
//   peak = the always-held parts + the largest held-in-turn part.
//
// Not counted: the metrics table (about 100 bytes a row), the example order
// (4 bytes a training row), a resumed run's checkpoint (kept while it runs),
// the reading buffers of file sources (freed after loading), .npy export
// buffers (one matrix at a time), slo's weight-decayed gradient (one layer at
// a time), and the extra k_{l-1}^2 doubles of the measures that take matrix
// powers or SVDs. Against the peak RSS of real runs of 220 to 300 MiB
// (width 500, 20000 samples, 50 outputs) it was 3% to 14% high; small runs
// are dominated by the fixed runtime part.
//
// A refusal names the parts and the config fields behind the largest share
// of the peak (MemoryLever): W, gradients, optimizer state and hidden K grow
// with the width, the readout's K and tangent features with C x C.
#ifndef NFALAB_EXPERIMENT_MEMORY_ESTIMATE_H_
#define NFALAB_EXPERIMENT_MEMORY_ESTIMATE_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "datasets/dataset.h"
#include "experiment/experiment_config.pb.h"

namespace nfalab {

// The data sizes the estimate depends on.
struct DataShape {
  int64_t input_dim = 1;   // d
  int64_t output_dim = 1;  // C
  int64_t train_size = 1;  // Rows of each split actually used.
  int64_t test_size = 0;
  bool classification = false;  // One int label per row is kept.
};

// From the config alone: exact for the synthetic source, and lower bounds
// (d = C = 1, one training row, no test rows) for the file sources, whose
// sizes are known only once their files are read.
DataShape DataShapeFromConfig(const ExperimentConfig& config);

// The shape of loaded data.
DataShape DataShapeOf(const DatasetSplits& data);

// What a user can change to shrink a term of the estimate.
enum class MemoryLever {
  kWidth,    // model.width / widths / depth: W, gradients, state, K.
  kBatch,    // training.batch_size.
  kData,     // data.n_train / n_test: the splits and their evaluation.
  kSubset,   // measurement.measure_samples: forward passes over the subset.
  kChunk,    // measurement.chunk_size: the tangent features of a chunk.
  kOutputs,  // The data's outputs C: the readout's C x C tangent features.
};
inline constexpr int kNumMemoryLevers = 6;

// Bytes per part (see the file comment); doubles, so that absurd configs
// cannot overflow.
struct MemoryEstimate {
  double parameters = 0;
  double optimizer_state = 0;
  double gradients = 0;
  double batch = 0;
  double data = 0;
  double kernels = 0;
  double runtime = 0;
  double evaluation = 0;
  double measurement = 0;
  double checkpoint = 0;

  // The peak split by lever (indexed by MemoryLever), and C.
  std::array<double, kNumMemoryLevers> peak_by_lever{};
  int64_t output_dim = 1;

  double AlwaysHeld() const;
  double LargestHeldInTurn() const;
  double Peak() const { return AlwaysHeld() + LargestHeldInTurn(); }
};

// `config` must be valid (ValidateConfig).
MemoryEstimate EstimateRunMemory(const ExperimentConfig& config,
                                 const DataShape& shape);

// ResourceExhausted unless the estimate's peak fits in `available_bytes`:
//   "this run needs about 74.5 GiB (parameters W, W0 37.3 GiB, gradients
//    18.6 GiB, ...) but 22.9 GiB is available; reduce model.width /
//    model.widths / model.depth"
// naming the levers behind at least a fifth of the peak (at least one). With
// `data_loaded`, the data part is already allocated: it counts as available
// too.
absl::Status CheckEstimateFits(const MemoryEstimate& estimate,
                               double available_bytes, bool data_loaded);

// The checks of a run, against AvailableMemoryBytes() (skipped if the system
// does not say): before loading with DataShapeFromConfig, after loading with
// the data's real shape.
absl::Status CheckMemoryBeforeLoading(const ExperimentConfig& config);
absl::Status CheckMemoryAfterLoading(const ExperimentConfig& config,
                                     const DatasetSplits& data);

// "1.5 GiB", "12.0 MiB", "512 B".
std::string FormatBytes(double bytes);

}  // namespace nfalab

#endif  // NFALAB_EXPERIMENT_MEMORY_ESTIMATE_H_
