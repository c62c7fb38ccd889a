#include "metrics/feature_matrices.h"

#include <vector>

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

template <typename Scalar>
MatrixD BruteForceAgop(const BasicMlp<Scalar>& mlp, const MatrixT<Scalar>& x,
                       int layer, bool normalize_by_n) {
  NFALAB_CHECK(layer >= 0 && layer < mlp.num_layers()) << "layer " << layer;
  const int c = mlp.output_dim();
  const MatrixD w = mlp.layer(layer).weight().template cast<double>();
  MatrixD agop = MatrixD::Zero(w.cols(), w.cols());
  BasicMlpCache<Scalar> cache;
  BasicGradients<Scalar> gradients;
  std::vector<MatrixT<Scalar>> d_preactivations;
  MatrixT<Scalar> unit(1, c);
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    mlp.Forward(x.row(i), &cache);
    for (int output = 0; output < c; ++output) {
      unit.setZero();
      unit(0, output) = 1;
      mlp.Backward(cache, unit, &gradients, &d_preactivations);
      // d f_c / d x_l = (d f_c / d h_l) W_l.
      const RowVectorT<double> jacobian_row =
          d_preactivations[layer].template cast<double>() * w;
      agop += jacobian_row.transpose() * jacobian_row;
    }
  }
  if (normalize_by_n) agop /= static_cast<double>(x.rows());
  return agop;
}

template MatrixD BruteForceAgop(const BasicMlp<float>&, const Matrix&, int,
                                bool);
template MatrixD BruteForceAgop(const BasicMlp<double>&, const MatrixD&, int,
                                bool);

}  // namespace nfalab
