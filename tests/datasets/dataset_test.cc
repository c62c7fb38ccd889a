// Tests for the Dataset type (Validate, SelectRows) and LoadDataset's
// registry lookup, error annotation and split checks, using fake sources
// registered for the scope of a test.
#include "datasets/dataset.h"

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/registry.h"
#include "core/tensor.h"
#include "datasets/dataset_config.pb.h"
#include "datasets/dataset_source.h"
#include "datasets/load_dataset.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/matrix_matchers.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ApproxEq;
using ::nfalab::testing::IsOk;
using ::nfalab::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// 4 rows, d = 2, C = 3, with labels 0, 2, 1, 2 and one-hot-like targets.
Dataset SmallClassification() {
  Dataset data;
  data.x.resize(4, 2);
  data.x << 0, 1,  //
      10, 11,      //
      20, 21,      //
      30, 31;
  data.y.resize(4, 3);
  data.y << 1, 0, 0,  //
      0, 0, 1,        //
      0, 1, 0,        //
      0, 0, 1;
  data.labels = {0, 2, 1, 2};
  data.num_classes = 3;
  return data;
}

Dataset SmallRegression(int n, int d = 2, int c = 1) {
  Dataset data;
  data.x = Matrix::Constant(n, d, 0.5f);
  data.y = Matrix::Constant(n, c, -1.0f);
  return data;
}

// ---------------------------------------------------------------------------
// Dataset::Validate.

TEST(DatasetTest, ValidateAcceptsConsistentData) {
  EXPECT_THAT(SmallClassification().Validate("data"), IsOk());
  EXPECT_THAT(SmallRegression(3).Validate("data"), IsOk());
  EXPECT_THAT(SmallRegression(0).Validate("data"), IsOk());
}

TEST(DatasetTest, ValidateRejectsRowMismatchBetweenXAndY) {
  Dataset data = SmallRegression(3);
  data.y.resize(2, 1);
  data.y.setZero();
  EXPECT_THAT(data.Validate("my split"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("my split"), HasSubstr("3 rows"),
                             HasSubstr("Y has 2"))));
}

TEST(DatasetTest, ValidateRejectsLabelCountMismatch) {
  Dataset data = SmallClassification();
  data.labels.pop_back();
  EXPECT_THAT(data.Validate("data"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("3 labels for 4 rows")));
}

TEST(DatasetTest, ValidateRejectsLabelAtNumClasses) {
  Dataset data = SmallClassification();
  data.labels[2] = 3;
  EXPECT_THAT(
      data.Validate("data"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("label 3 of example 2"), HasSubstr("[0, 3)"))));
}

TEST(DatasetTest, ValidateRejectsNegativeLabel) {
  Dataset data = SmallClassification();
  data.labels[0] = -1;
  EXPECT_THAT(data.Validate("data"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("label -1 of example 0")));
}

TEST(DatasetTest, ValidateRejectsLabelsOnRegressionData) {
  Dataset data = SmallRegression(2);
  data.labels = {0, 0};
  EXPECT_THAT(data.Validate("data"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("labels given for a regression dataset")));
}

TEST(DatasetTest, ValidateRejectsNanInput) {
  Dataset data = SmallRegression(3);
  data.x(1, 1) = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THAT(
      data.Validate("test split"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("test split inputs"), HasSubstr("NaN"))));
}

TEST(DatasetTest, ValidateRejectsInfiniteTarget) {
  Dataset data = SmallRegression(3);
  data.y(2, 0) = -std::numeric_limits<float>::infinity();
  EXPECT_THAT(
      data.Validate("data"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("data targets")));
}

// ---------------------------------------------------------------------------
// SelectRows.

TEST(DatasetTest, SelectRowsCopiesTheRowsInTheGivenOrder) {
  const Dataset data = SmallClassification();
  const std::vector<int> indices = {3, 0, 3, 1};
  const Dataset selected = SelectRows(data, indices);
  Matrix expected_x(4, 2);
  expected_x << 30, 31,  //
      0, 1,              //
      30, 31,            //
      10, 11;
  Matrix expected_y(4, 3);
  expected_y << 0, 0, 1,  //
      1, 0, 0,            //
      0, 0, 1,            //
      0, 0, 1;
  EXPECT_THAT(selected.x, ApproxEq(expected_x, 0.0, 0.0));
  EXPECT_THAT(selected.y, ApproxEq(expected_y, 0.0, 0.0));
  EXPECT_THAT(selected.labels, ElementsAre(2, 0, 2, 2));
  EXPECT_EQ(selected.num_classes, 3);
  EXPECT_THAT(selected.Validate("selected"), IsOk());
}

TEST(DatasetTest, SelectRowsOfRegressionDataHasNoLabels) {
  Dataset data = SmallRegression(3, 2, 2);
  data.x(2, 0) = 7.0f;
  data.y(2, 1) = 8.0f;
  const std::vector<int> indices = {2};
  const Dataset selected = SelectRows(data, indices);
  Matrix expected_x(1, 2);
  expected_x << 7.0f, 0.5f;
  Matrix expected_y(1, 2);
  expected_y << -1.0f, 8.0f;
  EXPECT_THAT(selected.x, ApproxEq(expected_x, 0.0, 0.0));
  EXPECT_THAT(selected.y, ApproxEq(expected_y, 0.0, 0.0));
  EXPECT_TRUE(selected.labels.empty());
  EXPECT_FALSE(selected.is_classification());
}

TEST(DatasetTest, SelectRowsWithNoIndicesKeepsTheColumns) {
  const Dataset selected = SelectRows(SmallClassification(), {});
  EXPECT_EQ(selected.size(), 0);
  EXPECT_EQ(selected.input_dim(), 2);
  EXPECT_EQ(selected.output_dim(), 3);
  EXPECT_EQ(selected.num_classes, 3);
}

// ---------------------------------------------------------------------------
// LoadDataset.

// A source that returns a fixed result.
class FixedSource : public DatasetSource {
 public:
  explicit FixedSource(absl::StatusOr<DatasetSplits> result)
      : result_(std::move(result)) {}
  absl::StatusOr<DatasetSplits> Load(const DatasetConfig&) override {
    return result_;
  }

 private:
  absl::StatusOr<DatasetSplits> result_;
};

DatasetSourceRegistry::Factory FixedFactory(
    absl::StatusOr<DatasetSplits> result) {
  return [result]() -> absl::StatusOr<std::unique_ptr<DatasetSource>> {
    return std::unique_ptr<DatasetSource>(
        std::make_unique<FixedSource>(result));
  };
}

DatasetConfig ConfigWithSource(const std::string& source) {
  DatasetConfig config;
  config.set_source(source);
  return config;
}

TEST(LoadDatasetTest, UnknownSourceIsNotFoundNamingTheFieldAndKnownSources) {
  ScopedRegistration<DatasetSourceRegistry> fake(
      DatasetSourceRegistry::Global(), "fake_source",
      FixedFactory(DatasetSplits{SmallRegression(2), SmallRegression(1)}));
  EXPECT_THAT(
      LoadDataset(ConfigWithSource("no_such_source")),
      StatusIs(absl::StatusCode::kNotFound,
               AllOf(HasSubstr("data.source"), HasSubstr("no_such_source"),
                     HasSubstr("fake_source"))));
}

TEST(LoadDatasetTest, ReturnsTheSourcesSplits) {
  Dataset train = SmallRegression(3, 2, 1);
  train.x(1, 1) = 4.0f;
  ScopedRegistration<DatasetSourceRegistry> fake(
      DatasetSourceRegistry::Global(), "fake_source",
      FixedFactory(DatasetSplits{train, SmallRegression(1)}));
  absl::StatusOr<DatasetSplits> data =
      LoadDataset(ConfigWithSource("fake_source"));
  ASSERT_THAT(data, IsOk());
  EXPECT_THAT(data->train.x, ApproxEq(train.x, 0.0, 0.0));
  EXPECT_EQ(data->test.size(), 1);
}

TEST(LoadDatasetTest, AnnotatesSourceErrorsKeepingTheCode) {
  ScopedRegistration<DatasetSourceRegistry> fake(
      DatasetSourceRegistry::Global(), "failing_source",
      FixedFactory(absl::FailedPreconditionError("disk on fire")));
  EXPECT_THAT(LoadDataset(ConfigWithSource("failing_source")),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("data (source \"failing_source\")"),
                             HasSubstr("disk on fire"))));
}

TEST(LoadDatasetTest, RejectsAnInvalidTrainingSplit) {
  Dataset train = SmallRegression(2);
  train.x(0, 0) = std::numeric_limits<float>::quiet_NaN();
  ScopedRegistration<DatasetSourceRegistry> fake(
      DatasetSourceRegistry::Global(), "fake_source",
      FixedFactory(DatasetSplits{train, SmallRegression(1)}));
  EXPECT_THAT(LoadDataset(ConfigWithSource("fake_source")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("training split inputs")));
}

TEST(LoadDatasetTest, InvalidSplitErrorNamesTheSourceAndItsPath) {
  DatasetSplits splits{SmallRegression(2), SmallRegression(1)};
  splits.train.y(1, 0) = std::numeric_limits<float>::infinity();
  splits.provenance.path = "/data/plugin_files";
  ScopedRegistration<DatasetSourceRegistry> fake(
      DatasetSourceRegistry::Global(), "fake_source", FixedFactory(splits));
  EXPECT_THAT(LoadDataset(ConfigWithSource("fake_source")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("data (source \"fake_source\"), read from "
                                 "/data/plugin_files: training split targets "
                                 "contains NaN or infinite values")));
}

TEST(LoadDatasetTest, RejectsAnInvalidTestSplit) {
  Dataset test = SmallClassification();
  test.labels[1] = 5;
  ScopedRegistration<DatasetSourceRegistry> fake(
      DatasetSourceRegistry::Global(), "fake_source",
      FixedFactory(DatasetSplits{SmallClassification(), test}));
  EXPECT_THAT(LoadDataset(ConfigWithSource("fake_source")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("test split: label 5")));
}

TEST(LoadDatasetTest, FillsTheProvenanceSourceAndSplitSizes) {
  DatasetSplits splits{SmallRegression(3), SmallRegression(2)};
  splits.provenance.train_available = 10;
  ScopedRegistration<DatasetSourceRegistry> fake(
      DatasetSourceRegistry::Global(), "fake_source", FixedFactory(splits));
  absl::StatusOr<DatasetSplits> data =
      LoadDataset(ConfigWithSource("fake_source"));
  ASSERT_THAT(data, IsOk());
  EXPECT_EQ(data->provenance.source, "fake_source");
  EXPECT_EQ(data->provenance.train_used, 3);
  EXPECT_EQ(data->provenance.test_used, 2);
  EXPECT_EQ(data->provenance.train_available, 10);  // As the source said.
  // A source's own name is kept.
  splits.provenance.source = "inner_name";
  ScopedRegistration<DatasetSourceRegistry> named(
      DatasetSourceRegistry::Global(), "named_source", FixedFactory(splits));
  data = LoadDataset(ConfigWithSource("named_source"));
  ASSERT_THAT(data, IsOk());
  EXPECT_EQ(data->provenance.source, "inner_name");
}

TEST(LoadDatasetTest, RejectsAnEmptyTrainingSplit) {
  ScopedRegistration<DatasetSourceRegistry> fake(
      DatasetSourceRegistry::Global(), "fake_source",
      FixedFactory(DatasetSplits{SmallRegression(0), SmallRegression(1)}));
  EXPECT_THAT(LoadDataset(ConfigWithSource("fake_source")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("training split is empty")));
}

TEST(LoadDatasetTest, RejectsSplitsOfDifferentShapes) {
  ScopedRegistration<DatasetSourceRegistry> fake(
      DatasetSourceRegistry::Global(), "fake_source",
      FixedFactory(
          DatasetSplits{SmallRegression(2, 2, 1), SmallRegression(2, 3, 1)}));
  EXPECT_THAT(LoadDataset(ConfigWithSource("fake_source")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("different shapes")));
}

TEST(LoadDatasetTest, RejectsSplitsWithDifferentClassCounts) {
  // Same shapes, but the test split is a regression task.
  ScopedRegistration<DatasetSourceRegistry> fake(
      DatasetSourceRegistry::Global(), "fake_source",
      FixedFactory(
          DatasetSplits{SmallClassification(), SmallRegression(2, 2, 3)}));
  EXPECT_THAT(LoadDataset(ConfigWithSource("fake_source")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("3 classes but the test split has 0")));
}

TEST(LoadDatasetTest, AcceptsAnEmptyTestSplitOfAnyShape) {
  // An empty test split is not compared with the training split's shape.
  ScopedRegistration<DatasetSourceRegistry> fake(
      DatasetSourceRegistry::Global(), "fake_source",
      FixedFactory(DatasetSplits{SmallRegression(2), Dataset()}));
  EXPECT_THAT(LoadDataset(ConfigWithSource("fake_source")), IsOk());
}

}  // namespace
}  // namespace nfalab
