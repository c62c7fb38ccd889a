#include "layers/activation_layer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/check.h"
#include "core/status_macros.h"

namespace nfalab {

template <typename Scalar>
BasicActivationLayer<Scalar>::BasicActivationLayer(
    std::shared_ptr<const Activation> activation, const SampleShape& shape)
    : BasicLayer<Scalar>(shape, shape), activation_(std::move(activation)) {
  this->set_type("activation");
}

template <typename Scalar>
absl::StatusOr<std::unique_ptr<BasicLayer<Scalar>>>
BasicActivationLayer<Scalar>::Create(const LayerSpec& spec,
                                     const SampleShape& input) {
  const google::protobuf::Any* options =
      spec.has_activation_options() ? &spec.activation_options() : nullptr;
  NFALAB_RETURN_IF_ERROR(ActivationRegistry::Global().CheckOptions(
      spec.activation(), options, "activation_options"));
  absl::StatusOr<std::unique_ptr<Activation>> activation =
      ActivationRegistry::Global().Create(spec.activation(), options);
  if (!activation.ok()) {
    return AnnotateStatus(activation.status(), "activation");
  }
  return std::unique_ptr<BasicLayer<Scalar>>(
      std::make_unique<BasicActivationLayer>(std::move(activation).value(),
                                             input));
}

template <typename Scalar>
void BasicActivationLayer<Scalar>::Forward(const MatrixT<Scalar>& x,
                                           MatrixT<Scalar>* y,
                                           MatrixT<Scalar>* /*kept*/) const {
  activation_->Apply(x, y);
}

template <typename Scalar>
void BasicActivationLayer<Scalar>::Backward(
    const MatrixT<Scalar>& x, const MatrixT<Scalar>& /*y*/,
    const MatrixT<Scalar>& /*kept*/, const MatrixT<Scalar>& d_y,
    int rows_per_sample, MatrixT<Scalar>* d_x, MatrixT<Scalar>* /*d_weight*/,
    VectorT<Scalar>* /*d_bias*/) const {
  if (d_x == nullptr) return;
  NFALAB_DCHECK(d_y.rows() == x.rows() * rows_per_sample);
  if (rows_per_sample == 1) {
    // phi'(x) straight into d_x, then the product in place: no temporary
    // in the training step.
    activation_->Derivative(x, d_x);
    d_x->array() *= d_y.array();
    return;
  }
  *d_x = d_y;
  BackwardInPlace(x, x, x, rows_per_sample, d_x);
}

template <typename Scalar>
bool BasicActivationLayer<Scalar>::BackwardInPlace(
    const MatrixT<Scalar>& x, const MatrixT<Scalar>& /*y*/,
    const MatrixT<Scalar>& /*kept*/, int rows_per_sample,
    MatrixT<Scalar>* d) const {
  NFALAB_DCHECK(d->rows() == x.rows() * rows_per_sample);
  // phi' in blocks of samples: a small slope buffer that stays in cache
  // instead of a fresh one the size of x.
  constexpr Eigen::Index kBlockRows = 64;
  MatrixT<Scalar> block, slope;
  const int r = rows_per_sample;
  for (Eigen::Index first = 0; first < x.rows(); first += kBlockRows) {
    const Eigen::Index count = std::min(kBlockRows, x.rows() - first);
    block = x.middleRows(first, count);
    activation_->Derivative(block, &slope);
    for (Eigen::Index i = 0; i < count; ++i) {
      d->middleRows((first + i) * r, r).array().rowwise() *=
          slope.row(i).array();
    }
  }
  return true;
}

template <typename Scalar>
std::vector<ExportField> BasicActivationLayer<Scalar>::ExportFields() const {
  return {{"name", absl::StrCat("\"", activation_->name(), "\"")}};
}

template class BasicActivationLayer<float>;
template class BasicActivationLayer<double>;

NFALAB_REGISTER_LAYER("activation", BasicActivationLayer,
                      "y = phi(x) elementwise; option: activation");

}  // namespace nfalab
