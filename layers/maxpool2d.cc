// MaxPool2d ("maxpool2d"): the maximum of each k x k window of each channel
// (layers/pool_window.h), as PyTorch's nn.MaxPool2d with padding 0:
//
//   y[c, oh, ow] = max_{a, b < k} x[c, oh s + a, ow s + b],
//   d_x[c, h, w] = sum over the windows (oh, ow) whose argmax is (h, w) of
//                  d_y[c, oh, ow],
//
// so a value that is the maximum of two overlapping windows gets both
// cotangents. The argmax is the first maximum in row-major window order on
// ties (PyTorch's CPU kernel also keeps the first); a NaN counts as the
// maximum, as in PyTorch. Forward keeps the argmax (its index in the input
// row) in `kept`, [n, output_size], so Backward routes each of sample i's R
// cotangent rows without searching again.
//
// Options (LayerSpec): kernel_size (default 2), stride (default kernel_size);
// padding must be 0 or unset.
#include <cmath>
#include <limits>
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
class MaxPool2d : public BasicLayer<Scalar> {
 public:
  explicit MaxPool2d(const PoolWindow& window)
      : BasicLayer<Scalar>(window.input, window.output), window_(window) {}

  static absl::StatusOr<std::unique_ptr<BasicLayer<Scalar>>> Create(
      const LayerSpec& spec, const SampleShape& input) {
    NFALAB_ASSIGN_OR_RETURN(PoolWindow window,
                            ResolvePoolWindow("maxpool2d", spec, input));
    // The argmax indices are kept as Scalar values, exact up to 2^digits.
    const int64_t exact = int64_t{1} << std::numeric_limits<Scalar>::digits;
    if (input.size() > exact) {
      return absl::InvalidArgumentError(absl::StrCat(
          "maxpool2d keeps argmax indices as Scalar values, exact for inputs "
          "of up to ",
          exact, " values per sample; ", input.ToString(), " has ",
          input.size()));
    }
    return std::unique_ptr<BasicLayer<Scalar>>(
        std::make_unique<MaxPool2d>(window));
  }

  void Forward(const MatrixT<Scalar>& x, MatrixT<Scalar>* y,
               MatrixT<Scalar>* kept) const override {
    NFALAB_DCHECK(x.cols() == this->input_size());
    const PoolWindow& w = window_;
    const int k = w.kernel;
    y->resize(x.rows(), this->output_size());
    MatrixT<Scalar> argmax_storage;
    // Callers may pass no `kept` (a forward-only pass); the argmax is then
    // found and dropped.
    MatrixT<Scalar>* argmax = kept != nullptr ? kept : &argmax_storage;
    argmax->resize(x.rows(), this->output_size());
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      const Scalar* row = x.row(i).data();
      int o = 0;
      for (int c = 0; c < w.output.channels; ++c) {
        for (int oh = 0; oh < w.output.height; ++oh) {
          for (int ow = 0; ow < w.output.width; ++ow, ++o) {
            int best = w.InputIndex(c, oh, ow, 0, 0);
            for (int a = 0; a < k; ++a) {
              for (int b = 0; b < k; ++b) {
                const int index = w.InputIndex(c, oh, ow, a, b);
                // Strictly greater: the first maximum wins ties. NaN
                // wins as in PyTorch's kernel.
                if (row[index] > row[best] || std::isnan(row[index])) {
                  best = index;
                }
              }
            }
            (*y)(i, o) = row[best];
            (*argmax)(i, o) = static_cast<Scalar>(best);
          }
        }
      }
    }
  }

  void Backward(const MatrixT<Scalar>& x, const MatrixT<Scalar>& /*y*/,
                const MatrixT<Scalar>& kept, const MatrixT<Scalar>& d_y,
                int rows_per_sample, MatrixT<Scalar>* d_x,
                MatrixT<Scalar>* /*d_weight*/,
                VectorT<Scalar>* /*d_bias*/) const override {
    if (d_x == nullptr) return;
    const int r_count = rows_per_sample;
    NFALAB_DCHECK(d_y.rows() == x.rows() * r_count);
    NFALAB_DCHECK(kept.rows() == x.rows() && kept.cols() == d_y.cols());
    d_x->setZero(d_y.rows(), this->input_size());
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      for (Eigen::Index o = 0; o < d_y.cols(); ++o) {
        const int index = static_cast<int>(kept(i, o));
        for (int r = 0; r < r_count; ++r) {
          (*d_x)(i * r_count + r, index) += d_y(i * r_count + r, o);
        }
      }
    }
  }

  std::vector<ExportField> ExportFields() const override {
    return window_.ExportFields();
  }

  std::unique_ptr<BasicLayer<Scalar>> Clone() const override {
    return std::make_unique<MaxPool2d>(*this);
  }

 private:
  PoolWindow window_;
};

}  // namespace

NFALAB_REGISTER_LAYER("maxpool2d", MaxPool2d,
                      "max of each k x k window (torch MaxPool2d, padding 0); "
                      "options: kernel_size (2), stride (kernel_size)");

}  // namespace nfalab
