#include "experiment/validate.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "datasets/dataset_source.h"
#include "datasets/file_source.h"
#include "experiment/measurement.h"
#include "layers/sequential.h"
#include "optimizers/learning_rate_schedule.h"
#include "optimizers/optimizer.h"
#include "optimizers/slo_options.h"

namespace nfalab {
namespace {

absl::Status AtLeast(int64_t value, int64_t minimum, absl::string_view field) {
  if (value >= minimum) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(field, " must be >= ", minimum, ", got ", value));
}

// Without --out a run is written to runs/<name>, so the name must be one
// harmless path component. '=' is allowed for the study's run names
// ("sweep=label__seed1"); 200 leaves room below NAME_MAX (255) for them.
absl::Status ValidateName(const std::string& name) {
  constexpr size_t kMaxNameLength = 200;
  const bool allowed_characters =
      std::all_of(name.begin(), name.end(), [](char c) {
        return absl::ascii_isalnum(c) || c == '.' || c == '_' || c == '-' ||
               c == '=';
      });
  if (!name.empty() && name.size() <= kMaxNameLength && allowed_characters &&
      name != "." && name != "..") {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "name \"", absl::CEscape(name.substr(0, 60)),
      name.size() > 60 ? "..." : "", "\" is not a valid run name: it must be ",
      "1 to ", kMaxNameLength,
      " characters from A-Z a-z 0-9 . _ - =, and not \".\" or \"..\" ",
      "(without --out the run is written to runs/<name>)"));
}

absl::Status ValidateOptimizer(const OptimizerConfig& optimizer,
                               TrainingConfig::Precision precision) {
  NFALAB_RETURN_IF_ERROR(
      AnnotateStatus(OptimizerRegistry::Global().CheckKnown(optimizer.name()),
                     "optimizer.name"));
  // The optimizer's own factory knows which of its fields are valid.
  NFALAB_ASSIGN_OR_RETURN(const std::unique_ptr<Optimizer> created,
                          CreateOptimizer(optimizer));
  if (precision == TrainingConfig::FLOAT64 && !created->SupportsFloat64()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "training.precision is FLOAT64, but optimizer \"", optimizer.name(),
        "\" has no float64 step (it does not override the double "
        "Optimizer::Step); use FLOAT32 or an optimizer that has one, such as "
        "sgd or slo"));
  }
  return ValidateSchedule(optimizer);
}

// What a FLOAT64 run cannot do besides its optimizer.
absl::Status ValidatePrecision(const ExperimentConfig& config) {
  if (config.training().precision() == TrainingConfig::FLOAT64 &&
      !config.export_dir().empty()) {
    return absl::InvalidArgumentError(
        "training.precision is FLOAT64, but export_dir is set: the .npy "
        "export writes float32 weights; export from a FLOAT32 run or clear "
        "export_dir");
  }
  return absl::OkStatus();
}

absl::Status ValidateData(const DatasetConfig& data) {
  NFALAB_RETURN_IF_ERROR(
      AnnotateStatus(DatasetSourceRegistry::Global().CheckKnown(data.source()),
                     "data.source"));
  NFALAB_RETURN_IF_ERROR(DatasetSourceRegistry::Global().CheckOptions(
      data.source(), data.has_options() ? &data.options() : nullptr,
      "data.options"));
  NFALAB_RETURN_IF_ERROR(AtLeast(data.n_train(), 1, "data.n_train"));
  NFALAB_RETURN_IF_ERROR(AtLeast(data.n_test(), 0, "data.n_test"));
  // Sizes and data.preprocess; reads no file.
  return ValidateFileSourceConfig(data);
}

}  // namespace

absl::Status CheckLayerNumbers(const ExperimentConfig& config,
                               int weighted_layers) {
  NFALAB_RETURN_IF_ERROR(
      ValidateMeasurementConfig(config.measurement(), weighted_layers));
  // SLO target layers must exist (the optimizer itself does not know the
  // model until its first step).
  // Another optimizer's options are of its own type.
  if (config.optimizer().name() != "slo" && config.optimizer().has_options()) {
    return absl::OkStatus();
  }
  NFALAB_ASSIGN_OR_RETURN(const SloOptions slo,
                          SloOptionsOf(config.optimizer()));
  for (int i = 0; i < slo.target_layers_size(); ++i) {
    if (weighted_layers >= 0 && slo.target_layers(i) > weighted_layers) {
      return absl::InvalidArgumentError(absl::StrCat(
          SloOptionsPath(config.optimizer()), ".target_layers[", i, "] is ",
          slo.target_layers(i),
          "; the model's weighted layers are numbered 1..", weighted_layers));
    }
  }
  return absl::OkStatus();
}

// The closed form (metrics/early_closed_form.h) is derived for the paper's
// bias-free ReLU MLP under MSE only.
absl::Status CheckClosedFormPredictor(const ExperimentConfig& config) {
  if (!config.measurement().closed_form_predictor()) return absl::OkStatus();
  const ModelConfig& model = config.model();
  std::string problem;
  if (model.layers_size() > 0 || model.has_vgg()) {
    problem = model.has_vgg() ? "the model is a VGG" : "model.layers is set";
  } else if (model.activation() != "relu") {
    problem = absl::StrCat("model.activation is \"", model.activation(), "\"");
  } else if (model.bias()) {
    problem = "model.bias is true";
  } else if (config.training().loss() != TrainingConfig::MSE) {
    problem = "training.loss is not MSE";
  } else {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "measurement.closed_form_predictor needs the paper's bias-free ReLU "
      "MLP (model.layers empty, activation \"relu\", no bias) trained with "
      "MSE, but ",
      problem));
}

absl::Status ValidateConfig(const ExperimentConfig& config) {
  NFALAB_RETURN_IF_ERROR(ValidateName(config.name()));
  NFALAB_RETURN_IF_ERROR(ValidateData(config.data()));
  NFALAB_RETURN_IF_ERROR(ValidateModelConfig(config.model()));
  NFALAB_RETURN_IF_ERROR(
      ValidateOptimizer(config.optimizer(), config.training().precision()));
  NFALAB_RETURN_IF_ERROR(ValidatePrecision(config));
  // An MLP has depth + 1 weighted layers; the count of a layer list or a
  // VGG is known once the model is built, so the trainer checks it then.
  const bool mlp =
      config.model().layers_size() == 0 && !config.model().has_vgg();
  NFALAB_RETURN_IF_ERROR(
      CheckLayerNumbers(config, mlp ? config.model().depth() + 1 : -1));
  const TrainingConfig& training = config.training();
  NFALAB_RETURN_IF_ERROR(AtLeast(training.epochs(), 1, "training.epochs"));
  NFALAB_RETURN_IF_ERROR(
      AtLeast(training.batch_size(), 1, "training.batch_size"));
  return CheckClosedFormPredictor(config);
}

}  // namespace nfalab
