#include <cmath>
#include <map>
#include <memory>
#include <string>

#include "core/random.h"
#include "core/tensor.h"
#include "gtest/gtest.h"
#include "metrics/alignment_measure.h"
#include "tests/random_matrix.h"

namespace nfalab {
namespace {

using ::nfalab::testing::GaussianMatrix;

std::map<std::string, double> Compute(const Matrix& w, const Matrix& w0,
                                      const MatrixD& k) {
  auto measure = AlignmentMeasureRegistry::Global().Create("cka", nullptr);
  EXPECT_TRUE(measure.ok()) << measure.status();
  const LayerContext layer{1, 2, w, w0, k};
  auto values = (*measure)->Compute(layer);
  EXPECT_TRUE(values.ok()) << values.status();
  std::map<std::string, double> result;
  for (const MeasureValue& v : *values) result[v.name] = v.value;
  return result;
}

// Brute force with the explicit centring matrix H = I - 11^T / k.
double BruteForceCka(const MatrixD& a, const MatrixD& b) {
  const int k = a.rows();
  const MatrixD h = MatrixD::Identity(k, k) - MatrixD::Constant(k, k, 1.0 / k);
  const MatrixD ha = h * a * h, hb = h * b * h;
  return (ha.transpose() * hb).trace() / (ha.norm() * hb.norm());
}

TEST(CkaTest, MatchesBruteForceWithExplicitCentringMatrix) {
  Rng rng(11);
  const Matrix w = GaussianMatrix<float>(5, 3, &rng);
  const Matrix w0 = GaussianMatrix<float>(5, 3, &rng);
  const MatrixD g = GaussianMatrix(5, 7, &rng);
  const MatrixD k = g * g.transpose();
  const auto values = Compute(w, w0, k);
  const MatrixD wd = w.cast<double>(), dw = (w - w0).cast<double>();
  EXPECT_NEAR(values.at("cka"), BruteForceCka(wd * wd.transpose(), k), 1e-12);
  EXPECT_NEAR(values.at("c_cka"), BruteForceCka(dw * dw.transpose(), k), 1e-12);
}

// Hand case, k = 2: H A H = ((a11 + a22 - 2 a12) / 4) [[1, -1], [-1, 1]], so
// the CKA of two 2x2 symmetric matrices is the sign of the product of those
// scalars: +1 here, and -1 when one of them is flipped.
TEST(CkaTest, TwoByTwoIsSignOfCentredScalars) {
  Matrix w(2, 1);
  w << 1, -1;  // W W^T = [[1, -1], [-1, 1]]: centred scalar 1.
  const Matrix w0 = Matrix::Zero(2, 1);
  MatrixD k(2, 2);
  k << 2, 0, 0, 1;  // Centred scalar 3/4.
  EXPECT_NEAR(Compute(w, w0, k).at("cka"), 1.0, 1e-15);
  k << 1, 2, 2, 1;  // Centred scalar -1/2.
  EXPECT_NEAR(Compute(w, w0, k).at("c_cka"), -1.0, 1e-15);
}

TEST(CkaTest, IsOneForIdenticalKernelsAndNanForUnmovedLayer) {
  Rng rng(12);
  const Matrix w = GaussianMatrix<float>(4, 6, &rng);
  const MatrixD wd = w.cast<double>();
  const auto values = Compute(w, w, wd * wd.transpose() * 3.0);
  EXPECT_NEAR(values.at("cka"), 1.0, 1e-12);
  EXPECT_TRUE(std::isnan(values.at("c_cka")));  // dW = 0.
}

TEST(CkaTest, DeclaresScaleInvariance) {
  auto measure = AlignmentMeasureRegistry::Global().Create("cka", nullptr);
  ASSERT_TRUE(measure.ok());
  EXPECT_TRUE((*measure)->IsScaleInvariant());
}

}  // namespace
}  // namespace nfalab
