// Tests for the "csv" source (datasets/csv_source.h) through LoadDataset.
#include "datasets/csv_source.h"

#include <cmath>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/tensor.h"
#include "datasets/dataset.h"
#include "datasets/load_dataset.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/datasets/test_files.h"
#include "tests/matrix_matchers.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ApproxEq;
using ::nfalab::testing::NewTempDir;
using ::nfalab::testing::ParseDatasetConfig;
using ::nfalab::testing::StatusIs;
using ::nfalab::testing::WriteBytes;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

DatasetConfig Config(const std::string& path, const std::string& extra) {
  return ParseDatasetConfig(
      absl::StrCat("source: 'csv' path: '", path, "' ", extra));
}

constexpr char kRaw[] =
    "preprocess { standardize: false class_targets: ONE_HOT } ";

TEST(CsvSourceTest, ReadsLabelsAndFeaturesExactly) {
  const std::string dir = NewTempDir("csv_source_values");
  WriteBytes(dir + "/train.csv", "y,a,b\n2,0.5,-1\n0,3,4\n1,1e2,7.25\n");
  WriteBytes(dir + "/test.csv", "y,a,b\n1,9,8\n");
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(Config(dir, absl::StrCat("n_train: 3 n_test: 1 ", kRaw,
                                           "csv { header: true }"))));
  Matrix x(3, 2);
  x << 0.5, -1, 3, 4, 100, 7.25;
  EXPECT_THAT(data.train.x, ApproxEq(x, 0.0, 0.0));
  EXPECT_THAT(data.train.labels, ElementsAre(2, 0, 1));
  EXPECT_EQ(data.train.num_classes, 3);  // Inferred: largest label 2.
  Matrix y(3, 3);
  y << 0, 0, 1, 1, 0, 0, 0, 1, 0;
  EXPECT_THAT(data.train.y, ApproxEq(y, 0.0, 0.0));
  Matrix test_x(1, 2);
  test_x << 9, 8;
  EXPECT_THAT(data.test.x, ApproxEq(test_x, 0.0, 0.0));
  EXPECT_EQ(data.provenance.source, "csv");
  EXPECT_EQ(data.provenance.path, dir);
}

TEST(CsvSourceTest, LastLabelColumnAndRegressionTargets) {
  const std::string dir = NewTempDir("csv_source_regression");
  WriteBytes(dir + "/train.csv", "1;2;0.5\n3;4;-1.5\n");
  WriteBytes(dir + "/test.csv", "5;6;2\n");
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(Config(dir, absl::StrCat(kRaw,
                                           "csv { label_column: -1 "
                                           "delimiter: ';' label_type: "
                                           "REGRESSION }"))));
  Matrix x(2, 2);
  x << 1, 2, 3, 4;
  EXPECT_THAT(data.train.x, ApproxEq(x, 0.0, 0.0));
  Matrix y(2, 1);
  y << 0.5, -1.5;
  EXPECT_THAT(data.train.y, ApproxEq(y, 0.0, 0.0));
  EXPECT_FALSE(data.train.is_classification());
  EXPECT_EQ(data.test.y(0, 0), 2.0f);
  EXPECT_EQ(data.provenance.targets, "regression");
}

TEST(CsvSourceTest, APathNamingAFileIsTheTrainingFile) {
  const std::string dir = NewTempDir("csv_source_file");
  WriteBytes(dir + "/all.csv", "0,1\n1,2\n");
  NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits data,
                              LoadDataset(Config(dir + "/all.csv", kRaw)));
  EXPECT_EQ(data.train.size(), 2);
  EXPECT_EQ(data.test.size(), 0);
  EXPECT_THAT(data.provenance.notes,
              Contains(HasSubstr("the test split is empty")));
  // With test_file set explicitly, next to the training file.
  WriteBytes(dir + "/held_out.csv", "1,5\n");
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits with_test,
      LoadDataset(
          Config(dir + "/all.csv",
                 absl::StrCat(kRaw, "csv { test_file: 'held_out.csv' }"))));
  EXPECT_EQ(with_test.test.size(), 1);
  EXPECT_EQ(with_test.test.x(0, 0), 5.0f);
}

TEST(CsvSourceTest, StandardisesAllFeaturesAsOneChannelByDefault) {
  const std::string dir = NewTempDir("csv_source_standardise");
  WriteBytes(dir + "/train.csv", "0,1,10\n1,3,30\n");
  WriteBytes(dir + "/test.csv", "1,11.25,0\n");
  NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits data, LoadDataset(Config(dir, "")));
  // Values 1 10 3 30: mean 11, squares 100 + 1 + 64 + 361 = 526, std
  // sqrt(526 / 3).
  const double std = std::sqrt(526.0 / 3);
  EXPECT_EQ(data.provenance.channels, 1);
  EXPECT_NEAR(data.provenance.channel_mean[0], 11.0, 1e-12);
  EXPECT_NEAR(data.provenance.channel_std[0], std, 1e-12);
  EXPECT_NEAR(data.test.x(0, 0), 0.25 / std, 1e-6);
  EXPECT_NEAR(data.test.x(0, 1), -11 / std, 1e-6);
}

TEST(CsvSourceTest, ResizeToNeedsImages) {
  const std::string dir = NewTempDir("csv_resize_to");
  WriteBytes(dir + "/train.csv", "0,1,10\n1,3,30\n");
  WriteBytes(dir + "/test.csv", "1,11.25,0\n");
  EXPECT_THAT(
      LoadDataset(
          ParseDatasetConfig(absl::StrCat("source: 'csv' path: '", dir,
                                          "' preprocess { resize_to: 32 }")))
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("data.preprocess.resize_to needs image data, but the "
                         "samples are flat vectors [2]")));
}

TEST(CsvSourceTest, MissingFileIsNotFoundNamingIt) {
  const std::string dir = NewTempDir("csv_source_missing");
  WriteBytes(dir + "/train.csv", "0,1\n");
  EXPECT_THAT(LoadDataset(Config(dir, "")),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr(dir + "/test.csv not found")));
}

TEST(CsvSourceTest, RejectsAnEmptyFile) {
  const std::string dir = NewTempDir("csv_source_empty");
  WriteBytes(dir + "/train.csv", "\n\n");
  EXPECT_THAT(LoadDataset(Config(dir, "")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(dir + "/train.csv"),
                             HasSubstr("no data rows"))));
}

TEST(CsvSourceTest, RejectsRaggedRows) {
  const std::string dir = NewTempDir("csv_source_ragged");
  WriteBytes(dir + "/train.csv", "0,1,2\n1,2\n");
  EXPECT_THAT(LoadDataset(Config(dir, "")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(dir + "/train.csv"),
                             HasSubstr("line 2 has 2 fields"))));
}

TEST(CsvSourceTest, RejectsANonNumericFieldWithItsLineNumber) {
  const std::string dir = NewTempDir("csv_source_text");
  WriteBytes(dir + "/train.csv", "0,1\n1,2\n");
  WriteBytes(dir + "/test.csv", "0,1\n\n1,two\n");
  EXPECT_THAT(LoadDataset(Config(dir, "")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(dir + "/test.csv"),
                             HasSubstr("line 3, field 2: \"two\" is not a "
                                       "number"))));
}

TEST(CsvSourceTest, RejectsANonIntegerClassLabel) {
  const std::string dir = NewTempDir("csv_source_label");
  WriteBytes(dir + "/train.csv", "0,1\n2.5,2\n");
  EXPECT_THAT(LoadDataset(Config(dir, "n_test: 0")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(dir + "/train.csv"),
                             HasSubstr("line 2: label 2.5 is not a "
                                       "non-negative integer"))));
}

TEST(CsvSourceTest, RejectsALabelAtOrAboveNumClasses) {
  const std::string dir = NewTempDir("csv_source_label_range");
  WriteBytes(dir + "/train.csv", "0,1\n3,2\n");
  EXPECT_THAT(LoadDataset(Config(dir, "n_test: 0 csv { num_classes: 3 }")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(dir + "/train.csv"),
                             HasSubstr("line 2: label 3 is outside [0, 3)"))));
}

// 2^31 no longer reads as "not a non-negative integer" (it is one).
TEST(CsvSourceTest, LabelBeyondInt32IsTooLargeNamingValueLineAndLimit) {
  const std::string dir = NewTempDir("csv_source_int32_label");
  WriteBytes(dir + "/train.csv", "0,1\n1,2\n2147483648,3\n");
  EXPECT_THAT(LoadDataset(Config(dir, "n_test: 0")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(dir + "/train.csv: line 3: label 2147483648 "
                                       "is too large: class labels must be "
                                       "below 2147483647")));
}

// A label of 10^6 in three rows used to ask for 1,000,001 outputs.
TEST(CsvSourceTest, AbsurdInferredClassCountIsAnErrorNamingTheField) {
  const std::string dir = NewTempDir("csv_source_absurd_classes");
  WriteBytes(dir + "/train.csv", "0,1\n1,2\n1000000,3\n");
  EXPECT_THAT(
      LoadDataset(Config(dir, "n_test: 0")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr(dir + "/train.csv: line 3: label 1000000 is too "
                               "large: with data.csv.num_classes = 0 the "
                               "class count is the largest label + 1, here "
                               "1000001, but an inferred count is limited to "
                               "max(1000, 3 labelled rows) = 1000; set "
                               "data.csv.num_classes")));
  // Stating the count is allowed.
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(Config(dir, "n_test: 0 csv { num_classes: 1000001 }")));
  EXPECT_EQ(data.train.num_classes, 1000001);
}

TEST(CsvSourceTest, InferredClassCountMayReachTheRowsOfBothFiles) {
  const std::string dir = NewTempDir("csv_source_many_classes");
  std::string train, test;
  for (int i = 0; i < 700; ++i) absl::StrAppend(&train, i, ",1\n");
  for (int i = 700; i < 1200; ++i) absl::StrAppend(&test, i, ",1\n");
  WriteBytes(dir + "/train.csv", train);
  WriteBytes(dir + "/test.csv", test);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data, LoadDataset(Config(dir, "n_train: 700 n_test: 500")));
  EXPECT_EQ(data.train.num_classes, 1200);
  // One more class than labelled rows is refused, naming the test file.
  WriteBytes(dir + "/test.csv",
             absl::StrCat(test.substr(0, test.rfind("1199")), "1200,1\n"));
  EXPECT_THAT(LoadDataset(Config(dir, "n_train: 700 n_test: 500")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(dir + "/test.csv: line 500: label 1200 is "
                                       "too large")));
}

TEST(CsvSourceTest, RejectsFilesWithDifferentColumnCounts) {
  const std::string dir = NewTempDir("csv_source_columns");
  WriteBytes(dir + "/train.csv", "0,1,2\n1,2,3\n");
  WriteBytes(dir + "/test.csv", "0,1\n");
  EXPECT_THAT(LoadDataset(Config(dir, "")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(dir + "/test.csv"),
                             HasSubstr("has 2 columns"))));
}

TEST(CsvSourceTest, RejectsALabelColumnOutsideTheRow) {
  const std::string dir = NewTempDir("csv_source_label_column");
  WriteBytes(dir + "/train.csv", "0,1,2\n");
  EXPECT_THAT(LoadDataset(Config(dir, "n_test: 0 csv { label_column: 3 }")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("data.csv.label_column = 3"),
                             HasSubstr(dir + "/train.csv"))));
}

TEST(CsvSourceTest, RejectsASingleClass) {
  const std::string dir = NewTempDir("csv_source_one_class");
  WriteBytes(dir + "/train.csv", "0,1\n0,2\n");
  EXPECT_THAT(LoadDataset(Config(dir, "n_test: 0")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("at least 2 classes")));
}

TEST(CsvSourceTest, RejectsABadDelimiter) {
  const std::string dir = NewTempDir("csv_source_delimiter");
  EXPECT_THAT(LoadDataset(Config(dir, "csv { delimiter: ',,' }")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("data.csv.delimiter")));
}

}  // namespace
}  // namespace nfalab
