// Tests for datasets/preprocess.h: per-channel standardisation against hand
// values and its defining properties, and the class target rows.
#include "datasets/preprocess.h"

#include <cmath>
#include <vector>

#include "absl/status/status.h"
#include "core/random.h"
#include "core/tensor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/matrix_matchers.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ApproxEq;
using ::nfalab::testing::IsOk;
using ::nfalab::testing::StatusIs;
using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(StandardizeChannelsTest, MatchesHandValuesAndUsesTrainStatsForTest) {
  // 3 examples x 4 inputs = 2 channels x 2 positions.
  // Channel 0 values 1 3 2 4 3 5: mean 3, sum of squares 10, std sqrt(10/5).
  // Channel 1 values 10 10 20 40 30 70: mean 30, sum of squares 2600,
  // std sqrt(2600/5) = sqrt(520).
  Matrix train(3, 4);
  train << 1, 3, 10, 10,  //
      2, 4, 20, 40,       //
      3, 5, 30, 70;
  Matrix test(1, 4);
  test << 5, 1, 30, 82;
  ChannelStats stats;
  Matrix* others[] = {&test};
  ASSERT_THAT(StandardizeChannels(2, &train, others, &stats), IsOk());
  EXPECT_THAT(stats.mean, ElementsAre(3.0, 30.0));
  EXPECT_THAT(stats.std, ElementsAre(DoubleNear(std::sqrt(2.0), 1e-15),
                                     DoubleNear(std::sqrt(520.0), 1e-12)));
  EXPECT_TRUE(stats.constant_channels.empty());
  const double s0 = std::sqrt(2.0), s1 = std::sqrt(520.0);
  Matrix expected_train(3, 4);
  expected_train << -2 / s0, 0 / s0, -20 / s1, -20 / s1,  //
      -1 / s0, 1 / s0, -10 / s1, 10 / s1,                 //
      0 / s0, 2 / s0, 0 / s1, 40 / s1;
  // Float rounding of values of magnitude <= 2: 1e-6 absolute.
  EXPECT_THAT(train, ApproxEq(expected_train, 0.0, 1e-6));
  Matrix expected_test(1, 4);
  expected_test << 2 / s0, -2 / s0, 0 / s1, 52 / s1;
  EXPECT_THAT(test, ApproxEq(expected_test, 0.0, 1e-6));
}

TEST(StandardizeChannelsTest, GivesMeanZeroAndUnbiasedStdOnePerChannel) {
  Rng rng(5);
  const int n = 50, channels = 3, p = 4;
  Matrix train(n, channels * p);
  for (int i = 0; i < n; ++i) {
    for (int c = 0; c < channels; ++c) {
      for (int j = 0; j < p; ++j) {
        // Channel-dependent location and scale, like image channels.
        train(i, c * p + j) =
            static_cast<float>(100.0 * c + (c + 1) * 20.0 * rng.Uniform());
      }
    }
  }
  ChannelStats stats;
  ASSERT_THAT(StandardizeChannels(channels, &train, {}, &stats), IsOk());
  for (int c = 0; c < channels; ++c) {
    const Eigen::ArrayXXd block =
        train.middleCols(c * p, p).cast<double>().array();
    const double mean = block.mean();
    const double var = (block - mean).square().sum() / (n * p - 1);
    EXPECT_NEAR(mean, 0.0, 1e-5) << "channel " << c;
    EXPECT_NEAR(std::sqrt(var), 1.0, 1e-5) << "channel " << c;
  }
}

TEST(StandardizeChannelsTest, CentresAConstantChannelWithoutDividing) {
  Matrix train(2, 2);
  train << 1, 5,  //
      3, 5;
  Matrix test(1, 2);
  test << 2, 7;
  ChannelStats stats;
  Matrix* others[] = {&test};
  ASSERT_THAT(StandardizeChannels(2, &train, others, &stats), IsOk());
  EXPECT_THAT(stats.constant_channels, ElementsAre(1));
  EXPECT_THAT(stats.std, ElementsAre(DoubleNear(std::sqrt(2.0), 1e-15), 0.0));
  Matrix expected_train(2, 2);
  expected_train << -1 / std::sqrt(2.0), 0, 1 / std::sqrt(2.0), 0;
  EXPECT_THAT(train, ApproxEq(expected_train, 0.0, 1e-6));
  Matrix expected_test(1, 2);
  expected_test << 0, 2;
  EXPECT_THAT(test, ApproxEq(expected_test, 0.0, 1e-6));
}

TEST(StandardizeChannelsTest, RejectsChannelsThatDoNotDivideTheInputs) {
  Matrix train = Matrix::Ones(4, 10);
  ChannelStats stats;
  EXPECT_THAT(StandardizeChannels(3, &train, {}, &stats),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("must divide the input dimension 10")));
  EXPECT_THAT(
      StandardizeChannels(0, &train, {}, &stats),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("must divide")));
}

TEST(StandardizeChannelsTest, RejectsASingleValuePerChannel) {
  Matrix train(1, 3);
  train << 1, 2, 3;
  ChannelStats stats;
  EXPECT_THAT(StandardizeChannels(3, &train, {}, &stats),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("needs at least 2")));
}

TEST(StandardizeChannelsTest, RejectsAnotherSplitOfAnotherWidth) {
  Matrix train = Matrix::Random(3, 4);
  Matrix test = Matrix::Zero(1, 5);
  ChannelStats stats;
  Matrix* others[] = {&test};
  EXPECT_THAT(StandardizeChannels(1, &train, others, &stats),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("a split has 5 inputs")));
}

TEST(ClassTargetMatrixTest, CenteredOneHotRowsAreExact) {
  const std::vector<int> labels = {2, 0, 3, 2};
  const Matrix y =
      ClassTargetMatrix(labels, 4, ClassTargetKind::kCenteredOneHot);
  Matrix expected(4, 4);
  expected << -0.25, -0.25, 0.75, -0.25,  //
      0.75, -0.25, -0.25, -0.25,          //
      -0.25, -0.25, -0.25, 0.75,          //
      -0.25, -0.25, 0.75, -0.25;
  EXPECT_THAT(y, ApproxEq(expected, 0.0, 0.0));
  // C = 3: float(2/3) and float(-1/3), rounded once.
  const Matrix y3 = ClassTargetMatrix(std::vector<int>{1}, 3,
                                      ClassTargetKind::kCenteredOneHot);
  EXPECT_EQ(y3(0, 0), static_cast<float>(-1.0 / 3));
  EXPECT_EQ(y3(0, 1), static_cast<float>(1.0 - 1.0 / 3));
  EXPECT_EQ(y3(0, 2), static_cast<float>(-1.0 / 3));
  // Every row sums to 0 up to float rounding.
  EXPECT_NEAR(y3.sum(), 0.0, 1e-7);
}

TEST(ClassTargetMatrixTest, OneHotRowsAreExact) {
  const Matrix y =
      ClassTargetMatrix(std::vector<int>{1, 0}, 2, ClassTargetKind::kOneHot);
  Matrix expected(2, 2);
  expected << 0, 1,  //
      1, 0;
  EXPECT_THAT(y, ApproxEq(expected, 0.0, 0.0));
  EXPECT_FALSE(std::signbit(y(0, 0)));  // +0, not -0.
}

}  // namespace
}  // namespace nfalab
