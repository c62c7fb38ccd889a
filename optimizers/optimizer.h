// Optimizer: updates a model's parameters from their gradients, one
// parameter block per weighted layer (layers/parameters.h), keeping whatever
// per-layer state it needs (momentum buffers, ...).
//
//   NFALAB_ASSIGN_OR_RETURN(std::unique_ptr<Optimizer> opt,
//                           OptimizerRegistry::Global().Create("sgd", config));
//   opt->set_learning_rate(schedule.LearningRate(epoch));
//   NFALAB_RETURN_IF_ERROR(opt->Step(gradients, model.ParameterBlocks()));
//
// New optimizers register a factory that validates its OptimizerConfig:
//   NFALAB_REGISTER_OPTIMIZER("my_rule", MyRule::Create, "one-line summary");
// An optimizer with options of its own (core/plugin_options.h) registers an
// example of its options message and unpacks OptimizerConfig.options:
//   NFALAB_REGISTER_OPTIMIZER_WITH_OPTIONS("my_rule", MyRule::Create,
//                                          "summary", MyRuleOptions());
//
// A FLOAT64 run (training.precision) calls the double Step. An optimizer
// supports it by overriding that Step and SupportsFloat64, or by deriving
// from TemplatedOptimizer (below) as the built-in sgd and slo do; otherwise
// the run is refused before it starts.
#ifndef NFALAB_OPTIMIZERS_OPTIMIZER_H_
#define NFALAB_OPTIMIZERS_OPTIMIZER_H_

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/registry.h"
#include "layers/parameters.h"
#include "optimizers/optimizer_config.pb.h"
#include "optimizers/optimizer_state.pb.h"

namespace nfalab {

class Optimizer {
 public:
  virtual ~Optimizer() = default;

  // Applies one update to `parameters` from `gradients` (one entry per
  // block, same shapes). InvalidArgument if the shapes do not match.
  virtual absl::Status Step(const Gradients& gradients,
                            const std::vector<ParameterBlock>& parameters) = 0;

  // The same update in double, for a FLOAT64 run. The default refuses
  // (Unimplemented): an optimizer that overrides it also overrides
  // SupportsFloat64.
  virtual absl::Status Step(const GradientsD& gradients,
                            const std::vector<ParameterBlockD>& parameters);
  virtual bool SupportsFloat64() const { return false; }

  // Saves / restores the per-layer state (momentum buffers, ...) so that a
  // resumed run continues exactly, in the run's precision. Stateless
  // optimizers keep these defaults.
  virtual absl::Status SaveState(OptimizerState* state) const {
    return absl::OkStatus();
  }
  virtual absl::Status LoadState(const OptimizerState& state) {
    return absl::OkStatus();
  }

  // The step size used by the next Step; set by the schedule every epoch.
  double learning_rate() const { return learning_rate_; }
  void set_learning_rate(double learning_rate) {
    learning_rate_ = learning_rate;
  }

 protected:
  explicit Optimizer(double learning_rate) : learning_rate_(learning_rate) {}

 private:
  double learning_rate_;
};

// An optimizer whose update is one template over the scalar type, so it
// has both Steps and supports FLOAT64. Derived befriends this class and
// defines
//   template <typename Scalar>
//   absl::Status StepIn(
//       const BasicGradients<Scalar>& gradients,
//       const std::vector<BasicParameterBlock<Scalar>>& parameters);
template <typename Derived>
class TemplatedOptimizer : public Optimizer {
 public:
  absl::Status Step(const Gradients& gradients,
                    const std::vector<ParameterBlock>& parameters) final {
    return static_cast<Derived*>(this)->StepIn(gradients, parameters);
  }
  absl::Status Step(const GradientsD& gradients,
                    const std::vector<ParameterBlockD>& parameters) final {
    return static_cast<Derived*>(this)->StepIn(gradients, parameters);
  }
  bool SupportsFloat64() const final { return true; }

 protected:
  using Optimizer::Optimizer;
};

// OK if `gradients` has one weight (and bias) gradient per block of
// `parameters`, each of the block's shape.
template <typename Scalar>
absl::Status CheckGradientShapes(
    const BasicGradients<Scalar>& gradients,
    const std::vector<BasicParameterBlock<Scalar>>& parameters);
extern template absl::Status CheckGradientShapes(
    const Gradients&, const std::vector<ParameterBlock>&);
extern template absl::Status CheckGradientShapes(
    const GradientsD&, const std::vector<ParameterBlockD>&);

using OptimizerRegistry = Registry<Optimizer, const OptimizerConfig&>;
template <>
OptimizerRegistry& OptimizerRegistry::Global();

// The optimizer `config.name()` from the global registry, after checking
// that `config.options` suits it (OptimizerRegistry::CheckOptions). Defined
// with the registry, in //optimizers:optimizer_registry.
absl::StatusOr<std::unique_ptr<Optimizer>> CreateOptimizer(
    const OptimizerConfig& config);

}  // namespace nfalab

// `factory` is callable as
//   absl::StatusOr<std::unique_ptr<Optimizer>>(const OptimizerConfig&).
#define NFALAB_REGISTER_OPTIMIZER(name, factory, description)             \
  NFALAB_REGISTER_ENTRY_(::nfalab::OptimizerRegistry::Global(), name,     \
                         description, factory)

// The same for an optimizer that takes options: `example` is an instance of
// its options message (the type it unpacks from OptimizerConfig.options),
// also used by the conformance checks.
#define NFALAB_REGISTER_OPTIMIZER_WITH_OPTIONS(name, factory, description,   \
                                               example)                      \
  NFALAB_REGISTER_ENTRY_WITH_OPTIONS_(::nfalab::OptimizerRegistry::Global(), \
                                      name, description, factory, example)

#endif  // NFALAB_OPTIMIZERS_OPTIMIZER_H_
