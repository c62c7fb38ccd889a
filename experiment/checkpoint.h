// Checkpoints: the model (W, W0, biases), the optimizer state, the
// minibatch-order RNG and order, the epoch and step, and the metrics so far,
// in one binary protobuf file (DIR/checkpoint.pb), written atomically.
#ifndef NFALAB_EXPERIMENT_CHECKPOINT_H_
#define NFALAB_EXPERIMENT_CHECKPOINT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/random.h"
#include "experiment/checkpoint.pb.h"
#include "experiment/experiment_config.pb.h"
#include "experiment/metrics_table.h"
#include "layers/mlp.h"
#include "optimizers/optimizer.h"

namespace nfalab {

// What the training loop needs besides the model and the optimizer.
struct LoopState {
  int epochs_done = 0;
  int64_t step = 0;
  Rng order_rng{0};
  std::vector<int> order;
  MetricsTable table;
  double elapsed_seconds = 0;
};

constexpr char kCheckpointFile[] = "checkpoint.pb";

absl::Status WriteCheckpoint(const std::string& path,
                             const ExperimentConfig& config, const Mlp& model,
                             const Optimizer& optimizer,
                             const LoopState& state);

// NotFound naming the path, or InvalidArgument for a file that does not
// parse as a checkpoint.
absl::StatusOr<Checkpoint> ReadCheckpoint(const std::string& path);

// Restores `model` (built from the checkpoint's config), `optimizer` and
// `state`; InvalidArgument if shapes or counts disagree or the example order
// is not a permutation.
absl::Status RestoreCheckpoint(const Checkpoint& checkpoint, Mlp* model,
                               Optimizer* optimizer, LoopState* state);

}  // namespace nfalab

#endif  // NFALAB_EXPERIMENT_CHECKPOINT_H_
