// Tests for the "slo" optimizer (Speed Limited Optimization), created through
// the optimizer registry.
//
// Updates are checked against closed forms, against an independent
// double-precision reimplementation of the rule in optimizers/slo.h, and bit
// for bit against "sgd" (SCALED mode). Unless a test says otherwise, weights
// have |w| in [0.5, 1.5] and the steps are small, so no updated entry is near
// zero and a relative tolerance of 1e-6 (about 16 float32 ulps) with atol 0
// is meaningful.
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
#include "layers/model_config.pb.h"
#include "layers/sequential.h"
#include "optimizers/optimizer.h"
#include "optimizers/optimizer_config.pb.h"
#include "optimizers/optimizer_state.pb.h"
#include "optimizers/slo_options.h"
#include "optimizers/slo_options.pb.h"
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

struct SloParams {
  double learning_rate = 0.1;
  double momentum = 0.0;
  double weight_decay = 0.0;
  std::vector<int> target_layers = {1};
  double target_speed = 1.0;
  double base_speed = 0.1;
  SloOptions::Mode mode = SloOptions::NORMALIZED;
  double epsilon = 1e-12;
};

OptimizerConfig SloConfig(const SloParams& p) {
  OptimizerConfig config;
  config.set_name("slo");
  config.set_learning_rate(p.learning_rate);
  config.set_momentum(p.momentum);
  config.set_weight_decay(p.weight_decay);
  SloOptions* slo = config.mutable_slo();
  for (const int layer : p.target_layers) slo->add_target_layers(layer);
  slo->set_target_speed(p.target_speed);
  slo->set_base_speed(p.base_speed);
  slo->set_mode(p.mode);
  slo->set_epsilon(p.epsilon);
  return config;
}

absl::StatusOr<std::unique_ptr<Optimizer>> CreateSlo(const SloParams& p) {
  return OptimizerRegistry::Global().Create("slo", SloConfig(p));
}

// s_l for code layer i under `p`.
double SpeedOf(const SloParams& p, int i) {
  for (const int layer : p.target_layers) {
    if (layer == i + 1) return p.target_speed;
  }
  return p.base_speed;
}

// An Model d = 3 -> widths 4 ... -> C = 2 with `depth` hidden layers and every
// weight and bias entry away from zero (magnitudes in [lo, hi]).
absl::StatusOr<Model> MakeMlp(int depth, bool bias, uint64_t seed,
                            double lo = 0.5, double hi = 1.5) {
  TinyMlpShape shape;
  shape.depth = depth;
  shape.width = 4;
  shape.input_dim = 3;
  shape.output_dim = 2;
  return testing::MakeTinyMlp(shape, bias, seed, lo, hi);
}

// ||[G_i, g_i]||_F of layer i's gradient block, in double.
double BlockNorm(const Gradients& g, int i) {
  return std::sqrt(g.weight[i].cast<double>().squaredNorm() +
                   g.bias[i].cast<double>().squaredNorm());
}

// True if every parameter of `a` equals the one of `b` bit for bit (as
// floats: -0 == +0).
bool SameParameters(const Model& a, const Model& b) {
  for (int i = 0; i < a.num_weighted_layers(); ++i) {
    if (!(a.weighted_layer(i).weight() == b.weighted_layer(i).weight())) return false;
    if (!(a.weighted_layer(i).bias() == b.weighted_layer(i).bias())) return false;
  }
  return true;
}

// The rule of optimizers/slo.h in double, written independently of slo.cc:
//   g = [G + wd W, g_b + wd b];  D = g / (||g|| + eps) or g;
//   v = D (first step) or mu v + D;  P -= lr s v.
class ReferenceSlo {
 public:
  explicit ReferenceSlo(const SloParams& p) : p_(p) {}

  void Step(const Gradients& gradients, ParamsD* params) {
    const bool first = weight_velocity_.empty();
    const int n = static_cast<int>(params->weight.size());
    if (first) {
      weight_velocity_.resize(n);
      bias_velocity_.resize(n);
    }
    for (int i = 0; i < n; ++i) {
      MatrixD gw = gradients.weight[i].cast<double>() +
                   p_.weight_decay * params->weight[i];
      VectorD gb =
          gradients.bias[i].cast<double>() + p_.weight_decay * params->bias[i];
      if (p_.mode == SloOptions::NORMALIZED) {
        const double norm =
            std::sqrt(gw.squaredNorm() + gb.squaredNorm()) + p_.epsilon;
        gw /= norm;
        gb /= norm;
      }
      weight_velocity_[i] =
          first ? gw : MatrixD(p_.momentum * weight_velocity_[i] + gw);
      bias_velocity_[i] =
          first ? gb : VectorD(p_.momentum * bias_velocity_[i] + gb);
      const double step = p_.learning_rate * SpeedOf(p_, i);
      params->weight[i] -= step * weight_velocity_[i];
      params->bias[i] -= step * bias_velocity_[i];
    }
  }

 private:
  SloParams p_;
  std::vector<MatrixD> weight_velocity_;
  std::vector<VectorD> bias_velocity_;
};

TEST(SloTest, IsRegisteredWithTheDocumentedDefaults) {
  EXPECT_TRUE(OptimizerRegistry::Global().Contains("slo"));
  const SloOptions defaults;
  EXPECT_EQ(defaults.target_layers_size(), 0);
  EXPECT_EQ(defaults.target_speed(), 1.0);
  EXPECT_EQ(defaults.base_speed(), 0.1);
  EXPECT_EQ(defaults.mode(), SloOptions::NORMALIZED);
  EXPECT_EQ(defaults.epsilon(), 1e-12);
}

// With momentum 0 every layer's step (weight and bias together) has
// Frobenius norm eta * s_l and points along -[G_l, g_l].
//
// Tolerance: the weights are small here (|w| <= 0.01) so that W_after, a
// float, carries an absolute rounding error of at most ~2e-9 per entry while
// the step entries are ~1e-2; the step's norm is then exact to a few 1e-7
// (checked at rel 1e-6), and its entries to rel 1e-6 + abs 1e-8.
TEST(SloTest, NormalizedStepHasLengthLearningRateTimesSpeedInEveryLayer) {
  struct Case {
    std::vector<int> targets;
    double target_speed, base_speed;
  };
  const Case cases[] = {{{1}, 1.0, 0.1},
                        {{2, 4}, 1.0, 0.1},
                        {{4}, 0.5, 0.2},
                        {{3, 1}, 2.0, 0.25}};
  const double lr = 0.5;
  uint64_t seed = 100;
  for (const bool bias : {true, false}) {
    for (const Case& c : cases) {
      SCOPED_TRACE(::testing::Message()
                   << (bias ? "bias" : "no bias") << ", targets "
                   << ::testing::PrintToString(c.targets));
      // depth 3: layers 3x4, 4x4, 4x4, 2x4.
      NFALAB_ASSERT_OK_AND_ASSIGN(
          Model mlp, MakeMlp(/*depth=*/3, bias, ++seed, 0.001, 0.01));
      Rng rng(++seed);
      const Gradients g = RandomGradients(mlp, &rng);
      SloParams p;
      p.learning_rate = lr;
      p.target_layers = c.targets;
      p.target_speed = c.target_speed;
      p.base_speed = c.base_speed;
      NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> slo, CreateSlo(p));
      const ParamsD before = ParamsOf(mlp);
      NFALAB_ASSERT_OK(slo->Step(g, mlp.ParameterBlocks()));
      const ParamsD after = ParamsOf(mlp);
      for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
        SCOPED_TRACE(::testing::Message() << "layer " << i + 1);
        const double s = SpeedOf(p, i);
        const MatrixD dw = before.weight[i] - after.weight[i];
        const VectorD db = before.bias[i] - after.bias[i];
        const double step_norm = std::sqrt(dw.squaredNorm() + db.squaredNorm());
        EXPECT_NEAR(step_norm, lr * s, 1e-6 * lr * s);
        const double scale = lr * s / BlockNorm(g, i);
        EXPECT_THAT(dw, ApproxEq(MatrixD(scale * g.weight[i].cast<double>()),
                                 1e-6, 1e-8));
        if (bias) {
          EXPECT_THAT(db, ApproxEq(VectorD(scale * g.bias[i].cast<double>()),
                                   1e-6, 1e-8));
        }
      }
    }
  }
}

// training.precision FLOAT64: the normalized step has its length far more
// precisely than float allows (~1e-7); epsilon = 1e-12 in the denominator
// shortens it by about 1e-12 / ||g||.
TEST(SloTest, Float64NormalizedStepHasLengthToDoublePrecision) {
  NFALAB_ASSERT_OK_AND_ASSIGN(
      Model mlp, MakeMlp(/*depth=*/3, /*bias=*/true, 41, 0.001, 0.01));
  ModelD model = mlp.Cast<double>();
  Rng rng(42);
  const Gradients g = RandomGradients(mlp, &rng);
  SloParams p;
  p.learning_rate = 0.5;
  NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> slo, CreateSlo(p));
  EXPECT_TRUE(slo->SupportsFloat64());
  const ParamsD before = ParamsOf(model);
  NFALAB_ASSERT_OK(slo->Step(ToDouble(g), model.ParameterBlocks()));
  const ParamsD after = ParamsOf(model);
  for (int i = 0; i < model.num_weighted_layers(); ++i) {
    const double s = SpeedOf(p, i);
    const double step_norm =
        std::sqrt((before.weight[i] - after.weight[i]).squaredNorm() +
                  (before.bias[i] - after.bias[i]).squaredNorm());
    EXPECT_NEAR(step_norm, p.learning_rate * s, 1e-10 * p.learning_rate * s)
        << "layer " << i + 1;
  }
}

TEST(SloTest, BaseSpeedZeroFreezesEveryOtherLayer) {
  for (const auto mode : {SloOptions::NORMALIZED, SloOptions::SCALED}) {
    SCOPED_TRACE(mode);
    NFALAB_ASSERT_OK_AND_ASSIGN(Model mlp, MakeMlp(/*depth=*/2, true, 30));
    const Model initial = mlp;
    SloParams p;
    p.momentum = 0.9;
    p.weight_decay = 0.1;
    p.target_layers = {2};
    p.base_speed = 0.0;
    p.mode = mode;
    NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> slo, CreateSlo(p));
    Rng rng(31);
    for (int step = 0; step < 3; ++step) {
      NFALAB_ASSERT_OK(slo->Step(RandomGradients(mlp, &rng), mlp.ParameterBlocks()));
    }
    for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
      SCOPED_TRACE(i + 1);
      const bool frozen = i != 1;
      EXPECT_EQ(mlp.weighted_layer(i).weight() == initial.weighted_layer(i).weight(), frozen);
      EXPECT_EQ(mlp.weighted_layer(i).bias() == initial.weighted_layer(i).bias(), frozen);
    }
  }
}

// SCALED with both speeds 1 performs the same float operations as "sgd", so
// the weights agree bit for bit (tolerance 0) after 3 steps of different
// gradients, for every sgd branch (plain, decay, momentum + decay).
TEST(SloTest, ScaledWithUnitSpeedsIsBitwiseSgd) {
  struct Rule {
    double momentum, weight_decay;
  };
  for (const Rule rule :
       {Rule{0.0, 0.0}, Rule{0.0, 0.3}, Rule{0.9, 0.0}, Rule{0.8, 0.2}}) {
    for (const bool bias : {true, false}) {
      SCOPED_TRACE(::testing::Message()
                   << "momentum " << rule.momentum << " weight_decay "
                   << rule.weight_decay << (bias ? " bias" : " no bias"));
      NFALAB_ASSERT_OK_AND_ASSIGN(Model slo_mlp, MakeMlp(/*depth=*/2, bias, 40));
      Model sgd_mlp = slo_mlp;
      SloParams p;
      p.learning_rate = 0.07;
      p.momentum = rule.momentum;
      p.weight_decay = rule.weight_decay;
      p.target_layers = {1};
      p.target_speed = 1.0;
      p.base_speed = 1.0;
      p.mode = SloOptions::SCALED;
      NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> slo, CreateSlo(p));
      NFALAB_ASSERT_OK_AND_ASSIGN(
          std::unique_ptr<Optimizer> sgd,
          CreateSgd(p.learning_rate, rule.momentum, rule.weight_decay));
      Rng rng(41);
      for (int step = 0; step < 3; ++step) {
        SCOPED_TRACE(step + 1);
        const Gradients g = RandomGradients(slo_mlp, &rng);
        NFALAB_ASSERT_OK(slo->Step(g, slo_mlp.ParameterBlocks()));
        NFALAB_ASSERT_OK(sgd->Step(g, sgd_mlp.ParameterBlocks()));
        EXPECT_TRUE(SameParameters(slo_mlp, sgd_mlp));
        for (int i = 0; i < slo_mlp.num_weighted_layers(); ++i) {
          EXPECT_THAT(slo_mlp.weighted_layer(i).weight(),
                      ApproxEq(sgd_mlp.weighted_layer(i).weight(), 0.0, 0.0));
        }
      }
    }
  }
}

// SCALED with speeds s_l is SGD with learning rate eta * s_l in layer l:
// bit for bit against "sgd" run at that rate, and to rel 1e-6 against the
// double reference.
TEST(SloTest, ScaledWithSpeedsIsSgdWithLearningRateTimesSpeedPerLayer) {
  SloParams p;
  p.learning_rate = 0.1;
  p.momentum = 0.5;
  p.weight_decay = 0.1;
  p.target_layers = {2, 3};
  p.target_speed = 2.0;
  p.base_speed = 0.25;
  p.mode = SloOptions::SCALED;
  NFALAB_ASSERT_OK_AND_ASSIGN(Model slo_mlp, MakeMlp(/*depth=*/2, true, 50));
  Model fast_mlp = slo_mlp, slow_mlp = slo_mlp;
  NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> slo, CreateSlo(p));
  NFALAB_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Optimizer> fast,
      CreateSgd(p.learning_rate * p.target_speed, p.momentum, p.weight_decay));
  NFALAB_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Optimizer> slow,
      CreateSgd(p.learning_rate * p.base_speed, p.momentum, p.weight_decay));
  ReferenceSlo reference(p);
  ParamsD expected = ParamsOf(slo_mlp);
  Rng rng(51);
  for (int step = 0; step < 3; ++step) {
    SCOPED_TRACE(step + 1);
    const Gradients g = RandomGradients(slo_mlp, &rng);
    NFALAB_ASSERT_OK(slo->Step(g, slo_mlp.ParameterBlocks()));
    NFALAB_ASSERT_OK(fast->Step(g, fast_mlp.ParameterBlocks()));
    NFALAB_ASSERT_OK(slow->Step(g, slow_mlp.ParameterBlocks()));
    reference.Step(g, &expected);
    for (int i = 0; i < slo_mlp.num_weighted_layers(); ++i) {
      SCOPED_TRACE(::testing::Message() << "layer " << i + 1);
      const Model& sgd_mlp =
          SpeedOf(p, i) == p.target_speed ? fast_mlp : slow_mlp;
      EXPECT_TRUE(slo_mlp.weighted_layer(i).weight() == sgd_mlp.weighted_layer(i).weight());
      EXPECT_TRUE(slo_mlp.weighted_layer(i).bias() == sgd_mlp.weighted_layer(i).bias());
      EXPECT_THAT(slo_mlp.weighted_layer(i).weight(),
                  ApproxEq(expected.weight[i], kRtol, kAtol));
      EXPECT_THAT(slo_mlp.weighted_layer(i).bias(),
                  ApproxEq(expected.bias[i], kRtol, kAtol));
    }
  }
}

TEST(SloTest, ZeroGradientLeavesWeightsUnchangedAndFinite) {
  for (const auto mode : {SloOptions::NORMALIZED, SloOptions::SCALED}) {
    for (const double momentum : {0.0, 0.9}) {
      SCOPED_TRACE(::testing::Message()
                   << "mode " << mode << " momentum " << momentum);
      NFALAB_ASSERT_OK_AND_ASSIGN(Model mlp, MakeMlp(/*depth=*/2, true, 60));
      const Model initial = mlp;
      SloParams p;
      p.momentum = momentum;
      p.target_layers = {1, 3};
      p.target_speed = 5.0;
      p.mode = mode;
      NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> slo, CreateSlo(p));
      Gradients zero;
      for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
        zero.weight.push_back(
            Matrix::Zero(mlp.weighted_layer(i).units(), mlp.weighted_layer(i).fan_in()));
        zero.bias.push_back(Vector::Zero(mlp.weighted_layer(i).units()));
      }
      for (int step = 0; step < 2; ++step) {
        NFALAB_ASSERT_OK(slo->Step(zero, mlp.ParameterBlocks()));
      }
      for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
        SCOPED_TRACE(i + 1);
        EXPECT_TRUE(mlp.weighted_layer(i).weight().allFinite());
        EXPECT_TRUE(mlp.weighted_layer(i).bias().allFinite());
        EXPECT_TRUE(mlp.weighted_layer(i).weight() == initial.weighted_layer(i).weight());
        EXPECT_TRUE(mlp.weighted_layer(i).bias() == initial.weighted_layer(i).bias());
      }
    }
  }
}

// A zero gradient in one layer leaves that layer alone and does not stop
// the others from moving at their speed.
TEST(SloTest, ZeroGradientInOneLayerOnlyFreezesThatLayer) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Model mlp, MakeMlp(/*depth=*/1, true, 65));
  const Model initial = mlp;
  SloParams p;
  p.target_layers = {1};
  NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> slo, CreateSlo(p));
  Rng rng(66);
  Gradients g = RandomGradients(mlp, &rng);
  g.weight[0].setZero();
  g.bias[0].setZero();
  NFALAB_ASSERT_OK(slo->Step(g, mlp.ParameterBlocks()));
  EXPECT_TRUE(mlp.weighted_layer(0).weight() == initial.weighted_layer(0).weight());
  EXPECT_TRUE(mlp.weighted_layer(0).bias() == initial.weighted_layer(0).bias());
  EXPECT_FALSE(mlp.weighted_layer(1).weight() == initial.weighted_layer(1).weight());
  EXPECT_TRUE(mlp.weighted_layer(1).weight().allFinite());
}

// Constant gradient G, NORMALIZED, momentum mu: with D = G / ||G||,
// v1 = D, v2 = mu v1 + D, v3 = mu v2 + D, so after step k the parameters
// are P0 - eta s_l (v1 + ... + vk) = P0 - eta s_l c_k D with
// c = 1, 1 + (1 + mu), 1 + (1 + mu) + (1 + mu + mu^2).
TEST(SloTest, MomentumAccumulatesNormalizedDirectionsOverThreeSteps) {
  for (const bool bias : {true, false}) {
    SCOPED_TRACE(bias ? "bias" : "no bias");
    NFALAB_ASSERT_OK_AND_ASSIGN(Model mlp, MakeMlp(/*depth=*/2, bias, 70));
    Rng rng(71);
    const Gradients g = RandomGradients(mlp, &rng);
    const ParamsD p0 = ParamsOf(mlp);
    SloParams p;
    p.learning_rate = 0.05;
    p.momentum = 0.9;
    p.target_layers = {2};
    p.target_speed = 1.0;
    p.base_speed = 0.3;
    NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> slo, CreateSlo(p));
    const double mu = p.momentum;
    const double v1 = 1.0, v2 = mu * v1 + 1.0, v3 = mu * v2 + 1.0;
    const double cumulative[3] = {v1, v1 + v2, v1 + v2 + v3};
    for (int step = 0; step < 3; ++step) {
      SCOPED_TRACE(step + 1);
      NFALAB_ASSERT_OK(slo->Step(g, mlp.ParameterBlocks()));
      for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
        SCOPED_TRACE(::testing::Message() << "layer " << i + 1);
        const double factor = p.learning_rate * SpeedOf(p, i) *
                              cumulative[step] / BlockNorm(g, i);
        const MatrixD expected =
            p0.weight[i] - factor * g.weight[i].cast<double>();
        EXPECT_THAT(mlp.weighted_layer(i).weight(), ApproxEq(expected, kRtol, kAtol));
        if (bias) {
          const VectorD expected_bias =
              p0.bias[i] - factor * g.bias[i].cast<double>();
          EXPECT_THAT(mlp.weighted_layer(i).bias(),
                      ApproxEq(expected_bias, kRtol, kAtol));
        }
      }
    }
  }
}

// Weight decay is added to the gradient before normalising:
// P1 = P0 - eta s (G + wd P0) / ||[G + wd W0, g_b + wd b0]||.
TEST(SloTest, WeightDecayIsAddedToTheGradientBeforeNormalising) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Model mlp, MakeMlp(/*depth=*/1, true, 80));
  Rng rng(81);
  const Gradients g = RandomGradients(mlp, &rng);
  const ParamsD p0 = ParamsOf(mlp);
  SloParams p;
  p.learning_rate = 0.1;
  p.weight_decay = 0.3;
  p.target_layers = {1};
  p.base_speed = 0.5;
  NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> slo, CreateSlo(p));
  NFALAB_ASSERT_OK(slo->Step(g, mlp.ParameterBlocks()));
  for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
    SCOPED_TRACE(::testing::Message() << "layer " << i + 1);
    const MatrixD gw =
        g.weight[i].cast<double>() + p.weight_decay * p0.weight[i];
    const VectorD gb = g.bias[i].cast<double>() + p.weight_decay * p0.bias[i];
    const double factor = p.learning_rate * SpeedOf(p, i) /
                          std::sqrt(gw.squaredNorm() + gb.squaredNorm());
    EXPECT_THAT(mlp.weighted_layer(i).weight(),
                ApproxEq(MatrixD(p0.weight[i] - factor * gw), kRtol, kAtol));
    EXPECT_THAT(mlp.weighted_layer(i).bias(),
                ApproxEq(VectorD(p0.bias[i] - factor * gb), kRtol, kAtol));
  }
}

// Everything at once (NORMALIZED, momentum, decay, changing gradients,
// several targets) against the double reference over 3 steps.
TEST(SloTest, NormalizedMomentumAndDecayMatchDoubleReferenceOverThreeSteps) {
  for (const bool bias : {true, false}) {
    SCOPED_TRACE(bias ? "bias" : "no bias");
    NFALAB_ASSERT_OK_AND_ASSIGN(Model mlp, MakeMlp(/*depth=*/3, bias, 90));
    SloParams p;
    p.learning_rate = 0.05;
    p.momentum = 0.8;
    p.weight_decay = 0.2;
    p.target_layers = {1, 4};
    p.target_speed = 1.5;
    p.base_speed = 0.2;
    NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> slo, CreateSlo(p));
    ReferenceSlo reference(p);
    ParamsD expected = ParamsOf(mlp);
    Rng rng(91);
    for (int step = 0; step < 3; ++step) {
      SCOPED_TRACE(step + 1);
      const Gradients g = RandomGradients(mlp, &rng);
      NFALAB_ASSERT_OK(slo->Step(g, mlp.ParameterBlocks()));
      reference.Step(g, &expected);
      for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
        SCOPED_TRACE(::testing::Message() << "layer " << i + 1);
        EXPECT_THAT(mlp.weighted_layer(i).weight(),
                    ApproxEq(expected.weight[i], kRtol, kAtol));
        ASSERT_EQ(mlp.weighted_layer(i).bias().size(), expected.bias[i].size());
        if (bias) {
          EXPECT_THAT(mlp.weighted_layer(i).bias(),
                      ApproxEq(expected.bias[i], kRtol, kAtol));
        }
      }
    }
  }
}

TEST(SloTest, InvalidConfigsAreInvalidArgumentNamingTheField) {
  constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
  constexpr double kInf = std::numeric_limits<double>::infinity();
  struct Case {
    const char* what;
    SloParams params;
    const char* field;
  };
  std::vector<Case> cases;
  auto add = [&cases](const char* what, const char* field,
                      void (*edit)(SloParams*)) {
    Case c{what, SloParams(), field};
    edit(&c.params);
    cases.push_back(c);
  };
  add("empty targets", "optimizer.slo.target_layers",
      [](SloParams* p) { p->target_layers.clear(); });
  add("target 0", "optimizer.slo.target_layers", [](SloParams* p) {
    p->target_layers = {1, 0};
  });
  add("target -1", "optimizer.slo.target_layers",
      [](SloParams* p) { p->target_layers = {-1}; });
  add("target twice", "optimizer.slo.target_layers", [](SloParams* p) {
    p->target_layers = {2, 1, 2};
  });
  add("negative target_speed", "optimizer.slo.target_speed",
      [](SloParams* p) { p->target_speed = -1.0; });
  add("nan target_speed", "optimizer.slo.target_speed",
      [](SloParams* p) { p->target_speed = kNan; });
  add("inf target_speed", "optimizer.slo.target_speed",
      [](SloParams* p) { p->target_speed = kInf; });
  add("negative base_speed", "optimizer.slo.base_speed",
      [](SloParams* p) { p->base_speed = -0.1; });
  add("nan base_speed", "optimizer.slo.base_speed",
      [](SloParams* p) { p->base_speed = kNan; });
  add("inf base_speed", "optimizer.slo.base_speed",
      [](SloParams* p) { p->base_speed = kInf; });
  add("epsilon 0", "optimizer.slo.epsilon",
      [](SloParams* p) { p->epsilon = 0.0; });
  add("negative epsilon", "optimizer.slo.epsilon",
      [](SloParams* p) { p->epsilon = -1e-12; });
  add("nan epsilon", "optimizer.slo.epsilon",
      [](SloParams* p) { p->epsilon = kNan; });
  add("inf epsilon", "optimizer.slo.epsilon",
      [](SloParams* p) { p->epsilon = kInf; });
  add("learning rate 0", "optimizer.learning_rate",
      [](SloParams* p) { p->learning_rate = 0.0; });
  add("momentum 1", "optimizer.momentum",
      [](SloParams* p) { p->momentum = 1.0; });
  add("negative weight decay", "optimizer.weight_decay",
      [](SloParams* p) { p->weight_decay = -1.0; });
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    EXPECT_THAT(
        CreateSlo(c.params),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.field)));
  }
  // No slo options at all: the default config has no target layers.
  OptimizerConfig bare;
  bare.set_name("slo");
  EXPECT_THAT(OptimizerRegistry::Global().Create("slo", bare),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("optimizer.slo.target_layers")));
}

TEST(SloTest, BoundaryConfigsAreAccepted) {
  SloParams p;
  p.base_speed = 0.0;
  EXPECT_THAT(CreateSlo(p), IsOk());
  p = SloParams();
  p.target_speed = 0.0;
  EXPECT_THAT(CreateSlo(p), IsOk());
  p = SloParams();
  p.epsilon = 1e-300;
  EXPECT_THAT(CreateSlo(p), IsOk());
  p = SloParams();
  p.target_layers = {100};  // Checked against the model at Step.
  EXPECT_THAT(CreateSlo(p), IsOk());
  OptimizerConfig defaults;
  defaults.mutable_slo()->add_target_layers(1);
  EXPECT_THAT(OptimizerRegistry::Global().Create("slo", defaults), IsOk());
}

TEST(SloTest, TargetLayerBeyondTheModelIsInvalidArgumentAtStep) {
  // depth 1: layers 1 (hidden) and 2 (readout).
  NFALAB_ASSERT_OK_AND_ASSIGN(Model mlp, MakeMlp(/*depth=*/1, true, 100));
  const Model initial = mlp;
  Rng rng(101);
  const Gradients g = RandomGradients(mlp, &rng);
  SloParams p;
  p.target_layers = {1, 3};
  NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> slo, CreateSlo(p));
  EXPECT_THAT(slo->Step(g, mlp.ParameterBlocks()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("optimizer.slo.target_layers"),
                             HasSubstr("target layer 3"))));
  EXPECT_TRUE(
      SameParameters(mlp, initial));  // A rejected step changes nothing.

  // The readout L+1 = 2 is a valid target.
  p.target_layers = {2};
  NFALAB_ASSERT_OK_AND_ASSIGN(slo, CreateSlo(p));
  EXPECT_THAT(slo->Step(g, mlp.ParameterBlocks()), IsOk());
}

TEST(SloTest, WrongGradientShapeIsInvalidArgumentNamingTheLayer) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Model mlp, MakeMlp(/*depth=*/1, true, 110));
  const Model initial = mlp;
  Rng rng(111);
  NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> slo,
                              CreateSlo(SloParams()));
  Gradients g = RandomGradients(mlp, &rng);
  g.weight[1].transposeInPlace();
  EXPECT_THAT(slo->Step(g, mlp.ParameterBlocks()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("weight gradient of layer 2")));
  EXPECT_TRUE(SameParameters(mlp, initial));
}

TEST(SloTest, OneOptimizerOnTwoModelsOfDifferentShapeIsFailedPrecondition) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Model first, MakeMlp(/*depth=*/1, false, 120));
  NFALAB_ASSERT_OK_AND_ASSIGN(Model second, MakeMlp(/*depth=*/2, false, 121));
  SloParams p;
  p.momentum = 0.9;
  NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> slo, CreateSlo(p));
  Rng rng(122);
  NFALAB_ASSERT_OK(slo->Step(RandomGradients(first, &rng), first.ParameterBlocks()));
  const Model before = second;
  EXPECT_THAT(slo->Step(RandomGradients(second, &rng), second.ParameterBlocks()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("one optimizer per model")));
  EXPECT_TRUE(SameParameters(second, before));
}

// Save after 2 of 5 steps, restore into a fresh optimizer (through the
// serialized proto, as a checkpoint would) and finish: the weights equal
// those of an uninterrupted run bit for bit. A fresh optimizer without the
// state restarts its momentum and ends elsewhere (so the check can fail).
TEST(SloTest, SavedAndLoadedStateContinuesExactlyLikeAnUninterruptedRun) {
  for (const auto mode : {SloOptions::NORMALIZED, SloOptions::SCALED}) {
    SCOPED_TRACE(mode);
    SloParams p;
    p.learning_rate = 0.05;
    p.momentum = 0.9;
    p.weight_decay = 0.01;
    p.target_layers = {2};
    p.mode = mode;
    NFALAB_ASSERT_OK_AND_ASSIGN(Model uninterrupted,
                                MakeMlp(/*depth=*/2, true, 130));
    Rng rng(131);
    std::vector<Gradients> grads;
    for (int step = 0; step < 5; ++step) {
      grads.push_back(RandomGradients(uninterrupted, &rng));
    }
    NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> whole, CreateSlo(p));
    Model resumed = uninterrupted;
    for (const Gradients& g : grads) {
      NFALAB_ASSERT_OK(whole->Step(g, uninterrupted.ParameterBlocks()));
    }

    NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> first, CreateSlo(p));
    for (int step = 0; step < 2; ++step) {
      NFALAB_ASSERT_OK(first->Step(grads[step], resumed.ParameterBlocks()));
    }
    Model restarted = resumed;
    OptimizerState saved;
    NFALAB_ASSERT_OK(first->SaveState(&saved));
    EXPECT_EQ(saved.optimizer(), "slo");
    EXPECT_EQ(saved.tensors_size(), 2 * resumed.num_weighted_layers());
    std::string bytes;
    ASSERT_TRUE(saved.SerializeToString(&bytes));
    OptimizerState loaded;
    ASSERT_TRUE(loaded.ParseFromString(bytes));

    NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> second,
                                CreateSlo(p));
    NFALAB_ASSERT_OK(second->LoadState(loaded));
    NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> fresh, CreateSlo(p));
    for (int step = 2; step < 5; ++step) {
      NFALAB_ASSERT_OK(second->Step(grads[step], resumed.ParameterBlocks()));
      NFALAB_ASSERT_OK(fresh->Step(grads[step], restarted.ParameterBlocks()));
    }
    EXPECT_TRUE(SameParameters(resumed, uninterrupted));
    EXPECT_FALSE(SameParameters(restarted, uninterrupted));
  }
}

TEST(SloTest, LoadStateRejectsAnotherOptimizersState) {
  NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> slo,
                              CreateSlo(SloParams()));
  OptimizerState state;
  state.set_optimizer("sgd");
  EXPECT_THAT(slo->LoadState(state),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sgd")));
  state.set_optimizer("slo");
  state.add_tensors()->set_name("weight_velocity/0");
  EXPECT_THAT(slo->LoadState(state),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("odd")));
}

// The options form of SloConfig(p): the same SloOptions in
// optimizer.options instead of the deprecated optimizer.slo.
OptimizerConfig SloOptionsConfig(const SloParams& p) {
  OptimizerConfig config = SloConfig(p);
  const absl::StatusOr<SloOptions> options = SloOptionsOf(config);
  EXPECT_TRUE(options.ok()) << options.status();
  SetSloOptions(options.value_or(SloOptions()), &config);
  return config;
}

// The alias and the options form configure the same optimizer: three steps
// with momentum and decay give bit-identical weights, in both modes.
TEST(SloOptionsTest, AliasAndOptionsFormGiveBitIdenticalSteps) {
  for (const auto mode : {SloOptions::NORMALIZED, SloOptions::SCALED}) {
    SCOPED_TRACE(mode);
    SloParams p;
    p.momentum = 0.9;
    p.weight_decay = 0.05;
    p.target_layers = {2};
    p.target_speed = 0.7;
    p.base_speed = 0.2;
    p.mode = mode;
    const OptimizerConfig alias = SloConfig(p);
    const OptimizerConfig options = SloOptionsConfig(p);
    ASSERT_TRUE(options.has_options());
    NFALAB_ASSERT_OK_AND_ASSIGN(Model a, MakeMlp(/*depth=*/2, true, 200));
    Model b = a;
    NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> first,
                                CreateOptimizer(alias));
    NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Optimizer> second,
                                CreateOptimizer(options));
    const Model initial = a;
    Rng rng(201);
    for (int step = 0; step < 3; ++step) {
      const Gradients g = RandomGradients(a, &rng);
      NFALAB_ASSERT_OK(first->Step(g, a.ParameterBlocks()));
      NFALAB_ASSERT_OK(second->Step(g, b.ParameterBlocks()));
    }
    EXPECT_TRUE(SameParameters(a, b));
    EXPECT_FALSE(SameParameters(a, initial));  // The steps did something.
  }
}

TEST(SloOptionsTest, ErrorsOfTheOptionsFormNameTheOptionsField) {
  SloParams p;
  p.target_speed = -1.0;
  EXPECT_THAT(CreateOptimizer(SloOptionsConfig(p)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("optimizer.options (nfalab.SloOptions)."
                                 "target_speed must be >= 0")));
  p = SloParams();
  p.target_layers = {1, 1};
  EXPECT_THAT(CreateOptimizer(SloOptionsConfig(p)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("optimizer.options (nfalab.SloOptions)."
                                 "target_layers lists layer 1 twice")));
}

TEST(SloOptionsTest, BothAliasAndOptionsIsAnError) {
  OptimizerConfig config = SloOptionsConfig(SloParams());
  config.mutable_slo()->add_target_layers(1);
  EXPECT_THAT(CreateOptimizer(config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("optimizer.slo and optimizer.options "
                                       "are both set"),
                             HasSubstr("keep one"))));
}

TEST(SloOptionsTest, OptionsOfAnotherTypeNameBothTypes) {
  OptimizerConfig config = SloConfig(SloParams());
  config.clear_slo();
  config.mutable_options()->PackFrom(OptimizerConfig());  // Not SloOptions.
  EXPECT_THAT(CreateOptimizer(config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("optimizer.options holds "
                                       "nfalab.OptimizerConfig"),
                             HasSubstr("takes nfalab.SloOptions"))));
}

TEST(SloOptionsTest, SgdDeclaresNoOptionsAndRejectsThem) {
  OptimizerConfig config;
  config.set_name("sgd");
  config.mutable_options()->PackFrom(SloOptions());
  EXPECT_THAT(CreateOptimizer(config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("optimizer.options is set (nfalab.SloOptions)"
                                 ", but optimizer \"sgd\" takes no options")));
  EXPECT_EQ(OptimizerRegistry::Global().OptionsExample("sgd"), nullptr);
}

TEST(SloOptionsTest, RegisteredExampleIsSloOptionsTargetingLayerOne) {
  const auto example = OptimizerRegistry::Global().OptionsExample("slo");
  ASSERT_NE(example, nullptr);
  ASSERT_EQ(example->GetDescriptor()->full_name(), "nfalab.SloOptions");
  const auto& slo = static_cast<const SloOptions&>(*example);
  EXPECT_THAT(slo.target_layers(), ::testing::ElementsAre(1));
  EXPECT_EQ(slo.target_speed(), 1.0);
}

TEST(SloOptionsTest, SloOptionsOfReadsEitherFormAndDefaultsToEmpty) {
  OptimizerConfig config;
  NFALAB_ASSERT_OK_AND_ASSIGN(SloOptions none, SloOptionsOf(config));
  EXPECT_EQ(none.target_layers_size(), 0);
  config.mutable_slo()->add_target_layers(3);
  EXPECT_EQ(SloOptionsPath(config), "optimizer.slo");
  NFALAB_ASSERT_OK_AND_ASSIGN(SloOptions alias, SloOptionsOf(config));
  EXPECT_THAT(alias.target_layers(), ::testing::ElementsAre(3));
  SetSloOptions(alias, &config);
  EXPECT_FALSE(config.has_slo());
  EXPECT_EQ(SloOptionsPath(config), "optimizer.options (nfalab.SloOptions)");
  NFALAB_ASSERT_OK_AND_ASSIGN(SloOptions packed, SloOptionsOf(config));
  EXPECT_THAT(packed.target_layers(), ::testing::ElementsAre(3));
}

}  // namespace
}  // namespace nfalab
