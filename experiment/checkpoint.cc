#include "experiment/checkpoint.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/file_io.h"
#include "core/sha256.h"
#include "core/status_macros.h"
#include "core/tensor_proto.h"
#include "core/version.h"

namespace nfalab {
namespace {

// How every checkpoint file starts: the serialized magic field.
std::string SerializedMagic() {
  CheckpointFile header;
  header.set_magic(kCheckpointMagic);
  return header.SerializeAsString();
}

// The reason a file that is not a valid envelope was refused.
absl::Status NotACheckpoint(absl::string_view bytes,
                            absl::string_view source_name) {
  const std::string magic = SerializedMagic();
  if (absl::StartsWith(bytes, magic) || absl::StartsWith(magic, bytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint ", source_name,
                     " is truncated or corrupt: its envelope does not parse"));
  }
  Checkpoint bare;
  if (bare.ParseFromString(std::string(bytes)) && bare.has_config() &&
      bare.has_epochs_done()) {
    return absl::InvalidArgumentError(absl::StrCat(
        source_name, " is a checkpoint of nfalab before 0.9.0 (format 1, ",
        "without a checksum); this nfalab reads format ",
        kCheckpointFormatVersion, " only: rerun the training"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat(source_name, " is not an nfalab checkpoint"));
}

// A generator from its saved words (Rng::State).
absl::StatusOr<Rng> RngFromWords(
    const google::protobuf::RepeatedField<uint64_t>& words,
    absl::string_view which) {
  Rng::State state;
  if (words.size() != static_cast<int>(state.size())) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint's ", which, " RNG state has ", words.size(),
                     " words, expected ", state.size()));
  }
  std::copy(words.begin(), words.end(), state.begin());
  return Rng::FromState(state);
}

}  // namespace

template <typename Scalar>
absl::Status WriteCheckpoint(const std::string& path,
                             const ExperimentConfig& config,
                             const BasicSequential<Scalar>& model,
                             const Optimizer& optimizer,
                             const LoopState& state) {
  Checkpoint checkpoint;
  *checkpoint.mutable_config() = config;
  checkpoint.set_epochs_done(state.epochs_done);
  checkpoint.set_step(state.step);
  if (state.epoch_position >= 0) {
    checkpoint.set_epoch_position(state.epoch_position);
  }
  for (int l = 0; l < model.num_weighted_layers(); ++l) {
    const BasicWeightedLayer<Scalar>& layer = model.weighted_layer(l);
    *checkpoint.add_weights() = ToProto(layer.weight());
    *checkpoint.add_initial_weights() = ToProto(layer.initial_weight());
    *checkpoint.add_biases() = ToProto(layer.bias());
  }
  NFALAB_RETURN_IF_ERROR(optimizer.SaveState(checkpoint.mutable_optimizer()));
  for (uint64_t word : state.order_rng.SaveState()) {
    checkpoint.add_order_rng_state(word);
  }
  for (uint64_t word : state.training_rng.SaveState()) {
    checkpoint.add_training_rng_state(word);
  }
  for (int index : state.order) checkpoint.add_order(index);
  for (const MatrixD& k : state.initial_ptks) {
    Checkpoint::DoubleMatrix* out = checkpoint.add_initial_ptks();
    out->set_rows(k.rows());
    out->set_cols(k.cols());
    for (Eigen::Index i = 0; i < k.rows(); ++i) {
      for (Eigen::Index j = 0; j < k.cols(); ++j) out->add_values(k(i, j));
    }
  }
  for (const MetricsTable::Row& row : state.table.rows()) {
    Checkpoint::Row* out = checkpoint.add_metrics();
    out->set_epoch(row.epoch);
    out->set_step(row.step);
    out->set_layer(row.layer);
    out->set_measure(row.measure);
    out->set_value(row.value);
  }
  checkpoint.set_elapsed_seconds(state.elapsed_seconds);
  checkpoint.set_nfalab_version(kNfalabVersion);
  return WriteFileAtomically(path, SerializeCheckpoint(checkpoint));
}

std::string SerializeCheckpoint(const Checkpoint& checkpoint) {
  CheckpointFile file;
  file.set_magic(kCheckpointMagic);
  file.set_format_version(kCheckpointFormatVersion);
  file.set_nfalab_version(checkpoint.nfalab_version());
  file.set_payload(checkpoint.SerializeAsString());
  file.set_payload_sha256(Sha256(file.payload()));
  return file.SerializeAsString();
}

absl::StatusOr<Checkpoint> ParseCheckpoint(absl::string_view bytes,
                                           absl::string_view source_name) {
  const auto corrupt = [source_name](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint ", source_name, " is corrupt: ", why));
  };
  const auto truncated = [source_name](absl::string_view missing) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint ", source_name,
                     " is truncated or corrupt: it has no ", missing));
  };
  if (bytes.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint ", source_name, " is truncated: it is empty"));
  }
  CheckpointFile file;
  if (!file.ParseFromString(std::string(bytes)) ||
      file.magic() != kCheckpointMagic) {
    return NotACheckpoint(bytes, source_name);
  }
  if (!file.has_format_version()) return truncated("format version");
  if (file.format_version() != kCheckpointFormatVersion) {
    return absl::InvalidArgumentError(absl::StrCat(
        "checkpoint ", source_name, " has format version ",
        file.format_version(), " (written by nfalab ",
        file.has_nfalab_version() ? absl::CEscape(file.nfalab_version())
                                  : "of unknown version",
        "), but nfalab ", kNfalabVersion, " reads format version ",
        kCheckpointFormatVersion, " only"));
  }
  if (file.nfalab_version().empty()) return truncated("nfalab version");
  if (!file.has_payload_sha256()) return truncated("payload SHA-256");
  if (!file.has_payload()) return truncated("payload");
  const std::string actual = Sha256(file.payload());
  if (actual != file.payload_sha256()) {
    return corrupt(absl::StrCat(
        "SHA-256 of the payload is ", absl::BytesToHexString(actual),
        ", the file says ", absl::BytesToHexString(file.payload_sha256())));
  }
  Checkpoint checkpoint;
  if (!checkpoint.ParseFromString(file.payload())) {
    return corrupt("its payload does not parse as a Checkpoint");
  }
  if (!checkpoint.has_config() || !checkpoint.has_epochs_done()) {
    return corrupt("its payload has no config or epoch");
  }
  if (checkpoint.nfalab_version() != file.nfalab_version()) {
    return corrupt(absl::StrCat("the envelope says nfalab ",
                                absl::CEscape(file.nfalab_version()),
                                " but the payload says nfalab ",
                                absl::CEscape(checkpoint.nfalab_version())));
  }
  return checkpoint;
}

absl::StatusOr<Checkpoint> ReadCheckpoint(const std::string& path) {
  NFALAB_ASSIGN_OR_RETURN(const std::string bytes, ReadFile(path));
  return ParseCheckpoint(bytes, path);
}

template <typename Scalar>
absl::Status RestoreCheckpoint(const Checkpoint& checkpoint,
                               BasicSequential<Scalar>* model,
                               Optimizer* optimizer, LoopState* state) {
  const int n_layers = model->num_weighted_layers();
  if (checkpoint.weights_size() != n_layers ||
      checkpoint.initial_weights_size() != n_layers ||
      checkpoint.biases_size() != n_layers) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint has ", checkpoint.weights_size(),
                     " weighted layers but the model has ", n_layers));
  }
  for (int l = 0; l < n_layers; ++l) {
    const std::string layer = absl::StrCat("checkpoint layer ", l + 1);
    NFALAB_ASSIGN_OR_RETURN(
        MatrixT<Scalar> weight,
        MatrixFromProto<Scalar>(checkpoint.weights(l), layer + " W"));
    NFALAB_ASSIGN_OR_RETURN(
        MatrixT<Scalar> initial,
        MatrixFromProto<Scalar>(checkpoint.initial_weights(l), layer + " W0"));
    NFALAB_ASSIGN_OR_RETURN(
        VectorT<Scalar> bias,
        VectorFromProto<Scalar>(checkpoint.biases(l), layer + " bias"));
    BasicWeightedLayer<Scalar>& target = model->weighted_layer(l);
    NFALAB_RETURN_IF_ERROR(
        CheckShape(weight, target.units(), target.fan_in(), layer + " W"));
    NFALAB_RETURN_IF_ERROR(CheckShape(
        bias, target.has_bias() ? target.units() : 0, 1, layer + " bias"));
    NFALAB_RETURN_IF_ERROR(
        target.SetInitialWeight(std::move(initial), layer + " W0"));
    target.weight() = std::move(weight);
    target.bias() = std::move(bias);
  }
  NFALAB_RETURN_IF_ERROR(optimizer->LoadState(checkpoint.optimizer()));
  NFALAB_ASSIGN_OR_RETURN(
      state->order_rng,
      RngFromWords(checkpoint.order_rng_state(), "minibatch-order"));
  // Absent before 0.11.0: keep the caller's generator (from the seed).
  if (checkpoint.training_rng_state_size() > 0) {
    NFALAB_ASSIGN_OR_RETURN(
        state->training_rng,
        RngFromWords(checkpoint.training_rng_state(), "training"));
  }
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
  state->epoch_position =
      checkpoint.has_epoch_position() ? checkpoint.epoch_position() : -1;
  if (checkpoint.has_epoch_position() &&
      (state->epoch_position < 0 ||
       state->epoch_position > static_cast<int>(state->order.size()))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "checkpoint has epoch position ", checkpoint.epoch_position(),
        " outside its example order of ", state->order.size()));
  }
  state->initial_ptks.clear();
  for (const Checkpoint::DoubleMatrix& k : checkpoint.initial_ptks()) {
    if (k.rows() < 0 || k.cols() < 0 ||
        k.values_size() != k.rows() * k.cols()) {
      return absl::InvalidArgumentError(
          absl::StrCat("checkpoint's K at initialisation has ", k.values_size(),
                       " values for ", k.rows(), " x ", k.cols()));
    }
    MatrixD matrix(k.rows(), k.cols());
    for (Eigen::Index i = 0; i < matrix.rows(); ++i) {
      for (Eigen::Index j = 0; j < matrix.cols(); ++j) {
        matrix(i, j) = k.values(i * matrix.cols() + j);
      }
    }
    state->initial_ptks.push_back(std::move(matrix));
  }
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

template absl::Status WriteCheckpoint(const std::string&,
                                      const ExperimentConfig&, const Model&,
                                      const Optimizer&, const LoopState&);
template absl::Status WriteCheckpoint(const std::string&,
                                      const ExperimentConfig&, const ModelD&,
                                      const Optimizer&, const LoopState&);
template absl::Status RestoreCheckpoint(const Checkpoint&, Model*, Optimizer*,
                                        LoopState*);
template absl::Status RestoreCheckpoint(const Checkpoint&, ModelD*, Optimizer*,
                                        LoopState*);

}  // namespace nfalab
