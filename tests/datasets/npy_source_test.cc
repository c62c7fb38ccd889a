// Tests for the "npy" source (datasets/npy_source.h) through LoadDataset, on
// arrays written with core/npy.h.
#include "datasets/npy_source.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/npy.h"
#include "core/sample_shape.h"
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

// A float64 .npy file (format 1.0) of `shape` (Python spelling, "(2, 3)")
// holding `values` in C order, built by hand: WriteNpy writes float32 only
// beyond 2-D.
void WriteFloat64Npy(const std::string& path, const std::string& shape,
                     const std::vector<double>& values) {
  std::string header = absl::StrCat(
      "{'descr': '<f8', 'fortran_order': False, 'shape': ", shape, ", }");
  // Magic (6) + version (2) + length (2) + header + '\n': a multiple of 64.
  header.append(64 - (10 + header.size() + 1) % 64, ' ');
  header.push_back('\n');
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes.push_back(static_cast<char>(header.size() & 0xff));
  bytes.push_back(static_cast<char>(header.size() >> 8));
  bytes += header;
  for (double value : values) {  // Little-endian, as the host.
    char raw[sizeof(double)];
    std::memcpy(raw, &value, sizeof(double));
    bytes.append(raw, sizeof(double));
  }
  ::nfalab::testing::WriteBytes(path, bytes);
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

// A float64 value finite in the file but beyond float's range would become
// inf in the splits (found by the fuzzer): refused, naming the element.
TEST(NpySourceTest, ValueBeyondFloatRangeNamesTheFileAndTheElement) {
  const std::string dir = NewTempDir("npy_huge");
  MatrixD y(2, 1);
  y << 0.5, 1e300;
  ASSERT_TRUE(WriteNpy(dir + "/X_train.npy", Inputs(2, 2, 1)).ok());
  ASSERT_TRUE(WriteNpy(dir + "/y_train.npy", y).ok());
  EXPECT_THAT(LoadDataset(Config(dir, "n_test: 0")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(dir + "/y_train.npy: element [1, 0] is "
                                       "1e+300, beyond float's range; every "
                                       "value must be finite (in float)")));
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

// X [n, C, H, W] gives samples of C x H x W whose rows are channel-major:
// x[i, c, h, w] is column (c H + h) W + w. The value 1000 i + 100 c + 10 h
// + w names its own position. Float64, per-channel standardisation by
// default.
TEST(NpySourceTest, FourDimensionalInputsAreChannelMajorImages) {
  constexpr int kN = 2, kC = 2, kH = 3, kW = 2;
  const std::string dir = NewTempDir("npy_4d");
  std::vector<double> values;
  for (int i = 0; i < kN; ++i) {
    for (int c = 0; c < kC; ++c) {
      for (int h = 0; h < kH; ++h) {
        for (int w = 0; w < kW; ++w) {
          values.push_back(1000 * i + 100 * c + 10 * h + w);
        }
      }
    }
  }
  WriteFloat64Npy(dir + "/X_train.npy", "(2, 2, 3, 2)", values);
  ASSERT_TRUE(WriteNpyInt32(dir + "/y_train.npy", std::vector<int>{0, 1}).ok());
  NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits data,
                              LoadDataset(Config(dir, "n_test: 0")));
  EXPECT_EQ(data.train.sample_shape(), (SampleShape{kC, kH, kW}));
  EXPECT_EQ(data.test.sample_shape(), (SampleShape{kC, kH, kW}));
  ASSERT_EQ(data.train.x.rows(), kN);
  ASSERT_EQ(data.train.x.cols(), kC * kH * kW);
  for (int i = 0; i < kN; ++i) {
    for (int c = 0; c < kC; ++c) {
      for (int h = 0; h < kH; ++h) {
        for (int w = 0; w < kW; ++w) {
          EXPECT_EQ(data.train.x(i, (c * kH + h) * kW + w),
                    1000 * i + 100 * c + 10 * h + w)
              << "x[" << i << ", " << c << ", " << h << ", " << w << "]";
        }
      }
    }
  }
  EXPECT_EQ(data.provenance.channels, kC);

  // Standardised per channel by default: channel 1 of every sample is
  // channel 0 plus 100, so both standardise to the same values.
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits standardized,
      LoadDataset(ParseDatasetConfig(
          absl::StrCat("source: 'npy' path: '", dir, "' n_test: 0"))));
  ASSERT_TRUE(standardized.provenance.standardized);
  ASSERT_EQ(standardized.provenance.channel_mean.size(), 2u);
  EXPECT_DOUBLE_EQ(standardized.provenance.channel_mean[1] -
                       standardized.provenance.channel_mean[0],
                   100.0);
  const Matrix& x = standardized.train.x;
  EXPECT_THAT(Matrix(x.rightCols(kH * kW)),
              ApproxEq(Matrix(x.leftCols(kH * kW)), 1e-6, 1e-6));
}

// X [n, H, W] gives samples of 1 x H x W; x[i, h, w] is column h W + w.
TEST(NpySourceTest, ThreeDimensionalInputsAreOneChannelImages) {
  constexpr int kN = 3, kH = 2, kW = 4;
  const std::string dir = NewTempDir("npy_3d");
  Matrix x(kN, kH * kW);  // Row-major, so in the file's C order.
  for (int i = 0; i < kN; ++i) {
    for (int h = 0; h < kH; ++h) {
      for (int w = 0; w < kW; ++w) x(i, h * kW + w) = 100 * i + 10 * h + w;
    }
  }
  ASSERT_TRUE(WriteNpy(dir + "/X_train.npy", x, {kN, kH, kW}).ok());
  ASSERT_TRUE(
      WriteNpyInt32(dir + "/y_train.npy", std::vector<int>{0, 1, 1}).ok());
  NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits data,
                              LoadDataset(Config(dir, "n_test: 0")));
  EXPECT_EQ(data.train.sample_shape(), (SampleShape{1, kH, kW}));
  EXPECT_THAT(data.train.x, ApproxEq(x, 0.0, 0.0));
  EXPECT_EQ(data.train.x(2, 1 * kW + 3), 213.0f);  // x[2, 1, 3].
  EXPECT_EQ(data.provenance.channels, 1);
}

TEST(NpySourceTest, TwoAndOneDimensionalInputsStayFlat) {
  const std::string dir = NewTempDir("npy_2d");
  const Matrix x = Inputs(3, 4, 1);
  ASSERT_TRUE(WriteNpy(dir + "/X_train.npy", x).ok());
  ASSERT_TRUE(
      WriteNpyInt32(dir + "/y_train.npy", std::vector<int>{0, 1, 1}).ok());
  NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits data,
                              LoadDataset(Config(dir, "n_test: 0")));
  EXPECT_EQ(data.train.sample_shape(), SampleShape::Flat(4));
  EXPECT_TRUE(data.train.sample_shape().is_flat());
  EXPECT_THAT(data.train.x, ApproxEq(x, 0.0, 0.0));

  Vector column(3);
  column << 0.5, -1, 2;
  ASSERT_TRUE(WriteNpy(dir + "/X_train.npy", column).ok());
  NFALAB_ASSERT_OK_AND_ASSIGN(data, LoadDataset(Config(dir, "n_test: 0")));
  EXPECT_EQ(data.train.sample_shape(), SampleShape::Flat(1));
  EXPECT_EQ(data.train.x(2, 0), 2.0f);
}

TEST(NpySourceTest, RejectsFiveDimensionalInputsNamingTheShape) {
  const std::string dir = NewTempDir("npy_5d");
  ASSERT_TRUE(
      WriteNpy(dir + "/X_train.npy", Inputs(2, 4, 0), {2, 1, 1, 2, 2}).ok());
  ASSERT_TRUE(WriteNpyInt32(dir + "/y_train.npy", std::vector<int>{0, 1}).ok());
  EXPECT_THAT(
      LoadDataset(Config(dir, "n_test: 0")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr(dir + "/X_train.npy: inputs of shape "
                                     "(2, 1, 1, 2, 2) have 5 dimensions"),
                     HasSubstr("[n, d], [n, H, W] or [n, C, H, W]"))));
}

TEST(NpySourceTest, RejectsThreeDimensionalTargetsNamingTheShape) {
  const std::string dir = NewTempDir("npy_y3d");
  ASSERT_TRUE(WriteNpy(dir + "/X_train.npy", Inputs(2, 2, 0)).ok());
  ASSERT_TRUE(WriteNpy(dir + "/y_train.npy", Inputs(2, 4, 0), {2, 2, 2}).ok());
  EXPECT_THAT(LoadDataset(Config(dir, "n_test: 0")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(dir + "/y_train.npy: targets of shape "
                                       "(2, 2, 2) have 3 dimensions; y must "
                                       "be [n] or [n, k]")));
}

TEST(NpySourceTest, NaNInImageNamesItsFullIndex) {
  const std::string dir = NewTempDir("npy_nan_4d");
  Matrix x = Inputs(2, 12, 0);
  x(1, (1 * 3 + 2) * 2 + 0) = std::nanf("");  // x[1, 1, 2, 0].
  ASSERT_TRUE(WriteNpy(dir + "/X_train.npy", x, {2, 2, 3, 2}).ok());
  ASSERT_TRUE(WriteNpyInt32(dir + "/y_train.npy", std::vector<int>{0, 1}).ok());
  EXPECT_THAT(LoadDataset(Config(dir, "n_test: 0")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(dir + "/X_train.npy: element [1, 1, 2, 0] "
                                       "is NaN")));
}

TEST(NpySourceTest, RejectsTestImagesOfAnotherShape) {
  const std::string dir = NewTempDir("npy_test_shape");
  ASSERT_TRUE(
      WriteNpy(dir + "/X_train.npy", Inputs(2, 24, 0), {2, 2, 3, 4}).ok());
  ASSERT_TRUE(WriteNpyInt32(dir + "/y_train.npy", std::vector<int>{0, 1}).ok());
  // The same 24 values per sample, as one 6 x 4 channel.
  ASSERT_TRUE(WriteNpy(dir + "/X_test.npy", Inputs(1, 24, 0), {1, 6, 4}).ok());
  ASSERT_TRUE(WriteNpyInt32(dir + "/y_test.npy", std::vector<int>{1}).ok());
  EXPECT_THAT(LoadDataset(Config(dir, "")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(dir + "/X_test.npy has samples of shape "
                                             "[1, 6, 4]"),
                             HasSubstr(dir + "/X_train.npy has [2, 3, 4]"))));
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
