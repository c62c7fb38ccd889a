#include "report/statistics.h"

#include <cmath>
#include <limits>

#include "core/tensor.h"
#include "metrics/correlation.h"

namespace nfalab {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

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

}  // namespace

double StudentT975(int df) {
  if (df < 1) return kNaN;
  if (df <= kTabulated) return kT975[df - 1];
  return kZ975;
}

SampleStats Summarize(const std::vector<double>& values) {
  SampleStats stats{kNaN, kNaN, 0, static_cast<int>(values.size())};
  double sum = 0;
  for (double v : values) {
    if (std::isfinite(v)) {
      sum += v;
      ++stats.finite;
    }
  }
  if (stats.finite == 0) return stats;
  stats.mean = sum / stats.finite;
  if (stats.finite >= 2) {
    double ss = 0;
    for (double v : values) {
      if (std::isfinite(v)) ss += (v - stats.mean) * (v - stats.mean);
    }
    stats.std = std::sqrt(ss / (stats.finite - 1));
  }
  return stats;
}

double FiniteMean(const std::vector<double>& values) {
  return Summarize(values).mean;
}

MeanInterval MeanConfidence95(const std::vector<double>& values) {
  const SampleStats stats = Summarize(values);
  MeanInterval interval{stats.finite, stats.mean, kNaN, kNaN};
  if (stats.finite >= 2) {
    const double half =
        StudentT975(stats.finite - 1) * stats.std / std::sqrt(stats.finite);
    interval.lo = stats.mean - half;
    interval.hi = stats.mean + half;
  }
  return interval;
}

double PearsonOfPairs(const std::vector<std::pair<double, double>>& pairs) {
  std::vector<std::pair<double, double>> finite;
  for (const auto& [x, y] : pairs) {
    if (std::isfinite(x) && std::isfinite(y)) finite.push_back({x, y});
  }
  if (finite.size() < 2) return kNaN;
  MatrixD x(finite.size(), 1), y(finite.size(), 1);
  for (size_t i = 0; i < finite.size(); ++i) {
    x(i, 0) = finite[i].first;
    y(i, 0) = finite[i].second;
  }
  return PearsonCorrelation(x, y);
}

}  // namespace nfalab
