// Every registered activation (built-ins and //plugins:all) must: have a
// derivative that matches central finite differences in double, give
// finite values and derivatives on [-50, 50] in float and double, preserve
// the shape, and agree between float and double.
#include <cmath>
#include <memory>
#include <string>

#include "core/random.h"
#include "core/tensor.h"
#include "gtest/gtest.h"
#include "layers/activation.h"

namespace nfalab {
namespace {

class ActivationConformanceTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<Activation> Create() {
    auto activation = ActivationRegistry::Global().Create(GetParam());
    EXPECT_TRUE(activation.ok()) << activation.status();
    return activation.ok() ? std::move(activation).value() : nullptr;
  }
};

// Points in [-4, 4] at least 1e-2 away from 0 (where relu-like kinks are).
MatrixD SamplePoints(int rows, int cols, uint64_t seed) {
  Rng rng(seed);
  MatrixD h(rows, cols);
  for (Eigen::Index i = 0; i < h.size(); ++i) {
    double x = 0;
    do {
      x = 8 * rng.Uniform() - 4;
    } while (std::abs(x) < 1e-2);
    h.data()[i] = x;
  }
  return h;
}

// (phi(h + e) - phi(h - e)) / 2e with e = 1e-5: truncation error
// e^2 |phi'''| / 6 ~ 1e-10 and rounding error ~ 1e-16 / e ~ 1e-11 for the
// smooth activations on [-4, 4]; tolerance 1e-7 absolute + 1e-6 relative.
TEST_P(ActivationConformanceTest, DerivativeMatchesCentralDifferences) {
  const std::unique_ptr<Activation> phi = Create();
  ASSERT_NE(phi, nullptr);
  const MatrixD h = SamplePoints(7, 9, /*seed=*/17);
  constexpr double kStep = 1e-5;
  MatrixD plus, minus, slope;
  phi->Apply(MatrixD(h.array() + kStep), &plus);
  phi->Apply(MatrixD(h.array() - kStep), &minus);
  phi->Derivative(h, &slope);
  ASSERT_EQ(slope.rows(), h.rows());
  ASSERT_EQ(slope.cols(), h.cols());
  for (Eigen::Index i = 0; i < h.size(); ++i) {
    const double numeric = (plus.data()[i] - minus.data()[i]) / (2 * kStep);
    EXPECT_NEAR(slope.data()[i], numeric, 1e-7 + 1e-6 * std::abs(numeric))
        << GetParam() << " at h = " << h.data()[i];
  }
}

template <typename M>
void ExpectFiniteWithShape(const Activation& phi, const M& h) {
  M value, slope;
  phi.Apply(h, &value);
  phi.Derivative(h, &slope);
  ASSERT_EQ(value.rows(), h.rows());
  ASSERT_EQ(value.cols(), h.cols());
  ASSERT_EQ(slope.rows(), h.rows());
  ASSERT_EQ(slope.cols(), h.cols());
  for (Eigen::Index i = 0; i < h.size(); ++i) {
    EXPECT_TRUE(std::isfinite(value.data()[i]))
        << phi.name() << "(" << h.data()[i] << ") = " << value.data()[i];
    EXPECT_TRUE(std::isfinite(slope.data()[i]))
        << phi.name() << "'(" << h.data()[i] << ") = " << slope.data()[i];
  }
}

TEST_P(ActivationConformanceTest, FiniteOnMinusFiftyToFiftyWithShapeKept) {
  const std::unique_ptr<Activation> phi = Create();
  ASSERT_NE(phi, nullptr);
  // 401 points, step 0.25, as a [401, 1] and a [1, 401] matrix.
  MatrixD column(401, 1);
  for (int i = 0; i < 401; ++i) column(i, 0) = -50.0 + 0.25 * i;
  const MatrixD row = column.transpose();
  ExpectFiniteWithShape(*phi, column);
  ExpectFiniteWithShape(*phi, row);
  ExpectFiniteWithShape(*phi, Matrix(column.cast<float>()));
  ExpectFiniteWithShape(*phi, Matrix(row.cast<float>()));
  ExpectFiniteWithShape(*phi, MatrixD(0, 3));  // Empty stays empty.
}

// The float path computes the same function as the double path (float
// rounding only: 1e-5 relative + 1e-5 absolute).
TEST_P(ActivationConformanceTest, FloatAgreesWithDouble) {
  const std::unique_ptr<Activation> phi = Create();
  ASSERT_NE(phi, nullptr);
  const MatrixD h = SamplePoints(5, 6, /*seed=*/23);
  const Matrix hf = h.cast<float>();
  MatrixD value, slope;
  Matrix value_f, slope_f;
  phi->Apply(MatrixD(hf.cast<double>()), &value);
  phi->Derivative(MatrixD(hf.cast<double>()), &slope);
  phi->Apply(hf, &value_f);
  phi->Derivative(hf, &slope_f);
  for (Eigen::Index i = 0; i < h.size(); ++i) {
    EXPECT_NEAR(value_f.data()[i], value.data()[i],
                1e-5 + 1e-5 * std::abs(value.data()[i]));
    EXPECT_NEAR(slope_f.data()[i], slope.data()[i],
                1e-5 + 1e-5 * std::abs(slope.data()[i]));
  }
}

TEST_P(ActivationConformanceTest, NameIsTheRegistryName) {
  const std::unique_ptr<Activation> phi = Create();
  ASSERT_NE(phi, nullptr);
  EXPECT_EQ(phi->name(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    AllActivations, ActivationConformanceTest,
    ::testing::ValuesIn(ActivationRegistry::Global().Names()),
    [](const ::testing::TestParamInfo<std::string>& info) {
      return info.param;
    });

}  // namespace
}  // namespace nfalab
