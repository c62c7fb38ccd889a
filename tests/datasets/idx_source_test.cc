// Tests for the "fashion_mnist" and "idx" sources (datasets/idx_source.h)
// through LoadDataset, on IDX files written into TEST_TMPDIR: exact values,
// gzip and plain files, subsetting, the paper's preprocessing, provenance,
// and one test per kind of bad input.
#include "datasets/idx_source.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/random.h"
#include "core/sample_shape.h"
#include "core/tensor.h"
#include "datasets/dataset.h"
#include "datasets/dataset_config.pb.h"
#include "datasets/file_source.h"
#include "datasets/load_dataset.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/datasets/pil_resize_reference.h"
#include "tests/datasets/test_files.h"
#include "tests/matrix_matchers.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ApproxEq;
using ::nfalab::testing::Gzip;
using ::nfalab::testing::IdxHeaderBytes;
using ::nfalab::testing::IdxUint8;
using ::nfalab::testing::IsOk;
using ::nfalab::testing::NewTempDir;
using ::nfalab::testing::ParseDatasetConfig;
using ::nfalab::testing::PilBilinearResize;
using ::nfalab::testing::StatusIs;
using ::nfalab::testing::WriteBytes;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A split of n images of h x w with pixel (i, j) = Pixel(i, j) and labels.
struct Images {
  uint32_t n, h, w;
  std::vector<uint8_t> pixels;
  std::vector<uint8_t> labels;
};

uint8_t Pixel(int seed, int i, int j) {
  return static_cast<uint8_t>((seed * 31 + i * 17 + j * j * 5) % 256);
}

Images MakeImages(uint32_t n, uint32_t h, uint32_t w, int seed,
                  int num_classes) {
  Images images{n, h, w, {}, {}};
  for (uint32_t i = 0; i < n; ++i) {
    for (uint32_t j = 0; j < h * w; ++j) {
      images.pixels.push_back(Pixel(seed, i, j));
    }
    images.labels.push_back(static_cast<uint8_t>((i * 7 + seed) % num_classes));
  }
  return images;
}

Matrix PixelMatrix(const Images& images) {
  Matrix x(images.n, images.h * images.w);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = images.pixels[i];
  return x;
}

// Writes the four MNIST-named files; `gzip` picks train-*.gz (test files are
// always plain, so every load reads both kinds).
void WriteIdxDir(const std::string& dir, const Images& train,
                 const Images& test, bool gzip = true) {
  const std::string train_images =
      IdxUint8({train.n, train.h, train.w}, train.pixels);
  const std::string train_labels =
      IdxUint8({static_cast<uint32_t>(train.labels.size())}, train.labels);
  if (gzip) {
    WriteBytes(dir + "/train-images-idx3-ubyte.gz", Gzip(train_images));
    WriteBytes(dir + "/train-labels-idx1-ubyte.gz", Gzip(train_labels));
  } else {
    WriteBytes(dir + "/train-images-idx3-ubyte", train_images);
    WriteBytes(dir + "/train-labels-idx1-ubyte", train_labels);
  }
  WriteBytes(dir + "/t10k-images-idx3-ubyte",
             IdxUint8({test.n, test.h, test.w}, test.pixels));
  WriteBytes(
      dir + "/t10k-labels-idx1-ubyte",
      IdxUint8({static_cast<uint32_t>(test.labels.size())}, test.labels));
}

DatasetConfig Config(const std::string& dir, const std::string& extra,
                     const std::string& source = "idx") {
  return ParseDatasetConfig(
      absl::StrCat("source: '", source, "' path: '", dir, "' ", extra));
}

constexpr char kRaw[] =
    "preprocess { standardize: false class_targets: ONE_HOT } ";

// ---------------------------------------------------------------------------
// Values, files and provenance.

TEST(IdxSourceTest, ReadsExactPixelsAndLabelsFromGzippedAndPlainFiles) {
  for (bool gzip : {true, false}) {
    SCOPED_TRACE(gzip ? "gzipped training files" : "plain training files");
    const std::string dir = NewTempDir("idx_source_values");
    const Images train = MakeImages(5, 2, 3, 1, 3);
    const Images test = MakeImages(2, 2, 3, 2, 3);
    WriteIdxDir(dir, train, test, gzip);
    NFALAB_ASSERT_OK_AND_ASSIGN(
        DatasetSplits data,
        LoadDataset(Config(dir, absl::StrCat("n_train: 5 n_test: 2 ", kRaw,
                                             "idx { num_classes: 3 }"))));
    EXPECT_THAT(data.train.x, ApproxEq(PixelMatrix(train), 0.0, 0.0));
    EXPECT_THAT(data.test.x, ApproxEq(PixelMatrix(test), 0.0, 0.0));
    EXPECT_THAT(data.train.labels, ElementsAreArray(train.labels));
    EXPECT_THAT(data.test.labels, ElementsAreArray(test.labels));
    EXPECT_EQ(data.train.num_classes, 3);
    for (int i = 0; i < 5; ++i) {
      for (int k = 0; k < 3; ++k) {
        EXPECT_EQ(data.train.y(i, k), k == train.labels[i] ? 1.0f : 0.0f);
      }
    }
    const DataProvenance& p = data.provenance;
    EXPECT_EQ(p.source, "idx");
    EXPECT_EQ(p.path, dir);
    EXPECT_EQ(p.train_available, 5);
    EXPECT_EQ(p.test_available, 2);
    EXPECT_EQ(p.train_used, 5);
    EXPECT_EQ(p.test_used, 2);
    EXPECT_FALSE(p.random_subset);
    EXPECT_FALSE(p.standardized);
    EXPECT_EQ(p.channels, 1);
    EXPECT_THAT(p.channel_mean, IsEmpty());
    EXPECT_EQ(p.targets, "one-hot");
    EXPECT_THAT(p.notes, IsEmpty());
  }
}

TEST(IdxSourceTest, FashionMnistReadsTheDirectoryGivenAsPath) {
  const std::string dir = NewTempDir("fashion_path");
  const Images train = MakeImages(4, 3, 3, 5, 10);
  WriteIdxDir(dir, train, MakeImages(2, 3, 3, 6, 10));
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(Config(dir, absl::StrCat("n_train: 4 n_test: 2 ", kRaw),
                         "fashion_mnist")));
  EXPECT_THAT(data.train.x, ApproxEq(PixelMatrix(train), 0.0, 0.0));
  EXPECT_EQ(data.train.num_classes, 10);
  EXPECT_EQ(data.provenance.source, "fashion_mnist");
}

TEST(IdxSourceTest, PrefersTheGzippedFileAndTakesConfiguredNames) {
  const std::string dir = NewTempDir("idx_names");
  const Images a = MakeImages(3, 2, 2, 1, 4), b = MakeImages(3, 2, 2, 9, 4);
  WriteBytes(dir + "/imgs.gz", Gzip(IdxUint8({3, 2, 2}, a.pixels)));
  WriteBytes(dir + "/imgs", IdxUint8({3, 2, 2}, b.pixels));
  WriteBytes(dir + "/labs", IdxUint8({3}, a.labels));
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(Config(
          dir, absl::StrCat("n_train: 3 n_test: 0 ", kRaw,
                            "idx { train_images: 'imgs' train_labels: 'labs' "
                            "num_classes: 4 }"))));
  EXPECT_THAT(data.train.x, ApproxEq(PixelMatrix(a), 0.0, 0.0));
  EXPECT_EQ(data.test.size(), 0);
  EXPECT_EQ(data.test.input_dim(), 4);
  EXPECT_THAT(data.provenance.notes,
              Contains(HasSubstr("the test files were not read")));
}

TEST(IdxSourceTest, InfersTheNumberOfClassesWhenAskedTo) {
  const std::string dir = NewTempDir("idx_infer");
  Images train = MakeImages(4, 1, 2, 0, 2), test = MakeImages(2, 1, 2, 0, 2);
  test.labels = {0, 6};  // The largest label of either split: 6.
  WriteIdxDir(dir, train, test);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(Config(dir, "n_train: 4 n_test: 2 idx { num_classes: 0 }")));
  EXPECT_EQ(data.train.num_classes, 7);
  EXPECT_EQ(data.test.y.cols(), 7);
}

// ---------------------------------------------------------------------------
// Subsets.

TEST(IdxSourceTest, ImagesCarryTheirShapeAndPadToCentresThem) {
  const std::string dir = NewTempDir("idx_pad_to");
  const Images train = MakeImages(3, 2, 3, 5, 10);
  const Images test = MakeImages(2, 2, 3, 6, 10);
  WriteIdxDir(dir, train, test);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits plain,
      LoadDataset(Config(dir, absl::StrCat("n_train: 3 n_test: 2 ", kRaw))));
  EXPECT_EQ(plain.train.sample_shape(), (SampleShape{1, 2, 3}));
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(Config(dir,
                         "n_train: 3 n_test: 2 preprocess { standardize: false "
                         "class_targets: ONE_HOT pad_to: 5 }")));
  for (const auto& [split, images] :
       {std::pair<const Dataset*, const Images*>{&data.train, &train},
        {&data.test, &test}}) {
    EXPECT_EQ(split->sample_shape(), (SampleShape{1, 5, 5}));
    // 2 x 3 in 5 x 5: one row above, two below; one column left, one right.
    Matrix expected = Matrix::Zero(images->n, 25);
    for (uint32_t i = 0; i < images->n; ++i) {
      for (int h = 0; h < 2; ++h) {
        for (int w = 0; w < 3; ++w) {
          expected(i, (1 + h) * 5 + 1 + w) = images->pixels[i * 6 + h * 3 + w];
        }
      }
    }
    EXPECT_THAT(split->x, ApproxEq(expected, 0.0, 0.0));
  }
  EXPECT_THAT(data.provenance.notes,
              Contains("images zero-padded from 2 x 3 to 5 x 5 after "
                       "standardisation"));
}

TEST(IdxSourceTest, PadToOrResizeToOutOfRangeIsRefused) {
  const std::string dir = NewTempDir("idx_pad_to_small");
  WriteIdxDir(dir, MakeImages(3, 2, 3, 5, 10), MakeImages(2, 2, 3, 6, 10));
  for (const auto& [preprocess, message] :
       {std::pair<std::string, std::string>{
            "pad_to: 2",
            "data.preprocess.pad_to = 2 is smaller than the images, 2 x 3"},
        {"pad_to: -1",
         "data.preprocess.pad_to must be >= 0 (0: no padding), got -1"},
        {"resize_to: -1",
         "data.preprocess.resize_to must be >= 0 (0: no resizing), got -1"},
        // Resized first, then padded.
        {"resize_to: 6 pad_to: 5",
         "data.preprocess.pad_to = 5 is smaller than the images, 6 x 6"}}) {
    EXPECT_THAT(
        LoadDataset(Config(dir, absl::StrCat("n_train: 3 n_test: 2 "
                                             "preprocess { ",
                                             preprocess, " }")))
            .status(),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(message)));
  }
}

// Each image of `images` resized to size x size by the test's own PIL
// reference, times `scale`.
Matrix PilResized(const Images& images, int size, double scale) {
  Matrix x(images.n, size * size);
  for (uint32_t i = 0; i < images.n; ++i) {
    const std::vector<double> image(
        images.pixels.begin() + i * images.h * images.w,
        images.pixels.begin() + (i + 1) * images.h * images.w);
    const std::vector<double> resized =
        PilBilinearResize(image, 1, images.h, images.w, size, size);
    for (int j = 0; j < size * size; ++j) {
      x(i, j) = static_cast<float>(scale * resized[j]);
    }
  }
  return x;
}

TEST(IdxSourceTest, ResizeToResizesBothSplitsBeforeInputScale) {
  const std::string dir = NewTempDir("idx_resize_to");
  const Images train = MakeImages(3, 9, 13, 5, 10);
  const Images test = MakeImages(2, 9, 13, 6, 10);
  WriteIdxDir(dir, train, test);
  for (int size : {4, 20}) {  // Shrinking and enlarging.
    SCOPED_TRACE(absl::StrCat("resize_to: ", size));
    NFALAB_ASSERT_OK_AND_ASSIGN(
        DatasetSplits data,
        LoadDataset(Config(
            dir, absl::StrCat("n_train: 3 n_test: 2 preprocess { standardize: "
                              "false input_scale: 0.5 resize_to: ",
                              size, " }"))));
    EXPECT_EQ(data.train.sample_shape(), (SampleShape{1, size, size}));
    EXPECT_EQ(data.test.sample_shape(), (SampleShape{1, size, size}));
    // Resized values 0..255 agree with PIL's to 1e-3; halved here.
    EXPECT_THAT(data.train.x, ApproxEq(PilResized(train, size, 0.5), 0, 5e-4));
    EXPECT_THAT(data.test.x, ApproxEq(PilResized(test, size, 0.5), 0, 5e-4));
    EXPECT_THAT(data.train.labels, ElementsAreArray(train.labels));
    EXPECT_THAT(data.provenance.notes,
                Contains(absl::StrCat("images resized from 9 x 13 to ", size,
                                      " x ", size,
                                      " (bilinear, antialiased, as PIL; not "
                                      "rounded)")));
  }
}

TEST(IdxSourceTest, ResizeToComesBeforeStandardisationAndPadding) {
  const std::string dir = NewTempDir("idx_resize_pad");
  const Images train = MakeImages(4, 7, 7, 1, 10);
  const Images test = MakeImages(2, 7, 7, 2, 10);
  WriteIdxDir(dir, train, test);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(Config(dir,
                         "n_train: 4 n_test: 2 preprocess { "
                         "resize_to: 3 pad_to: 5 }")));
  EXPECT_EQ(data.train.sample_shape(), (SampleShape{1, 5, 5}));
  // Standardised with the statistics of the resized training images.
  const Matrix resized = PilResized(train, 3, 1.0);
  double mean = 0;
  for (Eigen::Index i = 0; i < resized.size(); ++i) mean += resized.data()[i];
  mean /= resized.size();
  double squares = 0;
  for (Eigen::Index i = 0; i < resized.size(); ++i) {
    squares += (resized.data()[i] - mean) * (resized.data()[i] - mean);
  }
  const double std = std::sqrt(squares / (resized.size() - 1));
  EXPECT_THAT(data.provenance.channel_mean,
              ElementsAre(DoubleNear(mean, 1e-3)));
  for (uint32_t i = 0; i < train.n; ++i) {
    for (int h = 0; h < 5; ++h) {
      for (int w = 0; w < 5; ++w) {
        const bool inside = h >= 1 && h < 4 && w >= 1 && w < 4;
        const double expected =
            inside ? (resized(i, (h - 1) * 3 + w - 1) - mean) / std : 0.0;
        EXPECT_NEAR(data.train.x(i, h * 5 + w), expected, 1e-4)
            << "image " << i << " (" << h << ", " << w << ")";
      }
    }
  }
  EXPECT_THAT(data.provenance.notes,
              Contains("images zero-padded from 3 x 3 to 5 x 5 after "
                       "standardisation"));
}

TEST(IdxSourceTest, TakesTheFirstNExamplesOfEachSplit) {
  const std::string dir = NewTempDir("idx_first_n");
  const Images train = MakeImages(6, 2, 2, 3, 10);
  const Images test = MakeImages(4, 2, 2, 4, 10);
  WriteIdxDir(dir, train, test);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(Config(dir, absl::StrCat("n_train: 4 n_test: 1 ", kRaw))));
  EXPECT_THAT(data.train.x,
              ApproxEq(Matrix(PixelMatrix(train).topRows(4)), 0.0, 0.0));
  EXPECT_THAT(data.test.x,
              ApproxEq(Matrix(PixelMatrix(test).topRows(1)), 0.0, 0.0));
  EXPECT_THAT(data.train.labels, ElementsAre(train.labels[0], train.labels[1],
                                             train.labels[2], train.labels[3]));
  EXPECT_EQ(data.provenance.train_available, 6);
  EXPECT_EQ(data.provenance.train_used, 4);
  EXPECT_EQ(data.provenance.test_used, 1);
  EXPECT_THAT(data.provenance.notes, IsEmpty());
}

TEST(IdxSourceTest, UsesAllExamplesAndRecordsItWhenFewerThanRequested) {
  const std::string dir = NewTempDir("idx_fewer");
  WriteIdxDir(dir, MakeImages(5, 2, 2, 3, 10), MakeImages(2, 2, 2, 4, 10));
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(Config(dir, "n_train: 50000 n_test: 10000")));
  EXPECT_EQ(data.train.size(), 5);
  EXPECT_EQ(data.test.size(), 2);
  EXPECT_THAT(data.provenance.notes,
              ElementsAre(AllOf(HasSubstr("data.n_train = 50000"),
                                HasSubstr("the training files hold 5 examples"),
                                HasSubstr("using all 5")),
                          AllOf(HasSubstr("data.n_test = 10000"),
                                HasSubstr("using all 2"))));
}

// Image i of these splits has every pixel equal to i, so rows identify
// examples.
Images IndexImages(uint32_t n) {
  Images images{n, 1, 3, {}, {}};
  for (uint32_t i = 0; i < n; ++i) {
    images.pixels.insert(images.pixels.end(), 3, static_cast<uint8_t>(i));
    images.labels.push_back(i % 10);
  }
  return images;
}

std::vector<int64_t> RowIds(const Dataset& data) {
  std::vector<int64_t> ids;
  for (int i = 0; i < data.size(); ++i) ids.push_back(data.x(i, 0));
  return ids;
}

TEST(IdxSourceTest, RandomSubsetIsTheDocumentedSeededSortedSample) {
  const std::string dir = NewTempDir("idx_random");
  WriteIdxDir(dir, IndexImages(40), IndexImages(30));
  const std::string extra =
      absl::StrCat("n_train: 7 n_test: 5 random_subset: true ", kRaw);
  NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits a,
                              LoadDataset(Config(dir, extra + " seed: 3")));
  // As documented in file_source.h: train from Rng(seed)'s first Fork(),
  // test from its second.
  Rng root(3);
  Rng train_rng = root.Fork();
  Rng test_rng = root.Fork();
  EXPECT_EQ(RowIds(a.train), ChooseExamples(40, 7, &train_rng));
  EXPECT_EQ(RowIds(a.test), ChooseExamples(30, 5, &test_rng));
  EXPECT_TRUE(a.provenance.random_subset);
  // Distinct, sorted, labels follow their rows.
  const std::vector<int64_t> ids = RowIds(a.train);
  for (size_t i = 1; i < ids.size(); ++i) EXPECT_LT(ids[i - 1], ids[i]);
  for (int i = 0; i < a.train.size(); ++i) {
    EXPECT_EQ(a.train.labels[i], ids[i] % 10);
  }
  // Deterministic for a seed; another seed gives another subset.
  NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits again,
                              LoadDataset(Config(dir, extra + " seed: 3")));
  EXPECT_EQ(RowIds(again.train), RowIds(a.train));
  EXPECT_EQ(RowIds(again.test), RowIds(a.test));
  NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits other,
                              LoadDataset(Config(dir, extra + " seed: 4")));
  EXPECT_NE(RowIds(other.train), RowIds(a.train));
}

TEST(IdxSourceTest, RandomSubsetOfAllExamplesIsEveryExampleInOrder) {
  const std::string dir = NewTempDir("idx_random_all");
  WriteIdxDir(dir, IndexImages(6), IndexImages(3));
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(Config(dir, "n_train: 100 n_test: 3 random_subset: true")));
  EXPECT_THAT(RowIds(data.train), ::testing::SizeIs(6));
  EXPECT_EQ(data.train.labels, std::vector<int>({0, 1, 2, 3, 4, 5}));
}

TEST(ChooseExamplesTest, FirstNAndUniformRandomSubsets) {
  EXPECT_THAT(ChooseExamples(5, 3, nullptr), ElementsAre(0, 1, 2));
  EXPECT_THAT(ChooseExamples(2, 3, nullptr), ElementsAre(0, 1));
  EXPECT_THAT(ChooseExamples(4, 0, nullptr), IsEmpty());
  // Each of 10 indices is in a random 3-subset with probability 0.3; over
  // 20000 draws the count is within 5 standard deviations of 6000.
  Rng rng(11);
  std::vector<int> counts(10, 0);
  const int kDraws = 20000;
  for (int t = 0; t < kDraws; ++t) {
    const std::vector<int64_t> chosen = ChooseExamples(10, 3, &rng);
    ASSERT_EQ(chosen.size(), 3u);
    ASSERT_LT(chosen[0], chosen[1]);
    ASSERT_LT(chosen[1], chosen[2]);
    for (int64_t i : chosen) ++counts[i];
  }
  const double sd = std::sqrt(kDraws * 0.3 * 0.7);
  for (int i = 0; i < 10; ++i) {
    EXPECT_NEAR(counts[i], kDraws * 0.3, 5 * sd) << "index " << i;
  }
}

// ---------------------------------------------------------------------------
// Preprocessing.

TEST(IdxSourceTest, StandardisesBothSplitsWithTheTrainingStatistics) {
  const std::string dir = NewTempDir("idx_standardise");
  const Images train = MakeImages(30, 4, 4, 1, 5);
  const Images test = MakeImages(8, 4, 4, 2, 5);
  WriteIdxDir(dir, train, test);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(Config(dir, "n_train: 30 n_test: 8 idx { num_classes: 5 }")));
  // Hand statistics over all 30 x 16 training pixels, in double.
  double sum = 0;
  for (uint8_t v : train.pixels) sum += v;
  const double mean = sum / train.pixels.size();
  double squares = 0;
  for (uint8_t v : train.pixels) squares += (v - mean) * (v - mean);
  const double std = std::sqrt(squares / (train.pixels.size() - 1));
  const DataProvenance& p = data.provenance;
  EXPECT_TRUE(p.standardized);
  EXPECT_EQ(p.channels, 1);
  EXPECT_THAT(p.channel_mean, ElementsAre(DoubleNear(mean, 1e-9)));
  EXPECT_THAT(p.channel_std, ElementsAre(DoubleNear(std, 1e-9)));
  EXPECT_EQ(p.targets, "one-hot minus 1/C");
  // The training split: mean 0, unbiased std 1.
  const Eigen::ArrayXXd x = data.train.x.cast<double>().array();
  EXPECT_NEAR(x.mean(), 0.0, 1e-5);
  EXPECT_NEAR(std::sqrt((x - x.mean()).square().sum() / (x.size() - 1)), 1.0,
              1e-5);
  // The test split: (pixel - training mean) / training std.
  Eigen::MatrixXd expected = PixelMatrix(test).cast<double>();
  expected = (expected.array() - mean) / std;
  EXPECT_THAT(data.test.x, ApproxEq(expected, 0.0, 1e-6));
  // Targets: one-hot minus 1/5, exactly.
  for (const Dataset* split : {&data.train, &data.test}) {
    for (int i = 0; i < split->size(); ++i) {
      for (int k = 0; k < 5; ++k) {
        EXPECT_EQ(split->y(i, k), k == split->labels[i] ? 0.8f : -0.2f);
      }
    }
  }
}

TEST(IdxSourceTest, StandardisationCancelsTheInputScale) {
  const std::string dir = NewTempDir("idx_scale");
  WriteIdxDir(dir, MakeImages(10, 3, 3, 1, 10), MakeImages(4, 3, 3, 2, 10));
  NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits raw,
                              LoadDataset(Config(dir, "n_train: 10")));
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits unit,
      LoadDataset(Config(
          dir, "n_train: 10 preprocess { input_scale: 0.00392156862745098 }")));
  EXPECT_THAT(unit.train.x, ApproxEq(raw.train.x, 0.0, 1e-5));
  EXPECT_THAT(unit.test.x, ApproxEq(raw.test.x, 0.0, 1e-5));
  // The scaled pixels are rounded to float (relative error <= 6e-8 each).
  EXPECT_NEAR(unit.provenance.channel_mean[0] * 255,
              raw.provenance.channel_mean[0],
              1e-6 * raw.provenance.channel_mean[0]);
  EXPECT_THAT(unit.provenance.notes,
              Contains(HasSubstr("data.preprocess.input_scale")));
}

TEST(IdxSourceTest, InputScaleWithoutStandardisationScalesThePixels) {
  const std::string dir = NewTempDir("idx_scale_only");
  const Images train = MakeImages(3, 2, 2, 1, 10);
  WriteIdxDir(dir, train, MakeImages(1, 2, 2, 2, 10));
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(Config(dir,
                         "n_train: 3 preprocess { standardize: false "
                         "input_scale: 0.00392156862745098 }")));
  const Matrix expected = PixelMatrix(train) / 255.0f;
  EXPECT_THAT(data.train.x, ApproxEq(expected, 1e-6, 0.0));
  EXPECT_LE(data.train.x.maxCoeff(), 1.0f);
}

TEST(IdxSourceTest, StandardisesTheGivenNumberOfChannels) {
  const std::string dir = NewTempDir("idx_channels");
  const Images train = MakeImages(5, 2, 3, 1, 10);
  WriteIdxDir(dir, train, MakeImages(1, 2, 3, 2, 10));
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(Config(dir, "n_train: 5 preprocess { channels: 2 }")));
  EXPECT_EQ(data.provenance.channels, 2);
  ASSERT_EQ(data.provenance.channel_mean.size(), 2u);
  // Channel 1 = the last 3 of the 6 pixels of each image.
  double sum = 0;
  for (uint32_t i = 0; i < 5; ++i) {
    for (int j = 3; j < 6; ++j) sum += train.pixels[i * 6 + j];
  }
  EXPECT_NEAR(data.provenance.channel_mean[1], sum / 15, 1e-9);
  EXPECT_THAT(LoadDataset(Config(dir, "n_train: 5 preprocess { channels: 4 }")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("data.preprocess (channels = 4)"),
                             HasSubstr("must divide the input dimension 6"))));
}

TEST(IdxSourceTest, RejectsInvalidPreprocessOptions) {
  const std::string dir = NewTempDir("idx_bad_options");
  WriteIdxDir(dir, MakeImages(3, 2, 2, 1, 10), MakeImages(1, 2, 2, 2, 10));
  EXPECT_THAT(LoadDataset(Config(dir, "preprocess { input_scale: 0 }")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("data.preprocess.input_scale")));
  EXPECT_THAT(LoadDataset(Config(dir, "preprocess { channels: -1 }")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("data.preprocess.channels")));
  EXPECT_THAT(
      LoadDataset(Config(dir, "n_train: 0")),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("data.n_train")));
  EXPECT_THAT(LoadDataset(Config(dir, "idx { num_classes: 1 }")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("data.idx.num_classes")));
}

// ---------------------------------------------------------------------------
// Bad input: each error names the file (or directory) and the problem.

TEST(IdxSourceTest, MissingFashionMnistDirectoryIsNotFoundWithInstallHint) {
  const std::string dir = NewTempDir("fashion_missing") + "/not/there";
  EXPECT_THAT(LoadDataset(Config(dir, "", "fashion_mnist")),
              StatusIs(absl::StatusCode::kNotFound,
                       AllOf(HasSubstr(dir), HasSubstr("does not exist"),
                             HasSubstr("install it with: apt-get install "
                                       "dataset-fashion-mnist"))));
}

TEST(IdxSourceTest, MissingIdxDirectoryIsNotFoundWithInstallHint) {
  const std::string dir = NewTempDir("idx_missing") + "/kmnist";
  EXPECT_THAT(
      LoadDataset(Config(dir, "")),
      StatusIs(absl::StatusCode::kNotFound,
               AllOf(HasSubstr(dir),
                     HasSubstr("apt-get install dataset-fashion-mnist"))));
}

TEST(IdxSourceTest, IdxWithoutPathIsAnError) {
  EXPECT_THAT(LoadDataset(ParseDatasetConfig("source: 'idx'")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("data.path is required by source \"idx\"")));
}

TEST(IdxSourceTest, MissingFileIsNotFoundNamingIt) {
  const std::string dir = NewTempDir("idx_missing_file");
  WriteIdxDir(dir, MakeImages(3, 2, 2, 1, 10), MakeImages(1, 2, 2, 2, 10));
  std::remove((dir + "/train-labels-idx1-ubyte.gz").c_str());
  EXPECT_THAT(
      LoadDataset(Config(dir, "")),
      StatusIs(absl::StatusCode::kNotFound,
               AllOf(HasSubstr(dir + "/train-labels-idx1-ubyte (or .gz)"),
                     HasSubstr("not found"))));
}

TEST(IdxSourceTest, RejectsALabelOutOfRange) {
  const std::string dir = NewTempDir("idx_label_range");
  Images train = MakeImages(4, 2, 2, 1, 10);
  train.labels[2] = 10;  // With the default 10 classes.
  WriteIdxDir(dir, train, MakeImages(1, 2, 2, 2, 10), /*gzip=*/false);
  EXPECT_THAT(
      LoadDataset(Config(dir, "")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr(dir + "/train-labels-idx1-ubyte"),
                     HasSubstr("label 10 of example 2 is outside [0, 10)"))));
}

TEST(IdxSourceTest, RejectsATestLabelOutOfRange) {
  const std::string dir = NewTempDir("idx_test_label_range");
  Images test = MakeImages(3, 2, 2, 2, 10);
  test.labels[0] = 255;
  WriteIdxDir(dir, MakeImages(4, 2, 2, 1, 10), test);
  EXPECT_THAT(LoadDataset(Config(dir, "")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(dir + "/t10k-labels-idx1-ubyte"),
                             HasSubstr("label 255 of example 0"))));
}

TEST(IdxSourceTest, RejectsImagesAndLabelsWithDifferentCounts) {
  const std::string dir = NewTempDir("idx_count");
  Images train = MakeImages(4, 2, 2, 1, 10);
  train.labels.pop_back();
  WriteIdxDir(dir, train, MakeImages(1, 2, 2, 2, 10));
  EXPECT_THAT(LoadDataset(Config(dir, "")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(dir + "/train-images-idx3-ubyte.gz"),
                             HasSubstr("has 4 images"),
                             HasSubstr(dir + "/train-labels-idx1-ubyte.gz"),
                             HasSubstr("has 3 labels"))));
}

TEST(IdxSourceTest, RejectsFloatLabels) {
  const std::string dir = NewTempDir("idx_float_labels");
  WriteIdxDir(dir, MakeImages(2, 2, 2, 1, 10), MakeImages(1, 2, 2, 2, 10));
  WriteBytes(dir + "/train-labels-idx1-ubyte.gz",
             Gzip(IdxHeaderBytes(0x0D, {2}) + std::string(8, '\0')));
  EXPECT_THAT(LoadDataset(Config(dir, "")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("train-labels-idx1-ubyte.gz"),
                             HasSubstr("integer type, got float32"))));
}

TEST(IdxSourceTest, RejectsTestImagesOfAnotherSize) {
  const std::string dir = NewTempDir("idx_test_size");
  WriteIdxDir(dir, MakeImages(3, 2, 2, 1, 10), MakeImages(2, 3, 3, 2, 10));
  EXPECT_THAT(LoadDataset(Config(dir, "")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("the test files have 9 features"),
                             HasSubstr("the training files have 4"))));
}

TEST(IdxSourceTest, RejectsATruncatedImagesFile) {
  const std::string dir = NewTempDir("idx_source_truncated");
  const Images train = MakeImages(3, 2, 2, 1, 10);
  WriteIdxDir(dir, train, MakeImages(1, 2, 2, 2, 10));
  const std::string bytes = IdxUint8({3, 2, 2}, train.pixels);
  WriteBytes(dir + "/train-images-idx3-ubyte.gz",
             Gzip(bytes.substr(0, bytes.size() - 5)));
  EXPECT_THAT(LoadDataset(Config(dir, "")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(dir + "/train-images-idx3-ubyte.gz"),
                             HasSubstr("file is truncated"))));
}

TEST(IdxSourceTest, RejectsACorruptGzippedLabelsFile) {
  const std::string dir = NewTempDir("idx_source_corrupt");
  WriteIdxDir(dir, MakeImages(300, 2, 2, 1, 10), MakeImages(1, 2, 2, 2, 10));
  std::string gz = Gzip(IdxUint8({300}, std::vector<uint8_t>(300, 3)));
  for (size_t i = 12; i + 8 < gz.size(); ++i) gz[i] = ~gz[i];
  WriteBytes(dir + "/train-labels-idx1-ubyte.gz", gz);
  EXPECT_THAT(LoadDataset(Config(dir, "")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(dir + "/train-labels-idx1-ubyte.gz"),
                             HasSubstr("corrupt gzip stream"))));
}

TEST(IdxSourceTest, RejectsAWrongMagicNumber) {
  const std::string dir = NewTempDir("idx_source_magic");
  WriteIdxDir(dir, MakeImages(2, 2, 2, 1, 10), MakeImages(1, 2, 2, 2, 10));
  // A labels file read as if it were IDX: starts with 08 01.
  WriteBytes(dir + "/t10k-images-idx3-ubyte",
             std::string("\x08\x01\x00\x00\x00\x01\x05", 7));
  EXPECT_THAT(LoadDataset(Config(dir, "")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(dir + "/t10k-images-idx3-ubyte"),
                             HasSubstr("bad magic number 08 01 00 00"))));
}

TEST(IdxSourceTest, RejectsOverflowingDimensions) {
  const std::string dir = NewTempDir("idx_source_overflow");
  WriteIdxDir(dir, MakeImages(2, 2, 2, 1, 10), MakeImages(1, 2, 2, 2, 10));
  WriteBytes(
      dir + "/train-images-idx3-ubyte.gz",
      Gzip(IdxHeaderBytes(0x08, {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu})));
  EXPECT_THAT(LoadDataset(Config(dir, "")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(dir + "/train-images-idx3-ubyte.gz"),
                             HasSubstr("overflow"))));
}

TEST(IdxSourceTest, RejectsImagesWithZeroExamplesButHugeImages) {
  // [0, 2^32 - 1, 2^32 - 1]: no data, but d would overflow.
  const std::string dir = NewTempDir("idx_source_empty_huge");
  WriteIdxDir(dir, MakeImages(2, 2, 2, 1, 10), MakeImages(1, 2, 2, 2, 10));
  WriteBytes(dir + "/train-images-idx3-ubyte.gz",
             Gzip(IdxHeaderBytes(0x08, {0, 0xFFFFFFFFu, 0xFFFFFFFFu})));
  WriteBytes(dir + "/train-labels-idx1-ubyte.gz",
             Gzip(IdxHeaderBytes(0x08, {0})));
  EXPECT_THAT(LoadDataset(Config(dir, "")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(dir + "/train-images-idx3-ubyte.gz"),
                             HasSubstr("more than 2^31 - 1 pixels"))));
}

}  // namespace
}  // namespace nfalab
