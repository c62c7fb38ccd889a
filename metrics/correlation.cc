#include "metrics/correlation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "Eigen/Core"
#include "Eigen/Eigenvalues"
#include "absl/strings/string_view.h"
#include "core/check.h"
#include "core/tensor.h"

namespace nfalab {

absl::string_view CorrelationSuffix(Correlation kind) {
  switch (kind) {
    case Correlation::kPearson:
      return "";
    case Correlation::kCosine:
      return "_cos";
  }
  NFALAB_CHECK(false) << "unknown Correlation " << static_cast<int>(kind);
  return "";
}

MatrixD SymmetricMatrixPower(const MatrixD& a, double alpha) {
  NFALAB_CHECK(a.rows() == a.cols())
      << "SymmetricMatrixPower: A is [" << a.rows() << ", " << a.cols()
      << "], not square";
  NFALAB_CHECK(alpha > 0) << "SymmetricMatrixPower: alpha " << alpha
                          << " must be > 0";
  if (alpha == 1) return a;
  if (!a.allFinite()) {
    return MatrixD::Constant(a.rows(), a.cols(),
                             std::numeric_limits<double>::quiet_NaN());
  }
  // Symmetric, so the storage order does not matter; the solver gets a
  // column-major copy.
  const Eigen::MatrixXd symmetric = 0.5 * (a + a.transpose());
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(symmetric);
  NFALAB_CHECK(solver.info() == Eigen::Success)
      << "SymmetricMatrixPower: eigendecomposition failed";
  // A^alpha = V D V^T with D = max(lambda, 0)^alpha. Writing it as B B^T with
  // B = V D^{1/2} keeps the result symmetric PSD by construction.
  Eigen::VectorXd half_power(solver.eigenvalues().size());
  for (Eigen::Index i = 0; i < half_power.size(); ++i) {
    const double lambda = std::max(solver.eigenvalues()(i), 0.0);
    half_power(i) = std::pow(lambda, 0.5 * alpha);
  }
  const Eigen::MatrixXd b = solver.eigenvectors() * half_power.asDiagonal();
  const Eigen::MatrixXd power = b * b.transpose();
  // The product is symmetric up to round-off in the order of summation; make
  // it exactly symmetric.
  return 0.5 * (power + power.transpose());
}

namespace {

// W^T W and (W^T K W)^alpha.
std::pair<MatrixD, MatrixD> NfmAndAgopPower(const MatrixD& w, const MatrixD& k,
                                            double alpha) {
  NFALAB_CHECK(k.rows() == k.cols() && k.rows() == w.rows())
      << "NeuralFeatureCorrelation: K is [" << k.rows() << ", " << k.cols()
      << "] but W is [" << w.rows() << ", " << w.cols() << "]";
  MatrixD nfm = w.transpose() * w;     // [k_in, k_in]
  const MatrixD k_w = k * w;           // [k_out, k_in]
  MatrixD agop = w.transpose() * k_w;  // [k_in, k_in]
  if (alpha != 1) agop = SymmetricMatrixPower(agop, alpha);
  return {std::move(nfm), std::move(agop)};
}

}  // namespace

double NeuralFeatureCorrelation(const MatrixD& w, const MatrixD& k,
                                double alpha, Correlation kind) {
  const auto [nfm, agop] = NfmAndAgopPower(w, k, alpha);
  return Correlate(kind, nfm, agop);
}

NfcPair NeuralFeatureCorrelations(const MatrixD& w, const MatrixD& k,
                                  double alpha) {
  const auto [nfm, agop] = NfmAndAgopPower(w, k, alpha);
  return {Correlate(Correlation::kPearson, nfm, agop),
          Correlate(Correlation::kCosine, nfm, agop)};
}

}  // namespace nfalab
