// The "mlp" teacher network (core/teacher_network.h): a bias-free Sequential
// MLP with GAUSSIAN init at scale 1, built and evaluated by layers/sequential.
#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "core/status_macros.h"
#include "core/teacher_network.h"
#include "layers/activation.h"
#include "layers/model_config.pb.h"
#include "layers/sequential.h"

namespace nfalab {
namespace {

class TeacherMlp : public TeacherNetwork {
 public:
  explicit TeacherMlp(Model model) : model_(std::move(model)) {}
  Matrix Predict(const Matrix& x) const override { return model_.Predict(x); }

 private:
  Model model_;
};

class TeacherMlpFactory : public TeacherNetworkFactory {
 public:
  absl::Status Check(const TeacherNetworkSpec& spec) const override {
    return ActivationRegistry::Global().CheckKnown(spec.activation);
  }

  absl::StatusOr<std::unique_ptr<TeacherNetwork>> Create(
      const TeacherNetworkSpec& spec, Rng* rng) const override {
    ModelConfig config;
    config.set_depth(spec.depth);
    config.set_width(spec.width);
    config.set_activation(spec.activation);
    config.set_bias(false);
    config.set_init(ModelConfig::GAUSSIAN);
    config.set_init_scale(1.0);
    NFALAB_ASSIGN_OR_RETURN(
        Model model, Model::Create(config, spec.input_dim, spec.outputs, rng));
    return std::make_unique<TeacherMlp>(std::move(model));
  }
};

NFALAB_REGISTER_TEACHER_NETWORK(
    "mlp", "bias-free MLP, Gaussian init at scale 1 (layers/sequential)",
    []() -> absl::StatusOr<std::unique_ptr<TeacherNetworkFactory>> {
      return std::make_unique<TeacherMlpFactory>();
    });

}  // namespace
}  // namespace nfalab
