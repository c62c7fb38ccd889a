// Tests for the "cifar10" and "cifar100" sources (datasets/cifar_source.h)
// through LoadDataset, on small batch files written into TEST_TMPDIR.
#include "datasets/cifar_source.h"

#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/file_io.h"
#include "core/sample_shape.h"
#include "datasets/dataset.h"
#include "datasets/load_dataset.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/datasets/pil_resize_reference.h"
#include "tests/datasets/test_files.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::Cifar100Record;
using ::nfalab::testing::Cifar10Record;
using ::nfalab::testing::CifarPixel;
using ::nfalab::testing::NewTempDir;
using ::nfalab::testing::ParseDatasetConfig;
using ::nfalab::testing::PilBilinearResize;
using ::nfalab::testing::StatusIs;
using ::nfalab::testing::WriteBytes;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Train batch b (1..5) holds records with seeds 10 b and 10 b + 1 and labels
// b and (b + 5) % 10; the test batch seeds 100, 101, 102 and labels 7, 8, 9.
void WriteCifar10Dir(const std::string& dir) {
  for (int b = 1; b <= 5; ++b) {
    WriteBytes(
        absl::StrCat(dir, "/data_batch_", b, ".bin"),
        Cifar10Record(b, 10 * b) + Cifar10Record((b + 5) % 10, 10 * b + 1));
  }
  WriteBytes(
      dir + "/test_batch.bin",
      Cifar10Record(7, 100) + Cifar10Record(8, 101) + Cifar10Record(9, 102));
}

DatasetConfig Config(const std::string& source, const std::string& dir,
                     const std::string& extra) {
  return ParseDatasetConfig(
      absl::StrCat("source: '", source, "' path: '", dir, "' ", extra));
}

constexpr char kRaw[] = "preprocess { standardize: false } ";

TEST(CifarSourceTest, ResizeToResizesEachChannelPlane) {
  const std::string dir = NewTempDir("cifar10_resize");
  WriteCifar10Dir(dir);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(Config("cifar10", dir,
                         "n_train: 2 n_test: 1 preprocess { standardize: "
                         "false resize_to: 24 }")));
  ASSERT_EQ(data.train.input_dim(), 3 * 24 * 24);
  EXPECT_EQ(data.train.sample_shape(), (SampleShape{3, 24, 24}));
  EXPECT_EQ(data.test.sample_shape(), (SampleShape{3, 24, 24}));
  for (const auto& [x, row, seed] : {std::make_tuple(&data.train.x, 0, 10),
                                     std::make_tuple(&data.train.x, 1, 11),
                                     std::make_tuple(&data.test.x, 0, 100)}) {
    std::vector<double> image(3072);
    for (int j = 0; j < 3072; ++j) image[j] = CifarPixel(seed, j);
    const std::vector<double> expected =
        PilBilinearResize(image, 3, 32, 32, 24, 24);
    for (int j = 0; j < 3 * 24 * 24; ++j) {
      ASSERT_NEAR((*x)(row, j), expected[j], 1e-3)
          << "seed " << seed << ", value " << j;
    }
  }
}

TEST(CifarSourceTest, Cifar10ConcatenatesTheBatchesInOrder) {
  const std::string dir = NewTempDir("cifar10_order");
  WriteCifar10Dir(dir);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(Config("cifar10", dir,
                         absl::StrCat("n_train: 10 n_test: 3 ", kRaw))));
  ASSERT_EQ(data.train.size(), 10);
  ASSERT_EQ(data.train.input_dim(), 3072);
  EXPECT_EQ(data.train.num_classes, 10);
  EXPECT_THAT(data.train.labels, ElementsAre(1, 6, 2, 7, 3, 8, 4, 9, 5, 0));
  EXPECT_THAT(data.test.labels, ElementsAre(7, 8, 9));
  for (int r = 0; r < 10; ++r) {
    const int seed = 10 * (r / 2 + 1) + r % 2;
    for (int j = 0; j < 3072; ++j) {
      ASSERT_EQ(data.train.x(r, j), CifarPixel(seed, j))
          << "row " << r << ", pixel " << j;
    }
  }
  EXPECT_EQ(data.test.x(2, 1000), CifarPixel(102, 1000));
  // One-hot minus 1/10.
  EXPECT_EQ(data.train.y(0, 1), 0.9f);
  EXPECT_EQ(data.train.y(0, 0), -0.1f);
  EXPECT_EQ(data.provenance.channels, 3);
  EXPECT_EQ(data.provenance.train_available, 10);
  EXPECT_EQ(data.provenance.test_available, 3);
}

TEST(CifarSourceTest, Cifar10StandardisesEachOfTheThreeChannels) {
  const std::string dir = NewTempDir("cifar10_channels");
  WriteCifar10Dir(dir);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(Config("cifar10", dir, "n_train: 10 n_test: 3")));
  ASSERT_TRUE(data.provenance.standardized);
  ASSERT_EQ(data.provenance.channel_mean.size(), 3u);
  for (int c = 0; c < 3; ++c) {
    // Brute force over the 10 training records' 1024 pixels of channel c.
    double sum = 0;
    std::vector<double> values;
    for (int r = 0; r < 10; ++r) {
      const int seed = 10 * (r / 2 + 1) + r % 2;
      for (int j = c * 1024; j < (c + 1) * 1024; ++j) {
        values.push_back(CifarPixel(seed, j));
        sum += values.back();
      }
    }
    const double mean = sum / values.size();
    double squares = 0;
    for (double v : values) squares += (v - mean) * (v - mean);
    const double std = std::sqrt(squares / (values.size() - 1));
    EXPECT_NEAR(data.provenance.channel_mean[c], mean, 1e-9) << c;
    EXPECT_NEAR(data.provenance.channel_std[c], std, 1e-9) << c;
    const Eigen::ArrayXXd block =
        data.train.x.middleCols(c * 1024, 1024).cast<double>().array();
    EXPECT_NEAR(block.mean(), 0.0, 1e-5) << c;
    EXPECT_NEAR(
        std::sqrt((block - block.mean()).square().sum() / (block.size() - 1)),
        1.0, 1e-5)
        << c;
    // A test pixel of channel c uses the training statistics.
    const int j = c * 1024 + 17;
    EXPECT_NEAR(data.test.x(0, j), (CifarPixel(100, j) - mean) / std, 1e-5);
  }
}

TEST(CifarSourceTest, Cifar10AcceptsTheDirectoryAboveTheExtractedFolder) {
  const std::string parent = NewTempDir("cifar10_parent");
  const std::string dir = parent + "/cifar-10-batches-bin";
  ASSERT_TRUE(MakeDirectories(dir).ok());
  WriteCifar10Dir(dir);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(Config("cifar10", parent, "n_train: 4 n_test: 1")));
  EXPECT_EQ(data.train.size(), 4);
  EXPECT_EQ(data.provenance.path, dir);
}

TEST(CifarSourceTest, Cifar100UsesFineLabelsOrCoarseOnRequest) {
  const std::string dir = NewTempDir("cifar100_labels");
  WriteBytes(dir + "/train.bin", Cifar100Record(4, 30, 1) +
                                     Cifar100Record(19, 99, 2) +
                                     Cifar100Record(0, 0, 3));
  WriteBytes(dir + "/test.bin", Cifar100Record(7, 55, 4));
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits fine,
      LoadDataset(Config("cifar100", dir, absl::StrCat("n_train: 3 ", kRaw))));
  EXPECT_EQ(fine.train.num_classes, 100);
  EXPECT_THAT(fine.train.labels, ElementsAre(30, 99, 0));
  EXPECT_THAT(fine.test.labels, ElementsAre(55));
  EXPECT_EQ(fine.train.x(1, 5), CifarPixel(2, 5));
  EXPECT_THAT(fine.provenance.notes, Contains(HasSubstr("fine labels")));
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits coarse,
      LoadDataset(
          Config("cifar100", dir, "n_train: 3 cifar { coarse_labels: true }")));
  EXPECT_EQ(coarse.train.num_classes, 20);
  EXPECT_THAT(coarse.train.labels, ElementsAre(4, 19, 0));
  EXPECT_THAT(coarse.test.labels, ElementsAre(7));
  EXPECT_EQ(coarse.train.y.cols(), 20);
}

TEST(CifarSourceTest, RejectsCoarseLabelsForCifar10) {
  const std::string dir = NewTempDir("cifar10_coarse");
  WriteCifar10Dir(dir);
  EXPECT_THAT(
      LoadDataset(Config("cifar10", dir, "cifar { coarse_labels: true }")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("data.cifar.coarse_labels")));
}

TEST(CifarSourceTest, MissingDirectoryIsNotFoundNamingIt) {
  const std::string dir = NewTempDir("cifar_missing_dir") + "/cifar";
  EXPECT_THAT(LoadDataset(Config("cifar10", dir, "")),
              StatusIs(absl::StatusCode::kNotFound,
                       AllOf(HasSubstr(dir), HasSubstr("does not exist"))));
}

TEST(CifarSourceTest, MissingBatchIsNotFoundNamingIt) {
  const std::string dir = NewTempDir("cifar_missing_batch");
  WriteCifar10Dir(dir);
  std::remove((dir + "/data_batch_4.bin").c_str());
  EXPECT_THAT(LoadDataset(Config("cifar10", dir, "")),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr(dir + "/data_batch_4.bin not found")));
}

TEST(CifarSourceTest, RejectsALabelOutOfRangeNamingTheFile) {
  const std::string dir = NewTempDir("cifar_label_200");
  WriteCifar10Dir(dir);
  WriteBytes(dir + "/data_batch_3.bin",
             Cifar10Record(1, 0) + Cifar10Record(200, 0));
  EXPECT_THAT(LoadDataset(Config("cifar10", dir, "")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(dir + "/data_batch_3.bin"),
                             HasSubstr("record 1"),
                             HasSubstr("label 200 is outside [0, 10)"))));
}

TEST(CifarSourceTest, RejectsATruncatedTestFile) {
  const std::string dir = NewTempDir("cifar_truncated");
  WriteCifar10Dir(dir);
  WriteBytes(dir + "/test_batch.bin", Cifar10Record(1, 0).substr(0, 3000));
  EXPECT_THAT(LoadDataset(Config("cifar10", dir, "")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(dir + "/test_batch.bin"),
                             HasSubstr("file is truncated"))));
  // With n_test 0 the test file is not read.
  EXPECT_THAT(LoadDataset(Config("cifar10", dir, "n_test: 0")),
              ::nfalab::testing::IsOk());
}

}  // namespace
}  // namespace nfalab
