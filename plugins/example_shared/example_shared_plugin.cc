// An example run-time plugin: one activation, one alignment measure and one
// layer (reverse: the order of a flat sample's values reversed),
// compiled into libexample_shared_plugin.so and loaded with
//   nfalab train --plugin=path/to/libexample_shared_plugin.so
//       --model.activation=cube_tanh --measurement.measures=uc_nfc,trace_ratio
//
// cube_tanh:   phi(h) = tanh(h)^3,  phi'(h) = 3 tanh(h)^2 (1 - tanh(h)^2).
// trace_ratio: tr(AGOP) / tr(NFM) = tr(W^T K W) / tr(W^T W)
//              = <W W^T, K>_F / |W|_F^2,
//              the mean of K's quadratic form over W's columns weighted by
//              their squared lengths (NaN for W = 0). Invariant to the scale
//              of W, linear in K, hence not scale invariant as a measure.
//
// Config snippet:
//   model { activation: "cube_tanh" }
//   measurement { measures: "uc_nfc" measures: "trace_ratio" }
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "core/tensor.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "layers/activation.h"
#include "layers/layer.h"
#include "metrics/alignment_measure.h"

namespace nfalab_example {
namespace {

class CubeTanh : public nfalab::ElementwiseActivation<CubeTanh> {
 public:
  template <typename A>
  static auto Value(const A& h) {
    return h.tanh().cube();
  }
  template <typename A>
  static auto Slope(const A& h) {
    using S = typename A::Scalar;
    return S(3) * h.tanh().square() * (S(1) - h.tanh().square());
  }
};

class TraceRatio : public nfalab::AlignmentMeasure {
 public:
  absl::StatusOr<std::vector<nfalab::MeasureValue>> Compute(
      const nfalab::LayerContext& layer) const override {
    const nfalab::MatrixD w = nfalab::WeightOf(layer);
    const double nfm_trace = w.squaredNorm();
    const double agop_trace = (w * w.transpose()).cwiseProduct(layer.ptk).sum();
    const double ratio = nfm_trace > 0
                             ? agop_trace / nfm_trace
                             : std::numeric_limits<double>::quiet_NaN();
    return std::vector<nfalab::MeasureValue>{{"trace_ratio", ratio}};
  }
};

// reverse: y_i = x_{d-1-i} on flat samples, a layer without a weight (its
// VJP reverses each cotangent row the same way).
template <typename Scalar>
class Reverse : public nfalab::BasicLayer<Scalar> {
 public:
  explicit Reverse(const nfalab::SampleShape& input)
      : nfalab::BasicLayer<Scalar>(input, input) {}

  static absl::StatusOr<std::unique_ptr<nfalab::BasicLayer<Scalar>>> Create(
      const nfalab::LayerSpec& /*spec*/, const nfalab::SampleShape& input) {
    if (!input.is_flat()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "reverse takes flat samples, got ", input.ToString()));
    }
    return std::unique_ptr<nfalab::BasicLayer<Scalar>>(
        std::make_unique<Reverse>(input));
  }

  void Forward(const nfalab::MatrixT<Scalar>& x, nfalab::MatrixT<Scalar>* y,
               nfalab::MatrixT<Scalar>* /*kept*/) const override {
    *y = x.rowwise().reverse();
  }
  void Backward(const nfalab::MatrixT<Scalar>& /*x*/,
                const nfalab::MatrixT<Scalar>& /*y*/,
                const nfalab::MatrixT<Scalar>& /*kept*/,
                const nfalab::MatrixT<Scalar>& d_y, int /*rows_per_sample*/,
                nfalab::MatrixT<Scalar>* d_x,
                nfalab::MatrixT<Scalar>* /*d_weight*/,
                nfalab::VectorT<Scalar>* /*d_bias*/) const override {
    if (d_x != nullptr) *d_x = d_y.rowwise().reverse();
  }
  std::unique_ptr<nfalab::BasicLayer<Scalar>> Clone() const override {
    return std::make_unique<Reverse>(*this);
  }
};

}  // namespace
}  // namespace nfalab_example

NFALAB_REGISTER_LAYER("reverse", ::nfalab_example::Reverse,
                      "y_i = x_{d-1-i} (example run-time plugin)");
NFALAB_REGISTER_ACTIVATION("cube_tanh", ::nfalab_example::CubeTanh,
                           "tanh(h)^3 (example run-time plugin)");
NFALAB_REGISTER_ALIGNMENT_MEASURE(
    "trace_ratio", ::nfalab_example::TraceRatio,
    "tr(W^T K W) / tr(W^T W) (example run-time plugin)");
