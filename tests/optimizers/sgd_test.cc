// Tests for the "sgd" optimizer, created through the optimizer registry.
//
// Every update is checked against its closed form (or a double-precision
// reimplementation of PyTorch's SGD) on a tiny Model 2 -> 3 -> 1 with hand-set
// weights and gradients. Weights are drawn with |w| in [0.5, 1.5] and the
// steps are small, so no updated entry is near zero and a relative tolerance
// of 1e-6 (about 16 float32 ulps) is meaningful with atol = 0.
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/random.h"
#include "core/tensor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "layers/loss.h"
#include "layers/sequential.h"
#include "layers/model_config.pb.h"
#include "optimizers/optimizer.h"
#include "optimizers/optimizer_config.pb.h"
#include "tests/matrix_matchers.h"
#include "tests/optimizers/optimizer_test_util.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ApproxEq;
using ::nfalab::testing::CreateSgd;
using ::nfalab::testing::IsOk;
using ::nfalab::testing::ParamsD;
using ::nfalab::testing::ParamsOf;
using ::nfalab::testing::RandomGradients;
using ::nfalab::testing::StatusIs;
using ::nfalab::testing::TinyMlpShape;
using ::nfalab::testing::ToDouble;
using ::testing::AllOf;
using ::testing::HasSubstr;

// float32 results against a double reference (see the file comment).
constexpr double kRtol = 1e-6;
constexpr double kAtol = 0.0;

// The tiny network d = 2 -> width 3 -> C = 1 (depth 1), with every weight and
// bias entry away from zero.
absl::StatusOr<Model> MakeTinyMlp(bool bias, uint64_t seed) {
  return testing::MakeTinyMlp(TinyMlpShape(), bias, seed);
}

// PyTorch's SGD (dampening 0, no Nesterov) in double, written independently
// of optimizers/sgd.cc:
//   g = G + wd P;  v = g (first step) or mu v + g;  P -= lr v.
class ReferenceSgd {
 public:
  ReferenceSgd(double learning_rate, double momentum, double weight_decay)
      : lr_(learning_rate), mu_(momentum), wd_(weight_decay) {}

  void Step(const Gradients& gradients, ParamsD* params) {
    const bool first = weight_velocity_.empty();
    if (first) {
      weight_velocity_.resize(params->weight.size());
      bias_velocity_.resize(params->bias.size());
    }
    for (size_t i = 0; i < params->weight.size(); ++i) {
      Update(MatrixD(gradients.weight[i].cast<double>()), first,
             &weight_velocity_[i], &params->weight[i]);
      Update(VectorD(gradients.bias[i].cast<double>()), first,
             &bias_velocity_[i], &params->bias[i]);
    }
  }

 private:
  template <typename T>
  void Update(const T& gradient, bool first, T* velocity, T* param) const {
    const T g = gradient + wd_ * *param;
    *velocity = first ? g : T(mu_ * *velocity + g);
    *param -= lr_ * *velocity;
  }

  double lr_, mu_, wd_;
  std::vector<MatrixD> weight_velocity_;
  std::vector<VectorD> bias_velocity_;
};

TEST(SgdTest, PlainStepSubtractsLearningRateTimesGradient) {
  for (bool bias : {false, true}) {
    SCOPED_TRACE(bias ? "with bias" : "without bias");
    NFALAB_ASSERT_OK_AND_ASSIGN(Model mlp, MakeTinyMlp(bias, /*seed=*/1));
    Rng rng(2);
    const Gradients g = RandomGradients(mlp, &rng);
    const ParamsD p0 = ParamsOf(mlp);
    const double lr = 0.1;
    NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> sgd, CreateSgd(lr));
    NFALAB_ASSERT_OK(sgd->Step(g, mlp.ParameterBlocks()));
    for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
      SCOPED_TRACE(i);
      const MatrixD expected = p0.weight[i] - lr * g.weight[i].cast<double>();
      EXPECT_THAT(mlp.weighted_layer(i).weight(), ApproxEq(expected, kRtol, kAtol));
      if (bias) {
        const VectorD expected_bias =
            p0.bias[i] - lr * g.bias[i].cast<double>();
        EXPECT_THAT(mlp.weighted_layer(i).bias(), ApproxEq(expected_bias, kRtol, kAtol));
      } else {
        EXPECT_EQ(mlp.weighted_layer(i).bias().size(), 0);
      }
    }
  }
}

TEST(SgdTest, WeightDecayAddsDecayTimesWeightsToTheGradient) {
  for (bool bias : {false, true}) {
    SCOPED_TRACE(bias ? "with bias" : "without bias");
    NFALAB_ASSERT_OK_AND_ASSIGN(Model mlp, MakeTinyMlp(bias, /*seed=*/3));
    Rng rng(4);
    const Gradients g = RandomGradients(mlp, &rng);
    const ParamsD p0 = ParamsOf(mlp);
    const double lr = 0.1, wd = 0.3;
    NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> sgd,
                                CreateSgd(lr, /*momentum=*/0.0, wd));
    NFALAB_ASSERT_OK(sgd->Step(g, mlp.ParameterBlocks()));
    for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
      SCOPED_TRACE(i);
      // W1 = W0 - lr (G + wd W0).
      const MatrixD expected =
          p0.weight[i] - lr * (g.weight[i].cast<double>() + wd * p0.weight[i]);
      EXPECT_THAT(mlp.weighted_layer(i).weight(), ApproxEq(expected, kRtol, kAtol));
      if (bias) {
        const VectorD expected_bias =
            p0.bias[i] - lr * (g.bias[i].cast<double>() + wd * p0.bias[i]);
        EXPECT_THAT(mlp.weighted_layer(i).bias(), ApproxEq(expected_bias, kRtol, kAtol));
      }
    }
  }
}

TEST(SgdTest, MomentumAccumulatesVelocityOverThreeStepsOfConstantGradient) {
  for (bool bias : {false, true}) {
    SCOPED_TRACE(bias ? "with bias" : "without bias");
    NFALAB_ASSERT_OK_AND_ASSIGN(Model mlp, MakeTinyMlp(bias, /*seed=*/5));
    Rng rng(6);
    const Gradients g = RandomGradients(mlp, &rng);
    const ParamsD p0 = ParamsOf(mlp);
    const double lr = 0.05, mu = 0.9;
    NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> sgd,
                                CreateSgd(lr, mu));
    // v1 = G, v2 = mu v1 + G, v3 = mu v2 + G as multiples of G; after step k
    // the parameters are P0 - lr (v1 + ... + vk).
    const double v1 = 1.0, v2 = mu * v1 + 1.0, v3 = mu * v2 + 1.0;
    const double cumulative[3] = {v1, v1 + v2, v1 + v2 + v3};
    for (int step = 0; step < 3; ++step) {
      SCOPED_TRACE(step + 1);
      NFALAB_ASSERT_OK(sgd->Step(g, mlp.ParameterBlocks()));
      for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
        SCOPED_TRACE(i);
        const MatrixD expected =
            p0.weight[i] - lr * cumulative[step] * g.weight[i].cast<double>();
        EXPECT_THAT(mlp.weighted_layer(i).weight(), ApproxEq(expected, kRtol, kAtol));
        if (bias) {
          const VectorD expected_bias =
              p0.bias[i] - lr * cumulative[step] * g.bias[i].cast<double>();
          EXPECT_THAT(mlp.weighted_layer(i).bias(),
                      ApproxEq(expected_bias, kRtol, kAtol));
        }
      }
    }
  }
}

TEST(SgdTest, MomentumWithWeightDecayMatchesDoubleReferenceOverTwoSteps) {
  for (bool bias : {false, true}) {
    SCOPED_TRACE(bias ? "with bias" : "without bias");
    NFALAB_ASSERT_OK_AND_ASSIGN(Model mlp, MakeTinyMlp(bias, /*seed=*/7));
    Rng rng(8);
    const double lr = 0.05, mu = 0.8, wd = 0.2;
    NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> sgd,
                                CreateSgd(lr, mu, wd));
    ReferenceSgd reference(lr, mu, wd);
    ParamsD expected = ParamsOf(mlp);
    for (int step = 0; step < 2; ++step) {
      SCOPED_TRACE(step + 1);
      // A different gradient each step, so v2 = mu v1 + g2 is tested with
      // g1 != g2 and the decay term uses the updated parameters.
      const Gradients g = RandomGradients(mlp, &rng);
      NFALAB_ASSERT_OK(sgd->Step(g, mlp.ParameterBlocks()));
      reference.Step(g, &expected);
      for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
        SCOPED_TRACE(i);
        EXPECT_THAT(mlp.weighted_layer(i).weight(),
                    ApproxEq(expected.weight[i], kRtol, kAtol));
        // ApproxEq describes entry (0, 0) even for empty matrices, so the
        // empty biases of a bias-free model are only checked for size.
        ASSERT_EQ(mlp.weighted_layer(i).bias().size(), expected.bias[i].size());
        if (bias) {
          EXPECT_THAT(mlp.weighted_layer(i).bias(),
                      ApproxEq(expected.bias[i], kRtol, kAtol));
        }
      }
    }
  }
}

// training.precision FLOAT64: the double step is the reference to double
// rounding (float would be off by ~1e-7).
TEST(SgdTest, Float64StepMatchesDoubleReferenceToDoublePrecision) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Model mlp, MakeTinyMlp(/*bias=*/true, 7));
  ModelD model = mlp.Cast<double>();
  Rng rng(8);
  NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> sgd,
                              CreateSgd(0.05, 0.8, 0.2));
  EXPECT_TRUE(sgd->SupportsFloat64());
  ReferenceSgd reference(0.05, 0.8, 0.2);
  ParamsD expected = ParamsOf(model);
  for (int step = 0; step < 3; ++step) {
    const Gradients g = RandomGradients(mlp, &rng);
    NFALAB_ASSERT_OK(sgd->Step(ToDouble(g), model.ParameterBlocks()));
    reference.Step(g, &expected);
  }
  for (int i = 0; i < model.num_weighted_layers(); ++i) {
    EXPECT_THAT(model.weighted_layer(i).weight(),
                ApproxEq(expected.weight[i], 1e-14, 1e-15));
    EXPECT_THAT(model.weighted_layer(i).bias(),
                ApproxEq(expected.bias[i], 1e-14, 1e-15));
  }
}

// The double momentum buffers go through SaveState / LoadState unrounded.
TEST(SgdTest, Float64StateRoundTripContinuesExactly) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Model mlp, MakeTinyMlp(/*bias=*/true, 9));
  ModelD a = mlp.Cast<double>();
  Rng rng(10);
  const GradientsD g1 = ToDouble(RandomGradients(mlp, &rng));
  const GradientsD g2 = ToDouble(RandomGradients(mlp, &rng));
  NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> first,
                              CreateSgd(0.05, 0.9));
  NFALAB_ASSERT_OK(first->Step(g1, a.ParameterBlocks()));
  ModelD b = a;
  OptimizerState state;
  NFALAB_ASSERT_OK(first->SaveState(&state));
  ASSERT_GT(state.tensors_size(), 0);
  EXPECT_GT(state.tensors(0).tensor().values_f64_size(), 0);
  EXPECT_EQ(state.tensors(0).tensor().values_size(), 0);
  NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> second,
                              CreateSgd(0.05, 0.9));
  NFALAB_ASSERT_OK(second->LoadState(state));
  NFALAB_ASSERT_OK(first->Step(g2, a.ParameterBlocks()));
  NFALAB_ASSERT_OK(second->Step(g2, b.ParameterBlocks()));
  for (int i = 0; i < a.num_weighted_layers(); ++i) {
    EXPECT_THAT(b.weighted_layer(i).weight(),
                ApproxEq(a.weighted_layer(i).weight(), 0.0, 0.0));
  }
}

TEST(SgdTest, BiasesAreUpdatedLikeWeights) {
  // A bias and a weight that start equal and get equal gradients must stay
  // equal under every rule (plain, decay, momentum + decay).
  struct Rule {
    double momentum, weight_decay;
  };
  for (const Rule rule : {Rule{0.0, 0.0}, Rule{0.0, 0.5}, Rule{0.9, 0.5}}) {
    SCOPED_TRACE(::testing::Message() << "momentum " << rule.momentum
                                      << " weight_decay " << rule.weight_decay);
    NFALAB_ASSERT_OK_AND_ASSIGN(Model mlp, MakeTinyMlp(/*bias=*/true, 9));
    Rng rng(10);
    NFALAB_ASSERT_OK_AND_ASSIGN(
        std::unique_ptr<Optimizer> sgd,
        CreateSgd(0.1, rule.momentum, rule.weight_decay));
    for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
      mlp.weighted_layer(i).bias() = mlp.weighted_layer(i).weight().col(0);
    }
    for (int step = 0; step < 3; ++step) {
      Gradients g = RandomGradients(mlp, &rng);
      for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
        g.bias[i] = g.weight[i].col(0);
      }
      NFALAB_ASSERT_OK(sgd->Step(g, mlp.ParameterBlocks()));
      for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
        SCOPED_TRACE(::testing::Message()
                     << "step " << step + 1 << " layer " << i);
        const Vector weight_column = mlp.weighted_layer(i).weight().col(0);
        EXPECT_THAT(mlp.weighted_layer(i).bias(), ApproxEq(weight_column, 0.0, 0.0));
      }
    }
  }
}

TEST(SgdTest, SetLearningRateChangesTheStepSize) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Model mlp, MakeTinyMlp(/*bias=*/true, 11));
  Rng rng(12);
  NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> sgd, CreateSgd(0.1));
  EXPECT_EQ(sgd->learning_rate(), 0.1);

  const double lrs[2] = {0.025, 0.4};
  for (const double lr : lrs) {
    SCOPED_TRACE(lr);
    sgd->set_learning_rate(lr);
    EXPECT_EQ(sgd->learning_rate(), lr);
    const ParamsD p0 = ParamsOf(mlp);
    const Gradients g = RandomGradients(mlp, &rng);
    NFALAB_ASSERT_OK(sgd->Step(g, mlp.ParameterBlocks()));
    for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
      SCOPED_TRACE(i);
      EXPECT_THAT(
          mlp.weighted_layer(i).weight(),
          ApproxEq(MatrixD(p0.weight[i] - lr * g.weight[i].cast<double>()),
                   kRtol, kAtol));
      EXPECT_THAT(mlp.weighted_layer(i).bias(),
                  ApproxEq(VectorD(p0.bias[i] - lr * g.bias[i].cast<double>()),
                           kRtol, kAtol));
    }
  }
}

TEST(SgdTest, StepsLeaveTheInitialWeightsUntouched) {
  ModelConfig config;
  config.set_depth(1);
  config.set_width(3);
  Rng init_rng(13);
  NFALAB_ASSERT_OK_AND_ASSIGN(Model mlp, Model::Create(config, 2, 1, &init_rng));
  std::vector<Matrix> created;
  for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
    created.push_back(mlp.weighted_layer(i).weight());
    ASSERT_TRUE(mlp.weighted_layer(i).initial_weight() == created.back());
  }
  NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> sgd,
                              CreateSgd(0.1, /*momentum=*/0.9, 0.1));
  Rng rng(14);
  for (int step = 0; step < 3; ++step) {
    NFALAB_ASSERT_OK(sgd->Step(RandomGradients(mlp, &rng), mlp.ParameterBlocks()));
  }
  for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_FALSE(mlp.weighted_layer(i).weight() == created[i]);  // The weights moved.
    EXPECT_TRUE(mlp.weighted_layer(i).initial_weight() == created[i]);   // Bit for bit.
  }
}

TEST(SgdTest, WrongGradientShapeIsInvalidArgumentNamingTheLayer) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Model mlp, MakeTinyMlp(/*bias=*/true, 15));
  NFALAB_ASSERT_OK_AND_ASSIGN(Model no_bias, MakeTinyMlp(/*bias=*/false, 15));
  Rng rng(16);
  NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> sgd,
                              CreateSgd(0.1, /*momentum=*/0.5));
  const ParamsD before = ParamsOf(mlp);

  // Layers are named 1-based in messages (the paper's W_1, W_2).
  Gradients g = RandomGradients(mlp, &rng);
  g.weight[1] = Matrix::Ones(1, 2);  // Layer 2 is [1, 3].
  EXPECT_THAT(sgd->Step(g, mlp.ParameterBlocks()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("weight gradient of layer 2")));

  g = RandomGradients(mlp, &rng);
  g.weight[0].transposeInPlace();  // [2, 3] instead of [3, 2].
  EXPECT_THAT(sgd->Step(g, mlp.ParameterBlocks()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("weight gradient of layer 1")));

  g = RandomGradients(mlp, &rng);
  g.bias[0] = Vector::Ones(2);  // Layer 1 has 3 outputs.
  EXPECT_THAT(sgd->Step(g, mlp.ParameterBlocks()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("bias gradient of layer 1")));

  g = RandomGradients(no_bias, &rng);
  g.bias[1] = Vector::Ones(1);  // The layer has no bias.
  EXPECT_THAT(sgd->Step(g, no_bias.ParameterBlocks()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("bias gradient of layer 2")));

  // A rejected step changes nothing.
  for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
    EXPECT_TRUE(mlp.weighted_layer(i).weight().cast<double>() == before.weight[i]);
    EXPECT_TRUE(mlp.weighted_layer(i).bias().cast<double>() == before.bias[i]);
  }
}

TEST(SgdTest, WrongLayerCountIsInvalidArgument) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Model mlp, MakeTinyMlp(/*bias=*/false, 17));
  Rng rng(18);
  NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> sgd, CreateSgd(0.1));

  Gradients fewer = RandomGradients(mlp, &rng);
  fewer.weight.pop_back();
  fewer.bias.pop_back();
  EXPECT_THAT(sgd->Step(fewer, mlp.ParameterBlocks()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("1 layers"), HasSubstr("model has 2"))));

  Gradients more = RandomGradients(mlp, &rng);
  more.weight.push_back(Matrix::Ones(1, 1));
  more.bias.emplace_back();
  EXPECT_THAT(sgd->Step(more, mlp.ParameterBlocks()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("3 layers"), HasSubstr("model has 2"))));

  Gradients missing_bias = RandomGradients(mlp, &rng);
  missing_bias.bias.clear();
  EXPECT_THAT(
      sgd->Step(missing_bias, mlp.ParameterBlocks()),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("model has 2")));
}

TEST(SgdTest, OneOptimizerOnTwoModelsOfDifferentShapeIsFailedPrecondition) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Model first, MakeTinyMlp(/*bias=*/false, 21));
  ModelConfig deeper;
  deeper.set_depth(2);
  deeper.set_width(3);
  Rng rng(22);
  NFALAB_ASSERT_OK_AND_ASSIGN(Model second, Model::Create(deeper, 2, 1, &rng));
  OptimizerConfig config;
  config.set_learning_rate(0.1);
  config.set_momentum(0.9);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Optimizer> sgd,
      OptimizerRegistry::Global().Create("sgd", config));
  NFALAB_ASSERT_OK(sgd->Step(RandomGradients(first, &rng), first.ParameterBlocks()));
  const Matrix before = second.weighted_layer(0).weight();
  EXPECT_THAT(sgd->Step(RandomGradients(second, &rng), second.ParameterBlocks()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("one optimizer per model")));
  EXPECT_THAT(second.weighted_layer(0).weight(), ApproxEq(before, 0.0, 0.0));
}

TEST(SgdTest, InvalidConfigsAreInvalidArgumentNamingTheField) {
  constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
  constexpr double kInf = std::numeric_limits<double>::infinity();
  struct Case {
    double learning_rate, momentum, weight_decay;
    const char* field;
  };
  const Case cases[] = {
      {0.0, 0.0, 0.0, "optimizer.learning_rate"},
      {-1.0, 0.0, 0.0, "optimizer.learning_rate"},
      {kNan, 0.0, 0.0, "optimizer.learning_rate"},
      {kInf, 0.0, 0.0, "optimizer.learning_rate"},
      {0.1, 1.0, 0.0, "optimizer.momentum"},
      {0.1, -0.1, 0.0, "optimizer.momentum"},
      {0.1, kNan, 0.0, "optimizer.momentum"},
      {0.1, 0.0, -1.0, "optimizer.weight_decay"},
      {0.1, 0.0, kNan, "optimizer.weight_decay"},
      {0.1, 0.0, kInf, "optimizer.weight_decay"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message()
                 << "lr " << c.learning_rate << " momentum " << c.momentum
                 << " weight_decay " << c.weight_decay);
    EXPECT_THAT(
        CreateSgd(c.learning_rate, c.momentum, c.weight_decay),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.field)));
  }
}

TEST(SgdTest, BoundaryConfigsAreAccepted) {
  EXPECT_THAT(CreateSgd(1e-12, 0.0, 0.0), IsOk());
  EXPECT_THAT(CreateSgd(0.1, 0.999, 0.0), IsOk());
  EXPECT_THAT(CreateSgd(0.1, 0.0, 1e3), IsOk());
  EXPECT_THAT(OptimizerRegistry::Global().Create("sgd", OptimizerConfig()),
              IsOk());
}

TEST(SgdTest, UnknownNameIsNotFoundListingSgd) {
  EXPECT_THAT(OptimizerRegistry::Global().Create("adamw", OptimizerConfig()),
              StatusIs(absl::StatusCode::kNotFound,
                       AllOf(HasSubstr("\"adamw\""), HasSubstr("sgd"))));
  EXPECT_TRUE(OptimizerRegistry::Global().Contains("sgd"));
}

// A step of size lr along -G changes a smooth loss by -lr ||G||^2 + O(lr^2).
// The losses are evaluated in double (on the float weights) so forward-pass
// rounding does not swamp the small decrease; with lr||G||^2 about 1e-3 of
// the loss, the second-order term is far below the 1% tolerance.
TEST(SgdTest, SmallStepDecreasesMseLossByLearningRateTimesSquaredGradNorm) {
  ModelConfig config;
  config.set_depth(2);
  config.set_width(8);
  config.set_bias(true);
  Rng rng(19);
  constexpr int kN = 16, kD = 4, kC = 2;
  NFALAB_ASSERT_OK_AND_ASSIGN(Model mlp, Model::Create(config, kD, kC, &rng));
  Matrix x(kN, kD), y(kN, kC);
  for (Eigen::Index k = 0; k < x.size(); ++k) {
    x.data()[k] = static_cast<float>(rng.Normal());
  }
  for (Eigen::Index k = 0; k < y.size(); ++k) {
    y.data()[k] = static_cast<float>(rng.Normal());
  }

  ModelCache cache;
  mlp.Forward(x, &cache);
  Matrix d_output;
  MseLoss(cache.output(), y, &d_output);
  Gradients g;
  mlp.Backward(cache, d_output, &g);
  double grad_norm_sq = 0.0;
  for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
    grad_norm_sq += g.weight[i].cast<double>().squaredNorm() +
                    g.bias[i].cast<double>().squaredNorm();
  }
  ASSERT_GT(grad_norm_sq, 0.0);

  const MatrixD x_d = x.cast<double>(), y_d = y.cast<double>();
  const double loss_before =
      MseLoss<double>(mlp.Cast<double>().Predict(x_d), y_d, nullptr);
  const double lr = 1e-3 * loss_before / grad_norm_sq;
  NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> sgd, CreateSgd(lr));
  NFALAB_ASSERT_OK(sgd->Step(g, mlp.ParameterBlocks()));
  const double loss_after =
      MseLoss<double>(mlp.Cast<double>().Predict(x_d), y_d, nullptr);

  EXPECT_LT(loss_after, loss_before);
  const double ratio = (loss_before - loss_after) / (lr * grad_norm_sq);
  EXPECT_NEAR(ratio, 1.0, 0.01)
      << "loss " << loss_before << " -> " << loss_after << ", lr " << lr
      << ", |grad|^2 " << grad_norm_sq;
}

}  // namespace
}  // namespace nfalab
