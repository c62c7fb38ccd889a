// Linking //datasets:builtin_sources registers every built-in source (this
// catches a missing alwayslink), and each can be created by name.
#include <string>
#include <vector>

#include "datasets/dataset_source.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nfalab {
namespace {

using ::testing::IsSupersetOf;

TEST(BuiltinSourcesTest, RegistersEveryBuiltInSource) {
  const std::vector<std::string> expected = {
      "cifar10", "cifar100", "csv",   "fashion_mnist", "gtsrb",
      "idx",     "npy",      "stl10", "svhn",          "synthetic"};
  EXPECT_THAT(DatasetSourceRegistry::Global().Names(), IsSupersetOf(expected));
  for (const std::string& name : expected) {
    EXPECT_TRUE(DatasetSourceRegistry::Global().Create(name).ok()) << name;
  }
}

}  // namespace
}  // namespace nfalab
