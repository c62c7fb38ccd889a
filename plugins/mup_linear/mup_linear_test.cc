// mup_linear in a model built through Model::Create (Forward against a hand
// computation, a few gradient steps lowering the loss), its weighted view and
// export fields, and the layer conformance checks.
#include <memory>
#include <string>
#include <vector>

#include "core/random.h"
#include "core/tensor.h"
#include "cli/conformance.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "layers/layer.h"
#include "layers/loss.h"
#include "layers/model_config.pb.h"
#include "layers/sequential.h"
#include "tests/matrix_matchers.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ApproxEq;
using ::nfalab::testing::IsOk;
using ::nfalab::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;

ModelConfig ParseModel(const std::string& text) {
  ModelConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config))
      << text;
  return config;
}

// 5 -> mup_linear(8) -> relu -> mup_linear(2), no bias.
constexpr char kModel[] = R"pb(
  layers { type: "mup_linear" out_features: 8 }
  layers { type: "activation" activation: "relu" }
  layers { type: "mup_linear" out_features: 2 }
)pb";

MatrixD InputRowsOf(const BasicWeightedLayer<double>& layer, const MatrixD& x) {
  MatrixD rows;
  layer.InputRows(x, &rows);
  return rows;
}

TEST(MupLinearModelTest, ForwardIsTheHandComputation) {
  Rng rng(3);
  absl::StatusOr<Model> model = Model::Create(
      ParseModel(kModel), /*input_dim=*/5, /*output_dim=*/2, &rng);
  ASSERT_TRUE(model.ok()) << model.status();
  ASSERT_EQ(model->num_layers(), 3);
  ASSERT_EQ(model->num_weighted_layers(), 2);
  EXPECT_EQ(model->layer(0).type(), "mup_linear");
  EXPECT_EQ(model->weighted_layer(0).fan_in(), 5);
  EXPECT_EQ(model->weighted_layer(0).units(), 8);
  EXPECT_EQ(model->weighted_layer(1).fan_in(), 8);
  EXPECT_EQ(model->weighted_layer(1).units(), 2);
  EXPECT_FALSE(model->weighted_layer(0).has_bias());

  const MatrixD w1 = model->weighted_layer(0).weight().cast<double>();
  const MatrixD w2 = model->weighted_layer(1).weight().cast<double>();
  MatrixD x(3, 5);
  x << 1.0, -2.0, 0.5, 0.25, -1.5,  //
      0.0, 3.0, -1.0, 2.0, 1.0,     //
      -0.75, 0.5, 1.25, -2.5, 0.125;
  // out[i, c] = (1/8) sum_j W2[c, j] relu((1/5) sum_t W1[j, t] x[i, t]).
  MatrixD expected = MatrixD::Zero(3, 2);
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 8; ++j) {
      double h = 0;
      for (int t = 0; t < 5; ++t) h += w1(j, t) * x(i, t);
      const double a = std::max(h / 5, 0.0);
      for (int c = 0; c < 2; ++c) expected(i, c) += w2(c, j) * a / 8;
    }
  }
  ModelCache cache;
  model->Forward(x.cast<float>(), &cache);
  EXPECT_THAT(cache.output(), ApproxEq(expected, 1e-5, 1e-6));
  // The double copy to rounding.
  const ModelD model_double = model->Cast<double>();
  EXPECT_THAT(model_double.Predict(x), ApproxEq(expected, 1e-13, 1e-15));
}

TEST(MupLinearModelTest, GradientStepsLowerTheLoss) {
  Rng rng(5);
  absl::StatusOr<Model> model = Model::Create(
      ParseModel(kModel), /*input_dim=*/5, /*output_dim=*/2, &rng);
  ASSERT_TRUE(model.ok()) << model.status();
  Matrix x(16, 5), y(16, 2);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = rng.Normal();
  for (Eigen::Index i = 0; i < y.size(); ++i) y.data()[i] = rng.Normal();
  std::vector<double> losses;
  for (int step = 0; step < 6; ++step) {
    ModelCache cache;
    model->Forward(x, &cache);
    Matrix d_output;
    losses.push_back(MseLoss(cache.output(), y, &d_output));
    Gradients gradients;
    model->Backward(cache, d_output, &gradients);
    // The 1/p scaling shrinks the gradients by 1/p; a large step makes up.
    for (int l = 0; l < model->num_weighted_layers(); ++l) {
      model->weighted_layer(l).weight() -= 10.0f * gradients.weight[l];
    }
  }
  for (size_t step = 1; step < losses.size(); ++step) {
    EXPECT_LT(losses[step], losses[step - 1]) << "step " << step;
  }
}

// The readout takes the task's outputs and model.bias as its defaults, as a
// linear readout does (ResolveLayers, layers/sequential.h).
TEST(MupLinearModelTest, LastLayerDefaultsToTheTaskOutputsAndModelBias) {
  Rng rng(7);
  const absl::StatusOr<Model> model =
      Model::Create(ParseModel(R"pb(
                      bias: true
                      layers { type: "mup_linear" out_features: 8 }
                      layers { type: "activation" activation: "relu" }
                      layers { type: "mup_linear" }
                    )pb"),
                    /*input_dim=*/5, /*output_dim=*/2, &rng);
  ASSERT_THAT(model.status(), IsOk());
  EXPECT_EQ(model->weighted_layer(1).units(), 2);
  EXPECT_TRUE(model->weighted_layer(0).has_bias());
  EXPECT_TRUE(model->weighted_layer(1).has_bias());
}

TEST(MupLinearLayerTest, RefusesImagesAndMissingOutFeatures) {
  LayerSpec spec;
  spec.set_type("mup_linear");
  spec.set_out_features(3);
  EXPECT_THAT(CreateLayer<float>(spec, SampleShape{2, 3, 4}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("mup_linear needs a flat input [d], got "
                                 "[2, 3, 4]")));
  spec.clear_out_features();
  EXPECT_THAT(CreateLayer<double>(spec, SampleShape::Flat(4)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("out_features must be >= 1, got 0")));
}

TEST(MupLinearLayerTest, WeightedViewScalesTheInputRowsAndExportsTheScale) {
  LayerSpec spec;
  spec.set_type("mup_linear");
  spec.set_out_features(3);
  spec.set_bias(true);
  absl::StatusOr<std::unique_ptr<BasicLayer<double>>> layer =
      CreateLayer<double>(spec, SampleShape::Flat(4));
  ASSERT_TRUE(layer.ok()) << layer.status();
  BasicWeightedLayer<double>* weighted = (*layer)->AsWeighted();
  ASSERT_NE(weighted, nullptr);
  EXPECT_EQ(weighted->positions(), 1);
  weighted->weight() << 1, 2, 3, 4,  //
      -1, 0, 1, 0,                   //
      0.5, 0.5, 0.5, 0.5;
  weighted->bias() << 1, -1, 0;
  MatrixD x(2, 4);
  x << 4, 0, -4, 8,  //
      1, 1, 1, 1;
  MatrixD h, kept;
  (*layer)->Forward(x, &h, &kept);
  MatrixD expected(2, 3);
  // (1/4) x W^T + b.
  expected << (4 - 12 + 32) / 4.0 + 1, (-4 - 4) / 4.0 - 1,
      (2 + 0 - 2 + 4) / 4.0, 10 / 4.0 + 1, 0 / 4.0 - 1, 2 / 4.0;
  EXPECT_THAT(h, ApproxEq(expected, 1e-15, 1e-15));
  EXPECT_THAT(InputRowsOf(*weighted, x), ApproxEq(MatrixD(x / 4), 0, 0));

  // Backward by hand: d_x = (1/4) d_h W, dW = (1/4) d_h^T x, db = colsum.
  MatrixD d_h(2, 3);
  d_h << 1, 0, -1,  //
      2, 1, 0;
  MatrixD d_x, d_weight;
  VectorD d_bias;
  (*layer)->Backward(x, h, kept, d_h, 1, &d_x, &d_weight, &d_bias);
  EXPECT_THAT(d_x, ApproxEq(MatrixD(d_h * weighted->weight() / 4), 1e-15, 0));
  EXPECT_THAT(d_weight, ApproxEq(MatrixD(d_h.transpose() * x / 4), 1e-15, 0));
  EXPECT_THAT(d_bias, ApproxEq(VectorD(Eigen::Vector3d(3, 1, -1)), 0, 0));

  std::vector<std::pair<std::string, std::string>> fields;
  for (const ExportField& field : (*layer)->ExportFields()) {
    fields.emplace_back(field.key, field.json);
  }
  EXPECT_THAT(
      fields,
      ElementsAre(std::pair<std::string, std::string>("in_features", "4"),
                  std::pair<std::string, std::string>("out_features", "3"),
                  std::pair<std::string, std::string>("scale", "0.25")));
}

TEST(MupLinearLayerTest, PassesTheLayerConformanceChecks) {
  const std::vector<ConformanceCheck> checks = CheckLayer("mup_linear");
  EXPECT_THAT(
      checks,
      ElementsAre(
          Field(&ConformanceCheck::check, "create on probes"),
          Field(&ConformanceCheck::check, "output shape"),
          Field(&ConformanceCheck::check, "input VJP vs finite diff."),
          Field(&ConformanceCheck::check, "param. gradients vs finite diff."),
          Field(&ConformanceCheck::check, "3-row backward"),
          Field(&ConformanceCheck::check, "weighted-layer view"),
          Field(&ConformanceCheck::check, "clone"),
          Field(&ConformanceCheck::check, "float agrees with double")));
  // Weighted, so every check runs (none is "not checked").
  for (const ConformanceCheck& check : checks) {
    EXPECT_EQ(check.result, CheckResult::kPass) << FormatCheck(check);
  }
  EXPECT_EQ(checks[0].detail,
            "2 of 14 probes: {out_features: 3, bias: true} on [5], "
            "{out_features: 3, bias: false} on [5]");
}

}  // namespace
}  // namespace nfalab
