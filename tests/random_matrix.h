// GaussianMatrix: a [rows, cols] matrix of independent N(0, scale^2) entries
// for tests. The entries are drawn from `rng` in storage (column-major) order,
// each as scale * rng->Normal() in double, then cast to Scalar.
//
//   const MatrixD w = GaussianMatrix(3, 4, &rng);
//   const Matrix dw = GaussianMatrix<float>(3, 4, /*scale=*/0.1, &rng);
#ifndef NFALAB_TESTS_RANDOM_MATRIX_H_
#define NFALAB_TESTS_RANDOM_MATRIX_H_

#include "Eigen/Core"
#include "core/random.h"
#include "core/tensor.h"

namespace nfalab::testing {

template <typename Scalar = double>
MatrixT<Scalar> GaussianMatrix(int rows, int cols, double scale, Rng* rng) {
  MatrixT<Scalar> m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) {
    m.data()[i] = static_cast<Scalar>(scale * rng->Normal());
  }
  return m;
}

// Standard normal entries (scale 1).
template <typename Scalar = double>
MatrixT<Scalar> GaussianMatrix(int rows, int cols, Rng* rng) {
  return GaussianMatrix<Scalar>(rows, cols, 1.0, rng);
}

}  // namespace nfalab::testing

#endif  // NFALAB_TESTS_RANDOM_MATRIX_H_
