// The full backward pass of the Model against central finite differences in
// double: dL/dW and dL/db of every entry of every layer, and dL/dh_l for every
// layer's pre-activations, for both losses, with and without bias, at depths
// 1, 2 and 3 with odd widths, for every built-in activation. Also checks that
// the float network's gradients agree with the double network's.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/random.h"
#include "core/tensor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "layers/loss.h"
#include "layers/sequential.h"
#include "layers/model_config.pb.h"
#include "tests/matrix_matchers.h"
#include "tests/mlp_test_util.h"
#include "tests/random_matrix.h"
#include "tests/status_matchers.h"
#include "tests/test_seed.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ApproxEq;
using ::nfalab::testing::CreateMlpWithRandomBiases;
using ::nfalab::testing::GaussianInputsAwayFromKinks;
using ::nfalab::testing::GaussianMatrix;
using ::nfalab::testing::GaussianMlpConfig;
using ::nfalab::testing::KinkAvoidance;
using ::nfalab::testing::ReferenceForward;
using ::nfalab::testing::TestSeed;

// Central differences with step 1e-6 in double. Truncation error is
// ~ step^2 |L'''| / 6 ~ 1e-12 and rounding error is ~ k eps |L| / step, where
// k eps is the relative error of the computed L (k up to a few tens for deep
// quadratic networks, whose loss reaches ~1e5). The stated tolerance is
//   |analytic - fd| <= 1e-6 + 1e-8 |L| + 1e-5 |fd|;
// the |L| term (45 eps |L| / step) is that rounding floor and is negligible
// unless L is large. Any wrong term in the backward pass (a missing phi', a
// transposed product, a dropped bias) is off by O(|fd|) instead.
constexpr double kStep = 1e-6;
constexpr double kRtol = 1e-5;
constexpr double kAtol = 1e-6;
constexpr double kAtolPerLoss = 1e-8;

// Every hidden pre-activation of the inputs has |h| >= 1e-4, so that the
// finite-difference perturbations (which move any h by at most ~1e-5) never
// cross a kink of relu or leaky_relu, and no pre-activation sits exactly on
// one (a dead relu layer gives h = 0 in the next). Each input row is drawn
// independently until it qualifies, at most 10000 times.
constexpr KinkAvoidance kAvoidKinks{/*margin=*/1e-4, /*max_attempts=*/10000};

// Float vs double gradients of the same network on the same inputs, compared
// relative to each matrix's largest entry:
//   |g32 - g64| <= r |g64| + r max_j |g64_j| + 1e-6,
// with r = 1e-4, or r = 1e-3 for quadratic networks. Float rounding is
// relative to the largest terms summed, and a quadratic layer doubles the
// relative error of its input while its outputs grow (to ~1e4 at depth 3), so
// deep quadratic networks lose about one more digit (the largest error seen in
// a sweep over --gtest_random_seed=0..2000 was 2.5e-4 relative to the largest
// entry). A float-only bug would show as an O(1) error.
constexpr double kFloatRtol = 1e-4;
constexpr double kFloatRtolQuadratic = 1e-3;
constexpr double kFloatAtol = 1e-6;

enum class LossKind { kMse, kCrossEntropy };

struct LossSpec {
  LossKind kind;
  int classes;  // C; cross-entropy needs C >= 2.
};

void PrintTo(const LossSpec& spec, std::ostream* os) {
  *os << (spec.kind == LossKind::kMse ? "mse" : "ce") << "_c" << spec.classes;
}

// Depth L = widths.size(); odd widths throughout.
const std::vector<std::vector<int>>& HiddenWidths() {
  static const auto* widths =
      new std::vector<std::vector<int>>{{5}, {7, 3}, {3, 5, 4}};
  return *widths;
}

using GradientParam = std::tuple<LossSpec, /*bias=*/bool, /*widths index=*/int,
                                 /*activation=*/std::string>;

std::string GradientParamName(
    const ::testing::TestParamInfo<GradientParam>& info) {
  const auto& [loss, bias, widths_index, activation] = info.param;
  return absl::StrCat(loss.kind == LossKind::kMse ? "Mse" : "CrossEntropy", "C",
                      loss.classes, bias ? "Bias" : "NoBias", "Widths",
                      absl::StrJoin(HiddenWidths()[widths_index], "x"), "_",
                      activation);
}

class MlpGradientTest : public ::testing::TestWithParam<GradientParam> {
 protected:
  static constexpr int kInputDim = 3;
  static constexpr int kSamples = 5;

  void SetUp() override {
    const auto& [loss, bias, widths_index, activation] = GetParam();
    loss_ = loss;
    // Gaussian weights keep pre-activations spread out, away from relu kinks.
    config_ = GaussianMlpConfig(activation, HiddenWidths()[widths_index], bias);
    config_.set_init_scale(1.0);

    // A different network for every parameter combination.
    rng_seed_ = TestSeed(std::hash<std::string>()(GradientParamName(
        ::testing::TestParamInfo<GradientParam>(GetParam(), 0))));
    Rng rng(rng_seed_);
    targets_ = GaussianMatrix(kSamples, loss_.classes, &rng);
    labels_.resize(kSamples);
    for (int& label : labels_) {
      label = static_cast<int>(rng.UniformInt(loss_.classes));
    }
  }

  template <typename Scalar>
  double Loss(const MatrixT<Scalar>& output, MatrixT<Scalar>* d_output) const {
    if (loss_.kind == LossKind::kMse) {
      return MseLoss<Scalar>(output, targets_.cast<Scalar>(), d_output);
    }
    return SoftmaxCrossEntropyLoss<Scalar>(output, labels_, d_output);
  }

  // The double network (with random biases) and inputs of one test, drawn
  // from Rng(rng_seed_ + salt), the forward pass on them, L, dL/df and the
  // tolerance for L.
  void SetUpDoubleNetwork(uint64_t salt) {
    Rng rng(rng_seed_ + salt);
    NFALAB_ASSERT_OK_AND_ASSIGN(
        mlp_,
        CreateMlpWithRandomBiases(config_, kInputDim, loss_.classes, &rng));
    NFALAB_ASSERT_OK_AND_ASSIGN(
        x_, GaussianInputsAwayFromKinks(*mlp_, kSamples, &rng, kAvoidKinks));
    mlp_->Forward(x_, &cache_);
    loss_value_ = Loss(cache_.output(), &d_output_);
    atol_ = kAtol + kAtolPerLoss * std::abs(loss_value_);
  }

  ModelConfig config_;
  LossSpec loss_;
  uint64_t rng_seed_ = 0;
  MatrixD targets_;
  std::vector<int> labels_;

  // Set by SetUpDoubleNetwork.
  std::optional<ModelD> mlp_;
  MatrixD x_;
  BasicModelCache<double> cache_;
  MatrixD d_output_;
  double loss_value_ = 0;
  double atol_ = 0;
};

// Central difference of f with respect to every entry of *values.
template <typename Values>
Values NumericGradient(const std::function<double()>& f, Values* values) {
  Values gradient(values->rows(), values->cols());
  for (Eigen::Index i = 0; i < values->size(); ++i) {
    const double saved = values->data()[i];
    values->data()[i] = saved + kStep;
    const double plus = f();
    values->data()[i] = saved - kStep;
    const double minus = f();
    values->data()[i] = saved;
    gradient.data()[i] = (plus - minus) / (2 * kStep);
  }
  return gradient;
}

TEST_P(MlpGradientTest, BackwardMatchesCentralDifferencesForEveryParameter) {
  ASSERT_NO_FATAL_FAILURE(SetUpDoubleNetwork(100));
  SCOPED_TRACE(absl::StrCat("L = ", loss_value_));
  ModelD& mlp = *mlp_;
  BasicGradients<double> gradients;
  mlp.Backward(cache_, d_output_, &gradients);
  ASSERT_EQ(static_cast<int>(gradients.weight.size()), mlp.num_weighted_layers());
  ASSERT_EQ(static_cast<int>(gradients.bias.size()), mlp.num_weighted_layers());

  const auto loss = [&]() {
    BasicModelCache<double> perturbed;
    mlp.Forward(x_, &perturbed);
    return Loss<double>(perturbed.output(), nullptr);
  };
  for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
    SCOPED_TRACE(absl::StrCat("layer ", i, " of ", mlp.num_weighted_layers()));
    EXPECT_THAT(
        gradients.weight[i],
        ApproxEq(NumericGradient(loss, &mlp.weighted_layer(i).weight()), kRtol, atol_));
    if (config_.bias()) {
      EXPECT_THAT(
          gradients.bias[i],
          ApproxEq(NumericGradient(loss, &mlp.weighted_layer(i).bias()), kRtol, atol_));
    } else {
      EXPECT_EQ(gradients.bias[i].size(), 0);
    }
  }
}

// dL/dh_l against central differences of L with respect to a perturbation
// added to h_l, using the reference forward pass of tests/mlp_test_util.h
// (written independently of Model::Forward).
TEST_P(MlpGradientTest, PreactivationGradientsMatchCentralDifferences) {
  ASSERT_NO_FATAL_FAILURE(SetUpDoubleNetwork(200));
  SCOPED_TRACE(absl::StrCat("L = ", loss_value_));
  const ModelD& mlp = *mlp_;
  BasicGradients<double> gradients;
  std::vector<MatrixD> d_preactivations;
  mlp.Backward(cache_, d_output_, &gradients, &d_preactivations);
  ASSERT_EQ(static_cast<int>(d_preactivations.size()), mlp.num_weighted_layers());

  for (int l = 0; l < mlp.num_weighted_layers(); ++l) {
    SCOPED_TRACE(absl::StrCat("h_", l, " of ", mlp.num_weighted_layers(), " layers"));
    MatrixD delta = MatrixD::Zero(kSamples, mlp.weighted_layer(l).units());
    const auto loss = [&]() {
      return Loss<double>(
          ReferenceForward(mlp, x_, /*start=*/0, /*perturbed=*/l, delta),
          nullptr);
    };
    EXPECT_THAT(d_preactivations[l],
                ApproxEq(NumericGradient(loss, &delta), kRtol, atol_));
  }
}

TEST_P(MlpGradientTest, FloatGradientsAgreeWithDouble) {
  Rng rng(rng_seed_ + 300);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      Model mlp, CreateMlpWithRandomBiases<float>(config_, kInputDim,
                                                loss_.classes, &rng));
  const ModelD mlp_double = mlp.Cast<double>();
  NFALAB_ASSERT_OK_AND_ASSIGN(
      const MatrixD x_double,
      GaussianInputsAwayFromKinks(mlp_double, kSamples, &rng, kAvoidKinks));
  const Matrix x = x_double.cast<float>();

  ModelCache cache;
  mlp.Forward(x, &cache);
  Matrix d_output;
  Loss(cache.output(), &d_output);
  Gradients gradients;
  mlp.Backward(cache, d_output, &gradients);

  BasicModelCache<double> cache_double;
  mlp_double.Forward(x.cast<double>(), &cache_double);
  MatrixD d_output_double;
  Loss(cache_double.output(), &d_output_double);
  BasicGradients<double> gradients_double;
  mlp_double.Backward(cache_double, d_output_double, &gradients_double);

  const double rtol =
      config_.activation() == "quadratic" ? kFloatRtolQuadratic : kFloatRtol;
  // The tolerance for `reference`, scaled by its largest entry.
  const auto atol = [rtol](const auto& reference) {
    const double largest =
        reference.size() == 0 ? 0.0 : reference.cwiseAbs().maxCoeff();
    return rtol * largest + kFloatAtol;
  };
  EXPECT_THAT(cache.output(), ApproxEq(cache_double.output(), rtol,
                                       atol(cache_double.output())));
  for (int i = 0; i < mlp.num_weighted_layers(); ++i) {
    SCOPED_TRACE(absl::StrCat("layer ", i));
    EXPECT_THAT(gradients.weight[i],
                ApproxEq(gradients_double.weight[i], rtol,
                         atol(gradients_double.weight[i])));
    EXPECT_THAT(gradients.bias[i], ApproxEq(gradients_double.bias[i], rtol,
                                            atol(gradients_double.bias[i])));
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllLossesDepthsAndActivations, MlpGradientTest,
    ::testing::Combine(::testing::Values(LossSpec{LossKind::kMse, 1},
                                         LossSpec{LossKind::kMse, 3},
                                         LossSpec{LossKind::kCrossEntropy, 3}),
                       ::testing::Bool(), ::testing::Values(0, 1, 2),
                       ::testing::Values("relu", "tanh", "gelu", "softplus",
                                         "sigmoid", "leaky_relu", "quadratic",
                                         "identity")),
    GradientParamName);

}  // namespace
}  // namespace nfalab
