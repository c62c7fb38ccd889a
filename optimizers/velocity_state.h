// Momentum buffers: per layer a weight and a bias velocity, in the run's
// precision (float, or double in a FLOAT64 run). In a checkpoint they are
// the OptimizerState tensors "weight_velocity/<i>" and "bias_velocity/<i>"
// under the optimizer's name. Shared by the optimizers that keep such
// buffers (sgd, slo).
#ifndef NFALAB_OPTIMIZERS_VELOCITY_STATE_H_
#define NFALAB_OPTIMIZERS_VELOCITY_STATE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/tensor.h"
#include "layers/parameters.h"
#include "optimizers/optimizer_state.pb.h"

namespace nfalab {

template <typename Scalar>
struct BasicVelocities {
  std::vector<MatrixT<Scalar>> weight;
  std::vector<VectorT<Scalar>> bias;
};

// The buffers of an optimizer that may run in either precision (one per
// run): Of<Scalar>() are the run's.
class Velocities {
 public:
  explicit Velocities(std::string optimizer)
      : optimizer_(std::move(optimizer)) {}

  template <typename Scalar>
  BasicVelocities<Scalar>& Of();

  // Before a step on `parameters`: true and empty buffers, one per layer, at
  // the first step; else FailedPrecondition naming the optimizer if the
  // buffers belong to a model of another shape (with momentum, whose
  // buffers are filled). Nothing changes when it fails.
  template <typename Scalar>
  absl::StatusOr<bool> Prepare(
      const std::vector<BasicParameterBlock<Scalar>>& parameters,
      bool momentum);

  // Saves the buffers of the precision in use (float before any step).
  void Save(OptimizerState* state) const;
  // Restores them in the precision they were saved in. InvalidArgument if
  // `state` was saved by another optimizer or its tensors are not the
  // expected pairs; the buffers are untouched then.
  absl::Status Load(const OptimizerState& state);

 private:
  std::string optimizer_;
  BasicVelocities<float> f32_;
  BasicVelocities<double> f64_;
};

template <>
BasicVelocities<float>& Velocities::Of<float>();
template <>
BasicVelocities<double>& Velocities::Of<double>();
extern template absl::StatusOr<bool> Velocities::Prepare(
    const std::vector<ParameterBlock>&, bool);
extern template absl::StatusOr<bool> Velocities::Prepare(
    const std::vector<ParameterBlockD>&, bool);

}  // namespace nfalab

#endif  // NFALAB_OPTIMIZERS_VELOCITY_STATE_H_
