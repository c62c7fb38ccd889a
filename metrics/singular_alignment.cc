#include "metrics/singular_alignment.h"

#include <cmath>
#include <limits>

#include "Eigen/SVD"
#include "core/check.h"

namespace nfalab {

SingularAlignment ComputeSingularAlignment(const MatrixD& w, const MatrixD& k) {
  NFALAB_CHECK(k.rows() == w.rows() && k.cols() == w.rows())
      << "K must be [k_out, k_out]";
  Eigen::BDCSVD<Eigen::MatrixXd> svd(w, Eigen::ComputeThinU);
  const Eigen::MatrixXd& u = svd.matrixU();
  SingularAlignment result;
  result.singular_values = svd.singularValues();
  const Eigen::MatrixXd m = u.transpose() * k * u;
  const double mean_eigenvalue = k.trace() / static_cast<double>(k.rows());
  result.direction_alignment = m.diagonal() / mean_eigenvalue;

  const Eigen::ArrayXd s2 = result.singular_values.array().square();
  // S M S has entries s_i s_j M_ij.
  const Eigen::MatrixXd sms = result.singular_values.asDiagonal() * m *
                              result.singular_values.asDiagonal();
  const double numerator = (s2.square() * m.diagonal().array()).sum();
  const double denominator = std::sqrt(s2.square().sum()) * sms.norm();
  result.nfc_cos = denominator > 0 ? numerator / denominator
                                   : std::numeric_limits<double>::quiet_NaN();
  return result;
}

}  // namespace nfalab
