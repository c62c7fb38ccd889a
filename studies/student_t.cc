#include "studies/student_t.h"

#include <limits>

namespace nfalab {

// t_{0.975, df} for df = 1..30 (the standard table; each entry is the exact
// quantile rounded to 3 decimals, e.g. 12.7062 -> 12.706, 2.04227 -> 2.042).
constexpr double kT975[] = {
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
constexpr int kTabulated = sizeof(kT975) / sizeof(kT975[0]);

// Beyond df 30 the normal quantile z_{0.975} = 1.960 stands in for t. It is
// slightly small there (t_{0.975, 31} = 2.040, t_{0.975, 60} = 2.000,
// t_{0.975, 120} = 1.980), so such intervals are at most ~4% narrow.
constexpr double kZ975 = 1.960;

double StudentT975(int df) {
  if (df < 1) return std::numeric_limits<double>::quiet_NaN();
  if (df <= kTabulated) return kT975[df - 1];
  return kZ975;
}

}  // namespace nfalab
