#include <cmath>
#include <memory>

#include "core/tensor.h"
#include "gtest/gtest.h"
#include "layers/activation.h"
#include "tests/matrix_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ApproxEq;

std::unique_ptr<Activation> CreateSwish() {
  auto swish = ActivationRegistry::Global().Create("swish");
  EXPECT_TRUE(swish.ok()) << swish.status();
  return std::move(swish).value();
}

TEST(SwishTest, MatchesClosedFormInDoubleAndFloat) {
  const std::unique_ptr<Activation> swish = CreateSwish();
  MatrixD h(1, 5);
  h << -3.0, -0.5, 0.0, 0.5, 3.0;
  MatrixD expected(1, 5), expected_slope(1, 5);
  for (int j = 0; j < 5; ++j) {
    const double x = h(0, j);
    const double s = 1.0 / (1.0 + std::exp(-x));
    expected(0, j) = x * s;
    expected_slope(0, j) = s + x * s * (1 - s);
  }
  MatrixD value, slope;
  swish->Apply(h, &value);
  swish->Derivative(h, &slope);
  EXPECT_THAT(value, ApproxEq(expected, 1e-14, 1e-15));
  EXPECT_THAT(slope, ApproxEq(expected_slope, 1e-14, 1e-15));

  Matrix value_f, slope_f;
  swish->Apply(Matrix(h.cast<float>()), &value_f);
  swish->Derivative(Matrix(h.cast<float>()), &slope_f);
  EXPECT_THAT(MatrixD(value_f.cast<double>()), ApproxEq(expected, 1e-6, 1e-6));
  EXPECT_THAT(MatrixD(slope_f.cast<double>()),
              ApproxEq(expected_slope, 1e-6, 1e-6));
}

TEST(SwishTest, HandValuesAtZeroAndLimits) {
  const std::unique_ptr<Activation> swish = CreateSwish();
  MatrixD h(1, 3);
  h << 0.0, -100.0, 100.0;
  MatrixD value, slope;
  swish->Apply(h, &value);
  swish->Derivative(h, &slope);
  EXPECT_EQ(value(0, 0), 0.0);
  EXPECT_EQ(slope(0, 0), 0.5);  // sigmoid(0) = 1/2.
  EXPECT_NEAR(value(0, 1), 0.0, 1e-40);
  EXPECT_NEAR(slope(0, 1), 0.0, 1e-40);
  EXPECT_NEAR(value(0, 2), 100.0, 1e-12);
  EXPECT_NEAR(slope(0, 2), 1.0, 1e-12);
}

}  // namespace
}  // namespace nfalab
