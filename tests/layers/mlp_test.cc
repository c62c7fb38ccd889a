// Model: config validation, layer shapes, initialisation statistics, the stored
// initial weights, Forward against a naive double loop, Predict, the cache and
// Cast. The backward pass is checked in mlp_gradient_test.cc.
#include "layers/sequential.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "core/random.h"
#include "core/tensor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "layers/model_config.pb.h"
#include "tests/matrix_matchers.h"
#include "tests/mlp_test_util.h"
#include "tests/random_matrix.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ApproxEq;
using ::nfalab::testing::GaussianMatrix;
using ::nfalab::testing::InputOf;
using ::nfalab::testing::IsOk;
using ::nfalab::testing::MlpActivation;
using ::nfalab::testing::PreactivationOf;
using ::nfalab::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

ModelConfig Config(std::vector<int> widths, const std::string& activation,
                   bool bias) {
  ModelConfig config;
  config.set_depth(static_cast<int>(widths.size()));
  for (int width : widths) config.add_widths(width);
  config.set_activation(activation);
  config.set_bias(bias);
  return config;
}

absl::Status CreateStatus(const ModelConfig& config, int input_dim = 4,
                          int output_dim = 2) {
  Rng rng(1);
  return Model::Create(config, input_dim, output_dim, &rng).status();
}

TEST(MlpCreateTest, AcceptsTheDefaultConfig) {
  EXPECT_THAT(CreateStatus(ModelConfig()), IsOk());
}

TEST(MlpCreateTest, RejectsInvalidConfigsNamingTheField) {
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  ModelConfig config;
  config.set_depth(0);
  EXPECT_THAT(CreateStatus(config),
              StatusIs(kInvalid, HasSubstr("model.depth")));
  config.set_depth(-2);
  EXPECT_THAT(CreateStatus(config),
              StatusIs(kInvalid, HasSubstr("model.depth")));

  config = ModelConfig();
  config.set_width(0);
  EXPECT_THAT(CreateStatus(config),
              StatusIs(kInvalid, HasSubstr("model.width")));

  config = Config({3, 4}, "relu", false);
  config.set_depth(3);
  EXPECT_THAT(CreateStatus(config),
              StatusIs(kInvalid, AllOf(HasSubstr("model.widths"),
                                       HasSubstr("model.depth"))));

  config = Config({3, 0, 4}, "relu", false);
  EXPECT_THAT(CreateStatus(config),
              StatusIs(kInvalid, HasSubstr("model.widths[1]")));

  for (double scale : {0.0, -1.0, std::numeric_limits<double>::quiet_NaN(),
                       std::numeric_limits<double>::infinity()}) {
    config = ModelConfig();
    config.set_init_scale(scale);
    EXPECT_THAT(CreateStatus(config),
                StatusIs(kInvalid, HasSubstr("model.init_scale")))
        << "init_scale " << scale;
  }

  EXPECT_THAT(CreateStatus(ModelConfig(), /*input_dim=*/0),
              StatusIs(kInvalid, HasSubstr("input dimension")));
  EXPECT_THAT(CreateStatus(ModelConfig(), 4, /*output_dim=*/0),
              StatusIs(kInvalid, HasSubstr("output dimension")));
}

TEST(MlpCreateTest, UnknownActivationIsNotFoundNamingTheField) {
  ModelConfig config;
  config.set_activation("gleu");
  EXPECT_THAT(
      CreateStatus(config),
      StatusIs(absl::StatusCode::kNotFound,
               AllOf(HasSubstr("model.activation"), HasSubstr("gleu"))));
}

TEST(MlpTest, LayersHaveThePaperShapes) {
  Rng rng(3);
  const ModelConfig config = Config({7, 3, 4}, "tanh", /*bias=*/false);
  NFALAB_ASSERT_OK_AND_ASSIGN(Model mlp, Model::Create(config, 5, 2, &rng));
  EXPECT_EQ(mlp.num_weighted_layers(), 4);
  EXPECT_EQ(mlp.num_weighted_layers(), 4);
  EXPECT_EQ(mlp.input_dim(), 5);
  EXPECT_EQ(mlp.output_dim(), 2);
  // W_1: [7, 5], W_2: [3, 7], W_3: [4, 3], readout W_4: [2, 4].
  const std::vector<std::pair<int, int>> shapes = {
      {7, 5}, {3, 7}, {4, 3}, {2, 4}};
  for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
    SCOPED_TRACE(::testing::Message() << "layer " << i);
    EXPECT_EQ(mlp.weighted_layer(i).weight().rows(), shapes[i].first);
    EXPECT_EQ(mlp.weighted_layer(i).weight().cols(), shapes[i].second);
    EXPECT_EQ(mlp.weighted_layer(i).units(), shapes[i].first);
    EXPECT_EQ(mlp.weighted_layer(i).fan_in(), shapes[i].second);
    EXPECT_EQ(mlp.weighted_layer(i).initial_weight().rows(), shapes[i].first);
    EXPECT_EQ(mlp.weighted_layer(i).initial_weight().cols(), shapes[i].second);
  }
  EXPECT_EQ(MlpActivation(mlp).name(), "tanh");
}

TEST(MlpTest, UniformWidthAppliesToEveryHiddenLayer) {
  Rng rng(3);
  ModelConfig config;
  config.set_depth(2);
  config.set_width(6);
  NFALAB_ASSERT_OK_AND_ASSIGN(Model mlp, Model::Create(config, 3, 1, &rng));
  ASSERT_EQ(mlp.num_weighted_layers(), 3);
  EXPECT_EQ(mlp.weighted_layer(0).units(), 6);
  EXPECT_EQ(mlp.weighted_layer(1).units(), 6);
  EXPECT_EQ(mlp.weighted_layer(2).units(), 1);
  // The defaults: relu, no bias.
  EXPECT_EQ(MlpActivation(mlp).name(), "relu");
  EXPECT_FALSE(mlp.weighted_layer(0).has_bias());
}

TEST(MlpTest, BiasesExistOnlyWhenConfigured) {
  for (bool bias : {false, true}) {
    Rng rng(5);
    NFALAB_ASSERT_OK_AND_ASSIGN(
        Model mlp, Model::Create(Config({3, 5}, "relu", bias), 4, 2, &rng));
    for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
      EXPECT_EQ(mlp.weighted_layer(i).has_bias(), bias);
      EXPECT_EQ(mlp.weighted_layer(i).bias().size(),
                bias ? mlp.weighted_layer(i).units() : 0);
    }
  }
}

TEST(MlpTest, InitialWeightsAreACopyTakenAtCreation) {
  Rng rng(7);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      Model mlp, Model::Create(Config({5, 3}, "relu", true), 4, 2, &rng));
  std::vector<Matrix> created;
  for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
    EXPECT_EQ(mlp.weighted_layer(i).initial_weight(), mlp.weighted_layer(i).weight());
    created.push_back(mlp.weighted_layer(i).weight());
  }
  for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
    mlp.weighted_layer(i).weight().array() += 1.0f;
    mlp.weighted_layer(i).weight()(0, 0) = 42.0f;
  }
  for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
    EXPECT_EQ(mlp.weighted_layer(i).initial_weight(), created[i]);
    EXPECT_NE(mlp.weighted_layer(i).weight(), created[i]);
  }
}

TEST(MlpTest, SameSeedGivesIdenticalWeights) {
  const ModelConfig config = Config({5, 3}, "relu", true);
  Rng rng_a(11), rng_b(11), rng_c(12);
  NFALAB_ASSERT_OK_AND_ASSIGN(Model a, Model::Create(config, 4, 2, &rng_a));
  NFALAB_ASSERT_OK_AND_ASSIGN(Model b, Model::Create(config, 4, 2, &rng_b));
  NFALAB_ASSERT_OK_AND_ASSIGN(Model c, Model::Create(config, 4, 2, &rng_c));
  for (int i = 0; i < a.num_weighted_layers(); ++i) {
    EXPECT_EQ(a.weighted_layer(i).weight(), b.weighted_layer(i).weight());
    EXPECT_EQ(a.weighted_layer(i).bias(), b.weighted_layer(i).bias());
    EXPECT_NE(a.weighted_layer(i).weight(), c.weighted_layer(i).weight());
  }
}

// PYTORCH_UNIFORM: W ~ U(-s/sqrt(fan_in), s/sqrt(fan_in)), variance
// s^2 / (3 fan_in). For N iid uniform entries the sample variance has
// relative standard deviation sqrt(0.8 / N); with N >= 36000 that is <= 0.5%,
// so the 3% tolerance is > 6 sigma. The mean's standard deviation is
// sqrt(var / N); the check allows 6 of those.
TEST(MlpInitTest, PytorchUniformHasTheDocumentedBoundsAndVariance) {
  for (double scale : {1.0, 2.5}) {
    SCOPED_TRACE(::testing::Message() << "init_scale " << scale);
    ModelConfig config = Config({120, 300}, "relu", /*bias=*/true);
    config.set_init(ModelConfig::PYTORCH_UNIFORM);
    config.set_init_scale(scale);
    Rng rng(13);
    NFALAB_ASSERT_OK_AND_ASSIGN(Model mlp, Model::Create(config, 300, 3, &rng));
    for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
      SCOPED_TRACE(::testing::Message() << "layer " << i);
      const double fan_in = mlp.weighted_layer(i).fan_in();
      const double bound = scale / std::sqrt(fan_in);
      const MatrixD w = mlp.weighted_layer(i).weight().cast<double>();
      const VectorD b = mlp.weighted_layer(i).bias().cast<double>();
      EXPECT_LE(w.cwiseAbs().maxCoeff(), bound);
      EXPECT_LE(b.cwiseAbs().maxCoeff(), bound);
      // Not degenerate: the entries reach near the bound.
      EXPECT_GT(w.cwiseAbs().maxCoeff(), 0.9 * bound);
      if (w.size() < 30000) continue;  // The readout: too few for statistics.
      const double n = static_cast<double>(w.size());
      const double expected_variance = bound * bound / 3.0;
      const double mean = w.mean();
      const double variance = (w.array() - mean).square().sum() / (n - 1);
      EXPECT_NEAR(mean, 0.0, 6.0 * std::sqrt(expected_variance / n));
      EXPECT_NEAR(variance, expected_variance, 0.03 * expected_variance);
    }
  }
}

// GAUSSIAN: W ~ N(0, s^2 / fan_in), b = 0. The sample standard deviation of
// N >= 36000 normal entries has relative standard deviation
// sqrt(1 / (2N)) <= 0.4%; the 2% tolerance is > 5 sigma.
TEST(MlpInitTest, GaussianHasTheDocumentedStandardDeviation) {
  for (double scale : {1.0, 0.5}) {
    SCOPED_TRACE(::testing::Message() << "init_scale " << scale);
    ModelConfig config = Config({120, 300}, "relu", /*bias=*/true);
    config.set_init(ModelConfig::GAUSSIAN);
    config.set_init_scale(scale);
    Rng rng(17);
    NFALAB_ASSERT_OK_AND_ASSIGN(Model mlp, Model::Create(config, 300, 3, &rng));
    for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
      SCOPED_TRACE(::testing::Message() << "layer " << i);
      EXPECT_EQ(mlp.weighted_layer(i).bias(), Vector::Zero(mlp.weighted_layer(i).units()));
      const MatrixD w = mlp.weighted_layer(i).weight().cast<double>();
      if (w.size() < 30000) continue;  // The readout: too few for statistics.
      const double n = static_cast<double>(w.size());
      const double expected_std = scale / std::sqrt(mlp.weighted_layer(i).fan_in());
      const double mean = w.mean();
      const double std = std::sqrt((w.array() - mean).square().sum() / (n - 1));
      EXPECT_NEAR(mean, 0.0, 6.0 * expected_std / std::sqrt(n));
      EXPECT_NEAR(std, expected_std, 0.02 * expected_std);
    }
  }
}

// phi for the naive reference, written independently of the library.
double NaivePhi(const std::string& activation, double h) {
  if (activation == "tanh") return std::tanh(h);
  if (activation == "relu") return h > 0 ? h : 0.0;
  if (activation == "quadratic") return h * h;
  ADD_FAILURE() << "no naive phi for " << activation;
  return 0.0;
}

// f(x) = W_{L+1} phi(... phi(W_1 x + b_1) ...) + b_{L+1}, one sample and one
// unit at a time, in double.
MatrixD NaiveForward(const Model& mlp, const Matrix& x) {
  const std::string& activation = MlpActivation(mlp).name();
  MatrixD output(x.rows(), mlp.output_dim());
  for (Eigen::Index s = 0; s < x.rows(); ++s) {
    std::vector<double> a(x.cols());
    for (Eigen::Index j = 0; j < x.cols(); ++j) a[j] = x(s, j);
    for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
      const BasicWeightedLayer<float>& layer = mlp.weighted_layer(i);
      std::vector<double> h(layer.units());
      for (int r = 0; r < layer.units(); ++r) {
        double sum = layer.has_bias() ? layer.bias()[r] : 0.0;
        for (int c = 0; c < layer.fan_in(); ++c) {
          sum += static_cast<double>(layer.weight()(r, c)) * a[c];
        }
        h[r] = sum;
      }
      if (i + 1 < mlp.num_weighted_layers()) {
        for (double& value : h) value = NaivePhi(activation, value);
      }
      a = h;
    }
    for (int c = 0; c < mlp.output_dim(); ++c) output(s, c) = a[c];
  }
  return output;
}

// Float forward vs the double loop: |f32 - f64| <= 1e-5 |f64| + 1e-5 (float
// rounding over sums of at most 7 terms of order 1, a few layers deep).
TEST(MlpForwardTest, MatchesNaiveDoubleLoop) {
  for (const std::string activation : {"tanh", "relu", "quadratic"}) {
    for (bool bias : {false, true}) {
      SCOPED_TRACE(activation + (bias ? " with bias" : " without bias"));
      Rng rng(19);
      NFALAB_ASSERT_OK_AND_ASSIGN(
          Model mlp,
          Model::Create(Config({7, 3, 5}, activation, bias), 5, 3, &rng));
      const Matrix x = GaussianMatrix<float>(6, 5, &rng);
      ModelCache cache;
      mlp.Forward(x, &cache);
      EXPECT_THAT(cache.output(), ApproxEq(NaiveForward(mlp, x), 1e-5, 1e-5));
    }
  }
}

TEST(MlpForwardTest, CacheHoldsEveryLayersInputAndPreactivation) {
  Rng rng(23);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      Model mlp, Model::Create(Config({7, 3, 4}, "tanh", true), 5, 2, &rng));
  const Matrix x = GaussianMatrix<float>(6, 5, &rng);
  ModelCache cache;
  mlp.Forward(x, &cache);
  // linear, activation, ..., linear: one output per layer.
  ASSERT_EQ(mlp.num_layers(), 2 * mlp.num_weighted_layers() - 1);
  ASSERT_EQ(static_cast<int>(cache.outputs.size()), mlp.num_layers());
  EXPECT_EQ(cache.input, x);
  for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
    SCOPED_TRACE(::testing::Message() << "layer " << i);
    EXPECT_EQ(mlp.weighted_position(i), 2 * i);
    const Matrix& input = InputOf(mlp, cache, i);
    const Matrix& h = PreactivationOf(mlp, cache, i);
    ASSERT_EQ(input.rows(), 6);
    ASSERT_EQ(input.cols(), mlp.weighted_layer(i).fan_in());
    ASSERT_EQ(h.rows(), 6);
    ASSERT_EQ(h.cols(), mlp.weighted_layer(i).units());
    // h_i = x_i W_i^T + b_i, checked in double to 1e-5 relative.
    MatrixD expected = input.cast<double>() *
                       mlp.weighted_layer(i).weight().cast<double>().transpose();
    expected.rowwise() += mlp.weighted_layer(i).bias().cast<double>().transpose();
    EXPECT_THAT(h, ApproxEq(expected, 1e-5, 1e-6));
    if (i + 1 < mlp.num_weighted_layers()) {
      // x_{i+1} = phi(h_i) exactly (the same float evaluation).
      Matrix phi;
      MlpActivation(mlp).Apply(h, &phi);
      EXPECT_EQ(InputOf(mlp, cache, i + 1), phi);
    }
  }
  EXPECT_EQ(&cache.output(), &cache.outputs.back());
}

// Predict runs the same computation in chunks of rows; chunking changes only
// the shapes handed to the matrix product, so the results agree to float
// rounding (1e-6 relative, 1e-6 absolute).
TEST(MlpForwardTest, PredictMatchesForwardForAnyChunkSize) {
  Rng rng(29);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      Model mlp, Model::Create(Config({7, 3}, "gelu", true), 5, 3, &rng));
  const Matrix x = GaussianMatrix<float>(10, 5, &rng);
  ModelCache cache;
  mlp.Forward(x, &cache);
  for (int chunk_rows : {3, 1, 4, 10, 11, 4096}) {
    SCOPED_TRACE(::testing::Message() << "chunk_rows " << chunk_rows);
    const Matrix predicted = mlp.Predict(x, chunk_rows);
    EXPECT_THAT(predicted, ApproxEq(cache.output(), 1e-6, 1e-6));
  }
  EXPECT_THAT(mlp.Predict(x), ApproxEq(cache.output(), 1e-6, 1e-6));
}

TEST(MlpCastTest, PreservesWeightsInitialWeightsAndActivation) {
  Rng rng(31);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      Model mlp, Model::Create(Config({5, 3}, "softplus", true), 4, 2, &rng));
  // Move away from the initialisation so weights and initial weights differ.
  for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
    mlp.weighted_layer(i).weight().array() *= 1.5f;
    mlp.weighted_layer(i).bias().array() += 0.25f;
  }
  const ModelD cast = mlp.Cast<double>();
  ASSERT_EQ(cast.num_weighted_layers(), mlp.num_weighted_layers());
  EXPECT_EQ(MlpActivation(cast).name(), "softplus");
  for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
    SCOPED_TRACE(::testing::Message() << "layer " << i);
    // float -> double is exact.
    EXPECT_EQ(cast.weighted_layer(i).weight(), mlp.weighted_layer(i).weight().cast<double>());
    EXPECT_EQ(cast.weighted_layer(i).bias(), mlp.weighted_layer(i).bias().cast<double>());
    EXPECT_TRUE(cast.weighted_layer(i).has_bias());
    EXPECT_EQ(cast.weighted_layer(i).initial_weight(), mlp.weighted_layer(i).initial_weight().cast<double>());
    EXPECT_NE(cast.weighted_layer(i).initial_weight(), cast.weighted_layer(i).weight());
  }
  // And it computes the same function (double vs float rounding).
  const Matrix x = GaussianMatrix<float>(4, 4, &rng);
  EXPECT_THAT(mlp.Predict(x),
              ApproxEq(cast.Predict(x.cast<double>()), 1e-5, 1e-6));
  // Back to float gives the original weights exactly.
  const Model round_trip = cast.Cast<float>();
  for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
    EXPECT_EQ(round_trip.weighted_layer(i).weight(), mlp.weighted_layer(i).weight());
    EXPECT_EQ(round_trip.weighted_layer(i).initial_weight(), mlp.weighted_layer(i).initial_weight());
  }
}

}  // namespace
}  // namespace nfalab
