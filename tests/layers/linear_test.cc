// Linear: forward and backward against hand-computed cases and central finite
// differences in double.
#include "layers/linear.h"

#include <cstdint>
#include <functional>

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
class LinearTest : public ::testing::Test {};
using ScalarTypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(LinearTest, ScalarTypes);

// The hand-computed example: x: [2, 3], W: [2, 3], b: [2].
template <typename Scalar>
struct Example {
  MatrixT<Scalar> x{{1, 2, 3}, {-1, 0, 2}};
  MatrixT<Scalar> w{{1, 0, -1}, {2, 1, 0.5}};
  VectorT<Scalar> b{{0.5, -1}};
};

TYPED_TEST(LinearTest, ConstructsZeroWeightsOfTheGivenShape) {
  BasicLinear<TypeParam> with_bias(/*input_dim=*/3, /*output_dim=*/5,
                                   /*has_bias=*/true);
  EXPECT_EQ(with_bias.input_dim(), 3);
  EXPECT_EQ(with_bias.output_dim(), 5);
  EXPECT_TRUE(with_bias.has_bias());
  EXPECT_EQ(with_bias.weight(), MatrixT<TypeParam>::Zero(5, 3));
  EXPECT_EQ(with_bias.bias(), VectorT<TypeParam>::Zero(5));

  BasicLinear<TypeParam> without_bias(3, 5, false);
  EXPECT_FALSE(without_bias.has_bias());
  EXPECT_EQ(without_bias.bias().size(), 0);
}

TYPED_TEST(LinearTest, ForwardMatchesHandComputedExample) {
  using M = MatrixT<TypeParam>;
  const Example<TypeParam> e;
  BasicLinear<TypeParam> linear(3, 2, /*has_bias=*/false);
  linear.weight() = e.w;
  M h;
  linear.Forward(e.x, &h);
  // x W^T: row 0: [1 - 3, 2 + 2 + 1.5], row 1: [-1 - 2, -2 + 1].
  EXPECT_EQ(h, M({{-2, 5.5}, {-3, -1}}));

  BasicLinear<TypeParam> biased(3, 2, /*has_bias=*/true);
  biased.weight() = e.w;
  biased.bias() = e.b;
  biased.Forward(e.x, &h);
  EXPECT_EQ(h, M({{-1.5, 4.5}, {-2.5, -2}}));
}

TYPED_TEST(LinearTest, BackwardMatchesHandComputedExample) {
  using M = MatrixT<TypeParam>;
  using V = VectorT<TypeParam>;
  const Example<TypeParam> e;
  const M d_h{{1, -1}, {0.5, 2}};
  // dW = dh^T x, db = column sums of dh, dx = dh W.
  const M expected_d_w{{0.5, 2, 4}, {-3, -2, 1}};
  const V expected_d_b{{1.5, 1}};
  const M expected_d_x{{-1, -1, -1.5}, {4.5, 2, 0.5}};

  BasicLinear<TypeParam> biased(3, 2, /*has_bias=*/true);
  biased.weight() = e.w;
  biased.bias() = e.b;
  M d_w, d_x;
  V d_b;
  biased.Backward(e.x, /*h=*/{}, /*kept=*/{}, d_h, 1,
                   /*d_x=*/&d_x, &d_w, &d_b);
  EXPECT_EQ(d_w, expected_d_w);
  EXPECT_EQ(d_b, expected_d_b);
  EXPECT_EQ(d_x, expected_d_x);

  // Without a bias the weight and input gradients are the same, d_bias is
  // left alone and d_input may be null.
  BasicLinear<TypeParam> linear(3, 2, /*has_bias=*/false);
  linear.weight() = e.w;
  M d_w2;
  V untouched{{7}};
  linear.Backward(e.x, /*h=*/{}, /*kept=*/{}, d_h, 1,
                   /*d_x=*/nullptr, &d_w2, &untouched);
  EXPECT_EQ(d_w2, expected_d_w);
  EXPECT_EQ(untouched, V{{7}});
}

// Central difference of f with respect to every entry of *values.
template <typename Values>
Values NumericGradient(const std::function<double()>& f, Values* values,
                       double step) {
  Values gradient(values->rows(), values->cols());
  for (Eigen::Index i = 0; i < values->size(); ++i) {
    const double saved = values->data()[i];
    values->data()[i] = saved + step;
    const double plus = f();
    values->data()[i] = saved - step;
    const double minus = f();
    values->data()[i] = saved;
    gradient.data()[i] = (plus - minus) / (2 * step);
  }
  return gradient;
}

// L = sum(G .* h(x; W, b)) for a fixed random G, so dL/dh = G. L is linear in
// each parameter, so central differences with step 1e-6 are exact up to
// rounding, ~ eps |L| / step ~ 1e-9; the stated tolerance is
// |analytic - fd| <= 1e-7 + 1e-7 |fd|.
TEST(LinearGradientTest, BackwardMatchesCentralDifferencesInDouble) {
  constexpr double kStep = 1e-6;
  constexpr double kRtol = 1e-7;
  constexpr double kAtol = 1e-7;
  Rng rng(TestSeed(1));
  for (bool has_bias : {false, true}) {
    SCOPED_TRACE(has_bias ? "with bias" : "without bias");
    const int n = 5, k_in = 7, k_out = 3;
    LinearD linear(k_in, k_out, has_bias);
    linear.weight() = GaussianMatrix(k_out, k_in, &rng);
    if (has_bias) linear.bias() = GaussianMatrix(k_out, 1, &rng);
    MatrixD x = GaussianMatrix(n, k_in, &rng);
    const MatrixD g = GaussianMatrix(n, k_out, &rng);
    const auto loss = [&]() {
      MatrixD h;
      linear.Forward(x, &h);
      return h.cwiseProduct(g).sum();
    };
    MatrixD d_w, d_x;
    VectorD d_b;
    linear.Backward(x, /*h=*/{}, /*kept=*/{}, g, 1,
                   /*d_x=*/&d_x, &d_w, &d_b);
    EXPECT_THAT(d_w, ApproxEq(NumericGradient(loss, &linear.weight(), kStep),
                              kRtol, kAtol));
    EXPECT_THAT(d_x, ApproxEq(NumericGradient(loss, &x, kStep), kRtol, kAtol));
    if (has_bias) {
      EXPECT_THAT(d_b, ApproxEq(NumericGradient(loss, &linear.bias(), kStep),
                                kRtol, kAtol));
    }
  }
}

}  // namespace
}  // namespace nfalab
