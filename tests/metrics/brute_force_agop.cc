#include "tests/metrics/brute_force_agop.h"

#include <vector>

#include "core/check.h"

namespace nfalab {

template <typename Scalar>
MatrixD BruteForceAgop(const BasicSequential<Scalar>& model,
                       const MatrixT<Scalar>& x, int layer,
                       bool normalize_by_n) {
  NFALAB_CHECK(layer >= 0 && layer < model.num_weighted_layers())
      << "layer " << layer;
  const int c = model.output_dim();
  const BasicWeightedLayer<Scalar>& weighted = model.weighted_layer(layer);
  const MatrixD w = weighted.weight().template cast<double>();
  MatrixD agop = MatrixD::Zero(w.cols(), w.cols());
  BasicModelCache<Scalar> cache;
  BasicGradients<Scalar> gradients;
  std::vector<MatrixT<Scalar>> d_preactivations;
  MatrixT<Scalar> unit(1, c), vectors;
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    model.Forward(x.row(i), &cache);
    for (int output = 0; output < c; ++output) {
      unit.setZero();
      unit(0, output) = 1;
      model.Backward(cache, unit, &gradients, &d_preactivations);
      // d f_c / d X[q, :] = (d f_c / d h[:, q])^T W at every position q.
      weighted.OutputVectors(d_preactivations[layer], &vectors);
      const MatrixD jacobian = vectors.template cast<double>() * w;
      agop += jacobian.transpose() * jacobian;
    }
  }
  if (normalize_by_n) agop /= static_cast<double>(x.rows());
  return agop;
}

template MatrixD BruteForceAgop(const BasicSequential<float>&, const Matrix&,
                                int, bool);
template MatrixD BruteForceAgop(const BasicSequential<double>&, const MatrixD&,
                                int, bool);

}  // namespace nfalab
