// MSE and softmax cross-entropy: values and gradients on hand-computed cases,
// numerical stability, central finite differences in double, CountCorrect.
#include "layers/loss.h"

#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/random.h"
#include "core/tensor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/matrix_matchers.h"
#include "tests/random_matrix.h"
#include "tests/test_seed.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ApproxEq;
using ::nfalab::testing::GaussianMatrix;
using ::nfalab::testing::TestSeed;

template <typename Scalar>
class LossTest : public ::testing::Test {};
using ScalarTypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(LossTest, ScalarTypes);

// Hand cases are checked to 1e-6 relative in float and 1e-14 in double.
template <typename Scalar>
constexpr double Tolerance() {
  return sizeof(Scalar) == sizeof(float) ? 1e-6 : 1e-14;
}

TYPED_TEST(LossTest, MseIsTheMeanOverAllEntries) {
  using M = MatrixT<TypeParam>;
  const double tol = Tolerance<TypeParam>();
  const M output{{1, 2}, {3, 4}, {0, -1}};
  const M targets{{0, 2}, {1, 1}, {0, 0}};
  // Differences [1, 0], [2, 3], [0, -1]: squared sum 15 over n C = 6.
  M d_output;
  EXPECT_NEAR(MseLoss(output, targets, &d_output), 2.5, 2.5 * tol);
  // dL/df = 2 (f - y) / (n C) = (f - y) / 3.
  EXPECT_THAT(d_output, ApproxEq(M({{1.0 / 3, 0}, {2.0 / 3, 1}, {0, -1.0 / 3}}),
                                 tol, 0.0));
  // The gradient is optional.
  EXPECT_NEAR(MseLoss<TypeParam>(output, targets, nullptr), 2.5, 2.5 * tol);
}

TYPED_TEST(LossTest, CrossEntropyMatchesHandComputedCase) {
  using M = MatrixT<TypeParam>;
  const double tol = Tolerance<TypeParam>();
  // Row 0: logits [0, ln 3], label 1: softmax [1/4, 3/4], loss -log(3/4).
  // Row 1: logits [2, 2], label 0: softmax [1/2, 1/2], loss log 2.
  const M output{{0, std::log(3.0)}, {2, 2}};
  const std::vector<int> labels = {1, 0};
  M d_output;
  const double expected = (-std::log(0.75) + std::log(2.0)) / 2;
  EXPECT_NEAR(SoftmaxCrossEntropyLoss(output, labels, &d_output), expected,
              expected * tol);
  // dL/df = (softmax - onehot) / n.
  const M expected_d{{0.25 / 2, (0.75 - 1) / 2}, {(0.5 - 1) / 2, 0.5 / 2}};
  EXPECT_THAT(d_output, ApproxEq(expected_d, tol, tol));
  EXPECT_NEAR(SoftmaxCrossEntropyLoss<TypeParam>(output, labels, nullptr),
              expected, expected * tol);
}

TYPED_TEST(LossTest, CrossEntropyIsStableForLargeLogits) {
  using M = MatrixT<TypeParam>;
  // [1000, 1000]: log 2. [1000, 0] labelled 0: e^-1000 underflows, loss 0.
  // [1000, 0] labelled 1: loss 1000. [-1000, -1000]: log 2.
  const M output{{1000, 1000}, {1000, 0}, {1000, 0}, {-1000, -1000}};
  const std::vector<int> labels = {0, 0, 1, 1};
  M d_output;
  const double loss = SoftmaxCrossEntropyLoss(output, labels, &d_output);
  const double expected = (std::log(2.0) + 0 + 1000 + std::log(2.0)) / 4;
  EXPECT_NEAR(loss, expected, 1e-9 * expected);
  ASSERT_TRUE(d_output.allFinite()) << d_output;
  const M expected_d = M({{-0.5, 0.5}, {0, 0}, {1, -1}, {0.5, -0.5}}) / 4;
  EXPECT_THAT(d_output, ApproxEq(expected_d, 1e-6, 1e-12));
}

TYPED_TEST(LossTest, CountCorrectCountsArgMaxMatches) {
  using M = MatrixT<TypeParam>;
  const M output{{0.1, 0.7, 0.2}, {3, -1, 2}, {-5, -4, -6}, {0, 0, 1}};
  EXPECT_EQ(CountCorrect(output, std::vector<int>{1, 0, 1, 2}), 4);
  EXPECT_EQ(CountCorrect(output, std::vector<int>{1, 2, 1, 0}), 2);
  EXPECT_EQ(CountCorrect(output, std::vector<int>{0, 1, 2, 0}), 0);
}

MatrixD NumericGradient(const std::function<double(const MatrixD&)>& loss,
                        MatrixD output, double step) {
  MatrixD gradient(output.rows(), output.cols());
  for (Eigen::Index i = 0; i < output.size(); ++i) {
    const double saved = output.data()[i];
    output.data()[i] = saved + step;
    const double plus = loss(output);
    output.data()[i] = saved - step;
    const double minus = loss(output);
    output.data()[i] = saved;
    gradient.data()[i] = (plus - minus) / (2 * step);
  }
  return gradient;
}

// Central differences with step 1e-6 on losses of order 1: truncation error
// ~ step^2 ~ 1e-12, rounding ~ eps L / step ~ 1e-9, so the stated tolerance
// |analytic - fd| <= 1e-8 + 1e-6 |fd| holds with margin.
TEST(LossGradientTest, BothLossesMatchCentralDifferencesInDouble) {
  constexpr double kStep = 1e-6;
  constexpr double kRtol = 1e-6;
  constexpr double kAtol = 1e-8;
  Rng rng(TestSeed(1));
  for (int classes : {1, 3}) {
    SCOPED_TRACE(::testing::Message() << "C = " << classes);
    const int n = 5;
    const MatrixD output = GaussianMatrix(n, classes, &rng);
    const MatrixD targets = GaussianMatrix(n, classes, &rng);
    MatrixD d_output;
    MseLoss(output, targets, &d_output);
    EXPECT_THAT(d_output, ApproxEq(NumericGradient(
                                       [&](const MatrixD& f) {
                                         return MseLoss<double>(f, targets,
                                                                nullptr);
                                       },
                                       output, kStep),
                                   kRtol, kAtol));
    if (classes < 2) continue;
    std::vector<int> labels(n);
    for (int& label : labels) label = static_cast<int>(rng.UniformInt(classes));
    SoftmaxCrossEntropyLoss(output, labels, &d_output);
    EXPECT_THAT(d_output, ApproxEq(NumericGradient(
                                       [&](const MatrixD& f) {
                                         return SoftmaxCrossEntropyLoss<double>(
                                             f, labels, nullptr);
                                       },
                                       output, kStep),
                                   kRtol, kAtol));
  }
}

// The float losses agree with the double ones on the same (float) inputs to
// 1e-6 relative (+ 1e-7 absolute for the gradients).
TEST(LossGradientTest, FloatAgreesWithDouble) {
  Rng rng(7);
  const Matrix output = GaussianMatrix(6, 4, &rng).cast<float>();
  const Matrix targets = GaussianMatrix(6, 4, &rng).cast<float>();
  const std::vector<int> labels = {0, 3, 2, 1, 1, 3};
  Matrix d_float;
  MatrixD d_double;
  const double mse = MseLoss(output, targets, &d_float);
  const double mse_double = MseLoss(MatrixD(output.cast<double>()),
                                    MatrixD(targets.cast<double>()), &d_double);
  EXPECT_NEAR(mse, mse_double, 1e-6 * mse_double);
  EXPECT_THAT(d_float, ApproxEq(d_double, 1e-6, 1e-7));
  const double ce = SoftmaxCrossEntropyLoss(output, labels, &d_float);
  const double ce_double = SoftmaxCrossEntropyLoss(
      MatrixD(output.cast<double>()), labels, &d_double);
  EXPECT_NEAR(ce, ce_double, 1e-6 * ce_double);
  EXPECT_THAT(d_float, ApproxEq(d_double, 1e-6, 1e-7));
}

}  // namespace
}  // namespace nfalab
