// Tests for the "svhn" and "stl10" sources (datasets/svhn_source.h,
// datasets/stl10_source.h) through LoadDataset, on small files written into
// TEST_TMPDIR (.mat files with libmatio).
#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/file_io.h"
#include "datasets/dataset.h"
#include "datasets/load_dataset.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/datasets/image_test_files.h"
#include "tests/datasets/mat_test_files.h"
#include "tests/datasets/test_files.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ImagePixel;
using ::nfalab::testing::NewTempDir;
using ::nfalab::testing::ParseDatasetConfig;
using ::nfalab::testing::StatusIs;
using ::nfalab::testing::Stl10Images;
using ::nfalab::testing::SvhnImages;
using ::nfalab::testing::SvhnLabels;
using ::nfalab::testing::WriteBytes;
using ::nfalab::testing::WriteMatFile;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

DatasetConfig Config(const std::string& source, const std::string& dir,
                     const std::string& extra) {
  return ParseDatasetConfig(
      absl::StrCat("source: '", source, "' path: '", dir, "' ", extra));
}

constexpr char kRaw[] = "preprocess { standardize: false } ";

// Train seeds 1, 2, 3 with labels 10, 5, 1; test seed 9 with label 2.
std::string WriteSvhnDir(absl::string_view test) {
  const std::string dir = NewTempDir(test);
  WriteMatFile(dir + "/train_32x32.mat",
               {SvhnImages({1, 2, 3}), SvhnLabels({10, 5, 1})});
  WriteMatFile(dir + "/test_32x32.mat", {SvhnImages({9}), SvhnLabels({2})});
  return dir;
}

TEST(SvhnSourceTest, LoadsChannelMajorImagesAndDigitLabels) {
  const std::string dir = WriteSvhnDir("svhn_source");
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(Config("svhn", dir, absl::StrCat("n_train: 3 ", kRaw))));
  ASSERT_EQ(data.train.size(), 3);
  ASSERT_EQ(data.train.input_dim(), 3072);
  EXPECT_EQ(data.train.num_classes, 10);
  EXPECT_THAT(data.train.labels, ElementsAre(0, 5, 1));
  EXPECT_THAT(data.test.labels, ElementsAre(2));
  EXPECT_EQ(data.train.sample_shape(), SampleShape::Image(3, 32, 32));
  EXPECT_EQ(data.provenance.channels, 3);
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) {
      for (int h = 0; h < 32; ++h) {
        for (int w = 0; w < 32; ++w) {
          ASSERT_EQ(data.train.x(r, c * 1024 + h * 32 + w),
                    ImagePixel(r + 1, c, h, w));
        }
      }
    }
  }
  EXPECT_EQ(data.test.x(0, 2 * 1024 + 31 * 32 + 7), ImagePixel(9, 2, 31, 7));
  EXPECT_EQ(data.train.y(0, 0), 0.9f);  // Digit 0: one-hot minus 1/10.
}

TEST(SvhnSourceTest, SkipsTheTestFileWhenNTestIsZero) {
  const std::string dir = WriteSvhnDir("svhn_no_test");
  WriteBytes(dir + "/test_32x32.mat", "not a mat file");
  NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits data,
                              LoadDataset(Config("svhn", dir, "n_test: 0")));
  EXPECT_EQ(data.test.size(), 0);
  EXPECT_THAT(data.provenance.notes, Contains(HasSubstr("not read")));
  EXPECT_THAT(LoadDataset(Config("svhn", dir, "")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(dir + "/test_32x32.mat")));
}

TEST(SvhnSourceTest, MissingDirectoryAndFileAreNotFound) {
  const std::string dir = NewTempDir("svhn_missing") + "/svhn";
  EXPECT_THAT(LoadDataset(Config("svhn", dir, "")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(dir)));
  const std::string empty = NewTempDir("svhn_missing_file");
  EXPECT_THAT(LoadDataset(Config("svhn", empty, "")),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr(empty + "/train_32x32.mat not found")));
}

// Train seeds 4, 5 with labels 1, 10; test seeds 6, 7, 8 with 3, 4, 5.
void WriteStl10Dir(const std::string& dir) {
  WriteBytes(dir + "/train_X.bin", Stl10Images({4, 5}));
  WriteBytes(dir + "/train_y.bin", "\x01\x0a");
  WriteBytes(dir + "/test_X.bin", Stl10Images({6, 7, 8}));
  WriteBytes(dir + "/test_y.bin", "\x03\x04\x05");
}

TEST(Stl10SourceTest, LoadsChannelMajorImagesAndLabelsMinusOne) {
  const std::string dir = NewTempDir("stl10_source");
  WriteStl10Dir(dir);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(Config("stl10", dir, absl::StrCat("n_train: 50000 ", kRaw))));
  ASSERT_EQ(data.train.size(), 2);
  ASSERT_EQ(data.train.input_dim(), 27648);
  EXPECT_EQ(data.train.sample_shape(), SampleShape::Image(3, 96, 96));
  EXPECT_THAT(data.train.labels, ElementsAre(0, 9));
  EXPECT_THAT(data.test.labels, ElementsAre(2, 3, 4));
  for (int c = 0; c < 3; ++c) {
    for (int h = 0; h < 96; ++h) {
      for (int w = 0; w < 96; ++w) {
        ASSERT_EQ(data.train.x(1, c * 9216 + h * 96 + w),
                  ImagePixel(5, c, h, w));
      }
    }
  }
  EXPECT_EQ(data.test.x(2, 9216 + 95 * 96 + 3), ImagePixel(8, 1, 95, 3));
  // n_train 50000 asks for more than the split's images: all are used.
  EXPECT_EQ(data.provenance.train_available, 2);
}

TEST(Stl10SourceTest, AcceptsTheDirectoryAboveStl10Binary) {
  const std::string parent = NewTempDir("stl10_parent");
  const std::string dir = parent + "/stl10_binary";
  ASSERT_TRUE(MakeDirectories(dir).ok());
  WriteStl10Dir(dir);
  NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits data,
                              LoadDataset(Config("stl10", parent, "")));
  EXPECT_EQ(data.provenance.path, dir);
}

TEST(Stl10SourceTest, ErrorsNameTheFile) {
  const std::string dir = NewTempDir("stl10_errors");
  WriteStl10Dir(dir);
  WriteBytes(dir + "/test_y.bin", "\x03\x04");
  EXPECT_THAT(LoadDataset(Config("stl10", dir, "")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(dir + "/test_X.bin"),
                             HasSubstr("image/label count mismatch"))));
  EXPECT_THAT(LoadDataset(Config("stl10", dir, "n_test: 0")),
              ::nfalab::testing::IsOk());
  std::remove((dir + "/train_y.bin").c_str());
  EXPECT_THAT(LoadDataset(Config("stl10", dir, "")),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr(dir + "/train_y.bin not found")));
}

}  // namespace
}  // namespace nfalab
