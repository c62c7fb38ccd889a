// The full backward pass of the Mlp against central finite differences in
// double: dL/dW and dL/db of every entry of every layer, and dL/dh_l for every
// layer's pre-activations, for both losses, with and without bias, at depths
// 1, 2 and 3 with odd widths, for every built-in activation. Also checks that
// the float network's gradients agree with the double network's.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
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
#include "layers/mlp.h"
#include "layers/model_config.pb.h"
#include "tests/matrix_matchers.h"
#include "tests/status_matchers.h"
#include "tests/test_seed.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ApproxEq;
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
    const std::vector<int>& widths = HiddenWidths()[widths_index];
    config_.set_depth(static_cast<int>(widths.size()));
    for (int width : widths) config_.add_widths(width);
    config_.set_activation(activation);
    config_.set_bias(bias);
    // Gaussian weights keep pre-activations spread out, away from relu kinks.
    config_.set_init(ModelConfig::GAUSSIAN);
    config_.set_init_scale(1.0);

    // A different network for every parameter combination.
    rng_seed_ = TestSeed(std::hash<std::string>()(GradientParamName(
        ::testing::TestParamInfo<GradientParam>(GetParam(), 0))));
    Rng rng(rng_seed_);
    targets_ = RandomMatrix(kSamples, loss_.classes, &rng);
    labels_.resize(kSamples);
    for (int& label : labels_) {
      label = static_cast<int>(rng.UniformInt(loss_.classes));
    }
  }

  static MatrixD RandomMatrix(int rows, int cols, Rng* rng) {
    MatrixD m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng->Normal();
    return m;
  }

  // GAUSSIAN init sets biases to 0; give them random values so that a bias
  // dropped from the forward pass changes the gradients.
  template <typename Scalar>
  static void RandomiseBiases(BasicMlp<Scalar>* mlp, Rng* rng) {
    for (int i = 0; i < mlp->num_layers(); ++i) {
      VectorT<Scalar>& bias = mlp->layer(i).bias();
      for (Eigen::Index j = 0; j < bias.size(); ++j) {
        bias[j] = static_cast<Scalar>(0.5 * rng->Normal());
      }
    }
  }

  template <typename Scalar>
  double Loss(const MatrixT<Scalar>& output, MatrixT<Scalar>* d_output) const {
    if (loss_.kind == LossKind::kMse) {
      return MseLoss<Scalar>(output, targets_.cast<Scalar>(), d_output);
    }
    return SoftmaxCrossEntropyLoss<Scalar>(output, labels_, d_output);
  }

  // A batch x: [n, d] whose hidden pre-activations all have |h| >= 1e-4, so
  // that the finite-difference perturbations (which move any h by at most
  // ~1e-5) never cross a kink of relu or leaky_relu, and no pre-activation
  // sits exactly on one (a dead relu layer gives h = 0 in the next). Each row
  // is drawn independently until it qualifies.
  MatrixD InputAwayFromKinks(const MlpD& mlp, Rng* rng) const {
    constexpr double kMargin = 1e-4;
    MatrixD x(kSamples, kInputDim);
    for (int row = 0; row < kSamples; ++row) {
      for (int attempt = 0;; ++attempt) {
        if (attempt == 10000) {
          ADD_FAILURE() << "no input row away from the kinks";
          return x;
        }
        x.row(row) = RandomMatrix(1, kInputDim, rng);
        BasicMlpCache<double> cache;
        mlp.Forward(x.row(row), &cache);
        bool clear = true;
        for (int i = 0; i < mlp.depth(); ++i) {
          clear =
              clear && cache.preactivations[i].cwiseAbs().minCoeff() >= kMargin;
        }
        if (clear) break;
      }
    }
    return x;
  }

  ModelConfig config_;
  LossSpec loss_;
  uint64_t rng_seed_ = 0;
  MatrixD targets_;
  std::vector<int> labels_;
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
  Rng rng(rng_seed_ + 100);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      MlpD mlp, MlpD::Create(config_, kInputDim, loss_.classes, &rng));
  RandomiseBiases(&mlp, &rng);
  const MatrixD x = InputAwayFromKinks(mlp, &rng);

  BasicMlpCache<double> cache;
  mlp.Forward(x, &cache);
  MatrixD d_output;
  const double loss_value = Loss(cache.output(), &d_output);
  const double atol = kAtol + kAtolPerLoss * std::abs(loss_value);
  SCOPED_TRACE(absl::StrCat("L = ", loss_value));
  BasicGradients<double> gradients;
  mlp.Backward(cache, d_output, &gradients);
  ASSERT_EQ(static_cast<int>(gradients.weight.size()), mlp.num_layers());
  ASSERT_EQ(static_cast<int>(gradients.bias.size()), mlp.num_layers());

  const auto loss = [&]() {
    BasicMlpCache<double> perturbed;
    mlp.Forward(x, &perturbed);
    return Loss<double>(perturbed.output(), nullptr);
  };
  for (int i = 0; i < mlp.num_layers(); ++i) {
    SCOPED_TRACE(absl::StrCat("layer ", i, " of ", mlp.num_layers()));
    EXPECT_THAT(
        gradients.weight[i],
        ApproxEq(NumericGradient(loss, &mlp.layer(i).weight()), kRtol, atol));
    if (config_.bias()) {
      EXPECT_THAT(
          gradients.bias[i],
          ApproxEq(NumericGradient(loss, &mlp.layer(i).bias()), kRtol, atol));
    } else {
      EXPECT_EQ(gradients.bias[i].size(), 0);
    }
  }
}

// dL/dh_l against central differences of L with respect to a perturbation
// added to h_l, using a forward pass written out here.
TEST_P(MlpGradientTest, PreactivationGradientsMatchCentralDifferences) {
  Rng rng(rng_seed_ + 200);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      MlpD mlp, MlpD::Create(config_, kInputDim, loss_.classes, &rng));
  RandomiseBiases(&mlp, &rng);
  const MatrixD x = InputAwayFromKinks(mlp, &rng);

  BasicMlpCache<double> cache;
  mlp.Forward(x, &cache);
  MatrixD d_output;
  const double loss_value = Loss(cache.output(), &d_output);
  const double atol = kAtol + kAtolPerLoss * std::abs(loss_value);
  SCOPED_TRACE(absl::StrCat("L = ", loss_value));
  BasicGradients<double> gradients;
  std::vector<MatrixD> d_preactivations;
  mlp.Backward(cache, d_output, &gradients, &d_preactivations);
  ASSERT_EQ(static_cast<int>(d_preactivations.size()), mlp.num_layers());

  for (int l = 0; l < mlp.num_layers(); ++l) {
    SCOPED_TRACE(absl::StrCat("h_", l, " of ", mlp.num_layers(), " layers"));
    MatrixD delta = MatrixD::Zero(kSamples, mlp.layer(l).output_dim());
    const auto loss = [&]() {
      MatrixD a = x, h;
      for (int i = 0; i < mlp.num_layers(); ++i) {
        h = a * mlp.layer(i).weight().transpose();
        if (mlp.layer(i).has_bias()) {
          h.rowwise() += mlp.layer(i).bias().transpose();
        }
        if (i == l) h += delta;
        if (i + 1 < mlp.num_layers()) mlp.activation().Apply(h, &a);
      }
      return Loss<double>(h, nullptr);
    };
    EXPECT_THAT(d_preactivations[l],
                ApproxEq(NumericGradient(loss, &delta), kRtol, atol));
  }
}

TEST_P(MlpGradientTest, FloatGradientsAgreeWithDouble) {
  Rng rng(rng_seed_ + 300);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      Mlp mlp, Mlp::Create(config_, kInputDim, loss_.classes, &rng));
  RandomiseBiases(&mlp, &rng);
  const MlpD mlp_double = mlp.Cast<double>();
  const Matrix x = InputAwayFromKinks(mlp_double, &rng).cast<float>();

  MlpCache cache;
  mlp.Forward(x, &cache);
  Matrix d_output;
  Loss(cache.output(), &d_output);
  Gradients gradients;
  mlp.Backward(cache, d_output, &gradients);

  BasicMlpCache<double> cache_double;
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
  for (int i = 0; i < mlp.num_layers(); ++i) {
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
