// A run-time plugin with planted faults, for check_plugin_test:
//   bad_slope_tanh   tanh with a derivative 0.1% too large;
//   false_invariant  tr(W^T K W) / tr(W^T W), linear in K, yet it declares
//                    IsScaleInvariant().
// `nfalab check-plugin` must report both as FAILED and exit 1.
#include <vector>

#include "core/tensor.h"
#include "layers/activation.h"
#include "metrics/alignment_measure.h"

namespace nfalab_broken {
namespace {

class BadSlopeTanh : public nfalab::ElementwiseActivation<BadSlopeTanh> {
 public:
  template <typename A>
  static auto Value(const A& h) {
    return h.tanh();
  }
  template <typename A>
  static auto Slope(const A& h) {
    using S = typename A::Scalar;
    return S(1.001) * (S(1) - h.tanh().square());
  }
};

class FalseInvariant : public nfalab::AlignmentMeasure {
 public:
  absl::StatusOr<std::vector<nfalab::MeasureValue>> Compute(
      const nfalab::LayerContext& layer) const override {
    const nfalab::MatrixD w = layer.weight.cast<double>();
    return std::vector<nfalab::MeasureValue>{
        {"false_invariant",
         (w * w.transpose()).cwiseProduct(layer.ptk).sum() / w.squaredNorm()}};
  }
  bool IsScaleInvariant() const override { return true; }
};

}  // namespace
}  // namespace nfalab_broken

NFALAB_REGISTER_ACTIVATION("bad_slope_tanh", ::nfalab_broken::BadSlopeTanh,
                           "tanh with a wrong derivative (test plugin)");
NFALAB_REGISTER_ALIGNMENT_MEASURE(
    "false_invariant", ::nfalab_broken::FalseInvariant,
    "falsely declares scale invariance (test plugin)");
