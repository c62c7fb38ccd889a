// The plumbing of cli/conformance.h that `nfalab check-plugin` uses:
// the table, the names a plugin added, the dispatch by kind. The checks
// themselves are tested in tests/plugins/*_conformance_test.cc.
#include "cli/conformance.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/dataset_source.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "layers/activation.h"
#include "metrics/alignment_measure.h"
#include "optimizers/optimizer.h"

namespace nfalab {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;

TEST(FormatConformanceTableTest, AlignsColumnsAndCountsResults) {
  const std::vector<ConformanceCheck> checks = {
      {"activation", "cube_tanh", "shape kept", CheckResult::kPass, "ok"},
      {"alignment measure", "ratio", "scale invariance", CheckResult::kFail,
       "rel change 4"},
      {"alignment measure", "ratio", "deterministic", CheckResult::kNotChecked,
       "why"},
  };
  EXPECT_EQ(FormatConformanceTable(checks),
            "kind               name       check             result       "
            "detail\n"
            "activation         cube_tanh  shape kept        pass         ok\n"
            "alignment measure  ratio      scale invariance  FAILED       "
            "rel change 4\n"
            "alignment measure  ratio      deterministic     not checked  "
            "why\n"
            "3 checks: 1 passed, 1 failed, 1 not checked\n");
}

TEST(FormatConformanceTableTest, SingleCheckAndNoneNotChecked) {
  EXPECT_EQ(FormatConformanceTable(
                {{"optimizer", "sgd", "x", CheckResult::kPass, "fine"}}),
            "kind       name  check  result  detail\n"
            "optimizer  sgd   x      pass    fine\n"
            "1 check: 1 passed, 0 failed\n");
}

TEST(FormatCheckTest, NamesKindNameCheckResultAndDetail) {
  EXPECT_EQ(FormatCheck({"optimizer", "sgd", "loss descent (bias)",
                         CheckResult::kFail, "MSE 1 -> 2"}),
            "optimizer sgd, loss descent (bias): FAILED (MSE 1 -> 2)");
}

TEST(AnyCheckFailedTest, OnlyFailedRowsCount) {
  EXPECT_FALSE(AnyCheckFailed({}));
  EXPECT_FALSE(AnyCheckFailed({{"a", "b", "c", CheckResult::kPass, ""},
                               {"a", "b", "d", CheckResult::kNotChecked, ""}}));
  EXPECT_TRUE(AnyCheckFailed({{"a", "b", "c", CheckResult::kPass, ""},
                              {"a", "b", "d", CheckResult::kFail, ""}}));
}

TEST(DescribeNamesTest, CountsAndListsKindAndName) {
  EXPECT_EQ(DescribeNames({}), "0 names");
  EXPECT_EQ(DescribeNames({{"activation", "cube_tanh"},
                           {"alignment measure", "trace_ratio"}}),
            "2 names (activation cube_tanh, alignment measure trace_ratio)");
}

TEST(CheckRegisteredNameTest, RunsTheChecksOfTheNamesKind) {
  EXPECT_THAT(
      CheckRegisteredName({"optimizer", "sgd"}),
      ElementsAre(Field(&ConformanceCheck::check, "create with default config"),
                  Field(&ConformanceCheck::check, "loss descent (no bias)"),
                  Field(&ConformanceCheck::check, "loss descent (bias)")));
  EXPECT_EQ(CheckRegisteredName({"activation", "tanh"}).size(), 5u);
  EXPECT_EQ(CheckRegisteredName({"alignment measure", "uc_nfc"}).size(), 4u);
  EXPECT_EQ(CheckRegisteredName({"dataset source", "csv"}).size(), 3u);
  EXPECT_EQ(CheckRegisteredName({"layer", "linear"}).size(), 8u);
  const std::vector<ConformanceCheck> unknown =
      CheckRegisteredName({"loss", "huber"});
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_EQ(unknown[0].result, CheckResult::kFail);
  EXPECT_EQ(unknown[0].detail, "no checks for kind \"loss\"");
}

}  // namespace
}  // namespace nfalab
