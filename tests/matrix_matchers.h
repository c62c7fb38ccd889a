// ApproxEq: compares two Eigen matrices entrywise with a mixed tolerance
// |a - e| <= atol + rtol * |e|, and on failure prints the worst entry and the
// largest absolute and relative errors.
//
//   EXPECT_THAT(analytic, ApproxEq(numeric, /*rtol=*/1e-6, /*atol=*/1e-9));
#ifndef NFALAB_TESTS_MATRIX_MATCHERS_H_
#define NFALAB_TESTS_MATRIX_MATCHERS_H_

#include <algorithm>
#include <cmath>

#include "Eigen/Core"
#include "gmock/gmock.h"

namespace nfalab::testing {

MATCHER_P3(ApproxEq, expected, rtol, atol,
           "is entrywise within atol + rtol*|expected| of the expected "
           "matrix") {
  const Eigen::MatrixXd actual_d = arg.template cast<double>();
  const Eigen::MatrixXd expected_d = expected.template cast<double>();
  if (actual_d.rows() != expected_d.rows() ||
      actual_d.cols() != expected_d.cols()) {
    *result_listener << "shape [" << actual_d.rows() << ", " << actual_d.cols()
                     << "] vs expected [" << expected_d.rows() << ", "
                     << expected_d.cols() << "]";
    return false;
  }
  if (actual_d.size() == 0) return true;  // Two empty matrices agree.
  double max_abs = 0, max_rel = 0, worst_excess = -1;
  Eigen::Index worst_r = 0, worst_c = 0;
  for (Eigen::Index r = 0; r < actual_d.rows(); ++r) {
    for (Eigen::Index c = 0; c < actual_d.cols(); ++c) {
      const double a = actual_d(r, c), e = expected_d(r, c);
      const double err = std::abs(a - e);
      if (!std::isfinite(a) || !std::isfinite(e)) {
        *result_listener << "non-finite entry at (" << r << ", " << c
                         << "): " << a << " vs " << e;
        return false;
      }
      max_abs = std::max(max_abs, err);
      if (e != 0) max_rel = std::max(max_rel, err / std::abs(e));
      const double excess = err - (atol + rtol * std::abs(e));
      if (excess > worst_excess) {
        worst_excess = excess;
        worst_r = r;
        worst_c = c;
      }
    }
  }
  *result_listener << "max abs error " << max_abs << ", max rel error "
                   << max_rel << "; worst entry (" << worst_r << ", " << worst_c
                   << "): " << actual_d(worst_r, worst_c) << " vs expected "
                   << expected_d(worst_r, worst_c);
  return worst_excess <= 0;
}

}  // namespace nfalab::testing

#endif  // NFALAB_TESTS_MATRIX_MATCHERS_H_
