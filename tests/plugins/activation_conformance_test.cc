// Every registered activation (built-ins and //plugins:all) passes
// CheckActivation (cli/conformance.h): derivative vs central
// differences, finite on [-50, 50], shapes kept, float agrees with double,
// name() is the registry name. Planted faults show that each check fails.
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "cli/conformance.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "layers/activation.h"
#include "tests/plugins/conformance_test_util.h"
#include "tests/plugins/planted_faults.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ExpectNoFailedCheck;
using ::nfalab::testing::RowOf;
using ::nfalab::testing::SlopeOffByATenthPercent;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

class ActivationConformanceTest : public ::testing::TestWithParam<std::string> {
};

TEST_P(ActivationConformanceTest, PassesEveryCheck) {
  const std::vector<ConformanceCheck> checks = CheckActivation(GetParam());
  ASSERT_EQ(checks.size(), 5u) << FormatCheck(checks.front());
  ExpectNoFailedCheck(checks);
}

INSTANTIATE_TEST_SUITE_P(
    AllActivations, ActivationConformanceTest,
    ::testing::ValuesIn(ActivationRegistry::Global().Names()),
    [](const ::testing::TestParamInfo<std::string>& info) {
      return info.param;
    });

TEST(ActivationChecksTest, ReportRowsInOrderForTanh) {
  EXPECT_THAT(
      CheckActivation("tanh"),
      ElementsAre(Field(&ConformanceCheck::check, "create by name"),
                  Field(&ConformanceCheck::check, "derivative vs finite diff."),
                  Field(&ConformanceCheck::check, "finite on [-50, 50]"),
                  Field(&ConformanceCheck::check, "shape kept"),
                  Field(&ConformanceCheck::check, "float agrees with double")));
  for (const ConformanceCheck& check : CheckActivation("tanh")) {
    EXPECT_EQ(check.kind, "activation");
    EXPECT_EQ(check.name, "tanh");
  }
}

// Planted faults, each breaking one check.

// exp(2h): exact derivative, but exp(100) overflows float.
class OverflowsInFloat : public ElementwiseActivation<OverflowsInFloat> {
 public:
  template <typename A>
  static auto Value(const A& h) {
    return (typename A::Scalar(2) * h).exp();
  }
  template <typename A>
  static auto Slope(const A& h) {
    using S = typename A::Scalar;
    return S(2) * (S(2) * h).exp();
  }
};

// tanh whose float path adds 1e-3.
class FloatPathDiffers : public ElementwiseActivation<FloatPathDiffers> {
 public:
  template <typename A>
  static auto Value(const A& h) {
    using S = typename A::Scalar;
    return h.tanh() + S(std::is_same_v<S, float> ? 1e-3 : 0);
  }
  template <typename A>
  static auto Slope(const A& h) {
    using S = typename A::Scalar;
    return S(1) - h.tanh().square();
  }
};

// Writes a [1, n] row whatever the input's shape.
class FlattensItsInput : public Activation {
 public:
  void Apply(const Matrix& h, Matrix* out) const override { Flat(h, out); }
  void Derivative(const Matrix& h, Matrix* out) const override { Flat(h, out); }
  void Apply(const MatrixD& h, MatrixD* out) const override { Flat(h, out); }
  void Derivative(const MatrixD& h, MatrixD* out) const override {
    Flat(h, out);
  }

 private:
  template <typename M>
  static void Flat(const M& h, M* out) {
    *out = M::Ones(1, h.size());
  }
};

template <typename T>
ActivationRegistry::Factory NamedFactory(const std::string& name) {
  return [name](const google::protobuf::Any*)
             -> absl::StatusOr<std::unique_ptr<Activation>> {
    auto activation = std::make_unique<T>();
    activation->set_name(name);
    return std::unique_ptr<Activation>(std::move(activation));
  };
}

TEST(ActivationChecksTest, DerivativeOffByATenthPercentFails) {
  const ScopedRegistration<ActivationRegistry> planted(
      ActivationRegistry::Global(), "test_slope_off",
      NamedFactory<SlopeOffByATenthPercent>("test_slope_off"));
  const std::vector<ConformanceCheck> checks =
      CheckActivation("test_slope_off");
  const ConformanceCheck derivative =
      RowOf(checks, "derivative vs finite diff.");
  EXPECT_EQ(derivative.result, CheckResult::kFail);
  EXPECT_EQ(derivative.name, "test_slope_off");
  EXPECT_THAT(derivative.detail, StartsWith("rel err 0.001 at h = "));
  EXPECT_THAT(derivative.detail, HasSubstr("(tol 1e-06)"));
  EXPECT_THAT(FormatCheck(derivative),
              StartsWith("activation test_slope_off, derivative vs finite "
                         "diff.: FAILED (rel err 0.001"));
  for (const ConformanceCheck& check : checks) {
    if (check.check == "derivative vs finite diff.") continue;
    EXPECT_EQ(check.result, CheckResult::kPass) << FormatCheck(check);
  }
}

TEST(ActivationChecksTest, OverflowInFloatFailsTheFiniteCheck) {
  const ScopedRegistration<ActivationRegistry> planted(
      ActivationRegistry::Global(), "test_overflow",
      NamedFactory<OverflowsInFloat>("test_overflow"));
  const std::vector<ConformanceCheck> checks = CheckActivation("test_overflow");
  const ConformanceCheck finite = RowOf(checks, "finite on [-50, 50]");
  EXPECT_EQ(finite.result, CheckResult::kFail);
  // exp(2h) passes FLT_MAX near h = 44.36 (Eigen's vectorised float exp
  // already gives inf at exp(88.5), for h = 44.25).
  EXPECT_THAT(finite.detail, MatchesRegex("float phi\\(44\\.[0-9]+\\) = inf"));
  EXPECT_EQ(RowOf(checks, "derivative vs finite diff.").result,
            CheckResult::kPass);
}

TEST(ActivationChecksTest, FloatPathThatDiffersFails) {
  const ScopedRegistration<ActivationRegistry> planted(
      ActivationRegistry::Global(), "test_float_differs",
      NamedFactory<FloatPathDiffers>("test_float_differs"));
  const ConformanceCheck row =
      RowOf(CheckActivation("test_float_differs"), "float agrees with double");
  EXPECT_EQ(row.result, CheckResult::kFail);
  // 1e-3 / max(|tanh|, 1), up to float rounding.
  EXPECT_THAT(row.detail, StartsWith("rel err 0.001 in phi("));
  EXPECT_THAT(row.detail, HasSubstr("(tol 1e-05)"));
}

TEST(ActivationChecksTest, ChangedShapeFails) {
  const ScopedRegistration<ActivationRegistry> planted(
      ActivationRegistry::Global(), "test_flattens",
      NamedFactory<FlattensItsInput>("test_flattens"));
  const std::vector<ConformanceCheck> checks = CheckActivation("test_flattens");
  const ConformanceCheck shape = RowOf(checks, "shape kept");
  EXPECT_EQ(shape.result, CheckResult::kFail);
  EXPECT_EQ(shape.detail, "double Apply gave [1, 401] for [401, 1]");
  EXPECT_EQ(RowOf(checks, "derivative vs finite diff.").detail,
            "double Apply gave [1, 63] for [7, 9]");
}

TEST(ActivationChecksTest, NameOtherThanTheRegistryNameFails) {
  const ScopedRegistration<ActivationRegistry> planted(
      ActivationRegistry::Global(), "test_misnamed",
      NamedFactory<SlopeOffByATenthPercent>("something_else"));
  const ConformanceCheck create =
      RowOf(CheckActivation("test_misnamed"), "create by name");
  EXPECT_EQ(create.result, CheckResult::kFail);
  EXPECT_EQ(create.detail, "name() is \"something_else\"");
}

TEST(ActivationChecksTest, UnknownNameGivesOneFailedCreateRow) {
  const std::vector<ConformanceCheck> checks = CheckActivation("no_such_one");
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].check, "create by name");
  EXPECT_EQ(checks[0].result, CheckResult::kFail);
  EXPECT_THAT(checks[0].detail,
              HasSubstr("no activation named \"no_such_one\""));
}

}  // namespace
}  // namespace nfalab
