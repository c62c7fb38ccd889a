// Tests for the per-epoch learning-rate schedule:
//   lr(epoch) = scale * c * (epoch < initial_epochs ? initial_learning_rate
//                                                   : learning_rate),
//   c = C / 10 with scale_by_classes, else 1.
// The values are products of two doubles, so they are compared with
// EXPECT_DOUBLE_EQ (4 ulps).
#include "optimizers/learning_rate_schedule.h"

#include <limits>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "optimizers/optimizer_config.pb.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::IsOk;
using ::nfalab::testing::StatusIs;
using ::testing::HasSubstr;

// The paper's MLP schedule: epoch 0 at 1e-4, the rest at `learning_rate`.
OptimizerConfig PaperConfig() {
  OptimizerConfig config;
  config.set_learning_rate(2.0);
  config.mutable_schedule()->set_initial_epochs(1);
  config.mutable_schedule()->set_initial_learning_rate(1e-4);
  return config;
}

TEST(LearningRateScheduleTest, PaperScheduleUsesInitialRateOnlyForEpochZero) {
  const OptimizerConfig config = PaperConfig();
  ASSERT_THAT(ValidateSchedule(config), IsOk());
  EXPECT_DOUBLE_EQ(LearningRateForEpoch(config, 0), 1e-4);
  for (int epoch = 1; epoch <= 5; ++epoch) {
    EXPECT_DOUBLE_EQ(LearningRateForEpoch(config, epoch), 2.0) << epoch;
  }
}

TEST(LearningRateScheduleTest, ScaleMultipliesBothRates) {
  OptimizerConfig config = PaperConfig();
  config.mutable_schedule()->set_scale(0.2);  // C / 10 with C = 2.
  ASSERT_THAT(ValidateSchedule(config), IsOk());
  EXPECT_DOUBLE_EQ(LearningRateForEpoch(config, 0), 0.2 * 1e-4);
  for (int epoch = 1; epoch <= 5; ++epoch) {
    EXPECT_DOUBLE_EQ(LearningRateForEpoch(config, epoch), 0.2 * 2.0) << epoch;
  }
}

TEST(LearningRateScheduleTest, ScaleByClassesMultipliesByClassesOverTen) {
  OptimizerConfig config = PaperConfig();
  config.mutable_schedule()->set_scale_by_classes(true);
  config.mutable_schedule()->set_scale(0.5);
  ASSERT_THAT(ValidateSchedule(config), IsOk());
  // GTSRB: 43 classes, x4.3; CIFAR-100: x10; both on top of `scale`.
  EXPECT_DOUBLE_EQ(LearningRateForEpoch(config, 0, 43), 0.5 * 4.3 * 1e-4);
  EXPECT_DOUBLE_EQ(LearningRateForEpoch(config, 1, 43), 0.5 * 4.3 * 2.0);
  EXPECT_DOUBLE_EQ(LearningRateForEpoch(config, 1, 100), 0.5 * 10 * 2.0);
  // Without the flag the class count is not read.
  config.mutable_schedule()->set_scale_by_classes(false);
  EXPECT_DOUBLE_EQ(LearningRateForEpoch(config, 1, 100), 0.5 * 2.0);
}

TEST(LearningRateScheduleTest, SeveralInitialEpochsUseTheInitialRate) {
  OptimizerConfig config = PaperConfig();
  config.mutable_schedule()->set_initial_epochs(3);
  ASSERT_THAT(ValidateSchedule(config), IsOk());
  for (int epoch = 0; epoch < 3; ++epoch) {
    EXPECT_DOUBLE_EQ(LearningRateForEpoch(config, epoch), 1e-4) << epoch;
  }
  EXPECT_DOUBLE_EQ(LearningRateForEpoch(config, 3), 2.0);
  EXPECT_DOUBLE_EQ(LearningRateForEpoch(config, 100), 2.0);
}

TEST(LearningRateScheduleTest, ZeroInitialEpochsAlwaysUsesTheLearningRate) {
  OptimizerConfig config = PaperConfig();
  config.mutable_schedule()->set_initial_epochs(0);
  ASSERT_THAT(ValidateSchedule(config), IsOk());
  for (int epoch = 0; epoch <= 5; ++epoch) {
    EXPECT_DOUBLE_EQ(LearningRateForEpoch(config, epoch), 2.0) << epoch;
  }
}

TEST(LearningRateScheduleTest, DefaultScheduleIsConstantLearningRate) {
  OptimizerConfig config;  // No schedule message: initial_epochs 0, scale 1.
  config.set_learning_rate(0.3);
  ASSERT_THAT(ValidateSchedule(config), IsOk());
  EXPECT_DOUBLE_EQ(LearningRateForEpoch(config, 0), 0.3);
  EXPECT_DOUBLE_EQ(LearningRateForEpoch(config, 7), 0.3);
}

TEST(LearningRateScheduleTest, NegativeInitialEpochsIsInvalidArgument) {
  OptimizerConfig config = PaperConfig();
  config.mutable_schedule()->set_initial_epochs(-1);
  EXPECT_THAT(ValidateSchedule(config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("optimizer.schedule.initial_epochs")));
}

TEST(LearningRateScheduleTest, BadInitialLearningRateIsInvalidArgument) {
  for (const double rate :
       {0.0, -1e-4, std::numeric_limits<double>::quiet_NaN(),
        std::numeric_limits<double>::infinity()}) {
    SCOPED_TRACE(rate);
    OptimizerConfig config = PaperConfig();
    config.mutable_schedule()->set_initial_learning_rate(rate);
    EXPECT_THAT(
        ValidateSchedule(config),
        StatusIs(absl::StatusCode::kInvalidArgument,
                 HasSubstr("optimizer.schedule.initial_learning_rate")));
  }
}

TEST(LearningRateScheduleTest, UnusedInitialLearningRateIsNotChecked) {
  // With no initial epochs the initial rate is never used.
  OptimizerConfig config = PaperConfig();
  config.mutable_schedule()->set_initial_epochs(0);
  config.mutable_schedule()->set_initial_learning_rate(0.0);
  EXPECT_THAT(ValidateSchedule(config), IsOk());
}

TEST(LearningRateScheduleTest, BadScaleIsInvalidArgument) {
  for (const double scale :
       {0.0, -0.5, std::numeric_limits<double>::quiet_NaN(),
        std::numeric_limits<double>::infinity()}) {
    SCOPED_TRACE(scale);
    OptimizerConfig config = PaperConfig();
    config.mutable_schedule()->set_scale(scale);
    EXPECT_THAT(ValidateSchedule(config),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("optimizer.schedule.scale")));
  }
}

}  // namespace
}  // namespace nfalab
