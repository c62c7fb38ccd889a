// RestoreCheckpoint, and the training step after it, on checkpoints whose
// payload was altered behind the file's checksum: what the fuzzer's payload
// mode (tests/fuzz/parsers_fuzzer.cc, mode 9) checks, pinned here.
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
};

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
