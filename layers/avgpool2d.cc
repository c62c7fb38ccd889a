// AvgPool2d ("avgpool2d"): the mean of each k x k window of each channel
// (layers/pool_window.h), as PyTorch's nn.AvgPool2d with padding 0 (every
// window is full, so the divisor is always k^2):
//
//   y[c, oh, ow] = (1 / k^2) sum_{a, b < k} x[c, oh s + a, ow s + b],
//   d_x[c, h, w] = (1 / k^2) sum over the windows (oh, ow) holding (h, w) of
//                  d_y[c, oh, ow]    (each of sample i's R cotangent rows).
//
// Options (LayerSpec): kernel_size (default 2), stride (default kernel_size);
// padding must be 0 or unset.
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/check.h"
#include "core/status_macros.h"
#include "layers/layer.h"
#include "layers/pool_window.h"

namespace nfalab {
namespace {

template <typename Scalar>
class AvgPool2d : public BasicLayer<Scalar> {
 public:
  explicit AvgPool2d(const PoolWindow& window)
      : BasicLayer<Scalar>(window.input, window.output), window_(window) {}

  static absl::StatusOr<std::unique_ptr<BasicLayer<Scalar>>> Create(
      const LayerSpec& spec, const SampleShape& input) {
    NFALAB_ASSIGN_OR_RETURN(PoolWindow window,
                            ResolvePoolWindow("avgpool2d", spec, input));
    return std::unique_ptr<BasicLayer<Scalar>>(
        std::make_unique<AvgPool2d>(window));
  }

  void Forward(const MatrixT<Scalar>& x, MatrixT<Scalar>* y,
               MatrixT<Scalar>* /*kept*/) const override {
    NFALAB_DCHECK(x.cols() == this->input_size());
    const PoolWindow& w = window_;
    const int k = w.kernel;
    const Scalar scale = Scalar(1) / static_cast<Scalar>(k * k);
    y->resize(x.rows(), this->output_size());
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      const Scalar* row = x.row(i).data();
      int o = 0;
      for (int c = 0; c < w.output.channels; ++c) {
        for (int oh = 0; oh < w.output.height; ++oh) {
          for (int ow = 0; ow < w.output.width; ++ow, ++o) {
            Scalar sum = 0;
            for (int a = 0; a < k; ++a) {
              for (int b = 0; b < k; ++b) {
                sum += row[w.InputIndex(c, oh, ow, a, b)];
              }
            }
            (*y)(i, o) = sum * scale;
          }
        }
      }
    }
  }

  void Backward(const MatrixT<Scalar>& /*x*/, const MatrixT<Scalar>& /*y*/,
                const MatrixT<Scalar>& /*kept*/, const MatrixT<Scalar>& d_y,
                int /*rows_per_sample*/, MatrixT<Scalar>* d_x,
                MatrixT<Scalar>* /*d_weight*/,
                VectorT<Scalar>* /*d_bias*/) const override {
    if (d_x == nullptr) return;
    // The map is linear and the same for every row, so the R rows of a
    // sample need no grouping.
    const PoolWindow& w = window_;
    const int k = w.kernel;
    const Scalar scale = Scalar(1) / static_cast<Scalar>(k * k);
    NFALAB_DCHECK(d_y.cols() == this->output_size());
    d_x->setZero(d_y.rows(), this->input_size());
    for (Eigen::Index j = 0; j < d_y.rows(); ++j) {
      Scalar* row = d_x->row(j).data();
      int o = 0;
      for (int c = 0; c < w.output.channels; ++c) {
        for (int oh = 0; oh < w.output.height; ++oh) {
          for (int ow = 0; ow < w.output.width; ++ow, ++o) {
            const Scalar share = d_y(j, o) * scale;
            for (int a = 0; a < k; ++a) {
              for (int b = 0; b < k; ++b) {
                row[w.InputIndex(c, oh, ow, a, b)] += share;
              }
            }
          }
        }
      }
    }
  }

  std::vector<ExportField> ExportFields() const override {
    return window_.ExportFields();
  }

  std::unique_ptr<BasicLayer<Scalar>> Clone() const override {
    return std::make_unique<AvgPool2d>(*this);
  }

 private:
  PoolWindow window_;
};

}  // namespace

NFALAB_REGISTER_LAYER("avgpool2d", AvgPool2d,
                      "mean of each k x k window (torch AvgPool2d, padding "
                      "0); options: kernel_size (2), stride (kernel_size)");

}  // namespace nfalab
