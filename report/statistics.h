// Statistics over the seeds of a study's grid point: mean, sample standard
// deviation, the 95% Student t interval of the mean and the Pearson
// correlation of pairs. The study report and its analyses use only these.
//
//   const SampleStats s = Summarize(values);       // finite values only
//   const MeanInterval ci = MeanConfidence95(values);
//   const double r = PearsonOfPairs(pairs);         // metrics/correlation.h
//
// Every function skips non-finite values (a NaN C-NFC of a layer that did
// not move) and counts them, and returns NaN where a quantity is undefined.
//
//   mean  m = (1/n) sum x_i                     (n finite values)
//   std   s = sqrt(sum (x_i - m)^2 / (n - 1))   (NaN for n < 2)
//   95% interval of the mean:  m ± t_{0.975, n-1} s / sqrt(n)
#ifndef NFALAB_REPORT_STATISTICS_H_
#define NFALAB_REPORT_STATISTICS_H_

#include <utility>
#include <vector>

namespace nfalab {

// t_{0.975, df}, the 97.5% quantile of Student's t distribution with `df`
// degrees of freedom (a two-sided 95% interval), to 3 decimals: 12.706 for
// df 1, 4.303 for df 2, ..., 2.042 for df 30, and the normal quantile 1.960
// for df > 30. NaN for df < 1.
double StudentT975(int df);

struct SampleStats {
  double mean;  // NaN for no finite value
  double std;   // sample std (n - 1); NaN for fewer than 2 finite values
  int finite;   // the finite values
  int total;    // all values
};

// Mean and sample std of the finite values, two-pass.
SampleStats Summarize(const std::vector<double>& values);

// The mean of the finite values (NaN for none).
double FiniteMean(const std::vector<double>& values);

struct MeanInterval {
  int n;        // finite values
  double mean;  // NaN for n = 0
  double lo;    // m - t_{0.975, n-1} s / sqrt(n); NaN for n < 2
  double hi;    // m + t_{0.975, n-1} s / sqrt(n); NaN for n < 2
};

// The mean of the finite values and its 95% confidence interval.
MeanInterval MeanConfidence95(const std::vector<double>& values);

// The Pearson correlation of the pairs with both coordinates finite
// (metrics/correlation.h, PearsonCorrelation of the two columns); NaN for
// fewer than two such pairs or a constant coordinate.
double PearsonOfPairs(const std::vector<std::pair<double, double>>& pairs);

}  // namespace nfalab

#endif  // NFALAB_REPORT_STATISTICS_H_
