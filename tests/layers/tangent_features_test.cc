// ComputeTangentFeatures (paper §2.3) against central finite differences in
// double: every row g_{l,ic} = d f_c(x_i) / d h_l of every layer equals the
// derivative of the output with respect to a perturbation p added to h_l,
// computed with the test's own forward pass, for relu, tanh, gelu and
// identity networks of depth 1..3 with C = 1 and 3 outputs, with and without
// bias. Also: the readout's features are exactly the unit vectors e_c, the
// chunk layout is [m * C, k] with row i * C + c, a chunk equals its rows
// computed one at a time, the cache keeps the forward pass, and the float
// network agrees with the double one.
#include "layers/tangent_features.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/random.h"
#include "core/tensor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "layers/sequential.h"
#include "layers/model_config.pb.h"
#include "tests/matrix_matchers.h"
#include "tests/mlp_test_util.h"
#include "tests/status_matchers.h"
#include "tests/test_seed.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ApproxEq;
using ::nfalab::testing::CreateMlpWithRandomBiases;
using ::nfalab::testing::FiniteDifferencePtf;
using ::nfalab::testing::GaussianInputsAwayFromKinks;
using ::nfalab::testing::GaussianMlpConfig;
using ::nfalab::testing::ReferenceForward;
using ::nfalab::testing::TestSeed;

// Central differences with step 1e-6 in double: the truncation error is
// ~ step^2 |f'''| / 6 ~ 1e-12 and the rounding error ~ eps |f| / step
// ~ 1e-10 for outputs of order 1. The tolerance
//   |analytic - fd| <= 1e-7 + 1e-6 |fd|
// leaves a wide margin over both; a wrong term (a missing phi', a transposed
// weight, rows in the wrong order) is off by O(|fd|) ~ 0.1..1 instead.
constexpr double kStep = 1e-6;
constexpr double kFdRtol = 1e-6;
constexpr double kFdAtol = 1e-7;

constexpr int kInputDim = 4;
constexpr int kSamples = 4;  // m, the rows of the chunk.

// Hidden widths for depth 1, 2, 3 (odd and uneven, so a transposed weight
// changes shapes).
std::vector<int> WidthsForDepth(int depth) {
  switch (depth) {
    case 1:
      return {5};
    case 2:
      return {4, 6};
    default:
      return {6, 3, 5};
  }
}

using TangentParam = std::tuple</*activation=*/std::string, /*depth=*/int,
                                /*outputs=*/int, /*bias=*/bool>;

std::string TangentParamName(
    const ::testing::TestParamInfo<TangentParam>& info) {
  const auto& [activation, depth, outputs, bias] = info.param;
  return absl::StrCat(activation, "Depth", depth, "C", outputs,
                      bias ? "Bias" : "NoBias");
}

class TangentFeaturesTest : public ::testing::TestWithParam<TangentParam> {
 protected:
  void SetUp() override {
    const auto& [activation, depth, outputs, bias] = GetParam();
    outputs_ = outputs;
    Rng rng(TestSeed(std::hash<std::string>()(TangentParamName(
        ::testing::TestParamInfo<TangentParam>(GetParam(), 0)))));
    // Gaussian weights keep pre-activations spread out; random biases make a
    // dropped bias visible.
    NFALAB_ASSERT_OK_AND_ASSIGN(
        mlp_, CreateMlpWithRandomBiases(
                  GaussianMlpConfig(activation, WidthsForDepth(depth), bias),
                  kInputDim, outputs, &rng));
    // Relu kinks: every hidden pre-activation of the inputs has |h| >= 1e-3
    // (the default KinkAvoidance), far more than the ~1e-5 a finite-difference
    // perturbation can move it, so no difference quotient straddles a kink.
    NFALAB_ASSERT_OK_AND_ASSIGN(
        x_, GaussianInputsAwayFromKinks(*mlp_, kSamples, &rng));
  }

  int outputs_ = 0;
  std::optional<ModelD> mlp_;
  MatrixD x_;
};

TEST_P(TangentFeaturesTest, EveryRowMatchesFiniteDifferencesOfTheOutput) {
  std::vector<MatrixD> features;
  ComputeTangentFeatures(*mlp_, x_, &features);
  ASSERT_EQ(static_cast<int>(features.size()), mlp_->num_weighted_layers());
  for (int l = 0; l < mlp_->num_weighted_layers(); ++l) {
    for (int i = 0; i < kSamples; ++i) {
      const MatrixD fd = FiniteDifferencePtf(*mlp_, x_.row(i), l, kStep);
      // Rows i * C .. i * C + C - 1 are g_{l, i c} for c = 0..C-1.
      EXPECT_THAT(MatrixD(features[l].middleRows(i * outputs_, outputs_)),
                  ApproxEq(fd, kFdRtol, kFdAtol))
          << "layer " << l << ", sample " << i;
    }
  }
}

TEST_P(TangentFeaturesTest, ChunkIsMTimesCRowsByLayerWidth) {
  std::vector<MatrixD> features;
  ComputeTangentFeatures(*mlp_, x_, &features);
  ASSERT_EQ(static_cast<int>(features.size()), mlp_->num_weighted_layers());
  for (int l = 0; l < mlp_->num_weighted_layers(); ++l) {
    EXPECT_EQ(features[l].rows(), kSamples * outputs_) << "layer " << l;
    EXPECT_EQ(features[l].cols(), mlp_->weighted_layer(l).units()) << "layer " << l;
  }
}

TEST_P(TangentFeaturesTest, ReadoutFeaturesAreUnitVectors) {
  std::vector<MatrixD> features;
  ComputeTangentFeatures(*mlp_, x_, &features);
  const MatrixD& readout = features.back();
  ASSERT_EQ(readout.rows(), kSamples * outputs_);
  ASSERT_EQ(readout.cols(), outputs_);
  for (int i = 0; i < kSamples; ++i) {
    for (int c = 0; c < outputs_; ++c) {
      for (int j = 0; j < outputs_; ++j) {
        EXPECT_EQ(readout(i * outputs_ + c, j), c == j ? 1.0 : 0.0)
            << "sample " << i << ", output " << c << ", entry " << j;
      }
    }
  }
}

// Samples are independent: a chunk's rows equal those of each sample alone.
// (Tolerance 1e-12 relative: only the GEMM blocking differs.)
TEST_P(TangentFeaturesTest, ChunkRowsEqualSingleSampleFeatures) {
  std::vector<MatrixD> chunk;
  ComputeTangentFeatures(*mlp_, x_, &chunk);
  for (int i = 0; i < kSamples; ++i) {
    std::vector<MatrixD> single;
    ComputeTangentFeatures(*mlp_, MatrixD(x_.row(i)), &single);
    for (int l = 0; l < mlp_->num_weighted_layers(); ++l) {
      EXPECT_THAT(MatrixD(chunk[l].middleRows(i * outputs_, outputs_)),
                  ApproxEq(single[l], 1e-12, 1e-14))
          << "layer " << l << ", sample " << i;
    }
  }
}

TEST_P(TangentFeaturesTest, CacheKeepsTheForwardPass) {
  std::vector<MatrixD> features;
  BasicModelCache<double> cache;
  ComputeTangentFeatures(*mlp_, x_, &features, &cache);
  ASSERT_EQ(static_cast<int>(cache.outputs.size()), mlp_->num_layers());
  EXPECT_THAT(cache.input, ApproxEq(x_, 0.0, 0.0));
  MatrixD expected(kSamples, outputs_);
  for (int i = 0; i < kSamples; ++i) {
    expected.row(i) = ReferenceForward(*mlp_, x_.row(i), 0, -1, MatrixD());
  }
  EXPECT_THAT(cache.output(), ApproxEq(expected, 1e-12, 1e-14));
}

// The float instantiation on the same weights: float rounding, relative to
// the largest feature of the layer, stays below 1e-4 (errors are ~1e-6); a
// float-only bug would be O(1).
TEST_P(TangentFeaturesTest, FloatNetworkMatchesDouble) {
  const Model mlp_float = mlp_->Cast<float>();
  std::vector<Matrix> features_float;
  ComputeTangentFeatures(mlp_float, Matrix(x_.cast<float>()), &features_float);
  std::vector<MatrixD> features;
  ComputeTangentFeatures(*mlp_, MatrixD(x_.cast<float>().cast<double>()),
                         &features);
  ASSERT_EQ(features_float.size(), features.size());
  for (size_t l = 0; l < features.size(); ++l) {
    const double scale = std::max(1.0, features[l].cwiseAbs().maxCoeff());
    EXPECT_THAT(features_float[l], ApproxEq(features[l], 1e-4, 1e-4 * scale))
        << "layer " << l;
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllActivationsDepthsOutputsAndBias, TangentFeaturesTest,
    ::testing::Combine(::testing::Values("relu", "tanh", "gelu", "identity"),
                       ::testing::Values(1, 2, 3), ::testing::Values(1, 3),
                       ::testing::Bool()),
    TangentParamName);

}  // namespace
}  // namespace nfalab
