// Plugins with planted faults that the conformance checks must report:
// registered for a scope by the conformance suites and, in
// libbroken_plugin.so, for `nfalab check-plugin` (check_plugin_test).
// Header-only, so the run-time plugin carries no registry.
#ifndef NFALAB_TESTS_PLUGINS_PLANTED_FAULTS_H_
#define NFALAB_TESTS_PLUGINS_PLANTED_FAULTS_H_

#include <memory>
#include <type_traits>
#include <vector>

#include "absl/status/statusor.h"
#include "core/tensor.h"
#include "layers/activation.h"
#include "layers/layer.h"
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

enum class TanhFault {
  kNone,
  // d_x 0.1% too large: rel err 1e-3 wherever |d_x| >= 0.1.
  kVjpOffByATenthPercent,
  // Forward appends a column of zeros that output_size() does not count.
  kExtraOutputColumn,
  // For R > 1, cotangent row j takes the slope of sample j % n (as if the
  // rows were r n + i) instead of j / R.
  kSampleMajorRows,
  // The float Forward adds 1e-3.
  kFloatOffset,
};

// A layer y = tanh(x) on any input shape (any options), with one planted
// fault.
template <typename Scalar, TanhFault fault>
class TanhLayer : public BasicLayer<Scalar> {
 public:
  explicit TanhLayer(const SampleShape& shape)
      : BasicLayer<Scalar>(shape, shape) {}

  static absl::StatusOr<std::unique_ptr<BasicLayer<Scalar>>> Create(
      const LayerSpec& /*spec*/, const SampleShape& input) {
    return std::unique_ptr<BasicLayer<Scalar>>(
        std::make_unique<TanhLayer>(input));
  }

  void Forward(const MatrixT<Scalar>& x, MatrixT<Scalar>* y,
               MatrixT<Scalar>* /*kept*/) const override {
    *y = x.array().tanh().matrix();
    if constexpr (fault == TanhFault::kExtraOutputColumn) {
      y->conservativeResize(Eigen::NoChange, y->cols() + 1);
      y->col(y->cols() - 1).setZero();
    }
    if constexpr (fault == TanhFault::kFloatOffset &&
                  std::is_same_v<Scalar, float>) {
      y->array() += 1e-3f;
    }
  }

  void Backward(const MatrixT<Scalar>& x, const MatrixT<Scalar>& /*y*/,
                const MatrixT<Scalar>& /*kept*/, const MatrixT<Scalar>& d_y,
                int rows_per_sample, MatrixT<Scalar>* d_x,
                MatrixT<Scalar>* /*d_weight*/,
                VectorT<Scalar>* /*d_bias*/) const override {
    if (d_x == nullptr) return;
    const Scalar gain =
        fault == TanhFault::kVjpOffByATenthPercent ? Scalar(1.001) : Scalar(1);
    const MatrixT<Scalar> slope =
        gain * (Scalar(1) - x.array().tanh().square()).matrix();
    d_x->resize(d_y.rows(), d_y.cols());
    for (Eigen::Index j = 0; j < d_y.rows(); ++j) {
      const Eigen::Index sample = fault == TanhFault::kSampleMajorRows
                                      ? j % x.rows()
                                      : j / rows_per_sample;
      d_x->row(j) = d_y.row(j).cwiseProduct(slope.row(sample));
    }
  }

  std::unique_ptr<BasicLayer<Scalar>> Clone() const override {
    return std::make_unique<TanhLayer>(*this);
  }
};

template <typename Scalar>
using TanhLayerWithVjpOff =
    TanhLayer<Scalar, TanhFault::kVjpOffByATenthPercent>;

}  // namespace nfalab::testing

#endif  // NFALAB_TESTS_PLUGINS_PLANTED_FAULTS_H_
