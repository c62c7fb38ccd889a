// Stochastic gradient descent with momentum and weight decay, as PyTorch's
// torch.optim.SGD (dampening 0, no Nesterov). For every parameter P with
// gradient G:
//   g = G + weight_decay * P
//   v = g                      on the first step,
//   v = momentum * v + g       afterwards,
//   P = P - learning_rate * v.
// With momentum 0 this is P = P - learning_rate * (G + weight_decay * P).
// Registered as "sgd". Every operation is in the run's precision (float, or
// double for training.precision FLOAT64). An instance keeps per-layer
// state: use one per model (a second model of another shape gets
// FailedPrecondition).
#ifndef NFALAB_OPTIMIZERS_SGD_H_
#define NFALAB_OPTIMIZERS_SGD_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "optimizers/optimizer.h"
#include "optimizers/velocity_state.h"

namespace nfalab {

class Sgd : public TemplatedOptimizer<Sgd> {
 public:
  // InvalidArgument naming the field for a non-positive learning rate,
  // momentum outside [0, 1) or negative weight decay.
  static absl::StatusOr<std::unique_ptr<Optimizer>> Create(
      const OptimizerConfig& config);

  absl::Status SaveState(OptimizerState* state) const override;
  absl::Status LoadState(const OptimizerState& state) override;

 private:
  Sgd(double learning_rate, double momentum, double weight_decay)
      : TemplatedOptimizer(learning_rate),
        momentum_(momentum),
        weight_decay_(weight_decay),
        velocities_("sgd") {}

  friend class TemplatedOptimizer<Sgd>;
  // Step, in float or double.
  template <typename Scalar>
  absl::Status StepIn(
      const BasicGradients<Scalar>& gradients,
      const std::vector<BasicParameterBlock<Scalar>>& parameters);

  double momentum_;
  double weight_decay_;
  Velocities velocities_;
};

// One PyTorch-SGD update (above) of `param` (a weight or bias, float or
// double) with velocity buffer `velocity`, in param's scalar type. slo's
// SCALED mode calls it too, so its speeds of 1 are "sgd" bit for bit.
template <typename T>
void SgdUpdate(const T& gradient, double learning_rate, double momentum,
               double weight_decay, bool first_step, T* velocity, T* param) {
  using Scalar = typename T::Scalar;
  const Scalar lr = static_cast<Scalar>(learning_rate);
  const Scalar mu = static_cast<Scalar>(momentum);
  const Scalar wd = static_cast<Scalar>(weight_decay);
  if (momentum == 0.0) {
    if (weight_decay == 0.0) {
      *param -= lr * gradient;
    } else {
      *param -= lr * (gradient + wd * *param);
    }
    return;
  }
  if (first_step) {
    *velocity = gradient + wd * *param;
  } else {
    *velocity = mu * *velocity + gradient + wd * *param;
  }
  *param -= lr * *velocity;
}

// Shared checks of the fields every optimizer reads.
absl::Status ValidateCommonOptimizerFields(const OptimizerConfig& config);

}  // namespace nfalab

#endif  // NFALAB_OPTIMIZERS_SGD_H_
