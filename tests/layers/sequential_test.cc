// Sequential models from layer lists: the MLP fields and the equivalent layer
// list build the same network bit for bit, image inputs get a flatten, the
// weighted-layer numbering, copies and casts, and every bad layer list is an
// error naming the field, the layers and the shapes.
#include "layers/sequential.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/random.h"
#include "core/sample_shape.h"
#include "core/tensor.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "layers/model_config.pb.h"
#include "tests/random_matrix.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::GaussianMatrix;
using ::nfalab::testing::IsOk;
using ::nfalab::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

ModelConfig ParseModel(const std::string& text) {
  ModelConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config))
      << text;
  return config;
}

absl::StatusOr<Model> Build(const std::string& text, SampleShape input,
                            int outputs = 3, uint64_t seed = 7) {
  Rng rng(seed);
  return Model::Create(ParseModel(text), input, outputs, &rng);
}

std::vector<std::string> Types(const Model& model) {
  std::vector<std::string> types;
  for (int j = 0; j < model.num_layers(); ++j) {
    types.push_back(model.layer(j).type());
  }
  return types;
}

constexpr char kMlpFields[] =
    "depth: 2 widths: 6 widths: 5 activation: 'tanh' bias: true";
constexpr char kSameLayerList[] = R"pb(
  bias: true
  layers { type: "linear" out_features: 6 }
  layers { type: "activation" activation: "tanh" }
  layers { type: "linear" out_features: 5 }
  layers { type: "activation" activation: "tanh" }
  layers { type: "linear" }
)pb";

TEST(SequentialTest, MlpFieldsAndTheLayerListBuildTheSameNetworkBitForBit) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Model mlp, Build(kMlpFields, SampleShape::Flat(4)));
  NFALAB_ASSERT_OK_AND_ASSIGN(Model listed,
                              Build(kSameLayerList, SampleShape::Flat(4)));
  EXPECT_THAT(Types(mlp), ElementsAre("linear", "activation", "linear",
                                      "activation", "linear"));
  EXPECT_EQ(Types(mlp), Types(listed));
  ASSERT_EQ(mlp.num_weighted_layers(), 3);
  ASSERT_EQ(listed.num_weighted_layers(), 3);
  for (int l = 0; l < 3; ++l) {
    SCOPED_TRACE(l);
    // The same draws in the same order: equal to the bit.
    EXPECT_EQ(mlp.weighted_layer(l).weight(), listed.weighted_layer(l).weight());
    EXPECT_EQ(mlp.weighted_layer(l).bias(), listed.weighted_layer(l).bias());
    EXPECT_EQ(mlp.weighted_layer(l).initial_weight(),
              listed.weighted_layer(l).initial_weight());
    EXPECT_TRUE(mlp.weighted_layer(l).has_bias());
  }
  EXPECT_EQ(mlp.weighted_layer(2).units(), 3);  // The task's outputs.
  Rng rng(3);
  const Matrix x = GaussianMatrix<float>(5, 4, &rng);
  EXPECT_EQ(mlp.Predict(x), listed.Predict(x));
}

TEST(SequentialTest, ImageInputsGetAFlattenBeforeTheMlp) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Model image, Build(kMlpFields, {1, 2, 2}));
  NFALAB_ASSERT_OK_AND_ASSIGN(Model flat, Build(kMlpFields, SampleShape::Flat(4)));
  EXPECT_THAT(Types(image), ElementsAre("flatten", "linear", "activation",
                                        "linear", "activation", "linear"));
  EXPECT_EQ(image.input_shape(), (SampleShape{1, 2, 2}));
  EXPECT_EQ(image.weighted_position(0), 1);
  for (int l = 0; l < 3; ++l) {
    EXPECT_EQ(image.weighted_layer(l).weight(), flat.weighted_layer(l).weight());
  }
  Rng rng(5);
  const Matrix x = GaussianMatrix<float>(3, 4, &rng);
  EXPECT_EQ(image.Predict(x), flat.Predict(x));
}

TEST(SequentialTest, LinearBiasDefaultsToModelBiasAndCanBeSetPerLayer) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Model model, Build(R"pb(
                                bias: false
                                layers { type: "linear" out_features: 4 bias: true }
                                layers { type: "linear" }
                              )pb",
                                                 SampleShape::Flat(2)));
  EXPECT_TRUE(model.weighted_layer(0).has_bias());
  EXPECT_FALSE(model.weighted_layer(1).has_bias());
  EXPECT_TRUE(model.spec(1).has_out_features());
  EXPECT_EQ(model.spec(1).out_features(), 3);
}

TEST(SequentialTest, CopiesAreDeepAndCastsKeepEveryParameter) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Model model,
                              Build(kSameLayerList, SampleShape::Flat(4)));
  Model copy = model;
  copy.weighted_layer(0).weight()(0, 0) += 1.0f;
  EXPECT_NE(copy.weighted_layer(0).weight(), model.weighted_layer(0).weight());
  const ModelD cast = model.Cast<double>();
  ASSERT_EQ(cast.num_layers(), model.num_layers());
  for (int l = 0; l < 3; ++l) {
    EXPECT_EQ(cast.weighted_layer(l).weight(),
              model.weighted_layer(l).weight().cast<double>());
    EXPECT_EQ(cast.weighted_layer(l).bias(),
              model.weighted_layer(l).bias().cast<double>());
  }
}

TEST(SequentialTest, ParameterBlocksPointIntoTheWeightedLayers) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Model model,
                              Build(kSameLayerList, SampleShape::Flat(4)));
  const std::vector<ParameterBlock> blocks = model.ParameterBlocks();
  ASSERT_EQ(blocks.size(), 3u);
  for (int l = 0; l < 3; ++l) {
    EXPECT_EQ(blocks[l].weight, &model.weighted_layer(l).weight());
    EXPECT_EQ(blocks[l].bias, &model.weighted_layer(l).bias());
    EXPECT_TRUE(blocks[l].has_bias());
  }
}

// Bad input: each an error naming the field and the layer.

TEST(SequentialTest, UnknownLayerTypeListsTheRegisteredTypesAndThePluginHint) {
  EXPECT_THAT(
      Build("layers { type: 'linear' out_features: 3 } layers { type: 'conv9' }",
            SampleShape::Flat(4))
          .status(),
      StatusIs(absl::StatusCode::kNotFound,
               AllOf(HasSubstr("model.layers[1].type"),
                     HasSubstr("no layer named \"conv9\""),
                     HasSubstr("activation, avgpool2d, conv2d, dropout, flatten, "
                               "global_avgpool, linear, maxpool2d"),
                     HasSubstr("plugin"))));
}

TEST(SequentialTest, AnInputThatDoesNotFitNamesBothLayersAndShapes) {
  EXPECT_THAT(Build(R"pb(
                layers { type: "activation" activation: "relu" }
                layers { type: "linear" }
              )pb",
                    {2, 3, 4})
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("model.layers[1] (linear)"),
                             HasSubstr("[2, 3, 4] from model.layers[0] "
                                       "(activation)"),
                             HasSubstr("linear needs a flat input [d]"),
                             HasSubstr("flatten"))));
  EXPECT_THAT(Build("layers { type: 'linear' }", {1, 2, 2}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("model.layers[0] (linear)"),
                             HasSubstr("[1, 2, 2] from the data"))));
}

TEST(SequentialTest, AModelWithoutAWeightedLayerIsRefused) {
  EXPECT_THAT(Build(R"pb(
                layers { type: "flatten" }
                layers { type: "activation" activation: "relu" }
              )pb",
                    SampleShape::Flat(3))
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("no weighted layer"),
                             HasSubstr("flatten, activation"))));
}

TEST(SequentialTest, LayersTogetherWithMlpFieldsAreRefusedNamingThem) {
  EXPECT_THAT(
      Build("depth: 3 width: 8 layers { type: 'linear' }", SampleShape::Flat(4))
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("model.layers is set, so model.depth, model.width "
                         "must be left out")));
  EXPECT_THAT(
      Build("activation: 'tanh' layers { type: 'linear' }", SampleShape::Flat(4))
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("so model.activation must be left out")));
}

TEST(SequentialTest, LayerOptionErrorsNameTheLayer) {
  EXPECT_THAT(Build("layers { out_features: 3 }", SampleShape::Flat(4)).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("model.layers[0].type is missing")));
  EXPECT_THAT(Build("layers { type: 'activation' activation: 'gleu' } "
                    "layers { type: 'linear' }",
                    SampleShape::Flat(4))
                  .status(),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("model.layers[0].activation")));
  // Only layers after the last that sets out_features default to the task's.
  EXPECT_THAT(Build("layers { type: 'linear' } "
                    "layers { type: 'linear' out_features: 4 } "
                    "layers { type: 'linear' }",
                    SampleShape::Flat(4))
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("model.layers[0] (linear)"),
                             HasSubstr("out_features must be >= 1"))));
  EXPECT_THAT(Build("layers { type: 'linear' out_features: 5 }",
                    SampleShape::Flat(4), /*outputs=*/3)
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("model.layers[0] (linear)"),
                             HasSubstr("output [5]"),
                             HasSubstr("the task has 3 outputs"))));
}

TEST(SequentialTest, ValidateModelConfigNeedsNoData) {
  EXPECT_THAT(ValidateModelConfig(ParseModel(kSameLayerList)), IsOk());
  EXPECT_THAT(ValidateModelConfig(ParseModel("layers { type: 'conv9' }")),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("model.layers[0].type")));
  EXPECT_THAT(ValidateModelConfig(ParseModel(kMlpFields)), IsOk());
}

}  // namespace
}  // namespace nfalab
