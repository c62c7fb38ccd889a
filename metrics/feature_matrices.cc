#include "metrics/feature_matrices.h"

#include "core/check.h"

namespace nfalab {

MatrixD NeuralFeatureMatrix(const MatrixD& w) {
  MatrixD nfm(w.cols(), w.cols());
  nfm.setZero();
  nfm.selfadjointView<Eigen::Lower>().rankUpdate(w.transpose());
  return nfm.selfadjointView<Eigen::Lower>();
}

MatrixD AverageGradientOuterProduct(const MatrixD& w, const MatrixD& k) {
  NFALAB_CHECK(k.rows() == w.rows() && k.cols() == w.rows())
      << "K must be [k_out, k_out]";
  const MatrixD kw = k * w;
  MatrixD agop = w.transpose() * kw;
  // Exact symmetry for the eigen-solvers downstream.
  return (agop + agop.transpose()) * 0.5;
}

}  // namespace nfalab
