// Speed Limited Optimization (SLO): every layer moves at its own speed, the
// target layers fast and the others slowly (paper.md section 4, with the
// definition nfalab uses in section 9, "SLO as nfalab defines it"; the
// paper's exact rule is not available). Registered as "slo", configured by
// SloOptions (optimizers/slo_options.proto) in OptimizerConfig.options:
//
//   optimizer {
//     name: "slo"
//     learning_rate: 0.5
//     options { [type.googleapis.com/nfalab.SloOptions] { target_layers: 3 } }
//   }
//
// (the deprecated `slo { target_layers: 3 }` still reads the same).
//
// The update. Layers are numbered l = 1..L+1 as the paper's W_l (code layer
// l-1); a layer's parameter block P_l is its weight W_l together with its
// bias b_l if it has one. Per step, with minibatch gradients G_l, g_l (bias),
// eta = learning_rate() (the schedule's rate), mu = OptimizerConfig.momentum,
// lambda = OptimizerConfig.weight_decay:
//   s_l   = target_speed if l is in target_layers, else base_speed
//   g_l   = [G_l + lambda W_l, g_l + lambda b_l]  (decay before normalising)
//   D_l   = g_l / (||g_l||_F + epsilon)            NORMALIZED (default)
//   D_l   = g_l                                    SCALED
//   v_l   = D_l                 on the first step,
//   v_l   = mu v_l + D_l        afterwards,
//   P_l  <- P_l - eta s_l v_l.
// ||g_l||_F is the norm over the whole block (weight and bias entries
// together), computed in double. A zero gradient gives D_l = 0 (no NaN).
// So with mu = 0, NORMALIZED moves every layer by exactly eta s_l in
// Frobenius norm (less if ||g_l|| is comparable to epsilon), and SCALED is
// SGD with learning rate eta s_l per layer: it computes every float
// operation as Sgd does, so SCALED with both speeds 1 is bit-for-bit "sgd".
// The rest runs in the run's precision (float, or double for
// training.precision FLOAT64).
//
// An instance keeps per-layer momentum buffers: use one per model (a second
// model of another shape gets FailedPrecondition). SaveState/LoadState carry
// them, so a resumed run continues exactly.
#ifndef NFALAB_OPTIMIZERS_SLO_H_
#define NFALAB_OPTIMIZERS_SLO_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "optimizers/optimizer.h"
#include "optimizers/slo_options.pb.h"
#include "optimizers/velocity_state.h"

namespace nfalab {

class Slo : public TemplatedOptimizer<Slo> {
 public:
  // InvalidArgument naming the field for the common fields (see Sgd), both
  // `options` and the `slo` alias set, options of another type, an empty
  // target_layers, a target layer < 1 or listed twice,
  // negative or non-finite speeds, or a non-positive or non-finite epsilon.
  static absl::StatusOr<std::unique_ptr<Optimizer>> Create(
      const OptimizerConfig& config);

  absl::Status SaveState(OptimizerState* state) const override;
  absl::Status LoadState(const OptimizerState& state) override;

 private:
  Slo(double learning_rate, double momentum, double weight_decay,
      const SloOptions& options, std::string options_path)
      : TemplatedOptimizer(learning_rate),
        momentum_(momentum),
        weight_decay_(weight_decay),
        options_(options),
        options_path_(std::move(options_path)),
        velocities_("slo") {}

  friend class TemplatedOptimizer<Slo>;
  // Step, in float or double. Also InvalidArgument naming the layer if a
  // target layer is beyond the model's L+1 layers; a rejected step changes
  // nothing.
  template <typename Scalar>
  absl::Status StepIn(
      const BasicGradients<Scalar>& gradients,
      const std::vector<BasicParameterBlock<Scalar>>& parameters);

  // s_l for the code layer index i (the paper's l = i + 1).
  double Speed(int i) const;

  double momentum_;
  double weight_decay_;
  SloOptions options_;
  std::string options_path_;  // For errors: SloOptionsPath(config).
  Velocities velocities_;
};

}  // namespace nfalab

#endif  // NFALAB_OPTIMIZERS_SLO_H_
