// RestoreCheckpoint, and the training step after it, on checkpoints whose
// payload was altered behind the file's checksum: what the fuzzer's payload
// mode (tests/fuzz/parsers_fuzzer.cc, mode 9) checks, pinned here. The
// generators: the dropout generator restored exactly, kept from the caller
// when absent (checkpoints before 0.11.0), and wrong word counts refused.
#include <memory>
#include <numeric>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/random.h"
#include "core/tensor.h"
#include "core/tensor.pb.h"
#include "experiment/checkpoint.h"
#include "experiment/experiment_config.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "layers/sequential.h"
#include "optimizers/optimizer.h"
#include "optimizers/optimizer_state.pb.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace nfalab {
namespace {

using ::nfalab::testing::IsOk;
using ::nfalab::testing::StatusIs;
using ::testing::ElementsAre;

constexpr int kExamples = 6;

ExperimentConfig SmallConfig() {
  ExperimentConfig config;
  config.mutable_model()->set_depth(1);
  config.mutable_model()->set_width(4);
  config.mutable_model()->set_bias(true);
  config.mutable_optimizer()->set_name("sgd");
  config.mutable_optimizer()->set_learning_rate(0.1);
  config.mutable_optimizer()->set_momentum(0.9);
  return config;
}

// A 3 -> 4 -> 2 MLP with biases and an SGD optimizer with momentum.
struct Training {
  std::unique_ptr<Model> model;
  std::unique_ptr<Optimizer> optimizer;
};

Training NewTraining() {
  const ExperimentConfig config = SmallConfig();
  Rng rng(1);
  absl::StatusOr<Model> model = Model::Create(config.model(), 3, 2, &rng);
  EXPECT_THAT(model.status(), IsOk());
  absl::StatusOr<std::unique_ptr<Optimizer>> optimizer =
      OptimizerRegistry::Global().Create("sgd", config.optimizer());
  EXPECT_THAT(optimizer.status(), IsOk());
  return {std::make_unique<Model>(*std::move(model)), *std::move(optimizer)};
}

// Gradients of ones in the model's shapes.
Gradients OnesLike(const Model& model) {
  Gradients gradients;
  for (int l = 0; l < model.num_weighted_layers(); ++l) {
    const BasicWeightedLayer<float>& layer = model.weighted_layer(l);
    gradients.weight.push_back(
        Matrix::Ones(layer.units(), layer.fan_in()));
    gradients.bias.push_back(Vector::Ones(layer.units()));
  }
  return gradients;
}

class CheckpointRestoreTest : public ::nfalab::testing::TempDirTest {
 protected:
  CheckpointRestoreTest() : TempDirTest("checkpoint_restore_test") {}

  // A real checkpoint after one step, so the optimizer has velocities.
  void SetUp() override {
    TempDirTest::SetUp();
    Training training = NewTraining();
    ASSERT_THAT(training.optimizer->Step(OnesLike(*training.model),
                                         training.model->ParameterBlocks()),
                IsOk());
    LoopState state;
    state.epochs_done = 1;
    state.step = 1;
    // Generators away from their seeds, one with a cached normal.
    state.order_rng.Uniform();
    state.training_rng = Rng(99);
    state.training_rng.Normal();
    training_rng_ = state.training_rng.SaveState();
    order_rng_ = state.order_rng.SaveState();
    state.order.resize(kExamples);
    std::iota(state.order.begin(), state.order.end(), 0);
    const std::string path = Path("checkpoint.pb");
    ASSERT_THAT(WriteCheckpoint(path, SmallConfig(), *training.model,
                                *training.optimizer, state),
                IsOk());
    absl::StatusOr<Checkpoint> checkpoint = ReadCheckpoint(path);
    ASSERT_THAT(checkpoint.status(), IsOk());
    checkpoint_ = *std::move(checkpoint);
  }

  absl::Status Restore(const Checkpoint& checkpoint, LoopState* state) {
    training_ = NewTraining();
    return RestoreCheckpoint(checkpoint, training_.model.get(),
                             training_.optimizer.get(), state);
  }

  Checkpoint checkpoint_;
  Training training_;
  Rng::State training_rng_{};  // As written into checkpoint_.
  Rng::State order_rng_{};
};

TEST_F(CheckpointRestoreTest, RestoresBothGeneratorsExactly) {
  ASSERT_EQ(checkpoint_.training_rng_state_size(), 5);
  LoopState state;
  ASSERT_THAT(Restore(checkpoint_, &state), IsOk());
  EXPECT_EQ(state.training_rng.SaveState(), training_rng_);
  EXPECT_EQ(state.order_rng.SaveState(), order_rng_);
  // And they go on as the saved ones would (the cached normal included).
  Rng saved = Rng::FromState(training_rng_);
  EXPECT_EQ(state.training_rng.Normal(), saved.Normal());
  EXPECT_EQ(state.training_rng.NextU64(), saved.NextU64());
}

// nfalab before 0.11.0 wrote no training generator (its models had no
// dropout): the restored run keeps the one the caller seeded.
TEST_F(CheckpointRestoreTest,
       ACheckpointWithoutATrainingGeneratorKeepsTheCallers) {
  checkpoint_.clear_training_rng_state();
  LoopState state;
  state.training_rng = Rng(1234);
  const Rng::State callers = state.training_rng.SaveState();
  ASSERT_THAT(Restore(checkpoint_, &state), IsOk());
  EXPECT_EQ(state.training_rng.SaveState(), callers);
  EXPECT_EQ(state.order_rng.SaveState(), order_rng_);
  EXPECT_EQ(state.epochs_done, 1);
}

TEST_F(CheckpointRestoreTest, RefusesAGeneratorStateOfAnotherLength) {
  for (const int words : {1, 4, 6}) {
    SCOPED_TRACE(words);
    Checkpoint checkpoint = checkpoint_;
    checkpoint.clear_training_rng_state();
    for (int i = 0; i < words; ++i) checkpoint.add_training_rng_state(i + 1);
    LoopState state;
    EXPECT_THAT(Restore(checkpoint, &state),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         absl::StrCat("checkpoint's training RNG state has ",
                                      words, " words, expected 5")));
  }
  for (const int words : {0, 4}) {
    SCOPED_TRACE(words);
    Checkpoint checkpoint = checkpoint_;
    checkpoint.clear_order_rng_state();
    for (int i = 0; i < words; ++i) checkpoint.add_order_rng_state(i + 1);
    LoopState state;
    EXPECT_THAT(Restore(checkpoint, &state),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         absl::StrCat("checkpoint's minibatch-order RNG state "
                                      "has ",
                                      words, " words, expected 5")));
  }
}

TEST_F(CheckpointRestoreTest, RestoresAShuffledOrder) {
  checkpoint_.set_order(0, 4);
  checkpoint_.set_order(4, 0);
  LoopState state;
  ASSERT_THAT(Restore(checkpoint_, &state), IsOk());
  EXPECT_THAT(state.order, ElementsAre(4, 1, 2, 3, 0, 5));
}

// Fuzzer input: the example order 0..5 with 2 replaced by 3 restored, and
// the run trained on example 3 twice per epoch and never on example 2.
TEST_F(CheckpointRestoreTest, RefusesAnOrderWithARepeatedIndex) {
  checkpoint_.set_order(2, 3);
  LoopState state;
  EXPECT_THAT(Restore(checkpoint_, &state),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "checkpoint's example order is not a permutation of "
                       "0..5: 3 appears twice"));
}

// An index past the training split would make SelectRows read past it.
TEST_F(CheckpointRestoreTest, RefusesAnOrderWithAnOutOfRangeIndex) {
  for (int index : {kExamples, -1}) {
    Checkpoint checkpoint = checkpoint_;
    checkpoint.set_order(5, index);
    LoopState state;
    EXPECT_THAT(Restore(checkpoint, &state),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         absl::StrCat("checkpoint's example order is not a "
                                      "permutation of 0..5: ",
                                      index, " is out of range")));
  }
}

// Restored SGD velocities are only checked when the next step uses them: a
// bias velocity one longer than the bias made that step read past the bias
// and its gradient (AddressSanitizer: heap-buffer-overflow).
TEST_F(CheckpointRestoreTest, StepAfterRestoringABiasVelocityOfAnotherSize) {
  OptimizerState* optimizer = checkpoint_.mutable_optimizer();
  ASSERT_EQ(optimizer->tensors(1).name(), "bias_velocity/0");
  TensorProto* bias_velocity = optimizer->mutable_tensors(1)->mutable_tensor();
  bias_velocity->set_shape(0, bias_velocity->shape(0) + 1);
  bias_velocity->add_values(1.0f);
  LoopState state;
  ASSERT_THAT(Restore(checkpoint_, &state), IsOk());
  EXPECT_THAT(training_.optimizer->Step(OnesLike(*training_.model),
                                        training_.model->ParameterBlocks()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "this sgd optimizer's state for layer 1 has another "
                       "shape than the model's; use one optimizer per model"));
}

}  // namespace
}  // namespace nfalab
