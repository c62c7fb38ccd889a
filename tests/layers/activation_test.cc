// Contract tests run on every registered activation (phi' agrees with central
// finite differences of phi in double, float agrees with double, outputs are
// finite, shapes are preserved, in-place evaluation works), plus known values
// of the built-ins.
#include "layers/activation.h"

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/random.h"
#include "core/tensor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/matrix_matchers.h"
#include "tests/status_matchers.h"
#include "tests/test_seed.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ApproxEq;
using ::nfalab::testing::StatusIs;
using ::nfalab::testing::TestSeed;
using ::testing::ElementsAre;

std::unique_ptr<Activation> MakeActivation(const std::string& name) {
  absl::StatusOr<std::unique_ptr<Activation>> activation =
      ActivationRegistry::Global().Create(name, nullptr);
  EXPECT_TRUE(activation.ok()) << activation.status();
  return activation.ok() ? std::move(activation).value() : nullptr;
}

// rows * cols evenly spaced points in [lo, hi], in row-major order, offset
// from a symmetric grid so that none is near 0: for lo = -hi and N = rows *
// cols points, the closest one to 0 is 0.13 (hi - lo) / N away, so every
// point the tests use has |h| >= 1e-3 (clear of relu-like kinks at 0).
MatrixD Grid(double lo, double hi, int rows, int cols) {
  const int count = rows * cols;
  MatrixD h(rows, cols);
  for (int i = 0; i < count; ++i) {
    h.data()[i] = lo + (hi - lo) * (i + 0.37) / count;
  }
  return h;
}

class ActivationContractTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    activation_ = MakeActivation(GetParam());
    ASSERT_NE(activation_, nullptr);
  }

  std::unique_ptr<Activation> activation_;
};

TEST_P(ActivationContractTest, NameIsTheRegistryName) {
  EXPECT_EQ(activation_->name(), GetParam());
  EXPECT_FALSE(ActivationRegistry::Global().Description(GetParam()).empty());
}

// Central differences in double: (phi(h + s) - phi(h - s)) / (2 s) with
// s = 1e-6 has truncation error s^2 |phi'''| / 6 ~ 1e-12 and rounding error
// ~ eps |phi| / s <= 2.2e-16 * 36 / 1e-6 ~ 1e-8 on [-6, 6], so the stated
// tolerance |phi' - fd| <= 1e-6 + 1e-6 |fd| has ample margin while still
// catching any wrong derivative formula (see the test with a wrong slope
// below). Callers keep |h| >= 1e-3, away from relu-like kinks at 0.
::testing::AssertionResult DerivativeMatchesFiniteDifferences(
    const Activation& activation, const MatrixD& h) {
  constexpr double kStep = 1e-6;
  constexpr double kRtol = 1e-6;
  constexpr double kAtol = 1e-6;
  MatrixD plus, minus, derivative;
  activation.Apply(MatrixD(h.array() + kStep), &plus);
  activation.Apply(MatrixD(h.array() - kStep), &minus);
  activation.Derivative(h, &derivative);
  const MatrixD numeric = (plus - minus) / (2 * kStep);
  ::testing::StringMatchResultListener listener;
  if (::testing::ExplainMatchResult(ApproxEq(numeric, kRtol, kAtol), derivative,
                                    &listener)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << activation.name() << "\'s derivative differs from central "
         << "differences: " << listener.str();
}

TEST_P(ActivationContractTest, DerivativeMatchesCentralDifferencesInDouble) {
  const MatrixD h = Grid(-6.0, 6.0, 25, 20);  // 500 points.
  ASSERT_GE(h.cwiseAbs().minCoeff(), 1e-3);
  EXPECT_TRUE(DerivativeMatchesFiniteDifferences(*activation_, h));

  // Also at random points (see TestSeed).
  Rng rng(TestSeed(1));
  MatrixD random(7, 9);
  for (Eigen::Index i = 0; i < random.size(); ++i) {
    double value;
    do {
      value = rng.Uniform(-6.0, 6.0);
    } while (std::abs(value) < 1e-3);
    random.data()[i] = value;
  }
  EXPECT_TRUE(DerivativeMatchesFiniteDifferences(*activation_, random));
}

// The check above can fail: tanh with slope 1 - tanh(h)^2 + 1e-4 (a small
// error) and with slope 1 - tanh(h) (a wrong formula) are both rejected.
template <int kWhich>
class WrongTanh : public ElementwiseActivation<WrongTanh<kWhich>> {
 public:
  template <typename A>
  static auto Value(const A& h) {
    return h.tanh();
  }
  template <typename A>
  static auto Slope(const A& h) {
    using S = typename A::Scalar;
    if constexpr (kWhich == 0) {
      return S(1.0001) - h.tanh().square();
    } else {
      return S(1) - h.tanh();
    }
  }
};

TEST(ActivationContractCheckTest, RejectsWrongDerivatives) {
  const MatrixD h = Grid(-6.0, 6.0, 25, 20);
  EXPECT_FALSE(DerivativeMatchesFiniteDifferences(WrongTanh<0>(), h));
  EXPECT_FALSE(DerivativeMatchesFiniteDifferences(WrongTanh<1>(), h));
}

// The float path evaluates the same formulas as the double one; they agree to
// |f32 - f64| <= 1e-5 |f64| + 1e-5. The relative part is ~100 float ulps; the
// absolute floor covers values near 0 and tails where float cancels, e.g.
// GELU's 1 + tanh(u) for u << 0, where Eigen's float tanh saturates to -1 and
// phi'(-5.5) ~ -3e-6 comes out as 0.
TEST_P(ActivationContractTest, FloatPathAgreesWithDoublePath) {
  constexpr double kRtol = 1e-5;
  constexpr double kAtol = 1e-5;
  // Float-representable inputs so both paths see the same h.
  const Matrix h = Grid(-6.0, 6.0, 20, 20).cast<float>();
  const MatrixD h_double = h.cast<double>();
  Matrix value, slope;
  MatrixD value_double, slope_double;
  activation_->Apply(h, &value);
  activation_->Derivative(h, &slope);
  activation_->Apply(h_double, &value_double);
  activation_->Derivative(h_double, &slope_double);
  EXPECT_THAT(value, ApproxEq(value_double, kRtol, kAtol));
  EXPECT_THAT(slope, ApproxEq(slope_double, kRtol, kAtol));
}

TEST_P(ActivationContractTest, OutputsAreFiniteOnLargeInputs) {
  MatrixD h(9, 11);
  for (Eigen::Index i = 0; i < h.size(); ++i) {
    h.data()[i] = -50.0 + 100.0 * static_cast<double>(i) / (h.size() - 1);
  }
  const Matrix h_float = h.cast<float>();
  MatrixD out;
  Matrix out_float;
  activation_->Apply(h, &out);
  EXPECT_TRUE(out.allFinite()) << "phi(h), double:\n" << out;
  activation_->Derivative(h, &out);
  EXPECT_TRUE(out.allFinite()) << "phi'(h), double:\n" << out;
  activation_->Apply(h_float, &out_float);
  EXPECT_TRUE(out_float.allFinite()) << "phi(h), float:\n" << out_float;
  activation_->Derivative(h_float, &out_float);
  EXPECT_TRUE(out_float.allFinite()) << "phi'(h), float:\n" << out_float;
}

TEST_P(ActivationContractTest, PreservesShape) {
  for (const auto& [rows, cols] :
       std::vector<std::pair<int, int>>{{3, 5}, {1, 1}, {1, 7}, {7, 1}}) {
    const MatrixD h = Grid(-3.0, 3.0, rows, cols);
    MatrixD out(2, 2);  // Wrong shape on purpose: must be resized.
    activation_->Apply(h, &out);
    EXPECT_EQ(out.rows(), rows);
    EXPECT_EQ(out.cols(), cols);
    out.resize(4, 4);
    activation_->Derivative(h, &out);
    EXPECT_EQ(out.rows(), rows);
    EXPECT_EQ(out.cols(), cols);

    Matrix out_float(5, 1);
    activation_->Apply(h.cast<float>(), &out_float);
    EXPECT_EQ(out_float.rows(), rows);
    EXPECT_EQ(out_float.cols(), cols);
    out_float.resize(0, 0);
    activation_->Derivative(h.cast<float>(), &out_float);
    EXPECT_EQ(out_float.rows(), rows);
    EXPECT_EQ(out_float.cols(), cols);
  }
}

TEST_P(ActivationContractTest, InPlaceEvaluationMatchesOutOfPlace) {
  const MatrixD h = Grid(-6.0, 6.0, 3, 5);
  MatrixD expected_value, expected_slope;
  activation_->Apply(h, &expected_value);
  activation_->Derivative(h, &expected_slope);
  MatrixD in_place = h;
  activation_->Apply(in_place, &in_place);
  EXPECT_EQ(in_place, expected_value);
  in_place = h;
  activation_->Derivative(in_place, &in_place);
  EXPECT_EQ(in_place, expected_slope);

  const Matrix h_float = h.cast<float>();
  Matrix expected_float;
  activation_->Apply(h_float, &expected_float);
  Matrix in_place_float = h_float;
  activation_->Apply(in_place_float, &in_place_float);
  EXPECT_EQ(in_place_float, expected_float);
  activation_->Derivative(h_float, &expected_float);
  in_place_float = h_float;
  activation_->Derivative(in_place_float, &in_place_float);
  EXPECT_EQ(in_place_float, expected_float);
}

// Generators run after static initialisation, so this sees every activation
// linked into the test (the built-ins here).
INSTANTIATE_TEST_SUITE_P(
    AllRegistered, ActivationContractTest,
    ::testing::ValuesIn(ActivationRegistry::Global().Names()),
    [](const ::testing::TestParamInfo<std::string>& info) {
      return info.param;  // Registry names are [a-z][a-z0-9_]*.
    });

TEST(ActivationRegistryTest, BuiltinsRegisterExactlyTheDocumentedSet) {
  EXPECT_THAT(ActivationRegistry::Global().Names(),
              ElementsAre("gelu", "identity", "leaky_relu", "quadratic", "relu",
                          "sigmoid", "softplus", "tanh"));
}

TEST(ActivationRegistryTest, UnknownNameIsNotFound) {
  absl::StatusOr<std::unique_ptr<Activation>> activation =
      ActivationRegistry::Global().Create("gleu", nullptr);
  EXPECT_THAT(activation, StatusIs(absl::StatusCode::kNotFound,
                                   ::testing::HasSubstr("\"gleu\"")));
}

struct KnownValue {
  std::string name;
  double h;
  double value;
  double slope;
};

// Values computed by hand (or with the closed forms in Python's math module).
// Both paths must match them to 1e-12 relative in double and 1e-6 relative
// (+ 1e-7 absolute) in float.
TEST(BuiltinActivationsTest, MatchKnownValues) {
  const double kLog2 = std::log(2.0);
  const std::vector<KnownValue> cases = {
      {"relu", -1.0, 0.0, 0.0},
      {"relu", 2.0, 2.0, 1.0},
      {"leaky_relu", -2.0, -0.02, 0.01},
      {"leaky_relu", 3.0, 3.0, 1.0},
      {"identity", -3.5, -3.5, 1.0},
      {"sigmoid", 0.0, 0.5, 0.25},
      {"sigmoid", 2.0, 0.8807970779778823, 0.10499358540350662},
      {"softplus", 0.0, kLog2, 0.5},
      {"softplus", 100.0, 100.0, 1.0},
      {"tanh", 0.5, 0.46211715726000974, 0.7864477329659274},
      {"tanh", 0.0, 0.0, 1.0},
      // GELU, tanh form: 0.5 h (1 + tanh(sqrt(2/pi) (h + 0.044715 h^3))).
      {"gelu", 1.0, 0.8411919906082768, 1.0829640838457826},
      {"gelu", -1.0, -0.15880800939172324, -0.08296408384578255},
      {"gelu", 0.0, 0.0, 0.5},
      {"quadratic", 3.0, 9.0, 6.0},
      {"quadratic", -2.0, 4.0, -4.0},
  };
  for (const KnownValue& c : cases) {
    SCOPED_TRACE(c.name + "(" + std::to_string(c.h) + ")");
    std::unique_ptr<Activation> activation = MakeActivation(c.name);
    ASSERT_NE(activation, nullptr);
    const MatrixD h = MatrixD::Constant(1, 1, c.h);
    MatrixD out;
    activation->Apply(h, &out);
    EXPECT_NEAR(out(0, 0), c.value, 1e-12 * std::abs(c.value));
    activation->Derivative(h, &out);
    EXPECT_NEAR(out(0, 0), c.slope, 1e-12 * std::abs(c.slope));

    const Matrix h_float = Matrix::Constant(1, 1, static_cast<float>(c.h));
    Matrix out_float;
    activation->Apply(h_float, &out_float);
    EXPECT_NEAR(out_float(0, 0), c.value, 1e-6 * std::abs(c.value) + 1e-7);
    activation->Derivative(h_float, &out_float);
    EXPECT_NEAR(out_float(0, 0), c.slope, 1e-6 * std::abs(c.slope) + 1e-7);
  }
}

// softplus(-100) = log1p(e^-100) ~ e^-100 = 3.720075976020836e-44: a naive
// log(1 + exp(h)) rounds it to 0 and exp(100) overflows float.
TEST(BuiltinActivationsTest, SoftplusIsAccurateFarFromZero) {
  std::unique_ptr<Activation> softplus = MakeActivation("softplus");
  ASSERT_NE(softplus, nullptr);
  MatrixD out;
  softplus->Apply(MatrixD::Constant(1, 1, -100.0), &out);
  EXPECT_GE(out(0, 0), 0.0);
  EXPECT_NEAR(out(0, 0), 3.720075976020836e-44, 1e-12 * 3.72e-44);
  softplus->Derivative(MatrixD::Constant(1, 1, -100.0), &out);
  EXPECT_NEAR(out(0, 0), 3.720075976020836e-44, 1e-12 * 3.72e-44);

  Matrix out_float;
  softplus->Apply(Matrix::Constant(1, 1, -100.0f), &out_float);
  EXPECT_TRUE(std::isfinite(out_float(0, 0)));
  EXPECT_GE(out_float(0, 0), 0.0f);
  EXPECT_LT(out_float(0, 0), 1e-30f);
  softplus->Apply(Matrix::Constant(1, 1, 100.0f), &out_float);
  EXPECT_FLOAT_EQ(out_float(0, 0), 100.0f);
}

}  // namespace
}  // namespace nfalab
