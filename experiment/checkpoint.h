// Checkpoints: the model (W, W0, biases), the optimizer state, the
// minibatch-order and dropout RNGs, the order, the epoch and step, and the
// metrics so far, in one binary protobuf file (DIR/checkpoint.pb), written
// atomically.
//
// The file is a CheckpointFile envelope (experiment/checkpoint.proto): a
// magic string, the format version, the nfalab version, and the SHA-256 of
// the payload, a serialized Checkpoint. Readers check all of them before
// trusting a byte of the payload, so a corrupt, truncated or foreign file is
// refused with the reason instead of resuming with different numbers.
#ifndef NFALAB_EXPERIMENT_CHECKPOINT_H_
#define NFALAB_EXPERIMENT_CHECKPOINT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/random.h"
#include "experiment/checkpoint.pb.h"
#include "experiment/experiment_config.pb.h"
#include "layers/sequential.h"
#include "optimizers/optimizer.h"
#include "report/metrics_table.h"

namespace nfalab {

// What the training loop needs besides the model and the optimizer.
struct LoopState {
  int epochs_done = 0;
  int64_t step = 0;
  // Examples of epoch `epochs_done` trained so far; -1 before the epoch
  // started (its order is not shuffled yet).
  int epoch_position = -1;
  Rng order_rng{0};
  // Draws the masks of training-mode layers (dropout).
  Rng training_rng{0};
  std::vector<int> order;
  MetricsTable table;
  double elapsed_seconds = 0;
  // K_l at initialisation per measured layer, kept for c_nfc_k0 (empty
  // unless the run measures it).
  std::vector<MatrixD> initial_ptks;
};

constexpr char kCheckpointFile[] = "checkpoint.pb";

// CheckpointFile.magic and the only format_version this nfalab reads.
inline constexpr char kCheckpointMagic[] = "nfalab checkpoint";
inline constexpr int kCheckpointFormatVersion = 2;

// The model's tensors are saved in its scalar type (double for a FLOAT64
// run, training.precision).
template <typename Scalar>
absl::Status WriteCheckpoint(const std::string& path,
                             const ExperimentConfig& config,
                             const BasicSequential<Scalar>& model,
                             const Optimizer& optimizer,
                             const LoopState& state);

// The file's bytes for `checkpoint`: the envelope with the magic, the
// current format version, checkpoint.nfalab_version() and the payload's
// SHA-256.
std::string SerializeCheckpoint(const Checkpoint& checkpoint);

// Checks the envelope and returns its payload. InvalidArgument naming
// `source_name` and the reason for: a file that is not an nfalab checkpoint
// (including the bare Checkpoint of nfalab before 0.9.0, which has no
// checksum), another format version (both versions are named), a truncated
// file, a payload whose SHA-256 differs from the recorded one, a payload
// that does not parse, and an nfalab version that differs between the
// envelope and the payload. A checkpoint written by another nfalab release
// with the same format version loads.
absl::StatusOr<Checkpoint> ParseCheckpoint(absl::string_view bytes,
                                           absl::string_view source_name);

// ReadFile + ParseCheckpoint: NotFound naming the path, or the errors above.
absl::StatusOr<Checkpoint> ReadCheckpoint(const std::string& path);

// Restores `model` (built from the checkpoint's config), `optimizer` and
// `state`; InvalidArgument if shapes or counts disagree, the example order
// is not a permutation, or the tensors are of another precision than the
// model.
template <typename Scalar>
absl::Status RestoreCheckpoint(const Checkpoint& checkpoint,
                               BasicSequential<Scalar>* model,
                               Optimizer* optimizer, LoopState* state);

extern template absl::Status WriteCheckpoint(const std::string&,
                                             const ExperimentConfig&,
                                             const Model&, const Optimizer&,
                                             const LoopState&);
extern template absl::Status WriteCheckpoint(const std::string&,
                                             const ExperimentConfig&,
                                             const ModelD&, const Optimizer&,
                                             const LoopState&);
extern template absl::Status RestoreCheckpoint(const Checkpoint&, Model*,
                                               Optimizer*, LoopState*);
extern template absl::Status RestoreCheckpoint(const Checkpoint&, ModelD*,
                                               Optimizer*, LoopState*);

}  // namespace nfalab

#endif  // NFALAB_EXPERIMENT_CHECKPOINT_H_
