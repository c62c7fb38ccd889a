// An example run-time plugin: one activation and one alignment measure,
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
#include <vector>

#include "core/tensor.h"
#include "layers/activation.h"
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

}  // namespace
}  // namespace nfalab_example

NFALAB_REGISTER_ACTIVATION("cube_tanh", ::nfalab_example::CubeTanh,
                           "tanh(h)^3 (example run-time plugin)");
NFALAB_REGISTER_ALIGNMENT_MEASURE(
    "trace_ratio", ::nfalab_example::TraceRatio,
    "tr(W^T K W) / tr(W^T W) (example run-time plugin)");
