// Paper §2.8 / §8 oracle 3 (ACCEPTANCE: "the SVD formula equals the direct
// cosine NFC"): nfc_cos from ComputeSingularAlignment equals
// NeuralFeatureCorrelation(W, K, 1, kCosine) for wide, tall and square W and
// random PSD K; direction_alignment_i = u_i^T K u_i / (tr K / k) from the
// test's own (Jacobi) SVD; the closed forms K = c I and rank-1 W, and a
// hand-computed diagonal case.
#include "metrics/singular_alignment.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "Eigen/SVD"
#include "core/random.h"
#include "core/tensor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/correlation.h"
#include "tests/matrix_matchers.h"
#include "tests/random_matrix.h"
#include "tests/test_seed.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ApproxEq;
using ::nfalab::testing::GaussianMatrix;
using ::nfalab::testing::TestSeed;

// Both sides are O(1) ratios of sums of a few hundred products of O(1)
// numbers computed in double along different paths (SVD vs direct
// products): they agree to ~1e-14. 1e-10 leaves room; a wrong power of S or
// a K entry in the wrong basis moves nfc_cos by > 1e-3.
constexpr double kTol = 1e-10;

// A A^T with A: [k, rank].
MatrixD RandomPsd(int k, int rank, Rng* rng) {
  const MatrixD a = GaussianMatrix(k, rank, rng);
  return a * a.transpose();
}

// (k_out, k_in): wide, tall and square.
const std::vector<std::pair<int, int>>& Shapes() {
  static const auto* shapes =
      new std::vector<std::pair<int, int>>{{4, 9}, {9, 4}, {6, 6}, {1, 5}};
  return *shapes;
}

TEST(SingularAlignmentTest, SvdFormulaEqualsDirectCosineNfc) {
  Rng rng(TestSeed(1));
  for (const auto& [k_out, k_in] : Shapes()) {
    for (int rank : {k_out, std::max(1, k_out / 2)}) {
      const MatrixD w = GaussianMatrix(k_out, k_in, &rng);
      const MatrixD k = RandomPsd(k_out, rank, &rng);
      const SingularAlignment alignment = ComputeSingularAlignment(w, k);
      const double direct =
          NeuralFeatureCorrelation(w, k, 1.0, Correlation::kCosine);
      EXPECT_NEAR(alignment.nfc_cos, direct, kTol)
          << "W [" << k_out << ", " << k_in << "], rank K " << rank;
      // Not vacuous: random K is far from isotropic, so NFC < 1.
      if (k_out > 1) {
        EXPECT_LT(direct, 1 - 1e-6);
      }
    }
  }
}

TEST(SingularAlignmentTest,
     DirectionAlignmentIsUTransposeKUOverMeanEigenvalue) {
  Rng rng(TestSeed(2));
  for (const auto& [k_out, k_in] : Shapes()) {
    const MatrixD w = GaussianMatrix(k_out, k_in, &rng);
    const MatrixD k = RandomPsd(k_out, k_out, &rng);
    const SingularAlignment alignment = ComputeSingularAlignment(w, k);
    const Eigen::MatrixXd w_col = w;
    const Eigen::JacobiSVD<Eigen::MatrixXd> svd(w_col, Eigen::ComputeThinU);
    const int count = std::min(k_out, k_in);
    ASSERT_EQ(alignment.singular_values.size(), count);
    ASSERT_EQ(alignment.direction_alignment.size(), count);
    EXPECT_THAT(alignment.singular_values,
                ApproxEq(svd.singularValues(), kTol, kTol));
    const double mean_eigenvalue = k.trace() / k_out;
    for (int i = 0; i < count; ++i) {
      if (i > 0) {
        EXPECT_GE(alignment.singular_values[i - 1],
                  alignment.singular_values[i]);
      }
      const Eigen::VectorXd u = svd.matrixU().col(i);  // Sign cancels.
      const double expected = u.dot(k * u) / mean_eigenvalue;
      EXPECT_NEAR(alignment.direction_alignment[i], expected,
                  kTol * std::max(1.0, std::abs(expected)))
          << "direction " << i;
    }
    // With k_out <= k_in, U is a full orthonormal basis of R^{k_out}, so
    // sum_i u_i^T K u_i = tr K and the alignments average to 1.
    if (k_out <= k_in) {
      EXPECT_NEAR(alignment.direction_alignment.mean(), 1.0, kTol);
    }
  }
}

TEST(SingularAlignmentTest, IsotropicKernelGivesAlignmentOneEverywhere) {
  Rng rng(TestSeed(3));
  for (const auto& [k_out, k_in] : Shapes()) {
    const MatrixD w = GaussianMatrix(k_out, k_in, &rng);
    const MatrixD k = 2.5 * MatrixD::Identity(k_out, k_out);
    const SingularAlignment alignment = ComputeSingularAlignment(w, k);
    const int count = std::min(k_out, k_in);
    EXPECT_THAT(alignment.direction_alignment,
                ApproxEq(Eigen::VectorXd::Ones(count), kTol, kTol));
    EXPECT_NEAR(alignment.nfc_cos, 1.0, kTol);
  }
}

TEST(SingularAlignmentTest, RankOneWeightGivesNfcOneForAnyPsdKernel) {
  Rng rng(TestSeed(4));
  for (const auto& [k_out, k_in] : Shapes()) {
    const MatrixD u = GaussianMatrix(k_out, 1, &rng);
    const MatrixD v = GaussianMatrix(k_in, 1, &rng);
    const MatrixD w = 3.0 * u * v.transpose();
    for (int rank : {k_out, 1}) {
      // Any PSD K with u^T K u > 0: redraw the (rare) K nearly orthogonal
      // to u, u^T K u <= 1e-3 |u|^2 tr K.
      MatrixD k = RandomPsd(k_out, rank, &rng);
      for (int attempt = 0;
           (u.transpose() * k * u)(0, 0) <= 1e-3 * u.squaredNorm() * k.trace();
           ++attempt) {
        ASSERT_LT(attempt, 100);
        k = RandomPsd(k_out, rank, &rng);
      }
      const SingularAlignment alignment = ComputeSingularAlignment(w, k);
      EXPECT_NEAR(alignment.nfc_cos, 1.0, kTol)
          << "W [" << k_out << ", " << k_in << "], rank K " << rank;
      EXPECT_NEAR(NeuralFeatureCorrelation(w, k, 1.0, Correlation::kCosine),
                  1.0, kTol);
    }
  }
}

// W = [[1, 0], [0, 2]], K = diag(1, 3), by hand:
//   W^T W = diag(1, 4), W^T K W = diag(1, 12),
//   nfc_cos = (1 + 48) / (sqrt(1 + 16) sqrt(1 + 144)),
//   s = (2, 1) with u = (e_2, e_1), tr K / k = 2, alignments (3/2, 1/2).
TEST(SingularAlignmentTest, HandComputedDiagonalCase) {
  MatrixD w(2, 2);
  w << 1, 0, 0, 2;
  MatrixD k(2, 2);
  k << 1, 0, 0, 3;
  const SingularAlignment alignment = ComputeSingularAlignment(w, k);
  EXPECT_NEAR(alignment.nfc_cos, 49 / (std::sqrt(17.0) * std::sqrt(145.0)),
              1e-14);
  ASSERT_EQ(alignment.singular_values.size(), 2);
  EXPECT_NEAR(alignment.singular_values[0], 2, 1e-14);
  EXPECT_NEAR(alignment.singular_values[1], 1, 1e-14);
  ASSERT_EQ(alignment.direction_alignment.size(), 2);
  EXPECT_NEAR(alignment.direction_alignment[0], 1.5, 1e-14);
  EXPECT_NEAR(alignment.direction_alignment[1], 0.5, 1e-14);
}

TEST(SingularAlignmentTest, ZeroWeightGivesNan) {
  const SingularAlignment alignment =
      ComputeSingularAlignment(MatrixD::Zero(3, 4), MatrixD::Identity(3, 3));
  EXPECT_TRUE(std::isnan(alignment.nfc_cos));
}

}  // namespace
}  // namespace nfalab
