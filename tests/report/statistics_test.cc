// report/statistics: StudentT975 against Student's t CDF, integrated
// numerically here (Simpson on the density), so the table is checked
// independently of its source; the mean, std, t-interval and Pearson
// correlation against cases computed by hand.
#include "report/statistics.h"

#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace nfalab {
namespace {

// The density of Student's t with `df` degrees of freedom.
double Density(double t, int df) {
  const double v = df;
  return std::exp(std::lgamma((v + 1) / 2) - std::lgamma(v / 2) -
                  0.5 * std::log(v * std::acos(-1.0)) -
                  (v + 1) / 2 * std::log1p(t * t / v));
}

// P(T <= q) for q >= 0: 1/2 plus the integral of the density over [0, q].
double Cdf(double q, int df) {
  constexpr int kIntervals = 20000;  // even; error far below 1e-9 here
  const double h = q / kIntervals;
  double sum = Density(0, df) + Density(q, df);
  for (int i = 1; i < kIntervals; ++i) {
    sum += (i % 2 == 1 ? 4 : 2) * Density(i * h, df);
  }
  return 0.5 + sum * h / 3;
}

TEST(StudentT975Test, TableIsTheQuantileRoundedToThreeDecimals) {
  for (int df = 1; df <= 30; ++df) {
    SCOPED_TRACE(df);
    const double q = StudentT975(df);
    // Rounding moves q by at most 0.0005, so the CDF by at most
    // 0.0005 * density (the density barely changes over 0.0005).
    EXPECT_NEAR(Cdf(q, df), 0.975, 0.0005 * Density(q, df) * 1.01);
    // And q is within 0.0005 of the quantile: the CDF is below 0.975 just
    // under the rounding interval and above it just over.
    EXPECT_LT(Cdf(q - 0.0005, df), 0.975);
    EXPECT_GT(Cdf(q + 0.0005, df), 0.975);
  }
}

TEST(StudentT975Test, KnownValues) {
  EXPECT_DOUBLE_EQ(StudentT975(1), 12.706);
  EXPECT_DOUBLE_EQ(StudentT975(2), 4.303);
  EXPECT_DOUBLE_EQ(StudentT975(3), 3.182);
  EXPECT_DOUBLE_EQ(StudentT975(10), 2.228);
  EXPECT_DOUBLE_EQ(StudentT975(30), 2.042);
}

TEST(StudentT975Test, DecreasesTowardTheNormalQuantile) {
  for (int df = 2; df <= 30; ++df) {
    EXPECT_LT(StudentT975(df), StudentT975(df - 1)) << df;
    EXPECT_GT(StudentT975(df), 1.960) << df;
  }
}

TEST(StudentT975Test, NormalQuantileBeyondThirty) {
  EXPECT_DOUBLE_EQ(StudentT975(31), 1.960);
  EXPECT_DOUBLE_EQ(StudentT975(1000), 1.960);
}

TEST(StudentT975Test, NoQuantileWithoutDegreesOfFreedom) {
  EXPECT_TRUE(std::isnan(StudentT975(0)));
  EXPECT_TRUE(std::isnan(StudentT975(-1)));
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(SummarizeTest, MeanAndSampleStdOfTheFiniteValues) {
  // {1, 2, 3, 6}: mean 3, squared deviations 4 + 1 + 0 + 9 = 14, s^2 = 14/3.
  const SampleStats s = Summarize({1, kNaN, 2, 3, 6});
  EXPECT_DOUBLE_EQ(s.mean, 3.0);
  EXPECT_DOUBLE_EQ(s.std, std::sqrt(14.0 / 3.0));
  EXPECT_EQ(s.finite, 4);
  EXPECT_EQ(s.total, 5);
  EXPECT_TRUE(std::isnan(Summarize({5}).std));
  EXPECT_DOUBLE_EQ(Summarize({5}).mean, 5.0);
  EXPECT_TRUE(std::isnan(Summarize({kNaN}).mean));
  EXPECT_TRUE(std::isnan(FiniteMean({})));
}

TEST(MeanConfidence95Test, HandComputedInterval) {
  // n = 4, mean 3, s = sqrt(14/3) = 2.1602469; t_{0.975, 3} = 3.182;
  // half width 3.182 * 2.1602469 / 2 = 3.4369528.
  const MeanInterval ci = MeanConfidence95({1, 2, 3, 6});
  EXPECT_EQ(ci.n, 4);
  EXPECT_DOUBLE_EQ(ci.mean, 3.0);
  EXPECT_NEAR(ci.lo, 3.0 - 3.4369528, 1e-6);
  EXPECT_NEAR(ci.hi, 3.0 + 3.4369528, 1e-6);
}

TEST(MeanConfidence95Test, NoIntervalBelowTwoValues) {
  const MeanInterval one = MeanConfidence95({0.5, kNaN});
  EXPECT_EQ(one.n, 1);
  EXPECT_DOUBLE_EQ(one.mean, 0.5);
  EXPECT_TRUE(std::isnan(one.lo));
  EXPECT_TRUE(std::isnan(one.hi));
  EXPECT_EQ(MeanConfidence95({}).n, 0);
}

TEST(PearsonOfPairsTest, HandComputedOnTheFinitePairs) {
  // (1, 2), (2, 4), (3, 5): S_xy = 3, S_xx = 2, S_yy = 14/3, so
  // r = 3 / sqrt(28/3) = 0.9819805; the non-finite pairs are skipped.
  const std::vector<std::pair<double, double>> pairs = {
      {1, 2},
      {kNaN, 1},
      {2, 4},
      {4, std::numeric_limits<double>::infinity()},
      {3, 5}};
  EXPECT_NEAR(PearsonOfPairs(pairs), 3 / std::sqrt(28.0 / 3.0), 1e-12);
}

TEST(PearsonOfPairsTest, UndefinedForOnePairOrAConstantCoordinate) {
  EXPECT_TRUE(std::isnan(PearsonOfPairs({{1, 2}})));
  EXPECT_TRUE(std::isnan(PearsonOfPairs({{1, 2}, {1, 3}, {1, 4}})));
  EXPECT_TRUE(std::isnan(PearsonOfPairs({})));
}

}  // namespace
}  // namespace nfalab
