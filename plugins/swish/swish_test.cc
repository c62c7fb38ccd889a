#include <cmath>
#include <memory>

#include "core/random.h"
#include "core/tensor.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "layers/activation.h"
#include "layers/model_config.pb.h"
#include "layers/sequential.h"
#include "plugins/swish/swish_options.pb.h"
#include "tests/matrix_matchers.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ApproxEq;
using ::nfalab::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

std::unique_ptr<Activation> CreateSwish(
    const google::protobuf::Any* options = nullptr) {
  auto swish = ActivationRegistry::Global().Create("swish", options);
  EXPECT_TRUE(swish.ok()) << swish.status();
  return std::move(swish).value();
}

TEST(SwishTest, MatchesClosedFormInDoubleAndFloat) {
  const std::unique_ptr<Activation> swish = CreateSwish();
  MatrixD h(1, 5);
  h << -3.0, -0.5, 0.0, 0.5, 3.0;
  MatrixD expected(1, 5), expected_slope(1, 5);
  for (int j = 0; j < 5; ++j) {
    const double x = h(0, j);
    const double s = 1.0 / (1.0 + std::exp(-x));
    expected(0, j) = x * s;
    expected_slope(0, j) = s + x * s * (1 - s);
  }
  MatrixD value, slope;
  swish->Apply(h, &value);
  swish->Derivative(h, &slope);
  EXPECT_THAT(value, ApproxEq(expected, 1e-14, 1e-15));
  EXPECT_THAT(slope, ApproxEq(expected_slope, 1e-14, 1e-15));

  Matrix value_f, slope_f;
  swish->Apply(Matrix(h.cast<float>()), &value_f);
  swish->Derivative(Matrix(h.cast<float>()), &slope_f);
  EXPECT_THAT(MatrixD(value_f.cast<double>()), ApproxEq(expected, 1e-6, 1e-6));
  EXPECT_THAT(MatrixD(slope_f.cast<double>()),
              ApproxEq(expected_slope, 1e-6, 1e-6));
}

TEST(SwishTest, HandValuesAtZeroAndLimits) {
  const std::unique_ptr<Activation> swish = CreateSwish();
  MatrixD h(1, 3);
  h << 0.0, -100.0, 100.0;
  MatrixD value, slope;
  swish->Apply(h, &value);
  swish->Derivative(h, &slope);
  EXPECT_EQ(value(0, 0), 0.0);
  EXPECT_EQ(slope(0, 0), 0.5);  // sigmoid(0) = 1/2.
  EXPECT_NEAR(value(0, 1), 0.0, 1e-40);
  EXPECT_NEAR(slope(0, 1), 0.0, 1e-40);
  EXPECT_NEAR(value(0, 2), 100.0, 1e-12);
  EXPECT_NEAR(slope(0, 2), 1.0, 1e-12);
}

TEST(SwishTest, BetaFromItsOptionsMatchesClosedForm) {
  SwishOptions options;
  options.set_beta(2.0);
  google::protobuf::Any any;
  any.PackFrom(options);
  const std::unique_ptr<Activation> swish = CreateSwish(&any);
  MatrixD h(1, 4);
  h << -1.5, -0.25, 0.75, 2.0;
  MatrixD expected(1, 4), expected_slope(1, 4);
  for (int j = 0; j < 4; ++j) {
    const double x = h(0, j);
    const double s = 1.0 / (1.0 + std::exp(-2.0 * x));
    expected(0, j) = x * s;
    expected_slope(0, j) = s + 2.0 * x * s * (1 - s);
  }
  MatrixD value, slope;
  swish->Apply(h, &value);
  swish->Derivative(h, &slope);
  EXPECT_THAT(value, ApproxEq(expected, 1e-14, 1e-15));
  EXPECT_THAT(slope, ApproxEq(expected_slope, 1e-14, 1e-15));
}

ModelConfig ParseModel(const std::string& text) {
  ModelConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config));
  return config;
}

TEST(SwishTest, ModelTakesTheOptionsBesideTheActivationName) {
  const ModelConfig config = ParseModel(R"pb(
    depth: 1
    width: 3
    activation: "swish"
    activation_options {
      [type.googleapis.com/nfalab.SwishOptions] { beta: 2 }
    }
  )pb");
  NFALAB_ASSERT_OK(ValidateModelConfig(config));
  Rng rng(5);
  NFALAB_ASSERT_OK_AND_ASSIGN(Model model, Model::Create(config, 2, 1, &rng));
  // f(x) = W2 swish_2(W1 x), by hand from the drawn weights.
  MatrixD x(1, 2);
  x << 0.5, -1.25;
  const MatrixD w1 = model.weighted_layer(0).weight().cast<double>();
  const MatrixD w2 = model.weighted_layer(1).weight().cast<double>();
  MatrixD h = x * w1.transpose();
  for (Eigen::Index j = 0; j < h.cols(); ++j) {
    h(0, j) = h(0, j) / (1.0 + std::exp(-2.0 * h(0, j)));
  }
  const MatrixD expected = h * w2.transpose();
  EXPECT_THAT(MatrixD(model.Predict(x.cast<float>()).cast<double>()),
              ApproxEq(expected, 1e-5, 1e-6));
}

TEST(SwishTest, BadOptionsAreRejectedByName) {
  EXPECT_THAT(
      ValidateModelConfig(ParseModel(R"pb(
        activation: "swish"
        activation_options {
          [type.googleapis.com/nfalab.SwishOptions] { beta: 0 }
        }
      )pb")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("model: activation_options (nfalab.SwishOptions)."
                         "beta must be finite and > 0, got 0")));
  // Options for an activation that takes none, in a layer list.
  EXPECT_THAT(ValidateModelConfig(ParseModel(R"pb(
                layers { type: "linear" out_features: 2 }
                layers {
                  type: "activation"
                  activation: "relu"
                  activation_options {
                    [type.googleapis.com/nfalab.SwishOptions] { beta: 2 }
                  }
                }
                layers { type: "linear" }
              )pb")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("model.layers[1].activation_options"),
                             HasSubstr("relu"))));
  // Options with no activation to take them.
  EXPECT_THAT(ValidateModelConfig(ParseModel(R"pb(
                layers {
                  type: "linear"
                  out_features: 2
                  activation_options {
                    [type.googleapis.com/nfalab.SwishOptions] { beta: 2 }
                  }
                }
                layers { type: "linear" }
              )pb")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("model.layers[0].activation_options is set "
                                 "without an activation to take them")));
}

}  // namespace
}  // namespace nfalab
