#include <cmath>
#include <memory>

#include "core/random.h"
#include "core/tensor.h"
#include "gtest/gtest.h"
#include "layers/sequential.h"
#include "optimizers/optimizer.h"
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

}  // namespace
}  // namespace nfalab
