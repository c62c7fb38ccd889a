// Pins the exact names in every registry of a binary that links the
// built-ins and //plugins:all. A library missing `alwayslink = 1` (its
// static registration dropped by the linker), a plugin missing from
// //plugins:all or an accidental rename makes this fail. Update the lists
// when you add a built-in or a plugin on purpose.
#include <string>
#include <vector>

#include "datasets/dataset_source.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "layers/activation.h"
#include "layers/layer.h"
#include "metrics/alignment_measure.h"
#include "optimizers/optimizer.h"

namespace nfalab {
namespace {

using ::testing::ElementsAreArray;

TEST(RegistryCoverageTest, ActivationsAreBuiltinsPlusSwish) {
  EXPECT_THAT(
      ActivationRegistry::Global().Names(),
      ElementsAreArray({"gelu", "identity", "leaky_relu", "quadratic", "relu",
                        "sigmoid", "softplus", "swish", "tanh"}));
}

TEST(RegistryCoverageTest, AlignmentMeasuresAreBuiltinsPlusCkaAndNfcAlpha) {
  EXPECT_THAT(AlignmentMeasureRegistry::Global().Names(),
              ElementsAreArray(
                  {"c_nfc", "c_nfc_k0", "c_nfc_sqrt", "c_singular_alignment",
                   "cka", "left_gram_alignment", "nfc_alpha", "nfc_sqrt",
                   "singular_alignment", "uc_nfc", "weight_change"}));
}

TEST(RegistryCoverageTest, OptimizersAreBuiltinsPlusLayerwiseAdam) {
  EXPECT_THAT(OptimizerRegistry::Global().Names(),
              ElementsAreArray({"layerwise_adam", "sgd", "slo"}));
}

TEST(RegistryCoverageTest, DatasetSourcesAreTheBuiltins) {
  EXPECT_THAT(
      DatasetSourceRegistry::Global().Names(),
      ElementsAreArray({"cifar10", "cifar100", "csv", "fashion_mnist", "gtsrb",
                        "idx", "npy", "stl10", "svhn", "synthetic"}));
}

TEST(RegistryCoverageTest, LayersAreBuiltinsPlusMupLinear) {
  EXPECT_THAT(LayerRegistry::Global().Names(),
              ElementsAreArray({"activation", "avgpool2d", "conv2d", "dropout",
                                "flatten", "global_avgpool", "linear",
                                "maxpool2d", "mup_linear"}));
}

}  // namespace
}  // namespace nfalab
