// Loads the real Fashion-MNIST (Debian package dataset-fashion-mnist)
// through the registry. Skipped when the package is not installed.
#include <cmath>
#include <cstdio>
#include <string>

#include "datasets/dataset.h"
#include "datasets/idx_source.h"
#include "datasets/load_dataset.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/datasets/test_files.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ParseDatasetConfig;
using ::testing::ElementsAre;

bool HaveFashionMnist() {
  for (const char* name :
       {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
    const std::string path = std::string(kFashionMnistDirectory) + "/" + name;
    if (FILE* f = std::fopen(path.c_str(), "rb")) {
      std::fclose(f);
    } else {
      return false;
    }
  }
  return true;
}

TEST(FashionMnistTest, LoadsTheInstalledDatasetThroughTheRegistry) {
  if (!HaveFashionMnist()) {
    GTEST_SKIP() << kFashionMnistDirectory
                 << " is missing; apt-get install dataset-fashion-mnist";
  }
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(ParseDatasetConfig(
          "source: 'fashion_mnist' n_train: 1000 n_test: 500")));
  EXPECT_EQ(data.train.size(), 1000);
  EXPECT_EQ(data.test.size(), 500);
  EXPECT_EQ(data.train.input_dim(), 784);
  EXPECT_EQ(data.test.input_dim(), 784);
  EXPECT_EQ(data.train.num_classes, 10);
  EXPECT_EQ(data.train.output_dim(), 10);
  int counts[10] = {};
  for (const Dataset* split : {&data.train, &data.test}) {
    ASSERT_EQ(static_cast<int>(split->labels.size()), split->size());
    for (int label : split->labels) {
      ASSERT_GE(label, 0);
      ASSERT_LT(label, 10);
      if (split == &data.train) ++counts[label];
    }
  }
  // Fashion-MNIST's classes are balanced: each of 1000 examples' classes
  // has 100 +- a few tens.
  for (int c = 0; c < 10; ++c) {
    EXPECT_GT(counts[c], 50) << "class " << c;
    EXPECT_LT(counts[c], 150) << "class " << c;
  }
  const DataProvenance& p = data.provenance;
  EXPECT_EQ(p.source, "fashion_mnist");
  EXPECT_EQ(p.path, kFashionMnistDirectory);
  EXPECT_EQ(p.train_available, 60000);
  EXPECT_EQ(p.test_available, 10000);
  EXPECT_EQ(p.train_used, 1000);
  EXPECT_EQ(p.test_used, 500);
  EXPECT_TRUE(p.standardized);
  EXPECT_EQ(p.channels, 1);
  ASSERT_EQ(p.channel_mean.size(), 1u);
  // Raw pixel bytes: Fashion-MNIST's mean is about 72.9 (0.286 x 255) and
  // its std about 90 (0.353 x 255).
  EXPECT_NEAR(p.channel_mean[0], 72.9, 5.0);
  EXPECT_NEAR(p.channel_std[0], 90.0, 5.0);
  const Eigen::ArrayXXd x = data.train.x.cast<double>().array();
  EXPECT_NEAR(x.mean(), 0.0, 1e-5);
  EXPECT_NEAR(std::sqrt((x - x.mean()).square().sum() / (x.size() - 1)), 1.0,
              1e-5);
  EXPECT_THAT(p.notes, ElementsAre());
}

}  // namespace
}  // namespace nfalab
