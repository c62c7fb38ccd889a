// Every registered optimizer (built-ins and //plugins:all) decreases the MSE
// of a tiny MLP on a fixed regression problem over a few full-batch steps
// with a small learning rate, and keeps the weights finite.
//
// An optimizer that needs options beyond the defaults gets them in
// ConformanceConfig below (e.g. slo needs target layers). A plugin author
// whose optimizer needs a config adds a case there; everything else is
// picked up from the registry.
#include <cmath>
#include <memory>
#include <string>

#include "core/random.h"
#include "core/tensor.h"
#include "gtest/gtest.h"
#include "layers/loss.h"
#include "layers/mlp.h"
#include "optimizers/optimizer.h"
#include "tests/random_matrix.h"

namespace nfalab {
namespace {

using ::nfalab::testing::GaussianMatrix;

constexpr double kLearningRate = 0.01;
constexpr int kSteps = 5;

OptimizerConfig ConformanceConfig(const std::string& name) {
  OptimizerConfig config;
  config.set_name(name);
  config.set_learning_rate(kLearningRate);
  if (name == "slo") config.mutable_slo()->add_target_layers(1);
  return config;
}

class OptimizerConformanceTest : public ::testing::TestWithParam<std::string> {
};

double Loss(const Mlp& mlp, const Matrix& x, const Matrix& y,
            Gradients* gradients) {
  MlpCache cache;
  mlp.Forward(x, &cache);
  Matrix d_output;
  const double loss = MseLoss(cache.output(), y, &d_output);
  if (gradients != nullptr) mlp.Backward(cache, d_output, gradients);
  return loss;
}

TEST_P(OptimizerConformanceTest, FewSmallStepsDecreaseTheLoss) {
  for (bool bias : {false, true}) {
    SCOPED_TRACE(bias ? "with bias" : "without bias");
    auto fresh = OptimizerRegistry::Global().Create(
        GetParam(), ConformanceConfig(GetParam()));
    ASSERT_TRUE(fresh.ok()) << fresh.status();
    ModelConfig model;
    model.set_depth(2);
    model.set_width(8);
    model.set_activation("tanh");
    model.set_bias(bias);
    Rng rng(51);
    auto mlp = Mlp::Create(model, /*input_dim=*/4, /*output_dim=*/2, &rng);
    ASSERT_TRUE(mlp.ok()) << mlp.status();
    const Matrix x = GaussianMatrix<float>(32, 4, &rng);
    const Matrix y = GaussianMatrix<float>(32, 2, &rng);
    const double initial = Loss(*mlp, x, y, nullptr);
    double previous = initial;
    for (int step = 0; step < kSteps; ++step) {
      Gradients gradients;
      const double loss = Loss(*mlp, x, y, &gradients);
      ASSERT_TRUE(std::isfinite(loss));
      ASSERT_TRUE((*fresh)->Step(gradients, &*mlp).ok());
      previous = loss;
    }
    const double final_loss = Loss(*mlp, x, y, nullptr);
    EXPECT_LT(final_loss, initial) << GetParam();
    EXPECT_LE(final_loss, previous) << GetParam() << ": last step went up";
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllOptimizers, OptimizerConformanceTest,
    ::testing::ValuesIn(OptimizerRegistry::Global().Names()),
    [](const ::testing::TestParamInfo<std::string>& info) {
      return info.param;
    });

}  // namespace
}  // namespace nfalab
