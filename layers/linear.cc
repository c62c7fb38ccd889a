#include "layers/linear.h"

#include "absl/strings/str_cat.h"
#include "core/check.h"

namespace nfalab {

template <typename Scalar>
BasicLinear<Scalar>::BasicLinear(int input_dim, int output_dim, bool has_bias)
    : BasicWeightedLayer<Scalar>(SampleShape::Flat(input_dim),
                                 SampleShape::Flat(output_dim), output_dim,
                                 input_dim, has_bias) {
  NFALAB_CHECK(input_dim > 0 && output_dim > 0)
      << "Linear(" << input_dim << ", " << output_dim << ")";
  this->set_type("linear");
}

template <typename Scalar>
absl::StatusOr<std::unique_ptr<BasicLayer<Scalar>>> BasicLinear<Scalar>::Create(
    const LayerSpec& spec, const SampleShape& input) {
  if (!input.is_flat()) {
    return absl::InvalidArgumentError(
        absl::StrCat("linear needs a flat input [d], got ", input.ToString(),
                     "; put a flatten layer before it"));
  }
  if (spec.out_features() < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("out_features must be >= 1, got ", spec.out_features()));
  }
  return std::unique_ptr<BasicLayer<Scalar>>(
      std::make_unique<BasicLinear>(input.channels, spec.out_features(),
                                    spec.bias()));
}

template <typename Scalar>
void BasicLinear<Scalar>::Forward(const MatrixT<Scalar>& x,
                                  MatrixT<Scalar>* h,
                                  MatrixT<Scalar>* /*kept*/) const {
  NFALAB_DCHECK(x.cols() == this->weight().cols());
  h->noalias() = x * this->weight().transpose();
  if (this->has_bias()) h->rowwise() += this->bias().transpose();
}

template <typename Scalar>
void BasicLinear<Scalar>::Backward(
    const MatrixT<Scalar>& x, const MatrixT<Scalar>& /*h*/,
    const MatrixT<Scalar>& /*kept*/, const MatrixT<Scalar>& d_h,
    int rows_per_sample, MatrixT<Scalar>* d_x, MatrixT<Scalar>* d_weight,
    VectorT<Scalar>* d_bias) const {
  NFALAB_DCHECK(d_h.rows() == x.rows() * rows_per_sample);
  NFALAB_DCHECK(d_h.cols() == this->weight().rows());
  if (d_weight != nullptr) {
    NFALAB_CHECK(rows_per_sample == 1) << "parameter gradients need R = 1";
    d_weight->noalias() = d_h.transpose() * x;
  }
  if (d_bias != nullptr && this->has_bias()) {
    *d_bias = d_h.colwise().sum().transpose();
  }
  if (d_x != nullptr) d_x->noalias() = d_h * this->weight();
}

template <typename Scalar>
std::vector<ExportField> BasicLinear<Scalar>::ExportFields() const {
  return {{"in_features", absl::StrCat(input_dim())},
          {"out_features", absl::StrCat(output_dim())}};
}

template class BasicLinear<float>;
template class BasicLinear<double>;

NFALAB_REGISTER_LAYER("linear", BasicLinear,
                      "h = x W^T (+ b); options: out_features, bias");

}  // namespace nfalab
