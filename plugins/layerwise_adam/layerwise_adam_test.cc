#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/random.h"
#include "core/tensor.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "layers/sequential.h"
#include "optimizers/optimizer.h"
#include "plugins/layerwise_adam/layerwise_adam_options.pb.h"
#include "tests/matrix_matchers.h"
#include "tests/random_matrix.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ApproxEq;
using ::nfalab::testing::GaussianMatrix;
using ::nfalab::testing::IsOk;
using ::nfalab::testing::StatusIs;
using ::testing::HasSubstr;

Model MakeMlp(uint64_t seed) {
  ModelConfig config;
  config.set_depth(1);
  config.set_width(4);
  config.set_bias(true);
  Rng rng(seed);
  auto mlp = Model::Create(config, /*input_dim=*/3, /*output_dim=*/2, &rng);
  EXPECT_TRUE(mlp.ok()) << mlp.status();
  return std::move(mlp).value();
}

Gradients RandomGradients(const Model& mlp, Rng* rng) {
  Gradients g;
  for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
    const Matrix& w = mlp.weighted_layer(i).weight();
    g.weight.push_back(GaussianMatrix<float>(w.rows(), w.cols(), rng));
    g.bias.push_back(Vector(GaussianMatrix<float>(w.rows(), 1, rng).col(0)));
  }
  return g;
}

std::unique_ptr<Optimizer> Create(double lr) {
  OptimizerConfig config;
  config.set_name("layerwise_adam");
  config.set_learning_rate(lr);
  auto optimizer = OptimizerRegistry::Global().Create("layerwise_adam", config);
  EXPECT_TRUE(optimizer.ok()) << optimizer.status();
  return std::move(optimizer).value();
}

// On the first step m_hat = g and v_hat = g^2, so U = g / (|g| + eps), i.e.
// sign(g) up to 1e-8 / |g|; each layer then moves by
// lr * sign(g) / sqrt(number of its entries).
TEST(LayerwiseAdamTest, FirstStepIsSignOfGradientWithLayerLengthLr) {
  Model mlp = MakeMlp(1);
  const Model before = mlp;
  Rng rng(2);
  const Gradients g = RandomGradients(mlp, &rng);
  const double lr = 0.05;
  ASSERT_THAT(Create(lr)->Step(g, mlp.ParameterBlocks()), IsOk());
  for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
    const Matrix& w = mlp.weighted_layer(i).weight();
    const double count = w.size() + mlp.weighted_layer(i).bias().size();
    const Matrix expected_w =
        before.weighted_layer(i).weight() - Matrix(g.weight[i].array().sign().matrix() *
                                          float(lr / std::sqrt(count)));
    const Vector expected_b =
        before.weighted_layer(i).bias() - Vector(g.bias[i].array().sign().matrix() *
                                        float(lr / std::sqrt(count)));
    EXPECT_THAT(w, ApproxEq(expected_w, 1e-5, 1e-6));
    EXPECT_THAT(mlp.weighted_layer(i).bias(), ApproxEq(expected_b, 1e-5, 1e-6));
    const double moved =
        std::sqrt((w - before.weighted_layer(i).weight()).squaredNorm() +
                  (mlp.weighted_layer(i).bias() - before.weighted_layer(i).bias()).squaredNorm());
    EXPECT_NEAR(moved, lr, 1e-6);
  }
}

// Whatever the gradient scale, every step of every layer has length lr.
TEST(LayerwiseAdamTest, EveryStepHasLengthLrPerLayer) {
  Model mlp = MakeMlp(3);
  auto optimizer = Create(0.01);
  Rng rng(4);
  for (int step = 0; step < 5; ++step) {
    Gradients g = RandomGradients(mlp, &rng);
    g.weight[0] *= 1000.0f;  // Layer scales differ widely.
    g.weight[1] *= 1e-3f;
    const Model before = mlp;
    ASSERT_THAT(optimizer->Step(g, mlp.ParameterBlocks()), IsOk());
    for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
      const double moved = std::sqrt(
          (mlp.weighted_layer(i).weight() - before.weighted_layer(i).weight()).squaredNorm() +
          (mlp.weighted_layer(i).bias() - before.weighted_layer(i).bias()).squaredNorm());
      EXPECT_NEAR(moved, 0.01, 1e-6) << "step " << step << " layer " << i;
    }
  }
}

TEST(LayerwiseAdamTest, ZeroGradientLeavesLayerUnchanged) {
  Model mlp = MakeMlp(5);
  const Model before = mlp;
  Rng rng(6);
  Gradients g = RandomGradients(mlp, &rng);
  g.weight[1].setZero();
  g.bias[1].setZero();
  ASSERT_THAT(Create(0.1)->Step(g, mlp.ParameterBlocks()), IsOk());
  EXPECT_EQ(mlp.weighted_layer(1).weight(), before.weighted_layer(1).weight());
  EXPECT_EQ(mlp.weighted_layer(1).bias(), before.weighted_layer(1).bias());
}

// Save after two steps, restore into a fresh optimizer: the third step is
// bit for bit the one of an uninterrupted run.
TEST(LayerwiseAdamTest, SaveAndLoadStateResumeExactly) {
  Model a = MakeMlp(7);
  Model b = a;
  auto first = Create(0.02);
  Rng rng(8);
  const Gradients g1 = RandomGradients(a, &rng);
  const Gradients g2 = RandomGradients(a, &rng);
  const Gradients g3 = RandomGradients(a, &rng);
  ASSERT_THAT(first->Step(g1, a.ParameterBlocks()), IsOk());
  ASSERT_THAT(first->Step(g2, a.ParameterBlocks()), IsOk());
  b = a;
  OptimizerState state;
  ASSERT_THAT(first->SaveState(&state), IsOk());
  auto second = Create(0.02);
  ASSERT_THAT(second->LoadState(state), IsOk());
  ASSERT_THAT(first->Step(g3, a.ParameterBlocks()), IsOk());
  ASSERT_THAT(second->Step(g3, b.ParameterBlocks()), IsOk());
  for (int i = 0; i < a.num_weighted_layers(); ++i) {
    EXPECT_EQ(a.weighted_layer(i).weight(), b.weighted_layer(i).weight());
    EXPECT_EQ(a.weighted_layer(i).bias(), b.weighted_layer(i).bias());
  }
}

TEST(LayerwiseAdamTest, RejectsStateOfAnotherOptimizer) {
  OptimizerState state;
  state.set_optimizer("sgd");
  EXPECT_THAT(Create(0.1)->LoadState(state),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sgd")));
}

TEST(LayerwiseAdamTest, RejectsBadOptions) {
  OptimizerConfig config;
  config.set_learning_rate(-1);
  EXPECT_THAT(
      OptimizerRegistry::Global().Create("layerwise_adam", config).status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("optimizer.learning_rate")));
  config.set_learning_rate(0.1);
  config.set_momentum(0.9);
  EXPECT_THAT(
      OptimizerRegistry::Global().Create("layerwise_adam", config).status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("optimizer.momentum")));
}

// The options as a config gives them, in text format.
OptimizerConfig ParseOptimizer(const std::string& text) {
  OptimizerConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config))
      << text;
  return config;
}

// Two steps on a 1 x 2 weight (no bias) with beta1 0.5, beta2 0.75, eps 0.25
// and lr 1, computed by hand:
//   g1 = [2, -1]: m = [1, -0.5], v = [1, 0.25]; corrections 0.5, 0.25;
//     m_hat = [2, -1], v_hat = [4, 1], U1 = [2 / 2.25, -1 / 1.25].
//   g2 = [1, 1]: m = [1, 0.25], v = [1, 0.4375]; corrections 0.75, 0.4375;
//     m_hat = [4/3, 1/3], v_hat = [1 / 0.4375, 1],
//     U2 = [(4/3) / (sqrt(1 / 0.4375) + 0.25), (1/3) / 1.25].
// W = -U1 / |U1| - U2 / |U2|. The default betas give another U2.
TEST(LayerwiseAdamTest, TwoStepsWithConfiguredBetasAndEpsilonMatchHandValues) {
  const OptimizerConfig config = ParseOptimizer(R"pb(
    name: "layerwise_adam"
    learning_rate: 1
    options {
      [type.googleapis.com/nfalab.LayerwiseAdamOptions] {
        beta1: 0.5
        beta2: 0.75
        epsilon: 0.25
      }
    }
  )pb");
  auto optimizer = CreateOptimizer(config);
  ASSERT_THAT(optimizer, IsOk());
  Matrix w = Matrix::Zero(1, 2);
  Vector b;
  const std::vector<ParameterBlock> blocks = {{&w, &b}};
  Gradients g;
  g.weight = {Matrix(1, 2)};
  g.bias = {Vector()};
  g.weight[0] << 2, -1;
  ASSERT_THAT((*optimizer)->Step(g, blocks), IsOk());
  g.weight[0] << 1, 1;
  ASSERT_THAT((*optimizer)->Step(g, blocks), IsOk());

  const double u1[2] = {2 / 2.25, -1 / 1.25};
  const double u2[2] = {(4.0 / 3) / (std::sqrt(1 / 0.4375) + 0.25),
                        (1.0 / 3) / 1.25};
  const double n1 = std::hypot(u1[0], u1[1]);
  const double n2 = std::hypot(u2[0], u2[1]);
  MatrixD expected(1, 2);
  expected << -u1[0] / n1 - u2[0] / n2, -u1[1] / n1 - u2[1] / n2;
  EXPECT_THAT(MatrixD(w.cast<double>()), ApproxEq(expected, 1e-6, 1e-7));
}

// No options and options with the defaults spelled out give the same
// steps bit for bit (the defaults are PyTorch Adam's).
TEST(LayerwiseAdamTest, DefaultOptionsAreTheUnsetOnes) {
  const LayerwiseAdamOptions defaults;
  EXPECT_EQ(defaults.beta1(), 0.9);
  EXPECT_EQ(defaults.beta2(), 0.999);
  EXPECT_EQ(defaults.epsilon(), 1e-8);
  const OptimizerConfig spelled = ParseOptimizer(R"pb(
    name: "layerwise_adam"
    learning_rate: 0.03
    options {
      [type.googleapis.com/nfalab.LayerwiseAdamOptions] {
        beta1: 0.9
        beta2: 0.999
        epsilon: 1e-8
      }
    }
  )pb");
  Model a = MakeMlp(9);
  Model b = a;
  auto first = Create(0.03);
  auto second = CreateOptimizer(spelled);
  ASSERT_THAT(second, IsOk());
  Rng rng(10);
  for (int step = 0; step < 3; ++step) {
    const Gradients g = RandomGradients(a, &rng);
    ASSERT_THAT(first->Step(g, a.ParameterBlocks()), IsOk());
    ASSERT_THAT((*second)->Step(g, b.ParameterBlocks()), IsOk());
  }
  for (int i = 0; i < a.num_weighted_layers(); ++i) {
    EXPECT_EQ(a.weighted_layer(i).weight(), b.weighted_layer(i).weight());
    EXPECT_EQ(a.weighted_layer(i).bias(), b.weighted_layer(i).bias());
  }
}

TEST(LayerwiseAdamTest, BadOptionValuesAreRejectedByName) {
  struct Case {
    const char* options;
    const char* message;
  };
  for (const Case& c : {
           Case{"beta2: 1.5",
                "optimizer.options (nfalab.LayerwiseAdamOptions).beta2 must "
                "be in [0, 1), got 1.5"},
           Case{"beta1: -0.1",
                "optimizer.options (nfalab.LayerwiseAdamOptions).beta1 must "
                "be in [0, 1), got -0.1"},
           Case{"beta1: 1",
                "optimizer.options (nfalab.LayerwiseAdamOptions).beta1 must "
                "be in [0, 1), got 1"},
           Case{"epsilon: 0",
                "optimizer.options (nfalab.LayerwiseAdamOptions).epsilon "
                "must be positive and finite, got 0"},
           Case{"epsilon: inf",
                "optimizer.options (nfalab.LayerwiseAdamOptions).epsilon "
                "must be positive and finite, got inf"},
       }) {
    SCOPED_TRACE(c.options);
    const OptimizerConfig config = ParseOptimizer(
        absl::StrCat("name: \"layerwise_adam\" learning_rate: 0.1 options { "
                     "[type.googleapis.com/nfalab.LayerwiseAdamOptions] { ",
                     c.options, " } }"));
    EXPECT_THAT(
        CreateOptimizer(config).status(),
        StatusIs(absl::StatusCode::kInvalidArgument, ::testing::Eq(c.message)));
  }
}

TEST(LayerwiseAdamTest, OptionsOfAnotherTypeNameBothTypes) {
  OptimizerConfig config;
  config.set_name("layerwise_adam");
  config.mutable_options()->PackFrom(OptimizerConfig());
  EXPECT_THAT(
      CreateOptimizer(config).status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               ::testing::AllOf(HasSubstr("optimizer.options holds "
                                          "nfalab.OptimizerConfig"),
                                HasSubstr("nfalab.LayerwiseAdamOptions"))));
}

}  // namespace
}  // namespace nfalab
