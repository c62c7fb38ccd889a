// The `vgg` model preset (layers/model_config.proto, VggConfig): the layer
// list of torchvision's configurations A, B, D and E written out here
// independently (types, channels, pools, shapes, the classifier with its
// dropout), the width multiplier's rounding, biases, every bad field named,
// errors inside the network naming the preset's layer, and the
// TORCHVISION_VGG initialisation against its stated standard deviations.
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/random.h"
#include "core/sample_shape.h"
#include "core/tensor.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "layers/model_config.pb.h"
#include "layers/sequential.h"
#include "tests/model_test_util.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::BuildModel;
using ::nfalab::testing::IsOk;
using ::nfalab::testing::LayerTypes;
using ::nfalab::testing::ParseModel;
using ::nfalab::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

absl::StatusOr<Model> Build(const std::string& text, SampleShape input,
                            int outputs = 10, uint64_t seed = 7) {
  return BuildModel(text, input, outputs, seed);
}

// Units of every weighted layer, in order.
std::vector<int> Units(const Model& model) {
  std::vector<int> units;
  for (int l = 0; l < model.num_weighted_layers(); ++l) {
    units.push_back(model.weighted_layer(l).units());
  }
  return units;
}

constexpr char kSmallA[] =
    "vgg { configuration: 'A' width_multiplier: 0.125 classifier_width: 256 }";

TEST(VggTest, ConfigurationAAtAnEighthWidthIsTheExpectedLayerList) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Model model, Build(kSmallA, {1, 32, 32}));
  // clang-format off
  EXPECT_THAT(LayerTypes(model),
              ElementsAreArray({
                  "conv2d", "activation", "maxpool2d",
                  "conv2d", "activation", "maxpool2d",
                  "conv2d", "activation", "conv2d", "activation", "maxpool2d",
                  "conv2d", "activation", "conv2d", "activation", "maxpool2d",
                  "conv2d", "activation", "conv2d", "activation", "maxpool2d",
                  "global_avgpool", "flatten",
                  "linear", "activation", "dropout",
                  "linear", "activation", "dropout",
                  "linear"}));
  // clang-format on
  ASSERT_EQ(model.num_weighted_layers(), 11);
  EXPECT_THAT(Units(model),
              ElementsAreArray({8, 16, 32, 32, 64, 64, 64, 64, 256, 256, 10}));
  for (int j = 0; j < model.num_layers(); ++j) {
    SCOPED_TRACE(j);
    const LayerSpec& spec = model.spec(j);
    if (spec.type() == "conv2d") {
      EXPECT_EQ(spec.kernel_size(), 3);
      EXPECT_EQ(spec.padding(), 1);
      EXPECT_FALSE(spec.has_stride() && spec.stride() != 1);
      // 3 x 3 with padding 1 keeps the map's size.
      EXPECT_EQ(model.layer(j).output_shape().height,
                model.layer(j).input_shape().height);
    } else if (spec.type() == "activation") {
      EXPECT_EQ(spec.activation(), "relu");
    } else if (spec.type() == "maxpool2d") {
      EXPECT_EQ(spec.kernel_size(), 2);
      EXPECT_EQ(spec.stride(), 2);
    } else if (spec.type() == "dropout") {
      EXPECT_EQ(spec.rate(), 0.5);  // VggConfig's default.
    }
  }
  // Fan-ins: C_in 3 3 for the convolutions, then 64, 256, 256.
  const int fan_ins[] = {9,      8 * 9,  16 * 9, 32 * 9, 32 * 9, 64 * 9,
                         64 * 9, 64 * 9, 64,     256,    256};
  for (int l = 0; l < 11; ++l) {
    EXPECT_EQ(model.weighted_layer(l).fan_in(), fan_ins[l]) << "layer " << l;
  }
  // The five pools halve 32 x 32 down to 1 x 1, which is the flat [64].
  const SampleShape after_pools[] = {
      {8, 16, 16}, {16, 8, 8}, {32, 4, 4}, {64, 2, 2}, {64, 1, 1}};
  const int pools[] = {2, 5, 10, 15, 20};
  for (int p = 0; p < 5; ++p) {
    EXPECT_EQ(model.layer(pools[p]).output_shape(), after_pools[p])
        << "pool " << p;
  }
  EXPECT_EQ(model.layer(21).output_shape(), SampleShape::Flat(64));
  EXPECT_EQ(model.layer(22).output_shape(), SampleShape::Flat(64));
  EXPECT_EQ(model.output_dim(), 10);
  Rng rng(3);
  Matrix x(2, 32 * 32);
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    x.data()[i] = static_cast<float>(rng.Normal());
  }
  ModelCache cache;
  model.Forward(x, &cache);
  EXPECT_EQ(cache.output().rows(), 2);
  EXPECT_EQ(cache.output().cols(), 10);
  EXPECT_TRUE(cache.output().allFinite());
}

// torchvision's cfgs "A", "B", "D", "E" at width 1/8 (0 for a pool).
const std::map<std::string, std::vector<int>>& EighthWidthFeatures() {
  static const auto* const kFeatures =
      new std::map<std::string, std::vector<int>>{
          {"A", {8, 0, 16, 0, 32, 32, 0, 64, 64, 0, 64, 64, 0}},
          {"B", {8, 8, 0, 16, 16, 0, 32, 32, 0, 64, 64, 0, 64, 64, 0}},
          {"D",
           {8, 8, 0, 16, 16, 0, 32, 32, 32, 0, 64, 64, 64, 0, 64, 64, 64, 0}},
          {"E", {8,  8,  0,  16, 16, 0,  32, 32, 32, 32, 0,
                 64, 64, 64, 64, 0,  64, 64, 64, 64, 0}},
      };
  return *kFeatures;
}

TEST(VggTest, EachConfigurationHasTorchvisionsConvLayersAndFivePools) {
  const std::map<std::string, int> weighted = {
      {"A", 11}, {"B", 13}, {"D", 16}, {"E", 19}};
  for (const auto& [configuration, features] : EighthWidthFeatures()) {
    SCOPED_TRACE(configuration);
    NFALAB_ASSERT_OK_AND_ASSIGN(
        Model model,
        Build(absl::StrCat("vgg { configuration: '", configuration,
                           "' width_multiplier: 0.125 classifier_width: 16 }"),
              {3, 32, 32}, 4));
    EXPECT_EQ(model.num_weighted_layers(), weighted.at(configuration));
    std::vector<int> expected_units;
    for (int channels : features) {
      if (channels > 0) expected_units.push_back(channels);
    }
    expected_units.insert(expected_units.end(), {16, 16, 4});
    EXPECT_EQ(Units(model), expected_units);
    // The feature part, layer by layer: conv + relu, or a pool.
    int j = 0;
    for (int channels : features) {
      ASSERT_LT(j, model.num_layers());
      if (channels == 0) {
        EXPECT_EQ(model.layer(j++).type(), "maxpool2d");
      } else {
        EXPECT_EQ(model.layer(j++).type(), "conv2d");
        EXPECT_EQ(model.layer(j++).type(), "activation");
      }
    }
    EXPECT_EQ(model.layer(j).type(), "global_avgpool");
    EXPECT_EQ(model.layer(j).input_shape(), SampleShape::Flat(64));
    EXPECT_EQ(model.num_layers(), j + 2 + 7);
  }
}

TEST(VggTest, TheWidthMultiplierRoundsToTheNearestChannelCountAtLeastOne) {
  NFALAB_ASSERT_OK_AND_ASSIGN(
      Model tenth,
      Build("vgg { width_multiplier: 0.1 classifier_width: 8 }", {1, 32, 32}));
  // 6.4, 12.8, 25.6, 51.2.
  EXPECT_THAT(Units(tenth),
              ElementsAreArray({6, 13, 26, 26, 51, 51, 51, 51, 8, 8, 10}));
  NFALAB_ASSERT_OK_AND_ASSIGN(
      Model tiny, Build("vgg { width_multiplier: 0.001 classifier_width: 8 }",
                        {1, 32, 32}));
  EXPECT_THAT(Units(tiny),
              ElementsAreArray({1, 1, 1, 1, 1, 1, 1, 1, 8, 8, 10}));
}

TEST(VggTest, TheDefaultsAreVgg11AtFullWidthWithAClassifierOf4096) {
  ModelConfig config = ParseModel("vgg {}");
  EXPECT_EQ(config.vgg().configuration(), "A");
  EXPECT_EQ(config.vgg().width_multiplier(), 1.0);
  EXPECT_EQ(config.vgg().classifier_width(), 4096);
  EXPECT_EQ(config.vgg().dropout(), 0.5);
  NFALAB_ASSERT_OK_AND_ASSIGN(std::vector<LayerSpec> specs,
                              ResolveLayers(config, {3, 32, 32}, 10));
  std::vector<int> channels;
  for (const LayerSpec& spec : specs) {
    if (spec.type() == "conv2d" || spec.type() == "linear") {
      channels.push_back(spec.type() == "conv2d" ? spec.out_channels()
                                                 : spec.out_features());
    }
  }
  EXPECT_THAT(channels, ElementsAreArray({64, 128, 256, 256, 512, 512, 512, 512,
                                          4096, 4096, 10}));
}

TEST(VggTest, EveryLayerHasABiasUnlessModelBiasIsFalse) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Model with, Build(kSmallA, {1, 32, 32}));
  for (int l = 0; l < with.num_weighted_layers(); ++l) {
    EXPECT_TRUE(with.weighted_layer(l).has_bias()) << l;
    EXPECT_EQ(with.weighted_layer(l).bias().size(),
              with.weighted_layer(l).units());
  }
  NFALAB_ASSERT_OK_AND_ASSIGN(
      Model without, Build(absl::StrCat("bias: false ", kSmallA), {1, 32, 32}));
  for (int l = 0; l < without.num_weighted_layers(); ++l) {
    EXPECT_FALSE(without.weighted_layer(l).has_bias()) << l;
    EXPECT_EQ(without.weighted_layer(l).bias().size(), 0) << l;
  }
}

TEST(VggTest, DropoutZeroLeavesTheDropoutLayersOutAndARateIsPassedOn) {
  NFALAB_ASSERT_OK_AND_ASSIGN(
      Model none,
      Build("vgg { width_multiplier: 0.125 classifier_width: 32 dropout: 0 }",
            {1, 32, 32}));
  EXPECT_EQ(none.num_layers(), 28);
  const std::vector<std::string> types = LayerTypes(none);
  for (const std::string& type : types) EXPECT_NE(type, "dropout");
  EXPECT_THAT(std::vector<std::string>(types.end() - 5, types.end()),
              ElementsAreArray(
                  {"linear", "activation", "linear", "activation", "linear"}));
  NFALAB_ASSERT_OK_AND_ASSIGN(
      Model some,
      Build("vgg { width_multiplier: 0.125 classifier_width: 32 dropout: 0.2 }",
            {1, 32, 32}));
  ASSERT_EQ(some.num_layers(), 30);
  for (int j : {25, 28}) {
    EXPECT_EQ(some.layer(j).type(), "dropout");
    EXPECT_EQ(some.spec(j).rate(), 0.2);
  }
}

// Bad fields: InvalidArgument naming the field, through Create and
// ValidateModelConfig (which needs no data).
TEST(VggTest, BadFieldsAreRefusedNamingTheField) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const struct {
    std::string text;
    std::string message;
  } cases[] = {
      {"vgg { configuration: 'C' }",
       "model.vgg.configuration must be A, B, D or E, got \"C\""},
      {"vgg { configuration: 'a' }", "model.vgg.configuration"},
      {"vgg { width_multiplier: 0 }",
       "model.vgg.width_multiplier must be positive and at most 128 (65536 "
       "channels), got 0"},
      {"vgg { width_multiplier: 128.5 }", "got 128.5"},
      {"vgg { width_multiplier: -0.5 }", "model.vgg.width_multiplier"},
      {absl::StrCat("vgg { width_multiplier: ", nan, " }"),
       "model.vgg.width_multiplier"},
      {"vgg { width_multiplier: inf }", "model.vgg.width_multiplier"},
      {"vgg { classifier_width: 0 }",
       "model.vgg.classifier_width must be >= 1, got 0"},
      {"vgg { dropout: 1.0 }", "model.vgg.dropout must be in [0, 1), got 1"},
      {"vgg { dropout: -0.1 }", "model.vgg.dropout must be in [0, 1)"},
      {"vgg { dropout: nan }", "model.vgg.dropout must be in [0, 1)"},
      {"vgg {} layers { type: 'linear' }",
       "model.vgg is set, so model.layers must be left out"},
      {"vgg {} depth: 3", "model.vgg is set, so model.depth must be left out"},
      {"vgg {} layers { type: 'linear' } width: 5 activation: 'tanh'",
       "model.vgg is set, so model.layers, model.width, model.activation "
       "must be left out"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_THAT(
        ValidateModelConfig(ParseModel(c.text)),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)));
    EXPECT_THAT(
        Build(c.text, {1, 32, 32}).status(),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)));
  }
  EXPECT_THAT(ValidateModelConfig(ParseModel(kSmallA)), IsOk());
}

// An input the pools shrink too far: the error names the preset's layer
// (not a model.layers[j] the user never wrote) and the shapes.
TEST(VggTest, AnErrorInsideTheNetworkNamesTheVggsLayer) {
  // 3 x 5 -> 1 x 2 after the first pool; the second cannot fit a 2 x 2
  // window in one row.
  EXPECT_THAT(
      Build(kSmallA, {1, 3, 5}).status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("the VGG A's layer 5 (maxpool2d), whose input "
                               "is [16, 1, 2] from layer 4 (activation)"),
                     HasSubstr("maxpool2d kernel 2 stride 2 on 1 x 2 gives an "
                               "empty output"))));
  // 4 x 4 -> 2 x 2 -> 1 x 1: the third and fourth convs take the 1 x 1 map
  // (padding 1), as in PyTorch; the third pool cannot.
  EXPECT_THAT(
      Build(kSmallA, {1, 4, 4}).status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("the VGG A's layer 10 (maxpool2d), whose input "
                               "is [32, 1, 1] from layer 9 (activation)"),
                     HasSubstr("maxpool2d kernel 2 stride 2 on 1 x 1 gives an "
                               "empty output"),
                     ::testing::Not(HasSubstr("model.layers")))));
  // A flat input reaches the first conv from the data.
  EXPECT_THAT(
      Build("vgg { configuration: 'B' }", SampleShape::Flat(8)).status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("the VGG B's layer 0 (conv2d), whose input "
                         "is [8] from the data")));
}

// Sample mean and standard deviation of a matrix's entries.
struct Moments {
  double mean;
  double std;
};
template <typename Derived>
Moments MomentsOf(const Eigen::MatrixBase<Derived>& m) {
  const Eigen::MatrixXd d = m.template cast<double>();
  const double mean = d.mean();
  const double var =
      (d.array() - mean).square().sum() / static_cast<double>(d.size() - 1);
  return {mean, std::sqrt(var)};
}

// conv2d 64 channels 3 x 3 on 16 channels (W: 64 x 144, fan_in 144 but
// fan_out 64 * 9 = 576), conv2d 8 channels 5 x 5 on 64 (fan_out 200), then
// linear 64 and a readout of 128: sigma = s sqrt(2 / fan_out) for the convs,
// 0.01 s for the linear layers, every bias exactly 0.
constexpr char kInitNet[] = R"pb(
  init: TORCHVISION_VGG
  bias: true
  layers { type: "conv2d" out_channels: 64 }
  layers { type: "conv2d" out_channels: 8 kernel_size: 5 padding: 2 }
  layers { type: "flatten" }
  layers { type: "linear" out_features: 64 }
  layers { type: "linear" }
)pb";

TEST(VggInitTest, ConvWeightsAreKaimingFanOutAndLinearWeightsHaveStd001) {
  for (const double scale : {1.0, 2.5}) {
    SCOPED_TRACE(scale);
    NFALAB_ASSERT_OK_AND_ASSIGN(
        Model model,
        Build(absl::StrCat(kInitNet, " init_scale: ", scale), {16, 6, 6}, 128));
    ASSERT_EQ(model.num_weighted_layers(), 4);
    const double expected[] = {scale * std::sqrt(2.0 / (64 * 9)),
                               scale * std::sqrt(2.0 / (8 * 25)), 0.01 * scale,
                               0.01 * scale};
    for (int l = 0; l < 4; ++l) {
      SCOPED_TRACE(l);
      const BasicWeightedLayer<float>& layer = model.weighted_layer(l);
      const Moments moments = MomentsOf(layer.weight());
      // Relative standard error of a sample std: 1 / sqrt(2 N) <= 0.9%
      // (N >= 8192); 4% is over 4 of them.
      EXPECT_NEAR(moments.std / expected[l], 1.0, 0.04)
          << "std " << moments.std << " vs " << expected[l] << " over "
          << layer.weight().size();
      EXPECT_NEAR(moments.mean, 0.0,
                  4 * expected[l] / std::sqrt(layer.weight().size()));
      EXPECT_TRUE(layer.bias().isZero(0.0)) << "bias not exactly 0";
      EXPECT_EQ(layer.initial_weight(), layer.weight());
    }
  }
}

// The preset's default init is TORCHVISION_VGG: the same draws as when it
// is asked for, unlike PYTORCH_UNIFORM (which also draws the biases).
TEST(VggInitTest, TheVggPresetDefaultsToTorchvisionVggInit) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Model preset, Build(kSmallA, {1, 32, 32}));
  NFALAB_ASSERT_OK_AND_ASSIGN(
      Model asked,
      Build(absl::StrCat("init: TORCHVISION_VGG ", kSmallA), {1, 32, 32}));
  NFALAB_ASSERT_OK_AND_ASSIGN(
      Model uniform,
      Build(absl::StrCat("init: PYTORCH_UNIFORM ", kSmallA), {1, 32, 32}));
  for (int l = 0; l < preset.num_weighted_layers(); ++l) {
    SCOPED_TRACE(l);
    EXPECT_EQ(preset.weighted_layer(l).weight(),
              asked.weighted_layer(l).weight());
    EXPECT_TRUE(preset.weighted_layer(l).bias().isZero(0.0));
    EXPECT_FALSE(uniform.weighted_layer(l).bias().isZero(0.0));
  }
  // Layer 9 (the second classifier layer, 256 x 256): std 0.01.
  EXPECT_NEAR(MomentsOf(preset.weighted_layer(9).weight()).std, 0.01, 0.0004);
  // An MLP keeps PYTORCH_UNIFORM by default.
  NFALAB_ASSERT_OK_AND_ASSIGN(Model mlp,
                              Build("depth: 1 width: 4 bias: true", {1, 2, 2}));
  EXPECT_FALSE(mlp.weighted_layer(0).bias().isZero(0.0));
}

}  // namespace
}  // namespace nfalab
