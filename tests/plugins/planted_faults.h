// Plugins with planted faults that the conformance checks must report:
// registered for a scope by the conformance suites and, in
// libbroken_plugin.so, for `nfalab check-plugin` (check_plugin_test).
// Header-only, so the run-time plugin carries no registry.
#ifndef NFALAB_TESTS_PLUGINS_PLANTED_FAULTS_H_
#define NFALAB_TESTS_PLUGINS_PLANTED_FAULTS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "core/tensor.h"
#include "layers/activation.h"
#include "metrics/alignment_measure.h"

namespace nfalab::testing {

// tanh with a derivative 0.1% too large: |1.001 s - s| / max(s, 0.1) = 1e-3
// wherever tanh' = s >= 0.1.
class SlopeOffByATenthPercent
    : public ElementwiseActivation<SlopeOffByATenthPercent> {
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

// "ratio" = tr(W W^T K) / |W|_F^2: linear in K, yet it declares scale
// invariance, so scaling K by 5 changes it by a relative 4.
class FalselyScaleInvariant : public AlignmentMeasure {
 public:
  absl::StatusOr<std::vector<MeasureValue>> Compute(
      const LayerContext& layer) const override {
    const MatrixD w = layer.weight.cast<double>();
    return std::vector<MeasureValue>{
        {"ratio",
         (w * w.transpose()).cwiseProduct(layer.ptk).sum() / w.squaredNorm()}};
  }
  bool IsScaleInvariant() const override { return true; }
};

}  // namespace nfalab::testing

#endif  // NFALAB_TESTS_PLUGINS_PLANTED_FAULTS_H_
