#include "layers/linear.h"

#include "core/check.h"

namespace nfalab {

template <typename Scalar>
BasicLinear<Scalar>::BasicLinear(int input_dim, int output_dim, bool has_bias)
    : weight_(MatrixT<Scalar>::Zero(output_dim, input_dim)),
      bias_(has_bias ? VectorT<Scalar>::Zero(output_dim) : VectorT<Scalar>()),
      has_bias_(has_bias) {
  NFALAB_CHECK(input_dim > 0 && output_dim > 0)
      << "Linear(" << input_dim << ", " << output_dim << ")";
}

template <typename Scalar>
void BasicLinear<Scalar>::Forward(const MatrixT<Scalar>& x,
                                  MatrixT<Scalar>* h) const {
  NFALAB_DCHECK(x.cols() == weight_.cols());
  h->noalias() = x * weight_.transpose();
  if (has_bias_) h->rowwise() += bias_.transpose();
}

template <typename Scalar>
void BasicLinear<Scalar>::Backward(const MatrixT<Scalar>& x,
                                   const MatrixT<Scalar>& d_output,
                                   MatrixT<Scalar>* d_weight,
                                   VectorT<Scalar>* d_bias,
                                   MatrixT<Scalar>* d_input) const {
  NFALAB_DCHECK(d_output.rows() == x.rows());
  NFALAB_DCHECK(d_output.cols() == weight_.rows());
  d_weight->noalias() = d_output.transpose() * x;
  if (has_bias_) *d_bias = d_output.colwise().sum().transpose();
  if (d_input != nullptr) d_input->noalias() = d_output * weight_;
}

template class BasicLinear<float>;
template class BasicLinear<double>;

}  // namespace nfalab
