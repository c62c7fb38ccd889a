// Tests for the "gtsrb" source (datasets/gtsrb_source.h) through
// LoadDataset, on a small GTSRB tree of PPM images and GT CSVs written into
// TEST_TMPDIR.
#include "datasets/gtsrb_source.h"

#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/file_io.h"
#include "datasets/dataset.h"
#include "datasets/gtsrb_options.pb.h"
#include "datasets/image_resize.h"
#include "datasets/load_dataset.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/datasets/test_files.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::GtsrbPixel;
using ::nfalab::testing::NewTempDir;
using ::nfalab::testing::ParseDatasetConfig;
using ::nfalab::testing::Ppm;
using ::nfalab::testing::StatusIs;
using ::nfalab::testing::WriteBytes;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kHeader[] =
    "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\n";

std::string ClassDir(const std::string& root, int c) {
  return absl::StrFormat("%s/Final_Training/Images/%05d", root, c);
}
std::string ClassCsv(const std::string& root, int c) {
  return absl::StrFormat("%s/GT-%05d.csv", ClassDir(root, c), c);
}

void MakeDir(const std::string& dir) { ASSERT_TRUE(MakeDirectories(dir).ok()); }

// The training set: class 0 holds a.ppm (4 x 4, seed 1) and b.ppm (6 x 5,
// seed 2, ROI columns 1..4, rows 0..3); class 2 holds c.ppm (4 x 4, seed 3);
// every other class is empty. The test set (GT-final_test.csv in
// Final_Test/Images): t0.ppm (4 x 4, seed 4, class 42) and t1.ppm (3 x 7,
// seed 5, class 5).
std::string WriteGtsrbTree(const std::string& name) {
  const std::string root = NewTempDir(name);
  for (int c = 0; c < 43; ++c) {
    MakeDir(ClassDir(root, c));
    std::string csv = kHeader;
    if (c == 0) {
      WriteBytes(ClassDir(root, 0) + "/a.ppm", Ppm(4, 4, 1));
      WriteBytes(ClassDir(root, 0) + "/b.ppm", Ppm(6, 5, 2));
      csv += "a.ppm;4;4;0;0;3;3;0\nb.ppm;6;5;1;0;4;3;0\n";
    } else if (c == 2) {
      WriteBytes(ClassDir(root, 2) + "/c.ppm", Ppm(4, 4, 3));
      csv += "c.ppm;4;4;0;0;3;3;2\n";
    }
    WriteBytes(ClassCsv(root, c), csv);
  }
  const std::string test_dir = root + "/Final_Test/Images";
  MakeDir(test_dir);
  WriteBytes(test_dir + "/t0.ppm", Ppm(4, 4, 4));
  WriteBytes(test_dir + "/t1.ppm", Ppm(3, 7, 5));
  WriteBytes(
      test_dir + "/GT-final_test.csv",
      absl::StrCat(kHeader, "t0.ppm;4;4;0;0;3;3;42\nt1.ppm;3;7;0;0;2;6;5\n"));
  return root;
}

DatasetConfig Config(const std::string& root, const std::string& options) {
  return ParseDatasetConfig(absl::StrCat(
      "source: 'gtsrb' path: '", root,
      "' n_train: 100 n_test: 100 preprocess { standardize: false } "
      "options { [type.googleapis.com/nfalab.GtsrbOptions] { ",
      options, " } }"));
}

// The channel-major planes of a Ppm(width, height, seed) image.
std::vector<float> Planes(int width, int height, int seed) {
  std::vector<float> planes;
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        planes.push_back(GtsrbPixel(seed, y, x, c));
      }
    }
  }
  return planes;
}

// Row r of `data` equals `expected` exactly.
void ExpectRow(const Dataset& data, int r, const std::vector<float>& expected) {
  ASSERT_EQ(data.input_dim(), static_cast<int64_t>(expected.size()));
  for (size_t j = 0; j < expected.size(); ++j) {
    ASSERT_EQ(data.x(r, j), expected[j]) << "row " << r << ", feature " << j;
  }
}

TEST(GtsrbSourceTest, ReadsClassesInOrderKeepsSameSizeImagesExactly) {
  const std::string root = WriteGtsrbTree("gtsrb_read");
  NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits data,
                              LoadDataset(Config(root, "image_size: 4")));
  EXPECT_EQ(data.train.num_classes, 43);
  EXPECT_THAT(data.train.labels, ElementsAre(0, 0, 2));
  EXPECT_THAT(data.test.labels, ElementsAre(42, 5));
  EXPECT_EQ(data.provenance.channels, 3);
  EXPECT_EQ(data.train.sample_shape().channels, 3);
  EXPECT_EQ(data.train.sample_shape().height, 4);
  EXPECT_EQ(data.train.sample_shape().width, 4);
  // 4 x 4 images are the decoded bytes, channel-major.
  ExpectRow(data.train, 0, Planes(4, 4, 1));
  ExpectRow(data.train, 2, Planes(4, 4, 3));
  ExpectRow(data.test, 0, Planes(4, 4, 4));
  // Spot-check the CHW order by hand: channel 2, row 3, column 1.
  EXPECT_EQ(data.train.x(0, 2 * 16 + 3 * 4 + 1), GtsrbPixel(1, 3, 1, 2));
  // Other sizes go through ResizeImage, unrounded.
  std::vector<float> resized(3 * 16);
  NFALAB_ASSERT_OK(
      ResizeImage(Planes(6, 5, 2).data(), 3, 5, 6, 4, 4, resized.data()));
  ExpectRow(data.train, 1, resized);
  NFALAB_ASSERT_OK(
      ResizeImage(Planes(3, 7, 5).data(), 3, 7, 3, 4, 4, resized.data()));
  ExpectRow(data.test, 1, resized);
}

TEST(GtsrbSourceTest, ResizingToTheSameSizeIsTheIdentity) {
  // The source skips resampling for an S x S image; stb's triangle filter is
  // also the identity at scale 1, so the two agree.
  const std::vector<float> in = Planes(5, 5, 9);
  std::vector<float> out(in.size());
  NFALAB_ASSERT_OK(ResizeImage(in.data(), 3, 5, 5, 5, 5, out.data()));
  EXPECT_EQ(out, in);
}

TEST(GtsrbSourceTest, CropToRoiKeepsExactlyTheRoiPixels) {
  const std::string root = WriteGtsrbTree("gtsrb_crop");
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(Config(root, "image_size: 4 crop_to_roi: true")));
  // b.ppm's ROI (columns 1..4, rows 0..3) is 4 x 4: no resampling.
  std::vector<float> roi;
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y <= 3; ++y) {
      for (int x = 1; x <= 4; ++x) roi.push_back(GtsrbPixel(2, y, x, c));
    }
  }
  ExpectRow(data.train, 1, roi);
  // A whole-image ROI changes nothing.
  ExpectRow(data.train, 0, Planes(4, 4, 1));
}

TEST(GtsrbSourceTest, DefaultsToThirtyTwoByThirtyTwo) {
  const std::string root = WriteGtsrbTree("gtsrb_default");
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(ParseDatasetConfig(absl::StrCat(
          "source: 'gtsrb' path: '", root,
          "' n_train: 2 n_test: 0 preprocess { standardize: false }"))));
  EXPECT_EQ(data.train.size(), 2);
  EXPECT_EQ(data.train.input_dim(), 3 * 32 * 32);
  EXPECT_EQ(data.train.sample_shape().height, 32);
  EXPECT_EQ(data.test.size(), 0);
  std::vector<float> resized(3 * 32 * 32);
  NFALAB_ASSERT_OK(
      ResizeImage(Planes(4, 4, 1).data(), 3, 4, 4, 32, 32, resized.data()));
  ExpectRow(data.train, 0, resized);
}

TEST(GtsrbSourceTest, FindsTheTestCsvInDataPathAndTheNestedGtsrbFolder) {
  const std::string parent = NewTempDir("gtsrb_nested");
  const std::string root = WriteGtsrbTree("gtsrb_nested_root");
  ASSERT_EQ(std::rename(root.c_str(), (parent + "/GTSRB").c_str()), 0);
  const std::string gtsrb = parent + "/GTSRB";
  ASSERT_EQ(
      std::rename((gtsrb + "/Final_Test/Images/GT-final_test.csv").c_str(),
                  (gtsrb + "/GT-final_test.csv").c_str()),
      0);
  NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits data,
                              LoadDataset(Config(parent, "image_size: 4")));
  EXPECT_THAT(data.test.labels, ElementsAre(42, 5));
  EXPECT_EQ(data.provenance.path, gtsrb);
}

absl::Status LoadError(const std::string& root,
                       const std::string& options = "image_size: 4") {
  return LoadDataset(Config(root, options)).status();
}

TEST(GtsrbSourceTest, MissingDirectoriesAndFilesAreNotFound) {
  EXPECT_THAT(
      LoadError("/nonexistent/gtsrb"),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nonexistent/gtsrb")));
  const std::string empty = NewTempDir("gtsrb_empty");
  EXPECT_THAT(
      LoadError(empty),
      StatusIs(absl::StatusCode::kNotFound,
               HasSubstr(absl::StrCat("GTSRB training directory ", empty,
                                      "/Final_Training/Images not "
                                      "found"))));

  std::string root = WriteGtsrbTree("gtsrb_no_class");
  ASSERT_EQ(std::remove(ClassCsv(root, 7).c_str()), 0);
  ASSERT_EQ(std::remove(ClassDir(root, 7).c_str()), 0);
  EXPECT_THAT(
      LoadError(root),
      StatusIs(absl::StatusCode::kNotFound,
               HasSubstr(absl::StrCat("GTSRB training class folder ",
                                      ClassDir(root, 7), " not found"))));

  root = WriteGtsrbTree("gtsrb_no_csv");
  ASSERT_EQ(std::remove(ClassCsv(root, 3).c_str()), 0);
  EXPECT_THAT(
      LoadError(root),
      StatusIs(absl::StatusCode::kNotFound,
               HasSubstr(absl::StrCat("GTSRB annotation file ",
                                      ClassCsv(root, 3), " not found"))));

  root = WriteGtsrbTree("gtsrb_no_ppm");
  ASSERT_EQ(std::remove((ClassDir(root, 0) + "/b.ppm").c_str()), 0);
  EXPECT_THAT(LoadError(root),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr(absl::StrCat("GTSRB image ", ClassDir(root, 0),
                                              "/b.ppm not found (listed in ",
                                              ClassCsv(root, 0), " line 3)"))));

  root = WriteGtsrbTree("gtsrb_no_test_csv");
  ASSERT_EQ(
      std::remove((root + "/Final_Test/Images/GT-final_test.csv").c_str()), 0);
  EXPECT_THAT(LoadError(root),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr(absl::StrCat(
                           "GTSRB test labels GT-final_test.csv not found in ",
                           root, "/Final_Test/Images or ", root))));
}

TEST(GtsrbSourceTest, BadCsvsNameTheFile) {
  std::string root = WriteGtsrbTree("gtsrb_bad_header");
  WriteBytes(ClassCsv(root, 5), "Filename;Width\n");
  EXPECT_THAT(LoadError(root),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(absl::StrCat(ClassCsv(root, 5),
                                              ": line 1: header is "
                                              "\"Filename;Width\""))));

  root = WriteGtsrbTree("gtsrb_bad_row");
  WriteBytes(ClassCsv(root, 2), absl::StrCat(kHeader, "c.ppm;4;4;0;0;3;3\n"));
  EXPECT_THAT(LoadError(root),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(absl::StrCat(ClassCsv(root, 2),
                                              ": line 2: 7 fields, expected "
                                              "8"))));

  root = WriteGtsrbTree("gtsrb_bad_class");
  WriteBytes(ClassCsv(root, 2), absl::StrCat(kHeader, "c.ppm;4;4;0;0;3;3;3\n"));
  EXPECT_THAT(LoadError(root),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(absl::StrCat(ClassCsv(root, 2),
                                              ": line 2: ClassId 3 differs "
                                              "from the class of its folder, "
                                              "2"))));

  root = WriteGtsrbTree("gtsrb_test_class");
  WriteBytes(root + "/Final_Test/Images/GT-final_test.csv",
             absl::StrCat(kHeader, "t0.ppm;4;4;0;0;3;3;43\n"));
  EXPECT_THAT(LoadError(root),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(absl::StrCat(
                           root,
                           "/Final_Test/Images/GT-final_test.csv: line "
                           "2: ClassId 43 is outside [0, 43)"))));

  root = WriteGtsrbTree("gtsrb_roi");
  WriteBytes(ClassCsv(root, 2), absl::StrCat(kHeader, "c.ppm;4;4;0;0;4;3;2\n"));
  EXPECT_THAT(LoadError(root),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(absl::StrCat(ClassCsv(root, 2),
                                              ": line 2: ROI columns 0..4 are "
                                              "outside the image's columns "
                                              "0..3"))));
}

TEST(GtsrbSourceTest, BadImagesNameTheFile) {
  std::string root = WriteGtsrbTree("gtsrb_magic");
  const std::string c_ppm = ClassDir(root, 2) + "/c.ppm";
  WriteBytes(c_ppm, "P5\n4 4\n255\n" + std::string(16, 'x'));
  EXPECT_THAT(LoadError(root),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(absl::StrCat(c_ppm,
                                              ": not a binary PPM (P6) image: "
                                              "the file starts with \"P5\""))));

  WriteBytes(c_ppm, "P6\n4 x\n255\n");
  EXPECT_THAT(LoadError(root),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(absl::StrCat(c_ppm,
                                              ": bad PPM header: expected the "
                                              "height, found \"x\""))));

  WriteBytes(c_ppm, "P6\n4 4\n1023\n" + std::string(96, 'x'));
  EXPECT_THAT(LoadError(root),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(absl::StrCat(c_ppm,
                                              ": maxval is 1023; only 8-bit "
                                              "PPM (maxval 255) is "
                                              "supported"))));

  std::string truncated = Ppm(4, 4, 3);
  truncated.resize(truncated.size() - 1);
  WriteBytes(c_ppm, truncated);
  EXPECT_THAT(LoadError(root),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(absl::StrCat(c_ppm,
                                              ": truncated pixel data: 47 "
                                              "bytes, expected 3 x 4 x 4 = "
                                              "48"))));

  WriteBytes(c_ppm, Ppm(5, 4, 3));
  EXPECT_THAT(LoadError(root),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(absl::StrCat(
                           c_ppm, ": image is 5 x 4 (width x height), but ",
                           ClassCsv(root, 2),
                           " line 2 says 4 x "
                           "4"))));
}

TEST(GtsrbSourceTest, BadOptionsAreRejected) {
  const std::string root = WriteGtsrbTree("gtsrb_options");
  EXPECT_THAT(
      LoadError(root, "image_size: 0"),
      StatusIs(
          absl::StatusCode::kInvalidArgument,
          HasSubstr("data.options (nfalab.GtsrbOptions).image_size must be "
                    "in [1, 1024], got 0")));
  EXPECT_THAT(
      LoadDataset(ParseDatasetConfig(absl::StrCat(
                      "source: 'gtsrb' path: '", root,
                      "' options { [type.googleapis.com/nfalab.CifarOptions] "
                      "{ } }")))
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("takes nfalab.GtsrbOptions")));
}

}  // namespace
}  // namespace nfalab
