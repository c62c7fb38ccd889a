// Correlations, SymmetricMatrixPower and the NFC: hand-computed cases, the
// invariances of paper §8 (oracle 2), a float-accumulation check against a
// plain double oracle, the undefined (NaN) cases, and the closed-form NFC
// identities of paper §2.8.
#include "metrics/correlation.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "Eigen/Core"
#include "Eigen/Eigenvalues"
#include "Eigen/QR"
#include "Eigen/SVD"
#include "core/random.h"
#include "core/tensor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/matrix_matchers.h"
#include "tests/test_seed.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ApproxEq;
using ::nfalab::testing::TestSeed;

constexpr Correlation kBothKinds[] = {Correlation::kPearson,
                                      Correlation::kCosine};

MatrixD Gaussian(int rows, int cols, Rng& rng) {
  MatrixD m(rows, cols);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) m(r, c) = rng.Normal();
  }
  return m;
}

// Haar-ish random orthogonal matrix: Q of the QR of a Gaussian matrix.
MatrixD RandomOrthogonal(int n, Rng& rng) {
  const Eigen::MatrixXd g = Gaussian(n, n, rng);
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
  return qr.householderQ() * Eigen::MatrixXd::Identity(n, n);
}

// G G^T with G: [n, rank], PSD of the given rank.
MatrixD RandomPsd(int n, int rank, Rng& rng) {
  const MatrixD g = Gaussian(n, rank, rng);
  return g * g.transpose();
}

// Eigenvalues of a symmetric matrix, ascending.
Eigen::VectorXd Eigenvalues(const MatrixD& a) {
  const Eigen::MatrixXd sym = a;
  return Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(sym).eigenvalues();
}

// The plain textbook oracle: two passes over the entries in long double.
double OraclePearson(const MatrixD& a, const MatrixD& b) {
  long double mean_a = 0, mean_b = 0;
  for (Eigen::Index i = 0; i < a.size(); ++i) {
    mean_a += a.data()[i];
    mean_b += b.data()[i];
  }
  mean_a /= a.size();
  mean_b /= b.size();
  long double ab = 0, aa = 0, bb = 0;
  for (Eigen::Index i = 0; i < a.size(); ++i) {
    const long double x = a.data()[i] - mean_a, y = b.data()[i] - mean_b;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return static_cast<double>(ab / std::sqrt(aa * bb));
}

double OracleCosine(const MatrixD& a, const MatrixD& b) {
  long double ab = 0, aa = 0, bb = 0;
  for (Eigen::Index i = 0; i < a.size(); ++i) {
    const long double x = a.data()[i], y = b.data()[i];
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return static_cast<double>(ab / std::sqrt(aa * bb));
}

// What an implementation accumulating in float would report (one running
// float sum per quantity, like a naive loop over a float matrix).
double FloatAccumulatedPearson(const Matrix& a, const Matrix& b) {
  float mean_a = 0, mean_b = 0;
  for (Eigen::Index i = 0; i < a.size(); ++i) {
    mean_a += a.data()[i];
    mean_b += b.data()[i];
  }
  mean_a /= a.size();
  mean_b /= b.size();
  float ab = 0, aa = 0, bb = 0;
  for (Eigen::Index i = 0; i < a.size(); ++i) {
    const float x = a.data()[i] - mean_a, y = b.data()[i] - mean_b;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return ab / std::sqrt(aa * bb);
}

// ---------------------------------------------------------------------------
// Correlations.

TEST(CorrelationTest, SuffixNamesTheColumns) {
  EXPECT_EQ(CorrelationSuffix(Correlation::kPearson), "");
  EXPECT_EQ(CorrelationSuffix(Correlation::kCosine), "_cos");
}

TEST(CorrelationTest, MatchesHandComputedTwoByTwoCase) {
  const MatrixD a{{1, 2}, {3, 4}};
  const MatrixD b{{2, 0}, {1, 3}};
  // Cosine: <A, B> = 1*2 + 2*0 + 3*1 + 4*3 = 17, |A|^2 = 1 + 4 + 9 + 16 = 30,
  // |B|^2 = 4 + 0 + 1 + 9 = 14, so rho_cos = 17 / sqrt(420) = 0.82951...
  const double expected_cos = 17.0 / std::sqrt(420.0);
  EXPECT_NEAR(CosineSimilarity(a, b), expected_cos, 1e-15);
  EXPECT_NEAR(Correlate(Correlation::kCosine, a, b), expected_cos, 1e-15);
  // Pearson: mean(A) = 2.5, centred A = [-1.5, -0.5; 0.5, 1.5];
  // mean(B) = 1.5, centred B = [0.5, -1.5; -0.5, 1.5].
  // <A_c, B_c> = -0.75 + 0.75 - 0.25 + 2.25 = 2,
  // |A_c|^2 = 2.25 + 0.25 + 0.25 + 2.25 = 5, |B_c|^2 = 0.25 + 2.25 + 0.25 +
  // 2.25 = 5, so rho_P = 2 / sqrt(5 * 5) = 0.4.
  EXPECT_NEAR(PearsonCorrelation(a, b), 0.4, 1e-15);
  EXPECT_NEAR(Correlate(Correlation::kPearson, a, b), 0.4, 1e-15);
  // Symmetric in its arguments.
  EXPECT_NEAR(PearsonCorrelation(b, a), 0.4, 1e-15);
  EXPECT_NEAR(CosineSimilarity(b, a), expected_cos, 1e-15);
}

TEST(CorrelationTest, MatchesLongDoubleOracleOnRandomMatrices) {
  Rng rng(TestSeed(1));
  for (int trial = 0; trial < 5; ++trial) {
    // Shapes include a row, a column and non-square matrices.
    const int rows = 1 + static_cast<int>(rng.UniformInt(9));
    const int cols = 2 + static_cast<int>(rng.UniformInt(9));
    const MatrixD a = Gaussian(rows, cols, rng);
    const MatrixD b = Gaussian(rows, cols, rng) + 0.5 * a;
    EXPECT_NEAR(PearsonCorrelation(a, b), OraclePearson(a, b), 1e-14);
    EXPECT_NEAR(CosineSimilarity(a, b), OracleCosine(a, b), 1e-14);
  }
}

TEST(CorrelationTest, IsOneWithItselfAndMinusOneWithItsNegation) {
  Rng rng(TestSeed(2));
  for (int trial = 0; trial < 5; ++trial) {
    const MatrixD a = Gaussian(6, 4, rng);
    for (Correlation kind : kBothKinds) {
      SCOPED_TRACE(CorrelationSuffix(kind));
      EXPECT_NEAR(Correlate(kind, a, a), 1.0, 1e-14);
      EXPECT_NEAR(Correlate(kind, a, MatrixD(-a)), -1.0, 1e-14);
    }
  }
}

TEST(CorrelationTest, IsBoundedByOneOnRandomMatrices) {
  Rng rng(TestSeed(3));
  for (int trial = 0; trial < 50; ++trial) {
    const MatrixD a = Gaussian(3, 3, rng);
    // Nearly parallel pairs probe the clamp against round-off.
    const MatrixD b = trial % 2 == 0 ? Gaussian(3, 3, rng)
                                     : MatrixD(a * 3.0 + 1e-9 * a.cwiseAbs());
    for (Correlation kind : kBothKinds) {
      const double rho = Correlate(kind, a, b);
      EXPECT_LE(std::abs(rho), 1.0) << "trial " << trial;
    }
  }
}

TEST(CorrelationTest, IsInvariantToScalingEitherArgument) {
  Rng rng(TestSeed(4));
  const MatrixD a = Gaussian(5, 5, rng);
  const MatrixD b = Gaussian(5, 5, rng) + a;
  for (Correlation kind : kBothKinds) {
    SCOPED_TRACE(CorrelationSuffix(kind));
    const double rho = Correlate(kind, a, b);
    ASSERT_GT(std::abs(rho), 0.1);  // A non-trivial reference value.
    // Tolerance: a few ulps of round-off from the scaled entries.
    EXPECT_NEAR(Correlate(kind, MatrixD(3.7 * a), b), rho, 1e-14);
    EXPECT_NEAR(Correlate(kind, a, MatrixD(0.01 * b)), rho, 1e-14);
    EXPECT_NEAR(Correlate(kind, MatrixD(250.0 * a), MatrixD(1e-3 * b)), rho,
                1e-14);
    // A negative factor flips the sign.
    EXPECT_NEAR(Correlate(kind, MatrixD(-2.0 * a), b), -rho, 1e-14);
    EXPECT_NEAR(Correlate(kind, a, MatrixD(-0.5 * b)), -rho, 1e-14);
    EXPECT_NEAR(Correlate(kind, MatrixD(-2.0 * a), MatrixD(-0.5 * b)), rho,
                1e-14);
  }
}

TEST(CorrelationTest, SurvivesEntriesWhoseSquaresUnderflowOrOverflow) {
  Rng rng(TestSeed(5));
  const MatrixD a = Gaussian(4, 6, rng);
  const MatrixD b = Gaussian(4, 6, rng) - a;
  for (Correlation kind : kBothKinds) {
    SCOPED_TRACE(CorrelationSuffix(kind));
    const double rho = Correlate(kind, a, b);
    // Squares of 1e-300 underflow to 0 and of 1e300 overflow to inf in a
    // direct computation; scaling by a power of two keeps the digits.
    EXPECT_NEAR(Correlate(kind, MatrixD(1e-300 * a), b), rho, 1e-13);
    EXPECT_NEAR(Correlate(kind, MatrixD(1e300 * a), b), rho, 1e-13);
    EXPECT_NEAR(Correlate(kind, MatrixD(1e300 * a), MatrixD(1e-300 * b)), rho,
                1e-13);
  }
}

TEST(CorrelationTest, PearsonIgnoresAConstantShiftButCosineDoesNot) {
  Rng rng(TestSeed(6));
  const MatrixD g = Gaussian(6, 6, rng);
  const MatrixD a = g.array() - g.mean();  // Exactly centred up to round-off.
  const MatrixD b = a.array() + 1.0;
  const MatrixD shifted_a = a.array() - 5.0;
  const MatrixD shifted_b = (b + Gaussian(6, 6, rng)).array() + 3.0;
  const double pearson = PearsonCorrelation(a, shifted_b);
  ASSERT_GT(std::abs(pearson), 0.1);  // A non-trivial reference value.
  // Tolerance: the shift rounds each entry by up to ~1e-15 relative.
  EXPECT_NEAR(PearsonCorrelation(a, b), 1.0, 1e-13);
  EXPECT_NEAR(PearsonCorrelation(shifted_a, b), 1.0, 1e-13);
  EXPECT_NEAR(PearsonCorrelation(shifted_a, shifted_b), pearson, 1e-13);
  EXPECT_NEAR(PearsonCorrelation(a, MatrixD(shifted_b.array() - 40.0)), pearson,
              1e-13);
  // With S = |A|_F^2 / 36 (about 1) and sum(A) = 0:
  // rho_cos(A, A + 1) = sqrt(S / (S + 1)), about 0.7, while
  // rho_cos(A - 5, A + 1) = (S - 5) / sqrt((S + 25)(S + 1)), about -0.55.
  const double s = a.squaredNorm() / 36.0;
  EXPECT_NEAR(CosineSimilarity(a, b), std::sqrt(s / (s + 1)), 1e-13);
  EXPECT_NEAR(CosineSimilarity(shifted_a, b),
              (s - 5) / std::sqrt((s + 25) * (s + 1)), 1e-13);
  EXPECT_GT(std::abs(CosineSimilarity(shifted_a, b) - CosineSimilarity(a, b)),
            0.5);
}

TEST(CorrelationTest, CosineIsInvariantToAJointOrthogonalSimilarity) {
  Rng rng(TestSeed(7));
  constexpr int kN = 6;
  // PSD arguments, like the NFM and the AGOP.
  const MatrixD a = RandomPsd(kN, kN, rng);
  const MatrixD b = RandomPsd(kN, kN, rng) + a;
  const MatrixD q = RandomOrthogonal(kN, rng);
  ASSERT_THAT(MatrixD(q.transpose() * q),
              ApproxEq(MatrixD::Identity(kN, kN), 0.0, 1e-13));
  const MatrixD qa = q * a * q.transpose();
  const MatrixD qb = q * b * q.transpose();
  EXPECT_NEAR(CosineSimilarity(qa, qb), CosineSimilarity(a, b), 1e-13);
}

TEST(CorrelationTest, PearsonIsNotInvariantToAnOrthogonalSimilarity) {
  // Paper §8: Pearson centres with the all-ones matrix, which a rotation does
  // not fix. A = diag(3, 1), B = diag(1, 2) and Q the rotation by 45 degrees:
  //   Q A Q^T = [2, 1; 1, 2],   Q B Q^T = [1.5, -0.5; -0.5, 1.5].
  // Before: means 1 and 0.75, A_c = (2, -1, -1, 0),
  //   B_c = (0.25, -0.75, -0.75, 1.25); <A_c, B_c> = 0.5 + 0.75 + 0.75 = 2,
  //   |A_c|^2 = 6, |B_c|^2 = 2.75, so rho_P = 2 / sqrt(16.5) = 0.4924.
  // After: A_c = 0.5 (1, -1, -1, 1) and B_c = (1, -1, -1, 1): rho_P = 1.
  // The cosine is 5 / sqrt(10 * 5) = 1 / sqrt(2) both times.
  const MatrixD a{{3, 0}, {0, 1}};
  const MatrixD b{{1, 0}, {0, 2}};
  const double h = 1 / std::sqrt(2.0);
  const MatrixD q{{h, -h}, {h, h}};
  const MatrixD qa = q * a * q.transpose();
  const MatrixD qb = q * b * q.transpose();
  EXPECT_THAT(qa, ApproxEq(MatrixD{{2, 1}, {1, 2}}, 0.0, 1e-15));
  EXPECT_THAT(qb, ApproxEq(MatrixD{{1.5, -0.5}, {-0.5, 1.5}}, 0.0, 1e-15));
  EXPECT_NEAR(PearsonCorrelation(a, b), 2 / std::sqrt(16.5), 1e-15);
  EXPECT_NEAR(PearsonCorrelation(qa, qb), 1.0, 1e-14);
  EXPECT_GT(std::abs(PearsonCorrelation(qa, qb) - PearsonCorrelation(a, b)),
            1e-3);
  EXPECT_NEAR(CosineSimilarity(a, b), h, 1e-15);
  EXPECT_NEAR(CosineSimilarity(qa, qb), h, 1e-15);
}

TEST(CorrelationTest, PearsonIsInvariantToAJointPermutation) {
  // A permutation P fixes the all-ones matrix, so unlike a general rotation
  // it leaves the Pearson correlation unchanged.
  Rng rng(TestSeed(8));
  const MatrixD a = Gaussian(5, 5, rng);
  const MatrixD b = Gaussian(5, 5, rng) + a;
  std::vector<int> order = {0, 1, 2, 3, 4};
  rng.Shuffle(&order);
  MatrixD p = MatrixD::Zero(5, 5);
  for (int i = 0; i < 5; ++i) p(i, order[i]) = 1;
  EXPECT_NEAR(PearsonCorrelation(MatrixD(p * a * p.transpose()),
                                 MatrixD(p * b * p.transpose())),
              PearsonCorrelation(a, b), 1e-14);
}

TEST(CorrelationTest, PearsonCorrectsTheRoundingErrorOfTheMean) {
  // Entries 1 + k eps with small integers k: a double sum of 10^4 values
  // near 1 drops the k eps parts, so the rounded mean is off by several eps,
  // as much as the spread of the entries. The corrected two-pass formula
  // S_xy = sum x y - (sum x)(sum y) / n removes that error, and since Pearson
  // ignores shift and scale, the answer is rho_P of the integers k.
  Rng rng(TestSeed(22));
  constexpr int kN = 100;
  constexpr double kEps = std::numeric_limits<double>::epsilon();
  MatrixD k_a(kN, kN), k_b(kN, kN), a(kN, kN), b(kN, kN);
  for (int r = 0; r < kN; ++r) {
    for (int c = 0; c < kN; ++c) {
      k_a(r, c) = static_cast<double>(rng.UniformInt(10));
      k_b(r, c) = k_a(r, c) + static_cast<double>(rng.UniformInt(10));
      a(r, c) = 1 + k_a(r, c) * kEps;  // Exact: 1 + k eps is representable.
      b(r, c) = 1 + k_b(r, c) * kEps;
    }
  }
  const double expected = OraclePearson(k_a, k_b);
  EXPECT_NEAR(expected, 1 / std::sqrt(2.0), 0.05);  // Sanity.
  EXPECT_NEAR(PearsonCorrelation(a, b), expected, 1e-12);
}

TEST(CorrelationTest, AccumulatesFloatInputsInDouble) {
  // 2000 x 2000 entries 1 + 1e-3 u: nearly equal values whose float sums
  // lose the digits that carry the correlation.
  Rng rng(TestSeed(9));
  constexpr int kN = 2000;
  Matrix a(kN, kN), b(kN, kN);
  for (int r = 0; r < kN; ++r) {
    for (int c = 0; c < kN; ++c) {
      const double u = rng.Normal(), v = rng.Normal();
      a(r, c) = static_cast<float>(1.0 + 1e-3 * u);
      b(r, c) = static_cast<float>(1.0 + 1e-3 * (u + v));
    }
  }
  // The oracle sees exactly the same (float-rounded) values.
  const MatrixD a_d = a.cast<double>(), b_d = b.cast<double>();
  const double oracle_pearson = OraclePearson(a_d, b_d);
  const double oracle_cosine = OracleCosine(a_d, b_d);
  EXPECT_NEAR(oracle_pearson, 1 / std::sqrt(2.0), 0.01);  // Sanity.
  // Tolerance: double round-off over 4e6 terms, far below float's.
  EXPECT_NEAR(PearsonCorrelation(a, b), oracle_pearson, 1e-9);
  EXPECT_NEAR(CosineSimilarity(a, b), oracle_cosine, 1e-12);
  EXPECT_NEAR(PearsonCorrelation(a, b), PearsonCorrelation(a_d, b_d), 1e-9);
  // Mixed scalar types and a zero-copy map give the same.
  const ConstMatrixMap a_map(a.data(), kN, kN);
  EXPECT_NEAR(PearsonCorrelation(a_map, b_d), oracle_pearson, 1e-9);
  // This check has teeth: float accumulation is wrong in the 3rd digit or
  // worse.
  EXPECT_GT(std::abs(FloatAccumulatedPearson(a, b) - oracle_pearson), 1e-3);
}

TEST(CorrelationTest, AcceptsExpressionsAndMixedStorageOrders) {
  Rng rng(TestSeed(10));
  const MatrixD w = Gaussian(4, 3, rng);
  const MatrixD k = RandomPsd(4, 4, rng);
  const MatrixD nfm = w.transpose() * w;
  const MatrixD agop = w.transpose() * k * w;
  const Eigen::MatrixXd agop_col_major = agop;  // Column-major copy.
  for (Correlation kind : kBothKinds) {
    SCOPED_TRACE(CorrelationSuffix(kind));
    const double rho = Correlate(kind, nfm, agop);
    // Tolerance: the evaluated product may round differently from `nfm`.
    EXPECT_NEAR(Correlate(kind, w.transpose() * w, agop), rho, 1e-14);
    EXPECT_NEAR(Correlate(kind, nfm, agop_col_major), rho, 1e-15);
    // Transposing both is a permutation of the entries.
    EXPECT_NEAR(Correlate(kind, nfm.transpose(), agop_col_major.transpose()),
                rho, 1e-15);
    EXPECT_NEAR(Correlate(kind, nfm.topLeftCorner(2, 3),
                          agop_col_major.topLeftCorner(2, 3)),
                Correlate(kind, MatrixD(nfm.topLeftCorner(2, 3)),
                          MatrixD(agop.topLeftCorner(2, 3))),
                1e-15);
  }
}

TEST(CorrelationTest, IsNanForAZeroMatrix) {
  const MatrixD zero = MatrixD::Zero(3, 3);
  const MatrixD a{{1, 2, 0}, {0, -1, 3}, {2, 2, 1}};
  for (Correlation kind : kBothKinds) {
    SCOPED_TRACE(CorrelationSuffix(kind));
    EXPECT_TRUE(std::isnan(Correlate(kind, zero, a)));
    EXPECT_TRUE(std::isnan(Correlate(kind, a, zero)));
    EXPECT_TRUE(std::isnan(Correlate(kind, zero, zero)));
    // A zero float matrix too.
    EXPECT_TRUE(std::isnan(Correlate(kind, Matrix::Zero(3, 3), a)));
  }
}

TEST(CorrelationTest, PearsonIsNanForAConstantMatrixButCosineIsDefined) {
  // 0.1 has no exact binary form: the double mean of nine copies is not 0.1
  // itself, so only an explicit constancy check gives NaN here.
  const MatrixD constant = MatrixD::Constant(3, 3, 0.1);
  const MatrixD a{{1, 2, 0}, {0, -1, 3}, {2, 2, 1}};
  EXPECT_TRUE(std::isnan(PearsonCorrelation(constant, a)));
  EXPECT_TRUE(std::isnan(PearsonCorrelation(a, constant)));
  for (double value : {0.1, 1.0 / 3.0, 7.7, -2.9, 1e-7}) {
    for (int rows : {3, 7, 13, 40}) {
      SCOPED_TRACE(::testing::Message() << value << ", " << rows << " rows");
      const MatrixD other = MatrixD::Identity(rows, rows + 1);
      EXPECT_TRUE(std::isnan(
          PearsonCorrelation(MatrixD::Constant(rows, rows + 1, value), other)));
    }
  }
  EXPECT_TRUE(std::isnan(PearsonCorrelation(Matrix::Constant(2, 2, 0.3f),
                                            Matrix{{1, 2}, {3, 5}})));
  // cos(1 1^T, A) = sum(A) / (3 |A|_F) = 10 / (3 sqrt(24)).
  EXPECT_NEAR(CosineSimilarity(constant, a), 10.0 / (3.0 * std::sqrt(24.0)),
              1e-15);
}

TEST(CorrelationTest, IsNanForEmptyOrNonFiniteInput) {
  const MatrixD empty(0, 0);
  MatrixD a{{1, 2}, {3, 4}};
  const MatrixD b{{2, 0}, {1, 3}};
  for (Correlation kind : kBothKinds) {
    SCOPED_TRACE(CorrelationSuffix(kind));
    EXPECT_TRUE(std::isnan(Correlate(kind, empty, empty)));
    MatrixD with_nan = a;
    with_nan(0, 1) = std::numeric_limits<double>::quiet_NaN();
    EXPECT_TRUE(std::isnan(Correlate(kind, with_nan, b)));
    MatrixD with_inf = a;
    with_inf(1, 0) = std::numeric_limits<double>::infinity();
    EXPECT_TRUE(std::isnan(Correlate(kind, b, with_inf)));
  }
}

TEST(CorrelationDeathTest, ShapeMismatchIsAProgrammerError) {
  const MatrixD a = MatrixD::Ones(2, 3);
  const MatrixD b = MatrixD::Ones(3, 2);
  EXPECT_DEATH(CosineSimilarity(a, b), "shapes \\[2, 3\\] and \\[3, 2\\]");
  EXPECT_DEATH(PearsonCorrelation(a, b), "shapes \\[2, 3\\] and \\[3, 2\\]");
}

// ---------------------------------------------------------------------------
// SymmetricMatrixPower.

TEST(SymmetricMatrixPowerTest, SquareRootOfDiagonalIsEntrywise) {
  const MatrixD a{{4, 0}, {0, 9}};
  EXPECT_THAT(SymmetricMatrixPower(a, 0.5),
              ApproxEq(MatrixD{{2, 0}, {0, 3}}, 0.0, 1e-14));
  EXPECT_THAT(SymmetricMatrixPower(a, 2.0),
              ApproxEq(MatrixD{{16, 0}, {0, 81}}, 0.0, 1e-12));
}

TEST(SymmetricMatrixPowerTest, SquareRootSquaresBackToTheMatrix) {
  Rng rng(TestSeed(11));
  for (int rank : {6, 3}) {  // Full rank and singular.
    SCOPED_TRACE(rank);
    const MatrixD a = RandomPsd(6, rank, rng);
    const MatrixD root = SymmetricMatrixPower(a, 0.5);
    EXPECT_EQ(root, root.transpose());  // Exactly symmetric.
    // Tolerance: a few ulps of |A| (entries are O(1..10)).
    EXPECT_THAT(MatrixD(root * root), ApproxEq(a, 0.0, 1e-10));
    const MatrixD cube_root = SymmetricMatrixPower(a, 1.0 / 3.0);
    EXPECT_THAT(MatrixD(cube_root * cube_root * cube_root),
                ApproxEq(a, 0.0, 1e-10));
    EXPECT_GE(Eigenvalues(root).minCoeff(), -1e-12);  // PSD.
  }
}

TEST(SymmetricMatrixPowerTest, ClipsNegativeEigenvaluesToZero) {
  Rng rng(TestSeed(12));
  const MatrixD v = RandomOrthogonal(3, rng);
  const Eigen::Vector3d lambda(4.0, 1.0, -2.0);
  const MatrixD a = v * lambda.asDiagonal() * v.transpose();
  // sqrt of (4, 1, max(-2, 0)) = (2, 1, 0), in ascending order.
  EXPECT_THAT(Eigenvalues(SymmetricMatrixPower(a, 0.5)),
              ApproxEq(Eigen::Vector3d(0.0, 1.0, 2.0), 0.0, 1e-12));
  // And the result is V diag(2, 1, 0) V^T.
  const Eigen::Vector3d root_lambda(2.0, 1.0, 0.0);
  EXPECT_THAT(SymmetricMatrixPower(a, 0.5),
              ApproxEq(MatrixD(v * root_lambda.asDiagonal() * v.transpose()),
                       0.0, 1e-12));
}

TEST(SymmetricMatrixPowerTest, UsesTheSymmetricPart) {
  Rng rng(TestSeed(13));
  // Well conditioned (eigenvalues >= 1), so the root is insensitive to the
  // round-off of adding and removing the skew part.
  const MatrixD a = RandomPsd(4, 4, rng) + MatrixD::Identity(4, 4);
  const MatrixD skew = Gaussian(4, 4, rng);
  const MatrixD perturbed = a + (skew - skew.transpose());
  EXPECT_THAT(SymmetricMatrixPower(perturbed, 0.5),
              ApproxEq(SymmetricMatrixPower(a, 0.5), 0.0, 1e-12));
}

TEST(SymmetricMatrixPowerTest, PowerOneReturnsTheMatrixUnchanged) {
  Rng rng(TestSeed(14));
  // Not symmetric and not PSD: alpha = 1 must not touch it.
  const MatrixD a = Gaussian(5, 5, rng);
  EXPECT_EQ(SymmetricMatrixPower(a, 1.0), a);
}

TEST(SymmetricMatrixPowerTest, NonFiniteInputGivesNan) {
  MatrixD a = MatrixD::Identity(3, 3);
  a(1, 2) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(SymmetricMatrixPower(a, 0.5).array().isNaN().all());
}

TEST(SymmetricMatrixPowerDeathTest, RejectsNonPositivePowerAndNonSquare) {
  EXPECT_DEATH(SymmetricMatrixPower(MatrixD::Identity(2, 2), 0.0),
               "alpha 0 must be > 0");
  EXPECT_DEATH(SymmetricMatrixPower(MatrixD::Identity(2, 2), -0.5),
               "must be > 0");
  EXPECT_DEATH(SymmetricMatrixPower(MatrixD::Ones(2, 3), 0.5), "not square");
}

// ---------------------------------------------------------------------------
// NeuralFeatureCorrelation.

TEST(NeuralFeatureCorrelationTest, PowerOneIsTheCorrelationOfNfmAndAgop) {
  Rng rng(TestSeed(15));
  const MatrixD w = Gaussian(7, 5, rng);  // [k_out, k_in]
  const MatrixD k = RandomPsd(7, 7, rng);
  const MatrixD nfm = w.transpose() * w;
  const MatrixD agop = (w.transpose() * k) * w;
  for (Correlation kind : kBothKinds) {
    SCOPED_TRACE(CorrelationSuffix(kind));
    const double nfc = NeuralFeatureCorrelation(w, k, 1.0, kind);
    EXPECT_LT(std::abs(nfc), 1.0 - 1e-3);  // Not a trivial case.
    EXPECT_NEAR(nfc, Correlate(kind, nfm, agop), 1e-12);
  }
}

TEST(NeuralFeatureCorrelationTest, PowerHalfIsTheCorrelationWithTheRoot) {
  Rng rng(TestSeed(16));
  const MatrixD w = Gaussian(6, 4, rng);
  const MatrixD k = RandomPsd(6, 6, rng);
  const MatrixD nfm = w.transpose() * w;
  const MatrixD root = SymmetricMatrixPower(w.transpose() * k * w, 0.5);
  for (Correlation kind : kBothKinds) {
    SCOPED_TRACE(CorrelationSuffix(kind));
    EXPECT_NEAR(NeuralFeatureCorrelation(w, k, 0.5, kind),
                Correlate(kind, nfm, root), 1e-12);
    // K's normalisation (1/n or a plain sum) never matters.
    EXPECT_NEAR(NeuralFeatureCorrelation(w, MatrixD(50.0 * k), 0.5, kind),
                NeuralFeatureCorrelation(w, k, 0.5, kind), 1e-12);
  }
}

TEST(NeuralFeatureCorrelationTest, IsotropicKernelGivesOne) {
  // K = c I: W^T K W = c W^T W.
  Rng rng(TestSeed(17));
  const MatrixD w = Gaussian(5, 8, rng);
  const MatrixD k = 2.5 * MatrixD::Identity(5, 5);
  for (Correlation kind : kBothKinds) {
    SCOPED_TRACE(CorrelationSuffix(kind));
    EXPECT_NEAR(NeuralFeatureCorrelation(w, k, 1.0, kind), 1.0, 1e-12);
  }
}

TEST(NeuralFeatureCorrelationTest, LeftGramKernelGivesOneAtPowerHalf) {
  // K = W W^T: (W^T W W^T W)^{1/2} = W^T W, the unique PSD square root.
  Rng rng(TestSeed(18));
  for (const auto& [k_out, k_in] : {std::pair{6, 4}, std::pair{4, 6}}) {
    SCOPED_TRACE(::testing::Message() << k_out << " x " << k_in);
    const MatrixD w = Gaussian(k_out, k_in, rng);
    const MatrixD k = w * w.transpose();
    for (Correlation kind : kBothKinds) {
      SCOPED_TRACE(CorrelationSuffix(kind));
      EXPECT_NEAR(NeuralFeatureCorrelation(w, k, 0.5, kind), 1.0, 1e-8);
      // At alpha = 1 the two are not proportional.
      EXPECT_LT(NeuralFeatureCorrelation(w, k, 1.0, kind), 1.0 - 1e-3);
    }
  }
}

TEST(NeuralFeatureCorrelationTest, RankOneWeightGivesOneAtPowerOne) {
  // W = u v^T: W^T W = |u|^2 v v^T and W^T K W = (u^T K u) v v^T.
  Rng rng(TestSeed(19));
  const MatrixD u = Gaussian(6, 1, rng);
  const MatrixD v = Gaussian(4, 1, rng);
  const MatrixD w = u * v.transpose();
  const MatrixD k = RandomPsd(6, 3, rng);  // Singular PSD.
  ASSERT_GT((u.transpose() * k * u)(0, 0), 0.0);
  for (Correlation kind : kBothKinds) {
    SCOPED_TRACE(CorrelationSuffix(kind));
    EXPECT_NEAR(NeuralFeatureCorrelation(w, k, 1.0, kind), 1.0, 1e-12);
  }
}

TEST(NeuralFeatureCorrelationTest, CosineMatchesTheSingularValueFormula) {
  // Paper §2.8: with W = U S V^T and M = U^T K U,
  // NFC_1^cos = sum_i s_i^4 M_ii
  //             / (sqrt(sum_i s_i^4) sqrt(sum_ij s_i^2 s_j^2 M_ij^2)).
  Rng rng(TestSeed(20));
  const MatrixD w = Gaussian(5, 7, rng);
  const MatrixD k = RandomPsd(5, 5, rng);
  const Eigen::MatrixXd w_col = w;
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(w_col, Eigen::ComputeThinU);
  const Eigen::VectorXd s = svd.singularValues();
  const Eigen::MatrixXd m = svd.matrixU().transpose() * k * svd.matrixU();
  double numerator = 0, s4 = 0, sms = 0;
  for (int i = 0; i < s.size(); ++i) {
    numerator += std::pow(s(i), 4) * m(i, i);
    s4 += std::pow(s(i), 4);
    for (int j = 0; j < s.size(); ++j) {
      sms += std::pow(s(i) * s(j) * m(i, j), 2);
    }
  }
  EXPECT_NEAR(NeuralFeatureCorrelation(w, k, 1.0, Correlation::kCosine),
              numerator / (std::sqrt(s4) * std::sqrt(sms)), 1e-12);
}

TEST(NeuralFeatureCorrelationTest, FloatWeightMatchesDoubleWeight) {
  Rng rng(TestSeed(21));
  const Matrix w = Gaussian(6, 5, rng).cast<float>();
  const MatrixD k = RandomPsd(6, 6, rng);
  for (Correlation kind : kBothKinds) {
    for (double alpha : {1.0, 0.5}) {
      // The float overload converts W to double exactly, so it agrees to
      // round-off.
      EXPECT_NEAR(
          NeuralFeatureCorrelation(w, k, alpha, kind),
          NeuralFeatureCorrelation(MatrixD(w.cast<double>()), k, alpha, kind),
          1e-15);
    }
  }
}

TEST(NeuralFeatureCorrelationTest, PairEqualsTheSingleCallsExactly) {
  Rng rng(TestSeed(22));
  const MatrixD w = Gaussian(7, 4, rng);
  const MatrixD k = RandomPsd(7, 9, rng);
  for (double alpha : {1.0, 0.5}) {
    const NfcPair pair = NeuralFeatureCorrelations(w, k, alpha);
    EXPECT_EQ(pair.pearson,
              NeuralFeatureCorrelation(w, k, alpha, Correlation::kPearson));
    EXPECT_EQ(pair.cosine,
              NeuralFeatureCorrelation(w, k, alpha, Correlation::kCosine));
    EXPECT_NE(pair.pearson, pair.cosine);
    EXPECT_EQ(pair.of(Correlation::kCosine), pair.cosine);
  }
}

TEST(NeuralFeatureCorrelationTest, ZeroWeightIsNan) {
  // The C-NFC at exact initialisation (Delta W = 0) is undefined.
  const MatrixD k = MatrixD::Identity(3, 3);
  for (Correlation kind : kBothKinds) {
    EXPECT_TRUE(std::isnan(
        NeuralFeatureCorrelation(MatrixD::Zero(3, 2), k, 1.0, kind)));
    EXPECT_TRUE(std::isnan(
        NeuralFeatureCorrelation(MatrixD::Zero(3, 2), k, 0.5, kind)));
  }
}

TEST(NeuralFeatureCorrelationDeathTest, RejectsMismatchedKernel) {
  EXPECT_DEATH(
      NeuralFeatureCorrelation(MatrixD::Ones(3, 2), MatrixD::Identity(2, 2),
                               1.0, Correlation::kPearson),
      "K is \\[2, 2\\] but W is \\[3, 2\\]");
}

}  // namespace
}  // namespace nfalab
