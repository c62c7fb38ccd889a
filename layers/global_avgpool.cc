// GlobalAvgPool ("global_avgpool"): (C, H, W) -> (C, 1, 1), the mean of each
// channel over its H W positions, as PyTorch's nn.AdaptiveAvgPool2d((1, 1)):
//
//   y[c] = (1 / (H W)) sum_{h, w} x[c, h, w],
//   d_x[c, h, w] = d_y[c] / (H W)    (each of sample i's R cotangent rows).
//
// No options. The output (C, 1, 1) is flat, so a linear layer may follow
// without a flatten. On the 1 x 1 map that VGG's five pools leave of a
// 32 x 32 image it is the identity.
#include <memory>

#include "core/check.h"
#include "core/status_macros.h"
#include "layers/layer.h"
#include "layers/pool_window.h"

namespace nfalab {
namespace {

template <typename Scalar>
class GlobalAvgPool : public BasicLayer<Scalar> {
 public:
  explicit GlobalAvgPool(const SampleShape& input)
      : BasicLayer<Scalar>(input, SampleShape::Flat(input.channels)),
        positions_(input.height * input.width) {}

  static absl::StatusOr<std::unique_ptr<BasicLayer<Scalar>>> Create(
      const LayerSpec& /*spec*/, const SampleShape& input) {
    NFALAB_RETURN_IF_ERROR(RequireImageInput("global_avgpool", input));
    return std::unique_ptr<BasicLayer<Scalar>>(
        std::make_unique<GlobalAvgPool>(input));
  }

  void Forward(const MatrixT<Scalar>& x, MatrixT<Scalar>* y,
               MatrixT<Scalar>* /*kept*/) const override {
    NFALAB_DCHECK(x.cols() == this->input_size());
    const int channels = this->output_size();
    const Scalar scale = Scalar(1) / static_cast<Scalar>(positions_);
    y->resize(x.rows(), channels);
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      for (int c = 0; c < channels; ++c) {
        // Channel c is a contiguous block of the CHW row.
        (*y)(i, c) = x.row(i).segment(c * positions_, positions_).sum() * scale;
      }
    }
  }

  void Backward(const MatrixT<Scalar>& /*x*/, const MatrixT<Scalar>& /*y*/,
                const MatrixT<Scalar>& /*kept*/, const MatrixT<Scalar>& d_y,
                int /*rows_per_sample*/, MatrixT<Scalar>* d_x,
                MatrixT<Scalar>* /*d_weight*/,
                VectorT<Scalar>* /*d_bias*/) const override {
    if (d_x == nullptr) return;
    // Linear and the same for every row: the R rows need no grouping.
    const int channels = this->output_size();
    const Scalar scale = Scalar(1) / static_cast<Scalar>(positions_);
    NFALAB_DCHECK(d_y.cols() == channels);
    d_x->resize(d_y.rows(), this->input_size());
    for (Eigen::Index j = 0; j < d_y.rows(); ++j) {
      for (int c = 0; c < channels; ++c) {
        d_x->row(j)
            .segment(c * positions_, positions_)
            .setConstant(d_y(j, c) * scale);
      }
    }
  }

  std::unique_ptr<BasicLayer<Scalar>> Clone() const override {
    return std::make_unique<GlobalAvgPool>(*this);
  }

 private:
  int positions_;  // H W.
};

}  // namespace

NFALAB_REGISTER_LAYER("global_avgpool", GlobalAvgPool,
                      "(C, H, W) -> (C, 1, 1), the mean over positions "
                      "(torch AdaptiveAvgPool2d((1, 1)))");

}  // namespace nfalab
