// StudentT975 against Student's t CDF, integrated numerically here (Simpson
// on the density), so the table is checked independently of its source.
#include "studies/student_t.h"

#include <cmath>

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

}  // namespace
}  // namespace nfalab
