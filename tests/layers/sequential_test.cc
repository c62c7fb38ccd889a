// Sequential models from layer lists: the MLP fields and the equivalent layer
// list build the same network bit for bit, image inputs get a flatten, the
// weighted-layer numbering, copies and casts, the training-mode pass
// (ForwardTraining: reproducible, different from Forward only through
// dropout, its Backward, nothing drawn without dropout), and every bad layer
// list is an error naming the field, the layers and the shapes.
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
#include "tests/model_test_util.h"
#include "tests/random_matrix.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::BuildModel;
using ::nfalab::testing::GaussianMatrix;
using ::nfalab::testing::IsOk;
using ::nfalab::testing::LayerTypes;
using ::nfalab::testing::ParseModel;
using ::nfalab::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::StatusOr<Model> Build(const std::string& text, SampleShape input,
                            int outputs = 3, uint64_t seed = 7) {
  return BuildModel(text, input, outputs, seed);
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
  EXPECT_THAT(LayerTypes(mlp), ElementsAre("linear", "activation", "linear",
                                           "activation", "linear"));
  EXPECT_EQ(LayerTypes(mlp), LayerTypes(listed));
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
  EXPECT_THAT(LayerTypes(image), ElementsAre("flatten", "linear", "activation",
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

// linear(6) relu dropout(0.5) linear on [4] inputs.
constexpr char kWithDropout[] = R"pb(
  bias: true
  layers { type: "linear" out_features: 6 }
  layers { type: "activation" activation: "relu" }
  layers { type: "dropout" rate: 0.5 }
  layers { type: "linear" }
)pb";

void ExpectSameCache(const ModelCache& a, const ModelCache& b) {
  EXPECT_EQ(a.input, b.input);
  ASSERT_EQ(a.outputs.size(), b.outputs.size());
  ASSERT_EQ(a.kept.size(), b.kept.size());
  for (size_t j = 0; j < a.outputs.size(); ++j) {
    EXPECT_EQ(a.outputs[j], b.outputs[j]) << "layer " << j;
    EXPECT_EQ(a.kept[j], b.kept[j]) << "layer " << j;
  }
}

TEST(SequentialTrainingTest, ForwardTrainingWithTheSameSeedIsReproducible) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Model model,
                              Build(kWithDropout, SampleShape::Flat(4)));
  Rng data_rng(11);
  const Matrix x = GaussianMatrix<float>(8, 4, &data_rng);
  ModelCache first, second, third;
  Rng rng_a(21), rng_b(21), rng_c(22);
  model.ForwardTraining(x, &first, &rng_a);
  model.ForwardTraining(x, &second, &rng_b);
  ExpectSameCache(first, second);
  EXPECT_EQ(rng_a.SaveState(), rng_b.SaveState());
  model.ForwardTraining(x, &third, &rng_c);
  EXPECT_NE(third.kept[2], first.kept[2]);
}

// The layers before the dropout compute what Forward computes; the dropout
// multiplies by its mask (8 x 6 draws); the readout is applied to that.
TEST(SequentialTrainingTest, ForwardTrainingDiffersFromForwardOnlyByDropout) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Model model,
                              Build(kWithDropout, SampleShape::Flat(4)));
  Rng data_rng(12);
  const Matrix x = GaussianMatrix<float>(8, 4, &data_rng);
  ModelCache eval, train;
  model.Forward(x, &eval);
  Rng rng(23);
  Rng replay = rng;
  model.ForwardTraining(x, &train, &rng);
  ASSERT_EQ(train.outputs.size(), 4u);
  EXPECT_EQ(train.outputs[0], eval.outputs[0]);
  EXPECT_EQ(train.outputs[1], eval.outputs[1]);
  EXPECT_EQ(eval.kept[2].size(), 0);  // Evaluation: no mask.
  EXPECT_EQ(eval.outputs[2], eval.outputs[1]);
  const Matrix& mask = train.kept[2];
  ASSERT_EQ(mask.rows(), 8);
  ASSERT_EQ(mask.cols(), 6);
  for (Eigen::Index k = 0; k < mask.size(); ++k) {
    ASSERT_EQ(mask.data()[k], replay.Uniform() < 0.5 ? 0.0f : 2.0f) << k;
  }
  EXPECT_EQ(rng.SaveState(), replay.SaveState());  // Nothing else drawn.
  EXPECT_EQ(train.outputs[2], Matrix(eval.outputs[1].cwiseProduct(mask)));
  Matrix readout, kept;
  model.layer(3).Forward(train.outputs[2], &readout, &kept);
  EXPECT_EQ(train.output(), readout);
  EXPECT_NE(train.output(), eval.output());
  // Predict is the evaluation pass.
  EXPECT_EQ(model.Predict(x), eval.output());
}

// Backward after a training pass is the gradient of the training-mode
// network with its mask: central differences in double, each evaluation
// replaying the same generator state (so the same mask).
TEST(SequentialTrainingTest, BackwardAfterForwardTrainingMatchesDifferences) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Model model,
                              Build(kWithDropout, SampleShape::Flat(4)));
  ModelD net = model.Cast<double>();
  Rng data_rng(13);
  const MatrixD x = GaussianMatrix<double>(5, 4, &data_rng);
  const MatrixD d_out = GaussianMatrix<double>(5, 3, &data_rng);
  const Rng::State mask_state = Rng(24).SaveState();
  auto objective = [&](const ModelD& at, BasicModelCache<double>* cache) {
    Rng rng = Rng::FromState(mask_state);
    at.ForwardTraining(x, cache, &rng);
    return (cache->output().array() * d_out.array()).sum();
  };
  BasicModelCache<double> cache;
  objective(net, &cache);
  ASSERT_GT((cache.kept[2].array() == 0).count(), 0);
  BasicGradients<double> gradients;
  net.Backward(cache, d_out, &gradients);
  BasicModelCache<double> scratch;
  constexpr double kStep = 1e-6;
  for (int l = 0; l < net.num_weighted_layers(); ++l) {
    MatrixD& w = net.weighted_layer(l).weight();
    for (Eigen::Index k = 0; k < w.size(); ++k) {
      const double saved = w.data()[k];
      w.data()[k] = saved + kStep;
      const double plus = objective(net, &scratch);
      w.data()[k] = saved - kStep;
      const double minus = objective(net, &scratch);
      w.data()[k] = saved;
      EXPECT_NEAR(gradients.weight[l].data()[k], (plus - minus) / (2 * kStep),
                  1e-7)
          << "layer " << l << " entry " << k;
    }
  }
}

// Without a layer that acts in training, ForwardTraining is Forward to the
// bit and leaves the generator where it was.
TEST(SequentialTrainingTest, WithoutDropoutItIsForwardAndDrawsNothing) {
  for (const char* text : {kMlpFields,
                           "layers { type: 'conv2d' out_channels: 3 } "
                           "layers { type: 'activation' activation: 'relu' } "
                           "layers { type: 'maxpool2d' } "
                           "layers { type: 'global_avgpool' } "
                           "layers { type: 'dropout' rate: 0 } "
                           "layers { type: 'linear' }"}) {
    SCOPED_TRACE(text);
    const bool mlp = text == kMlpFields;
    NFALAB_ASSERT_OK_AND_ASSIGN(
        Model model,
        Build(text, mlp ? SampleShape::Flat(4) : SampleShape{2, 4, 4}));
    Rng data_rng(14);
    const Matrix x = GaussianMatrix<float>(6, model.input_dim(), &data_rng);
    ModelCache eval, train;
    model.Forward(x, &eval);
    Rng rng(25);
    const Rng::State before = rng.SaveState();
    model.ForwardTraining(x, &train, &rng);
    ExpectSameCache(eval, train);
    EXPECT_EQ(rng.SaveState(), before);
  }
}

// Bad input: each an error naming the field and the layer.

TEST(SequentialTest, UnknownLayerTypeListsTheRegisteredTypesAndThePluginHint) {
  EXPECT_THAT(
      Build(
          "layers { type: 'linear' out_features: 3 } layers { type: 'conv9' }",
          SampleShape::Flat(4))
          .status(),
      StatusIs(
          absl::StatusCode::kNotFound,
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
