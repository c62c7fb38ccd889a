// What the training-step benchmarks share: uniform inputs, and one step as
// the trainer takes it (training-mode forward, MSE and its gradient,
// backward, SGD at a learning rate small enough that the weights barely
// move however many iterations run).
#ifndef NFALAB_BENCHMARKS_TRAIN_STEP_H_
#define NFALAB_BENCHMARKS_TRAIN_STEP_H_

#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/parallel.h"
#include "core/random.h"
#include "core/status_macros.h"
#include "core/tensor.h"
#include "layers/loss.h"
#include "layers/parameters.h"
#include "layers/sequential.h"
#include "optimizers/optimizer.h"
#include "optimizers/optimizer_config.pb.h"

namespace nfalab {

// Fills `m` with uniform entries in [lo, hi).
inline void FillUniform(double lo, double hi, Rng* rng, Matrix* m) {
  for (Eigen::Index k = 0; k < m->size(); ++k) {
    m->data()[k] = static_cast<float>(rng->Uniform(lo, hi));
  }
}

class TrainStepper {
 public:
  // Takes the model; SGD at lr 1e-4.
  static absl::StatusOr<std::unique_ptr<TrainStepper>> Create(Model model) {
    OptimizerConfig config;
    config.set_learning_rate(1e-4);
    NFALAB_ASSIGN_OR_RETURN(std::unique_ptr<Optimizer> sgd,
                            OptimizerRegistry::Global().Create("sgd", config));
    // Not movable once the parameter blocks point into the model.
    return std::unique_ptr<TrainStepper>(
        new TrainStepper(std::move(model), std::move(sgd)));
  }

  // One step on the batch (x, y); `rng` draws dropout masks.
  absl::Status Step(const Matrix& x, const Matrix& y, Rng* rng) {
    // As experiment/trainer.cc trains.
    ScopedSingleThreadedBlas blas(model_.uses_worker_threads());
    model_.ForwardTraining(x, &cache_, rng);
    MseLoss(cache_.output(), y, &d_output_);
    model_.Backward(cache_, d_output_, &gradients_);
    return sgd_->Step(gradients_, parameters_);
  }

  const Model& model() const { return model_; }

 private:
  TrainStepper(Model model, std::unique_ptr<Optimizer> sgd)
      : model_(std::move(model)),
        sgd_(std::move(sgd)),
        parameters_(model_.ParameterBlocks()) {}

  Model model_;
  std::unique_ptr<Optimizer> sgd_;
  std::vector<ParameterBlock> parameters_;  // Into model_'s layers.
  ModelCache cache_;
  Matrix d_output_;
  Gradients gradients_;
};

}  // namespace nfalab

#endif  // NFALAB_BENCHMARKS_TRAIN_STEP_H_
