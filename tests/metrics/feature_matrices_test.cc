// Paper §2.4 / §8 oracle 1 (ACCEPTANCE): the AGOP built from per-sample
// input Jacobians (BruteForceAgop) equals W^T K W
// (AverageGradientOuterProduct with K from ComputePtk) for relu, tanh and
// identity MLPs at depths 1..3 with C = 1 and C = 3, at every layer including
// the readout, in double and in float. Independently, both equal the AGOP of
// finite-difference input Jacobians d f / d x_l from the test's own forward
// pass. Also NeuralFeatureMatrix(W) = W^T W and the plain-sum option.
#include "metrics/feature_matrices.h"
#include "tests/metrics/brute_force_agop.h"

#include <algorithm>
#include <cmath>
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
#include "layers/model_config.pb.h"
#include "layers/sequential.h"
#include "metrics/ptk.h"
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
using ::nfalab::testing::ReferenceForward;
using ::nfalab::testing::ReferencePreactivation;
using ::nfalab::testing::TestSeed;

constexpr int kInputDim = 5;
constexpr int kSamples = 9;

// Brute force vs W^T K W are the same sums of products in different orders:
// in double they agree to ~1e-14 relative to the largest entry, so 1e-10
// (relative per entry, plus 1e-10 of the largest entry for entries that
// cancel to ~0) has a wide margin. In float both sides are built from float
// PTFs (~1e-7 relative each) summed over n C terms: 1e-4 of the largest
// entry. A wrong chain rule (a missing phi', the wrong layer, a missing
// output c) is off by O(1).
constexpr double kDoubleTol = 1e-10;
constexpr double kFloatTol = 1e-4;

// Central differences (step 1e-6, double) give Jacobian entries within
// ~1e-10 of the exact ones; their AGOP is within ~1e-9 of the exact AGOP
// relative to its largest entry. Tolerance 1e-6 relative + 1e-7 of the
// largest entry.
constexpr double kStep = 1e-6;
constexpr double kFdRtol = 1e-6;
constexpr double kFdAtolPerMax = 1e-7;

std::vector<int> WidthsForDepth(int depth) {
  switch (depth) {
    case 1:
      return {6};
    case 2:
      return {7, 4};
    default:
      return {4, 6, 5};
  }
}

double MaxAbs(const MatrixD& m) { return m.cwiseAbs().maxCoeff(); }

// x_l of one sample: the input of layer `layer`, from the test's own forward
// pass (h = a W^T + b, a = phi(h)).
MatrixD LayerInput(const ModelD& mlp, const MatrixD& x, int layer) {
  MatrixD a = x;
  for (int l = 0; l < layer; ++l) {
    testing::MlpActivation(mlp).Apply(ReferencePreactivation(mlp.weighted_layer(l), a), &a);
  }
  return a;
}

// (1/n) sum_i J_i^T J_i with J_i = d f(x_i) / d x_l by central differences.
MatrixD FiniteDifferenceAgop(const ModelD& mlp, const MatrixD& x, int layer) {
  const int k_in = mlp.weighted_layer(layer).fan_in();
  MatrixD agop = MatrixD::Zero(k_in, k_in);
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    const MatrixD x_l = LayerInput(mlp, x.row(i), layer);
    MatrixD jacobian(mlp.output_dim(), k_in);
    for (int j = 0; j < k_in; ++j) {
      MatrixD plus = x_l, minus = x_l;
      plus(0, j) += kStep;
      minus(0, j) -= kStep;
      jacobian.col(j) = ((ReferenceForward(mlp, plus, layer) -
                          ReferenceForward(mlp, minus, layer)) /
                         (2 * kStep))
                            .transpose();
    }
    agop += jacobian.transpose() * jacobian;
  }
  return agop / static_cast<double>(x.rows());
}

// The AGOP of every layer as W^T K W.
template <typename Scalar>
std::vector<MatrixD> AgopFromPtk(const BasicSequential<Scalar>& mlp,
                                 const MatrixT<Scalar>& x) {
  std::vector<int> layers(mlp.num_weighted_layers());
  for (int l = 0; l < mlp.num_weighted_layers(); ++l) layers[l] = l;
  absl::StatusOr<std::vector<MatrixD>> k =
      ComputePtk(mlp, x, layers, PtkOptions());
  EXPECT_TRUE(k.ok()) << k.status();
  std::vector<MatrixD> agop;
  for (int l = 0; l < mlp.num_weighted_layers(); ++l) {
    agop.push_back(AverageGradientOuterProduct(
        mlp.weighted_layer(l).weight().template cast<double>(), (*k)[l]));
  }
  return agop;
}

using AgopParam = std::tuple</*activation=*/std::string, /*depth=*/int,
                             /*outputs=*/int>;

std::string AgopParamName(const ::testing::TestParamInfo<AgopParam>& info) {
  const auto& [activation, depth, outputs] = info.param;
  return absl::StrCat(activation, "Depth", depth, "C", outputs);
}

class AgopIdentityTest : public ::testing::TestWithParam<AgopParam> {
 protected:
  void SetUp() override {
    const auto& [activation, depth, outputs] = GetParam();
    Rng rng(TestSeed(std::hash<std::string>()(
        AgopParamName(::testing::TestParamInfo<AgopParam>(GetParam(), 0)))));
    NFALAB_ASSERT_OK_AND_ASSIGN(
        mlp_, CreateMlpWithRandomBiases(
                  GaussianMlpConfig(activation, WidthsForDepth(depth),
                                    /*bias=*/false),
                  kInputDim, outputs, &rng));
    NFALAB_ASSERT_OK_AND_ASSIGN(
        x_, GaussianInputsAwayFromKinks(*mlp_, kSamples, &rng));
  }

  std::optional<ModelD> mlp_;
  MatrixD x_;
};

TEST_P(AgopIdentityTest, BruteForceEqualsWTransposeKWInDouble) {
  const std::vector<MatrixD> agop = AgopFromPtk(*mlp_, x_);
  for (int l = 0; l < mlp_->num_weighted_layers(); ++l) {
    const MatrixD brute = BruteForceAgop(*mlp_, x_, l);
    EXPECT_THAT(agop[l],
                ApproxEq(brute, kDoubleTol, kDoubleTol * MaxAbs(brute)))
        << "layer " << l;
  }
}

TEST_P(AgopIdentityTest, BruteForceEqualsWTransposeKWInFloat) {
  const Model mlp = mlp_->Cast<float>();
  const Matrix x = x_.cast<float>();
  const std::vector<MatrixD> agop = AgopFromPtk(mlp, x);
  for (int l = 0; l < mlp.num_weighted_layers(); ++l) {
    const MatrixD brute = BruteForceAgop(mlp, x, l);
    EXPECT_THAT(agop[l], ApproxEq(brute, kFloatTol, kFloatTol * MaxAbs(brute)))
        << "layer " << l;
  }
}

TEST_P(AgopIdentityTest, PlainSumIsNTimesTheMean) {
  for (int l = 0; l < mlp_->num_weighted_layers(); ++l) {
    const MatrixD mean = BruteForceAgop(*mlp_, x_, l);
    const MatrixD sum = BruteForceAgop(*mlp_, x_, l, /*normalize_by_n=*/false);
    const MatrixD expected = mean * static_cast<double>(kSamples);
    EXPECT_THAT(sum, ApproxEq(expected, 1e-12, 1e-12 * MaxAbs(expected)))
        << "layer " << l;
  }
}

INSTANTIATE_TEST_SUITE_P(
    ActivationsDepthsOutputs, AgopIdentityTest,
    ::testing::Combine(::testing::Values("relu", "tanh", "identity"),
                       ::testing::Values(1, 2, 3), ::testing::Values(1, 3)),
    AgopParamName);

// The independent check: the AGOP of finite-difference input Jacobians
// d f / d x_l (the test's own forward pass from layer l, with x_l
// perturbed) at every layer of a small tanh network with bias and C = 3,
// and of a relu network with C = 2.
TEST(AgopFiniteDifferenceTest, MatchesFiniteDifferenceInputJacobians) {
  Rng rng(TestSeed(21));
  for (const std::string activation : {"tanh", "relu"}) {
    NFALAB_ASSERT_OK_AND_ASSIGN(
        const ModelD mlp,
        CreateMlpWithRandomBiases(
            GaussianMlpConfig(activation, WidthsForDepth(2), /*bias=*/true),
            kInputDim, activation == "tanh" ? 3 : 2, &rng));
    NFALAB_ASSERT_OK_AND_ASSIGN(
        const MatrixD x, GaussianInputsAwayFromKinks(mlp, /*n=*/6, &rng));
    const std::vector<MatrixD> agop = AgopFromPtk(mlp, x);
    for (int l = 0; l < mlp.num_weighted_layers(); ++l) {
      const MatrixD fd = FiniteDifferenceAgop(mlp, x, l);
      const double atol = kFdAtolPerMax * MaxAbs(fd);
      EXPECT_THAT(agop[l], ApproxEq(fd, kFdRtol, atol))
          << activation << " layer " << l;
      EXPECT_THAT(BruteForceAgop(mlp, x, l), ApproxEq(fd, kFdRtol, atol))
          << activation << " layer " << l;
    }
  }
}

// Hand-written loops for W^T W and W^T K W with a random PSD K, on wide,
// tall and square W; both results exactly symmetric.
TEST(FeatureMatricesTest, NfmAndAgopEqualTheirDefinitions) {
  Rng rng(TestSeed(31));
  for (const auto& [rows, cols] :
       std::vector<std::pair<int, int>>{{3, 7}, {8, 4}, {5, 5}}) {
    const MatrixD w = GaussianMatrix(rows, cols, &rng);
    const MatrixD a = GaussianMatrix(rows, rows, &rng);
    const MatrixD k = a * a.transpose();
    MatrixD nfm = MatrixD::Zero(cols, cols), agop = MatrixD::Zero(cols, cols);
    for (int i = 0; i < cols; ++i) {
      for (int j = 0; j < cols; ++j) {
        for (int r = 0; r < rows; ++r) {
          nfm(i, j) += w(r, i) * w(r, j);
          for (int s = 0; s < rows; ++s)
            agop(i, j) += w(r, i) * k(r, s) * w(s, j);
        }
      }
    }
    const MatrixD got_nfm = NeuralFeatureMatrix(w);
    const MatrixD got_agop = AverageGradientOuterProduct(w, k);
    EXPECT_THAT(got_nfm, ApproxEq(nfm, 1e-12, 1e-12 * MaxAbs(nfm)));
    EXPECT_THAT(got_agop, ApproxEq(agop, 1e-12, 1e-12 * MaxAbs(agop)));
    EXPECT_THAT(got_nfm, ApproxEq(MatrixD(got_nfm.transpose()), 0.0, 0.0));
    EXPECT_THAT(got_agop, ApproxEq(MatrixD(got_agop.transpose()), 0.0, 0.0));
  }
}

// With K = I the AGOP is the NFM.
TEST(FeatureMatricesTest, AgopWithIdentityKernelIsTheNfm) {
  Rng rng(TestSeed(41));
  const MatrixD w = GaussianMatrix(6, 4, &rng);
  EXPECT_THAT(AverageGradientOuterProduct(w, MatrixD::Identity(6, 6)),
              ApproxEq(NeuralFeatureMatrix(w), 1e-14, 1e-14));
}

}  // namespace
}  // namespace nfalab
