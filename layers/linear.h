// Linear: h = x W^T + b for a batch of row samples x: [n, k_in].
// W: [k_out, k_in] (the paper's W_l), optional b: [k_out].
#ifndef NFALAB_LAYERS_LINEAR_H_
#define NFALAB_LAYERS_LINEAR_H_

#include "core/tensor.h"

namespace nfalab {

template <typename Scalar>
class BasicLinear {
 public:
  BasicLinear(int input_dim, int output_dim, bool has_bias);

  int input_dim() const { return static_cast<int>(weight_.cols()); }
  int output_dim() const { return static_cast<int>(weight_.rows()); }
  bool has_bias() const { return has_bias_; }

  MatrixT<Scalar>& weight() { return weight_; }
  const MatrixT<Scalar>& weight() const { return weight_; }
  // Empty when the layer has no bias.
  VectorT<Scalar>& bias() { return bias_; }
  const VectorT<Scalar>& bias() const { return bias_; }

  // h: [n, k_out] = x W^T + b, x: [n, k_in].
  void Forward(const MatrixT<Scalar>& x, MatrixT<Scalar>* h) const;

  // Given dL/dh: [n, k_out] and the layer input x, writes
  // dL/dW = dh^T x: [k_out, k_in], dL/db = column sums of dh (if the layer
  // has a bias) and, unless `d_input` is null, dL/dx = dh W: [n, k_in].
  void Backward(const MatrixT<Scalar>& x, const MatrixT<Scalar>& d_output,
                MatrixT<Scalar>* d_weight, VectorT<Scalar>* d_bias,
                MatrixT<Scalar>* d_input) const;

 private:
  MatrixT<Scalar> weight_;
  VectorT<Scalar> bias_;
  bool has_bias_;
};

using Linear = BasicLinear<float>;
using LinearD = BasicLinear<double>;

extern template class BasicLinear<float>;
extern template class BasicLinear<double>;

}  // namespace nfalab

#endif  // NFALAB_LAYERS_LINEAR_H_
