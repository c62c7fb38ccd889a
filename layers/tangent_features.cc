#include "layers/tangent_features.h"

namespace nfalab {

template <typename Scalar>
void ComputeTangentFeatures(const BasicMlp<Scalar>& mlp,
                            const MatrixT<Scalar>& x,
                            std::vector<MatrixT<Scalar>>* features,
                            BasicMlpCache<Scalar>* cache) {
  BasicMlpCache<Scalar> local_cache;
  BasicMlpCache<Scalar>& forward = cache != nullptr ? *cache : local_cache;
  mlp.Forward(x, &forward);
  const Eigen::Index m = x.rows();
  const int c = mlp.output_dim();
  const int n_layers = mlp.num_layers();
  features->resize(n_layers);

  // The readout's pre-activation is the output: g = e_c.
  MatrixT<Scalar>& top = (*features)[n_layers - 1];
  top.setZero(m * c, c);
  for (Eigen::Index i = 0; i < m; ++i) {
    top.middleRows(i * c, c).setIdentity();
  }
  MatrixT<Scalar> slope;
  for (int l = n_layers - 1; l > 0; --l) {
    MatrixT<Scalar>& below = (*features)[l - 1];
    below.noalias() = (*features)[l] * mlp.layer(l).weight();
    mlp.activation().Derivative(forward.preactivations[l - 1], &slope);
    for (Eigen::Index i = 0; i < m; ++i) {
      below.middleRows(i * c, c).array().rowwise() *= slope.row(i).array();
    }
  }
}

template void ComputeTangentFeatures(const BasicMlp<float>&, const Matrix&,
                                     std::vector<Matrix>*,
                                     BasicMlpCache<float>*);
template void ComputeTangentFeatures(const BasicMlp<double>&, const MatrixD&,
                                     std::vector<MatrixD>*,
                                     BasicMlpCache<double>*);

}  // namespace nfalab
