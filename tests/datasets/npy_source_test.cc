// Tests for the "npy" source (datasets/npy_source.h) through LoadDataset, on
// arrays written with core/npy.h.
#include "datasets/npy_source.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/npy.h"
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
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

DatasetConfig Config(const std::string& dir, const std::string& extra) {
  return ParseDatasetConfig(absl::StrCat("source: 'npy' path: '", dir,
                                         "' preprocess { standardize: false } ",
                                         extra));
}

Matrix Inputs(int n, int d, float offset) {
  Matrix x(n, d);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < d; ++j) x(i, j) = offset + 0.5f * i - 0.25f * j;
  }
  return x;
}

TEST(NpySourceTest, IntegerTargetsAreClassLabels) {
  const std::string dir = NewTempDir("npy_classes");
  const Matrix train_x = Inputs(4, 3, 0), test_x = Inputs(2, 3, 10);
  ASSERT_TRUE(WriteNpy(dir + "/X_train.npy", train_x).ok());
  ASSERT_TRUE(
      WriteNpyInt32(dir + "/y_train.npy", std::vector<int>{0, 2, 1, 2}).ok());
  ASSERT_TRUE(WriteNpy(dir + "/X_test.npy", test_x).ok());
  ASSERT_TRUE(WriteNpyInt32(dir + "/y_test.npy", std::vector<int>{3, 0}).ok());
  NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits data,
                              LoadDataset(Config(dir, "n_train: 4 n_test: 2")));
  EXPECT_THAT(data.train.x, ApproxEq(train_x, 0.0, 0.0));
  EXPECT_THAT(data.test.x, ApproxEq(test_x, 0.0, 0.0));
  EXPECT_THAT(data.train.labels, ElementsAre(0, 2, 1, 2));
  EXPECT_EQ(data.train.num_classes, 4);  // Largest label of either split: 3.
  EXPECT_EQ(data.test.y(0, 3), 0.75f);
  EXPECT_EQ(data.test.y(0, 0), -0.25f);
  EXPECT_EQ(data.provenance.targets, "one-hot minus 1/C");
}

TEST(NpySourceTest, FloatTargetsAreRegressionTargets) {
  const std::string dir = NewTempDir("npy_regression");
  Matrix y(3, 2);
  y << 0.5, -1, 2, 3, -4, 0.125;
  ASSERT_TRUE(WriteNpy(dir + "/X_train.npy", Inputs(3, 2, 1)).ok());
  ASSERT_TRUE(WriteNpy(dir + "/y_train.npy", y).ok());
  NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits data,
                              LoadDataset(Config(dir, "n_test: 0")));
  EXPECT_FALSE(data.train.is_classification());
  EXPECT_THAT(data.train.y, ApproxEq(y, 0.0, 0.0));
  EXPECT_EQ(data.test.output_dim(), 2);
  EXPECT_EQ(data.provenance.targets, "regression");
}

TEST(NpySourceTest, MissingArrayIsNotFoundNamingIt) {
  const std::string dir = NewTempDir("npy_missing");
  ASSERT_TRUE(WriteNpy(dir + "/X_train.npy", Inputs(3, 2, 1)).ok());
  EXPECT_THAT(LoadDataset(Config(dir, "n_test: 0")),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr(dir + "/y_train.npy not found")));
}

TEST(NpySourceTest, RejectsXAndYWithDifferentRowCounts) {
  const std::string dir = NewTempDir("npy_rows");
  ASSERT_TRUE(WriteNpy(dir + "/X_train.npy", Inputs(3, 2, 1)).ok());
  ASSERT_TRUE(WriteNpyInt32(dir + "/y_train.npy", std::vector<int>{0, 1}).ok());
  EXPECT_THAT(LoadDataset(Config(dir, "n_test: 0")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(dir + "/X_train.npy has 3 rows"),
                             HasSubstr(dir + "/y_train.npy has 2"))));
}

TEST(NpySourceTest, RejectsNonIntegerClassLabels) {
  const std::string dir = NewTempDir("npy_labels");
  Vector y(2);
  y << 1, 0.5;
  ASSERT_TRUE(WriteNpy(dir + "/X_train.npy", Inputs(2, 2, 1)).ok());
  ASSERT_TRUE(WriteNpy(dir + "/y_train.npy", y).ok());
  EXPECT_THAT(LoadDataset(Config(dir, "n_test: 0 npy { targets: CLASS }")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(dir + "/y_train.npy"),
                             HasSubstr("label 0.5 of row 1 is not a "
                                       "non-negative integer"))));
}

TEST(NpySourceTest, NaNInputNamesTheFileAndTheElement) {
  const std::string dir = NewTempDir("npy_nan");
  Matrix x = Inputs(3, 2, 1);
  x(1, 0) = std::nanf("");
  ASSERT_TRUE(WriteNpy(dir + "/X_train.npy", x).ok());
  ASSERT_TRUE(
      WriteNpyInt32(dir + "/y_train.npy", std::vector<int>{0, 1, 0}).ok());
  EXPECT_THAT(LoadDataset(Config(dir, "n_test: 0")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(dir + "/X_train.npy: element [1, 0] is NaN; "
                                       "every value must be finite")));
}

TEST(NpySourceTest, InfiniteTargetNamesTheFileAndTheElement) {
  const std::string dir = NewTempDir("npy_inf");
  Vector y(3);
  y << 0.5, 1, -std::numeric_limits<float>::infinity();
  ASSERT_TRUE(WriteNpy(dir + "/X_train.npy", Inputs(3, 2, 1)).ok());
  ASSERT_TRUE(WriteNpy(dir + "/y_train.npy", y).ok());
  EXPECT_THAT(LoadDataset(Config(dir, "n_test: 0")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(dir + "/y_train.npy: element [2] is -inf")));
}

TEST(NpySourceTest, AbsurdInferredClassCountIsAnErrorNamingTheField) {
  const std::string dir = NewTempDir("npy_absurd_classes");
  ASSERT_TRUE(WriteNpy(dir + "/X_train.npy", Inputs(3, 2, 1)).ok());
  ASSERT_TRUE(
      WriteNpyInt32(dir + "/y_train.npy", std::vector<int>{0, 1000000, 1})
          .ok());
  EXPECT_THAT(LoadDataset(Config(dir, "n_test: 0")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(dir + "/y_train.npy: label 1000000 of row 1 "
                                       "is too large: with "
                                       "data.npy.num_classes = 0")));
}

TEST(NpySourceTest, RejectsAMalformedArrayNamingIt) {
  const std::string dir = NewTempDir("npy_malformed");
  ASSERT_TRUE(WriteNpy(dir + "/X_train.npy", Inputs(2, 2, 1)).ok());
  ::nfalab::testing::WriteBytes(dir + "/y_train.npy", "not an npy file");
  EXPECT_THAT(
      LoadDataset(Config(dir, "n_test: 0")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr(dir + "/y_train.npy"), HasSubstr("bad magic"))));
}

TEST(NpySourceTest, RejectsTestInputsOfAnotherWidth) {
  const std::string dir = NewTempDir("npy_width");
  ASSERT_TRUE(WriteNpy(dir + "/X_train.npy", Inputs(2, 2, 1)).ok());
  ASSERT_TRUE(WriteNpyInt32(dir + "/y_train.npy", std::vector<int>{0, 1}).ok());
  ASSERT_TRUE(WriteNpy(dir + "/X_test.npy", Inputs(1, 3, 1)).ok());
  ASSERT_TRUE(WriteNpyInt32(dir + "/y_test.npy", std::vector<int>{1}).ok());
  EXPECT_THAT(LoadDataset(Config(dir, "")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(dir + "/X_test.npy has 3 columns"),
                             HasSubstr(dir + "/X_train.npy has 2"))));
}

}  // namespace
}  // namespace nfalab
