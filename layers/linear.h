// Linear ("linear"): h = x W^T + b for a batch of flat samples x: [n, k_in],
// W: [k_out, k_in] (the paper's W_l, PyTorch's nn.Linear layout), optional
// b: [k_out]. A weighted layer with P = 1: W multiplies the input rows as
// they are.
//
//   Backward:  dL/dx = dL/dh W          (any number R of rows per sample)
//              dL/dW = dL/dh^T x,  dL/db = column sums of dL/dh   (R = 1)
//
// Options (LayerSpec): out_features (>= 1), bias.
#ifndef NFALAB_LAYERS_LINEAR_H_
#define NFALAB_LAYERS_LINEAR_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "layers/layer.h"

namespace nfalab {

template <typename Scalar>
class BasicLinear : public BasicWeightedLayer<Scalar> {
 public:
  BasicLinear(int input_dim, int output_dim, bool has_bias);

  static constexpr bool kTakesOutFeatures = true;

  // InvalidArgument for a non-flat input or out_features < 1.
  static absl::StatusOr<std::unique_ptr<BasicLayer<Scalar>>> Create(
      const LayerSpec& spec, const SampleShape& input);

  int input_dim() const { return this->fan_in(); }
  int output_dim() const { return this->units(); }

  void Forward(const MatrixT<Scalar>& x, MatrixT<Scalar>* h,
               MatrixT<Scalar>* kept = nullptr) const override;
  void Backward(const MatrixT<Scalar>& x, const MatrixT<Scalar>& h,
                const MatrixT<Scalar>& kept, const MatrixT<Scalar>& d_h,
                int rows_per_sample, MatrixT<Scalar>* d_x,
                MatrixT<Scalar>* d_weight,
                VectorT<Scalar>* d_bias) const override;
  std::vector<ExportField> ExportFields() const override;
  std::unique_ptr<BasicLayer<Scalar>> Clone() const override {
    return std::make_unique<BasicLinear>(*this);
  }
};

using Linear = BasicLinear<float>;
using LinearD = BasicLinear<double>;

extern template class BasicLinear<float>;
extern template class BasicLinear<double>;

}  // namespace nfalab

#endif  // NFALAB_LAYERS_LINEAR_H_
