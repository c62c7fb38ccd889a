// The Student t quantile behind the study report's 95% confidence intervals
// over seeds: mean ± t_{0.975, n-1} * s / sqrt(n) for n seeds.
//
//   const double half = StudentT975(n - 1) * std / std::sqrt(n);
#ifndef NFALAB_STUDIES_STUDENT_T_H_
#define NFALAB_STUDIES_STUDENT_T_H_

namespace nfalab {

// t_{0.975, df}, the 97.5% quantile of Student's t distribution with `df`
// degrees of freedom (a two-sided 95% interval), to 3 decimals: 12.706 for
// df 1, 4.303 for df 2, ..., 2.042 for df 30, and the normal quantile 1.960
// for df > 30. NaN for df < 1.
double StudentT975(int df);

}  // namespace nfalab

#endif  // NFALAB_STUDIES_STUDENT_T_H_
