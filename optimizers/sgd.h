// Stochastic gradient descent with momentum and weight decay, as PyTorch's
// torch.optim.SGD (dampening 0, no Nesterov). For every parameter P with
// gradient G:
//   g = G + weight_decay * P
//   v = g                      on the first step,
//   v = momentum * v + g       afterwards,
//   P = P - learning_rate * v.
// With momentum 0 this is P = P - learning_rate * (G + weight_decay * P).
// Registered as "sgd". An instance keeps per-layer state: use one per model
// (a second model of another shape gets FailedPrecondition).
#ifndef NFALAB_OPTIMIZERS_SGD_H_
#define NFALAB_OPTIMIZERS_SGD_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "optimizers/optimizer.h"

namespace nfalab {

class Sgd : public Optimizer {
 public:
  // InvalidArgument naming the field for a non-positive learning rate,
  // momentum outside [0, 1) or negative weight decay.
  static absl::StatusOr<std::unique_ptr<Optimizer>> Create(
      const OptimizerConfig& config);

  absl::Status Step(const Gradients& gradients,
                    const std::vector<ParameterBlock>& parameters) override;
  absl::Status SaveState(OptimizerState* state) const override;
  absl::Status LoadState(const OptimizerState& state) override;

 private:
  Sgd(double learning_rate, double momentum, double weight_decay)
      : Optimizer(learning_rate),
        momentum_(momentum),
        weight_decay_(weight_decay) {}

  double momentum_;
  double weight_decay_;
  std::vector<Matrix> weight_velocity_;
  std::vector<Vector> bias_velocity_;
};

// Shared checks of the fields every optimizer reads.
absl::Status ValidateCommonOptimizerFields(const OptimizerConfig& config);

}  // namespace nfalab

#endif  // NFALAB_OPTIMIZERS_SGD_H_
