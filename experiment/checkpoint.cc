#include "experiment/checkpoint.h"

#include "absl/strings/str_cat.h"
#include "core/file_io.h"
#include "core/status_macros.h"
#include "core/tensor_proto.h"

namespace nfalab {

absl::Status WriteCheckpoint(const std::string& path,
                             const ExperimentConfig& config, const Mlp& model,
                             const Optimizer& optimizer,
                             const LoopState& state) {
  Checkpoint checkpoint;
  *checkpoint.mutable_config() = config;
  checkpoint.set_epochs_done(state.epochs_done);
  checkpoint.set_step(state.step);
  for (int l = 0; l < model.num_layers(); ++l) {
    *checkpoint.add_weights() = ToProto(model.layer(l).weight());
    *checkpoint.add_initial_weights() = ToProto(model.initial_weight(l));
    *checkpoint.add_biases() = ToProto(model.layer(l).bias());
  }
  NFALAB_RETURN_IF_ERROR(optimizer.SaveState(checkpoint.mutable_optimizer()));
  for (uint64_t word : state.order_rng.SaveState()) {
    checkpoint.add_order_rng_state(word);
  }
  for (int index : state.order) checkpoint.add_order(index);
  for (const MetricsTable::Row& row : state.table.rows()) {
    Checkpoint::Row* out = checkpoint.add_metrics();
    out->set_epoch(row.epoch);
    out->set_step(row.step);
    out->set_layer(row.layer);
    out->set_measure(row.measure);
    out->set_value(row.value);
  }
  checkpoint.set_elapsed_seconds(state.elapsed_seconds);
  std::string bytes;
  if (!checkpoint.SerializeToString(&bytes)) {
    return absl::InternalError("cannot serialise the checkpoint");
  }
  return WriteFileAtomically(path, bytes);
}

absl::StatusOr<Checkpoint> ReadCheckpoint(const std::string& path) {
  NFALAB_ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
  Checkpoint checkpoint;
  if (!checkpoint.ParseFromString(bytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is not an nfalab checkpoint (cannot parse)"));
  }
  if (!checkpoint.has_config() || !checkpoint.has_epochs_done()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is not an nfalab checkpoint (no config)"));
  }
  return checkpoint;
}

absl::Status RestoreCheckpoint(const Checkpoint& checkpoint, Mlp* model,
                               Optimizer* optimizer, LoopState* state) {
  const int n_layers = model->num_layers();
  if (checkpoint.weights_size() != n_layers ||
      checkpoint.initial_weights_size() != n_layers ||
      checkpoint.biases_size() != n_layers) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint has ", checkpoint.weights_size(),
                     " layers but the model has ", n_layers));
  }
  for (int l = 0; l < n_layers; ++l) {
    const std::string layer = absl::StrCat("checkpoint layer ", l + 1);
    NFALAB_ASSIGN_OR_RETURN(
        Matrix weight, MatrixFromProto(checkpoint.weights(l), layer + " W"));
    NFALAB_ASSIGN_OR_RETURN(
        Matrix initial,
        MatrixFromProto(checkpoint.initial_weights(l), layer + " W0"));
    NFALAB_ASSIGN_OR_RETURN(
        Vector bias, VectorFromProto(checkpoint.biases(l), layer + " bias"));
    Linear& target = model->layer(l);
    NFALAB_RETURN_IF_ERROR(CheckShape(weight, target.output_dim(),
                                      target.input_dim(), layer + " W"));
    NFALAB_RETURN_IF_ERROR(CheckShape(
        bias, target.has_bias() ? target.output_dim() : 0, 1, layer + " bias"));
    target.weight() = std::move(weight);
    target.bias() = std::move(bias);
    NFALAB_RETURN_IF_ERROR(model->SetInitialWeight(l, std::move(initial)));
  }
  NFALAB_RETURN_IF_ERROR(optimizer->LoadState(checkpoint.optimizer()));
  if (checkpoint.order_rng_state_size() != 5) {
    return absl::InvalidArgumentError("checkpoint has no RNG state");
  }
  Rng::State rng_state;
  for (int i = 0; i < 5; ++i) rng_state[i] = checkpoint.order_rng_state(i);
  state->order_rng = Rng::FromState(rng_state);
  // The trainer indexes the training split with the order: a repeated or
  // out-of-range index would train on the wrong examples or read past them.
  std::vector<bool> seen(checkpoint.order_size(), false);
  for (int index : checkpoint.order()) {
    if (index < 0 || index >= checkpoint.order_size() || seen[index]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "checkpoint's example order is not a permutation of 0..",
          checkpoint.order_size() - 1, ": ", index,
          index < 0 || index >= checkpoint.order_size() ? " is out of range"
                                                        : " appears twice"));
    }
    seen[index] = true;
  }
  state->order.assign(checkpoint.order().begin(), checkpoint.order().end());
  state->epochs_done = checkpoint.epochs_done();
  state->step = checkpoint.step();
  state->elapsed_seconds = checkpoint.elapsed_seconds();
  state->table = MetricsTable();
  for (const Checkpoint::Row& row : checkpoint.metrics()) {
    state->table.AddForLayer(row.epoch(), row.step(), row.layer(),
                             row.measure(), row.value());
  }
  return absl::OkStatus();
}

}  // namespace nfalab
