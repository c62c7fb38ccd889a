// Every registered alignment measure (built-ins and //plugins:all) passes
// CheckAlignmentMeasure (cli/conformance.h): finite, named values on
// three random layers, bit-identical values in two calls, and unchanged
// values under scaling if it declares IsScaleInvariant(). Planted faults
// show that each check fails.
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/conformance.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/alignment_measure.h"
#include "tests/plugins/conformance_test_util.h"
#include "tests/plugins/planted_faults.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ExpectNoFailedCheck;
using ::nfalab::testing::FactoryOf;
using ::nfalab::testing::FalselyScaleInvariant;
using ::nfalab::testing::RowOf;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

class MeasureConformanceTest : public ::testing::TestWithParam<std::string> {};

TEST_P(MeasureConformanceTest, PassesEveryCheck) {
  const std::vector<ConformanceCheck> checks =
      CheckAlignmentMeasure(GetParam());
  ASSERT_EQ(checks.size(), 4u) << FormatCheck(checks.front());
  ExpectNoFailedCheck(checks);
}

INSTANTIATE_TEST_SUITE_P(
    AllMeasures, MeasureConformanceTest,
    ::testing::ValuesIn(AlignmentMeasureRegistry::Global().Names()),
    [](const ::testing::TestParamInfo<std::string>& info) {
      return info.param;
    });

TEST(MeasureChecksTest, ScaleInvariantBuiltinIsCheckedNotSkipped) {
  const ConformanceCheck row =
      RowOf(CheckAlignmentMeasure("uc_nfc"), "scale invariance");
  EXPECT_EQ(row.result, CheckResult::kPass);
  EXPECT_THAT(row.detail, MatchesRegex("max rel change .* with W, W0 x3, K x5 "
                                       "\\(tol 1e-09\\)"));
}

// Planted faults, each breaking one check.

// Drifts by 1e-12 per call.
class Drifts : public AlignmentMeasure {
 public:
  absl::StatusOr<std::vector<MeasureValue>> Compute(
      const LayerContext& layer) const override {
    return std::vector<MeasureValue>{{"drift", 1e-12 * calls_++}};
  }

 private:
  mutable int calls_ = 0;
};

// NaN on the readout layer.
class NanOnReadout : public AlignmentMeasure {
 public:
  absl::StatusOr<std::vector<MeasureValue>> Compute(
      const LayerContext& layer) const override {
    return std::vector<MeasureValue>{
        {"bad",
         layer.is_readout() ? std::numeric_limits<double>::quiet_NaN() : 1.0}};
  }
};

class AlwaysFails : public AlignmentMeasure {
 public:
  absl::StatusOr<std::vector<MeasureValue>> Compute(
      const LayerContext& layer) const override {
    return absl::InvalidArgumentError("needs a square W");
  }
};

TEST(MeasureChecksTest, FalseScaleInvarianceFails) {
  const ScopedRegistration<AlignmentMeasureRegistry> planted(
      AlignmentMeasureRegistry::Global(), "test_false_invariant",
      FactoryOf<AlignmentMeasure, FalselyScaleInvariant,
                const google::protobuf::Any*>());
  const std::vector<ConformanceCheck> checks =
      CheckAlignmentMeasure("test_false_invariant");
  const ConformanceCheck row = RowOf(checks, "scale invariance");
  EXPECT_EQ(row.result, CheckResult::kFail);
  EXPECT_EQ(row.name, "test_false_invariant");
  EXPECT_THAT(row.detail,
              MatchesRegex("declared invariant, but ratio = .* became .* with "
                           "W, W0 x3 and K x5 \\(rel change 4, tol 1e-09\\)"));
  EXPECT_EQ(RowOf(checks, "deterministic").result, CheckResult::kPass);
}

TEST(MeasureChecksTest, NonDeterministicMeasureFails) {
  const ScopedRegistration<AlignmentMeasureRegistry> planted(
      AlignmentMeasureRegistry::Global(), "test_drifts",
      FactoryOf<AlignmentMeasure, Drifts, const google::protobuf::Any*>());
  const ConformanceCheck row =
      RowOf(CheckAlignmentMeasure("test_drifts"), "deterministic");
  EXPECT_EQ(row.result, CheckResult::kFail);
  // One instance for all checks: the finite check made calls 0 to 2.
  EXPECT_EQ(row.detail,
            "drift = 3.0000000000000001e-12, then 3.9999999999999999e-12");
}

TEST(MeasureChecksTest, NanOnTheReadoutFailsAndUndeclaredInvarianceIsSkipped) {
  const ScopedRegistration<AlignmentMeasureRegistry> planted(
      AlignmentMeasureRegistry::Global(), "test_nan",
      FactoryOf<AlignmentMeasure, NanOnReadout,
                const google::protobuf::Any*>());
  const std::vector<ConformanceCheck> checks =
      CheckAlignmentMeasure("test_nan");
  const ConformanceCheck finite = RowOf(checks, "finite on 3 layer shapes");
  EXPECT_EQ(finite.result, CheckResult::kFail);
  EXPECT_EQ(finite.detail, "bad = nan on a [2, 6] layer 3 of 3");
  const ConformanceCheck scale = RowOf(checks, "scale invariance");
  EXPECT_EQ(scale.result, CheckResult::kNotChecked);
  EXPECT_EQ(scale.detail, "IsScaleInvariant() is false");
}

TEST(MeasureChecksTest, ComputeErrorFailsWithItsMessage) {
  const ScopedRegistration<AlignmentMeasureRegistry> planted(
      AlignmentMeasureRegistry::Global(), "test_fails",
      FactoryOf<AlignmentMeasure, AlwaysFails, const google::protobuf::Any*>());
  const ConformanceCheck row =
      RowOf(CheckAlignmentMeasure("test_fails"), "finite on 3 layer shapes");
  EXPECT_EQ(row.result, CheckResult::kFail);
  EXPECT_EQ(row.detail,
            "Compute failed on a [6, 4] layer 1 of 3: needs a square W");
}

TEST(MeasureChecksTest, UnknownNameGivesOneFailedCreateRow) {
  const std::vector<ConformanceCheck> checks =
      CheckAlignmentMeasure("no_such_one");
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].result, CheckResult::kFail);
  EXPECT_THAT(checks[0].detail,
              HasSubstr("no alignment measure named \"no_such_one\""));
}

}  // namespace
}  // namespace nfalab
