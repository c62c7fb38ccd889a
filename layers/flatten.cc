// Flatten ("flatten"): a sample of shape (C, H, W) becomes the flat vector
// of its C H W values in the same (channel-major) order, as torch.flatten(x,
// 1). Rows are unchanged, so forward and backward copy.
#include <memory>

#include "layers/layer.h"

namespace nfalab {
namespace {

template <typename Scalar>
class Flatten : public BasicLayer<Scalar> {
 public:
  explicit Flatten(const SampleShape& input)
      : BasicLayer<Scalar>(input,
                           SampleShape::Flat(static_cast<int>(input.size()))) {}

  static absl::StatusOr<std::unique_ptr<BasicLayer<Scalar>>> Create(
      const LayerSpec& /*spec*/, const SampleShape& input) {
    return std::unique_ptr<BasicLayer<Scalar>>(
        std::make_unique<Flatten>(input));
  }

  void Forward(const MatrixT<Scalar>& x, MatrixT<Scalar>* y,
               MatrixT<Scalar>* /*kept*/) const override {
    *y = x;
  }
  void Backward(const MatrixT<Scalar>& /*x*/, const MatrixT<Scalar>& /*y*/,
                const MatrixT<Scalar>& /*kept*/, const MatrixT<Scalar>& d_y,
                int /*rows_per_sample*/, MatrixT<Scalar>* d_x,
                MatrixT<Scalar>* /*d_weight*/,
                VectorT<Scalar>* /*d_bias*/) const override {
    if (d_x != nullptr) *d_x = d_y;
  }
  std::unique_ptr<BasicLayer<Scalar>> Clone() const override {
    return std::make_unique<Flatten>(*this);
  }
};

}  // namespace

NFALAB_REGISTER_LAYER("flatten", Flatten,
                      "(C, H, W) -> (C H W), channel-major as torch.flatten");

}  // namespace nfalab
