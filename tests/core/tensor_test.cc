#include "core/tensor.h"

#include <cmath>
#include <limits>
#include <type_traits>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::IsOk;
using ::nfalab::testing::StatusIs;
using ::testing::Eq;
using ::testing::HasSubstr;

// ---------------------------------------------------------------------------
// Types and layout.

TEST(TensorTest, TypesHaveTheDocumentedScalarsAndLayout) {
  static_assert(std::is_same_v<Matrix::Scalar, float>);
  static_assert(std::is_same_v<MatrixD::Scalar, double>);
  static_assert(std::is_same_v<Vector::Scalar, float>);
  static_assert(std::is_same_v<VectorD::Scalar, double>);
  static_assert(Matrix::IsRowMajor);
  static_assert(MatrixD::IsRowMajor);
  static_assert(Vector::ColsAtCompileTime == 1);
  static_assert(RowVector::RowsAtCompileTime == 1);
}

TEST(TensorTest, MatrixRowsAreContiguous) {
  // x: [3, 5], one sample per row.
  Matrix x(3, 5);
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 5; ++c) x(r, c) = static_cast<float>(10 * r + c);
  }
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 5; ++c) {
      EXPECT_EQ(&x(r, c), x.data() + r * 5 + c) << r << ", " << c;
    }
    EXPECT_EQ(x.row(r).data(), x.data() + r * x.cols());
    EXPECT_EQ(x.row(r).innerStride(), 1);
  }
  // The raw buffer reads row by row.
  EXPECT_EQ(x.data()[4], 4.0f);
  EXPECT_EQ(x.data()[5], 10.0f);
  EXPECT_EQ(x.data()[14], 24.0f);
}

TEST(TensorTest, MatrixMapIsAZeroCopyRowMajorView) {
  float buffer[6] = {1, 2, 3, 4, 5, 6};
  MatrixMap view(buffer, 2, 3);
  EXPECT_EQ(view(0, 2), 3.0f);
  EXPECT_EQ(view(1, 0), 4.0f);
  view(1, 1) = 50.0f;
  EXPECT_EQ(buffer[4], 50.0f);

  const float const_buffer[4] = {1, 2, 3, 4};
  ConstMatrixMap const_view(const_buffer, 2, 2);
  EXPECT_EQ(const_view.data(), const_buffer);
  EXPECT_EQ(const_view(0, 1), 2.0f);
  EXPECT_EQ(const_view(1, 0), 3.0f);

  ConstVectorMap vector_view(const_buffer, 4);
  EXPECT_EQ(vector_view(3), 4.0f);
}

// ---------------------------------------------------------------------------
// CheckShape.

TEST(TensorTest, CheckShapeAcceptsTheExpectedShape) {
  EXPECT_THAT(CheckShape(2, 3, 2, 3, "weights"), IsOk());
  EXPECT_THAT(CheckShape(0, 0, 0, 0, "empty"), IsOk());
  Matrix m(4, 7);
  EXPECT_THAT(CheckShape(m, 4, 7, "inputs"), IsOk());
  Vector v(5);
  EXPECT_THAT(CheckShape(v, 5, 1, "bias"), IsOk());
}

TEST(TensorTest, CheckShapeReportsTheExactMismatch) {
  EXPECT_THAT(CheckShape(2, 3, 2, 4, "weights"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Eq("weights has shape [2, 3], expected [2, 4]")));
  EXPECT_THAT(CheckShape(5, 3, 2, 3, "inputs"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Eq("inputs has shape [5, 3], expected [2, 3]")));
}

TEST(TensorTest, CheckShapeOnAMatrixReportsItsShape) {
  MatrixD m(2, 3);
  EXPECT_THAT(CheckShape(m, 2, 4, "weights"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Eq("weights has shape [2, 3], expected [2, 4]")));
  // Rows and columns are not swapped.
  EXPECT_THAT(CheckShape(m, 3, 2, "weights"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Eq("weights has shape [2, 3], expected [3, 2]")));
}

TEST(TensorTest, CheckShapeWildcardMatchesAnyExtentAndPrintsStar) {
  EXPECT_THAT(CheckShape(17, 3, -1, 3, "batch"), IsOk());
  EXPECT_THAT(CheckShape(2, 99, 2, -1, "batch"), IsOk());
  EXPECT_THAT(CheckShape(8, 9, -1, -1, "anything"), IsOk());
  EXPECT_THAT(CheckShape(17, 3, -1, 4, "batch"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Eq("batch has shape [17, 3], expected [*, 4]")));
  EXPECT_THAT(CheckShape(2, 3, 5, -1, "batch"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Eq("batch has shape [2, 3], expected [5, *]")));
}

TEST(TensorTest, CheckShapeDistinguishesZeroFromWildcard) {
  EXPECT_THAT(CheckShape(1, 3, 0, 3, "x"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Eq("x has shape [1, 3], expected [0, 3]")));
}

TEST(TensorTest, CheckShapePrintsLargeExtents) {
  const int64_t big = int64_t{1} << 40;
  EXPECT_THAT(CheckShape(big, 1, big + 1, 1, "huge"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Eq("huge has shape [1099511627776, 1], expected "
                          "[1099511627777, 1]")));
}

// ---------------------------------------------------------------------------
// CheckFinite.

TEST(TensorTest, CheckFiniteAcceptsFiniteValues) {
  Matrix m(2, 2);
  m << 1.0f, -2.0f, std::numeric_limits<float>::max(),
      std::numeric_limits<float>::denorm_min();
  EXPECT_THAT(CheckFinite(m, "weights"), IsOk());
  EXPECT_THAT(CheckFinite(Matrix(0, 3), "empty"), IsOk());
}

TEST(TensorTest, CheckFiniteCatchesNanAndInfinityAnywhere) {
  const float kBad[] = {std::numeric_limits<float>::quiet_NaN(),
                        std::numeric_limits<float>::infinity(),
                        -std::numeric_limits<float>::infinity()};
  for (float bad : kBad) {
    for (int r = 0; r < 3; ++r) {
      for (int c = 0; c < 2; ++c) {
        SCOPED_TRACE(::testing::Message() << bad << " at " << r << ", " << c);
        Matrix m = Matrix::Ones(3, 2);
        m(r, c) = bad;
        EXPECT_THAT(CheckFinite(m, "activations"),
                    StatusIs(absl::StatusCode::kInvalidArgument,
                             Eq("activations contains NaN or infinite "
                                "values")));
      }
    }
  }
}

TEST(TensorTest, CheckFiniteWorksOnDoublesVectorsAndExpressions) {
  VectorD v = VectorD::Zero(4);
  EXPECT_THAT(CheckFinite(v, "v"), IsOk());
  v(3) = std::nan("");
  EXPECT_THAT(CheckFinite(v, "v"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("v ")));
  // An expression that overflows float is caught without materialising it.
  Matrix big = Matrix::Constant(2, 2, 3e38f);
  EXPECT_THAT(CheckFinite(big + big, "sum"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("sum contains NaN or infinite values")));
}

}  // namespace
}  // namespace nfalab
