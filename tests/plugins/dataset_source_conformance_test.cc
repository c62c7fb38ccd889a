// Every registered dataset source (built-ins and //plugins:all) passes
// CheckDatasetSource (cli/conformance.h): it is created by name, and
// Load with a data.path that does not exist returns an error or valid
// splits. Loading a working config is reported as not checked. Planted
// faults show that the load check fails.
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/dataset_source.h"
#include "cli/conformance.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/plugins/conformance_test_util.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ExpectNoFailedCheck;
using ::nfalab::testing::FactoryOf;
using ::nfalab::testing::RowOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class DatasetSourceConformanceTest
    : public ::testing::TestWithParam<std::string> {};

TEST_P(DatasetSourceConformanceTest, PassesEveryCheck) {
  const std::vector<ConformanceCheck> checks = CheckDatasetSource(GetParam());
  ASSERT_EQ(checks.size(), 3u) << FormatCheck(checks.front());
  ExpectNoFailedCheck(checks);
  EXPECT_EQ(checks[2].check, "load a working config");
  EXPECT_EQ(checks[2].result, CheckResult::kNotChecked);
}

INSTANTIATE_TEST_SUITE_P(
    AllDatasetSources, DatasetSourceConformanceTest,
    ::testing::ValuesIn(DatasetSourceRegistry::Global().Names()),
    [](const ::testing::TestParamInfo<std::string>& info) {
      return info.param;
    });

TEST(DatasetSourceChecksTest, FileSourceReportsItsError) {
  const ConformanceCheck row =
      RowOf(CheckDatasetSource("csv"), "load without data files");
  EXPECT_EQ(row.result, CheckResult::kPass);
  EXPECT_THAT(row.detail, StartsWith("error: "));
  EXPECT_THAT(row.detail, HasSubstr("/nonexistent/nfalab-conformance-data"));
}

TEST(DatasetSourceChecksTest, SyntheticSourceNeedsNoFiles) {
  const ConformanceCheck row =
      RowOf(CheckDatasetSource("synthetic"), "load without data files");
  EXPECT_EQ(row.result, CheckResult::kPass);
  // The default SyntheticOptions: 32 inputs, 1 output.
  EXPECT_EQ(row.detail, "needs no files: 8 + 4 examples, 32 -> 1");
}

// Planted faults.

// Returns 8 inputs but 7 targets, whatever the config.
class RaggedSource : public DatasetSource {
 public:
  absl::StatusOr<DatasetSplits> Load(const DatasetConfig& config) override {
    DatasetSplits splits;
    splits.train.x = Matrix::Zero(8, 3);
    splits.train.y = Matrix::Zero(7, 1);
    return splits;
  }
};

class SilentError : public DatasetSource {
 public:
  absl::StatusOr<DatasetSplits> Load(const DatasetConfig& config) override {
    return absl::NotFoundError("");
  }
};

TEST(DatasetSourceChecksTest, InconsistentSplitsFail) {
  const ScopedRegistration<DatasetSourceRegistry> planted(
      DatasetSourceRegistry::Global(), "test_ragged",
      FactoryOf<DatasetSource, RaggedSource>());
  const ConformanceCheck row =
      RowOf(CheckDatasetSource("test_ragged"), "load without data files");
  EXPECT_EQ(row.result, CheckResult::kFail);
  EXPECT_EQ(row.name, "test_ragged");
  EXPECT_EQ(row.detail, "train: X has 8 rows but Y has 7");
}

TEST(DatasetSourceChecksTest, ErrorWithoutAMessageFails) {
  const ScopedRegistration<DatasetSourceRegistry> planted(
      DatasetSourceRegistry::Global(), "test_silent",
      FactoryOf<DatasetSource, SilentError>());
  const ConformanceCheck row =
      RowOf(CheckDatasetSource("test_silent"), "load without data files");
  EXPECT_EQ(row.result, CheckResult::kFail);
  EXPECT_EQ(row.detail, "an error without a message");
}

// Valid 4 x input_dim splits when data.options holds SyntheticOptions (a
// stand-in options type), else an error without a message (a failure).
class NeedsOptions : public DatasetSource {
 public:
  absl::StatusOr<DatasetSplits> Load(const DatasetConfig& config) override {
    SyntheticOptions options;
    if (!config.has_options() || !config.options().UnpackTo(&options)) {
      return absl::NotFoundError("");
    }
    DatasetSplits splits;
    splits.train.x = Matrix::Zero(4, options.input_dim());
    splits.train.y = Matrix::Zero(4, 1);
    return splits;
  }
};

// The check loads a source that declares options with its registered
// example, and without one when it declares none.
TEST(DatasetSourceChecksTest, SourceWithOptionsIsLoadedWithItsExample) {
  SyntheticOptions example;
  example.set_input_dim(3);
  {
    const ScopedRegistration<DatasetSourceRegistry> planted(
        DatasetSourceRegistry::Global(), "test_needs_options",
        FactoryOf<DatasetSource, NeedsOptions>(),
        std::make_shared<const SyntheticOptions>(example));
    const ConformanceCheck row = RowOf(CheckDatasetSource("test_needs_options"),
                                       "load without data files");
    EXPECT_EQ(row.result, CheckResult::kPass) << row.detail;
  }
  const ScopedRegistration<DatasetSourceRegistry> planted(
      DatasetSourceRegistry::Global(), "test_needs_options",
      FactoryOf<DatasetSource, NeedsOptions>());
  EXPECT_EQ(
      RowOf(CheckDatasetSource("test_needs_options"), "load without data files")
          .result,
      CheckResult::kFail);
}

}  // namespace
}  // namespace nfalab
