// Tensor types for nfalab: float32 (and float64, for reference paths) Eigen
// matrices stored row-major, so that one sample is one contiguous row.
//
//   nfalab::Matrix x(n, d);                 // x: [n, d], one sample per row
//   NFALAB_RETURN_IF_ERROR(CheckShape(x, n, d, "inputs"));
//
// Models run in float32 (`Matrix`); brute-force and test paths use the same
// code instantiated on double (`MatrixD`) through `MatrixT<Scalar>`.
#ifndef NFALAB_CORE_TENSOR_H_
#define NFALAB_CORE_TENSOR_H_

#include <cstdint>
#include <string>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace nfalab {

template <typename Scalar>
using MatrixT =
    Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename Scalar>
using VectorT = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
template <typename Scalar>
using RowVectorT = Eigen::Matrix<Scalar, 1, Eigen::Dynamic>;

using Matrix = MatrixT<float>;
using Vector = VectorT<float>;
using RowVector = RowVectorT<float>;
using MatrixD = MatrixT<double>;
using VectorD = VectorT<double>;

// Zero-copy views of row-major float storage.
using MatrixMap = Eigen::Map<Matrix>;
using ConstMatrixMap = Eigen::Map<const Matrix>;
using VectorMap = Eigen::Map<Vector>;
using ConstVectorMap = Eigen::Map<const Vector>;

// Returns InvalidArgument naming `what` unless `rows` x `cols` equals the
// expected shape. A negative expected extent matches any size.
absl::Status CheckShape(int64_t rows, int64_t cols, int64_t expected_rows,
                        int64_t expected_cols, absl::string_view what);

template <typename Derived>
absl::Status CheckShape(const Eigen::EigenBase<Derived>& m,
                        int64_t expected_rows, int64_t expected_cols,
                        absl::string_view what) {
  return CheckShape(m.rows(), m.cols(), expected_rows, expected_cols, what);
}

// Returns InvalidArgument naming `what` if any entry is NaN or infinite.
template <typename Derived>
absl::Status CheckFinite(const Eigen::DenseBase<Derived>& m,
                         absl::string_view what) {
  if (m.allFinite()) return absl::OkStatus();
  return absl::InvalidArgumentError(std::string(what) +
                                    " contains NaN or infinite values");
}

}  // namespace nfalab

#endif  // NFALAB_CORE_TENSOR_H_
