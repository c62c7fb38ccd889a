#include "cli/measure_command.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cli/resolve_path.h"
#include "core/status_macros.h"
#include "experiment/config_io.h"
#include "experiment/measure_models.h"

namespace nfalab {

const char kMeasureUsage[] = R"(measure Measures networks trained elsewhere (PyTorch, JAX, NumPy), given
        in the export format: a directory per checkpoint with model.json
        and its .npy files (tools/python/nfalab_export.py writes them from
        a torch.nn.Sequential or NumPy weights; `train --export_dir` too).
        Computes the alignment measures of every measured layer on the
        samples of --data and writes OUT/metrics.csv (one epoch/step per
        checkpoint: its model.json "epoch"/"step", else its position) and
        OUT/nfc.svg. With --labels, and the first checkpoint marked
        "at_initialisation", also the early predictor at epoch -1.
  --model=DIR          a checkpoint directory (repeatable, in order; all of
                       one architecture).
  --data=X.npy         float samples, [m, C, H, W] or [m, d] as the model's
                       input_shape.
  --labels=y.npy       [m] integer class labels, or [m, C] real targets.
  --out=DIR            where metrics.csv and nfc.svg go (created).
  --overwrite          replace metrics.csv and nfc.svg already in DIR.
  --measures=a,b       alignment measures (`nfalab list`); default uc_nfc,
                       c_nfc, weight_change.
  --layers=1,2         weighted layers to measure (1-based); default the
                       hidden layers (with conv layers: those).
  --samples=N          K on the first N samples only (default: all).
  --measurement.FIELD=VALUE
                       any other MeasurementConfig field
                       (experiment/experiment_config.proto), e.g.
                       --measurement.include_readout=true,
                       --measurement.plain_sum=true.
  --loss=mse|cross_entropy
                       the predictor's loss (default mse, mean over samples
                       and outputs, as torch.nn.MSELoss).
  --targets=one_hot|centered_one_hot
                       target rows of class labels for mse (default
                       one_hot, as torch.nn.functional.one_hot).
)";

namespace {

// --name=value as an override of the run config's measurement field.
absl::Status ApplyMeasurementOverride(absl::string_view field,
                                      absl::string_view value,
                                      ExperimentConfig* config) {
  return ApplyOverride(absl::StrCat("measurement.", field, "=", value), config);
}

absl::StatusOr<MeasureModelsOptions> ParseMeasureArgs(
    const std::vector<std::string>& args, bool* help) {
  MeasureModelsOptions options;
  ExperimentConfig config;  // Only its measurement is used.
  config.mutable_measurement()->set_measure_samples(0);
  for (size_t i = 1; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      *help = true;
      continue;
    }
    if (!absl::ConsumePrefix(&arg, "--")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unexpected argument \"", args[i], "\"; flags are --name=value"));
    }
    if (arg == "overwrite") {
      options.overwrite = true;
      continue;
    }
    const size_t equals = arg.find('=');
    if (equals == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--", arg, " needs a value: --", arg, "=... (see nfalab measure "
          "--help)"));
    }
    const absl::string_view key = arg.substr(0, equals);
    const std::string value(arg.substr(equals + 1));
    if (key == "model") {
      options.model_dirs.push_back(ResolvePath(value));
    } else if (key == "data") {
      options.data_path = ResolvePath(value);
    } else if (key == "labels") {
      options.labels_path = ResolvePath(value);
    } else if (key == "out") {
      options.out_dir = ResolvePath(value);
    } else if (key == "measures" || key == "layers") {
      NFALAB_RETURN_IF_ERROR(ApplyMeasurementOverride(key, value, &config));
    } else if (key == "samples") {
      NFALAB_RETURN_IF_ERROR(
          ApplyMeasurementOverride("measure_samples", value, &config));
    } else if (absl::StartsWith(key, "measurement.")) {
      NFALAB_RETURN_IF_ERROR(ApplyOverride(arg, &config));
    } else if (key == "loss") {
      if (value == "mse") {
        options.loss = TrainingConfig::MSE;
      } else if (value == "cross_entropy") {
        options.loss = TrainingConfig::CROSS_ENTROPY;
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            "--loss must be mse or cross_entropy, got \"", value, "\""));
      }
    } else if (key == "targets") {
      if (value == "one_hot") {
        options.class_targets = PreprocessOptions::ONE_HOT;
      } else if (value == "centered_one_hot") {
        options.class_targets = PreprocessOptions::CENTERED_ONE_HOT;
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("--targets must be one_hot or centered_one_hot, got "
                         "\"",
                         value, "\""));
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown flag --", key,
          " (nfalab measure takes --model, --data, --labels, --out, "
          "--overwrite, --measures, --layers, --samples, "
          "--measurement.FIELD, --loss, --targets)"));
    }
  }
  if (config.measurement().measure_samples() < 0) {
    return absl::InvalidArgumentError(
        "--samples must be >= 0 (0: all the samples)");
  }
  options.measurement = config.measurement();
  return options;
}

}  // namespace

int RunMeasureCommand(const std::vector<std::string>& args, std::ostream& out,
                      std::ostream& err) {
  bool help = false;
  const absl::StatusOr<MeasureModelsOptions> options =
      ParseMeasureArgs(args, &help);
  if (help) {
    out << "usage: nfalab measure --model=DIR [--model=DIR ...] --data=X.npy "
           "[--labels=y.npy] --out=DIR [flags]\n\n"
        << kMeasureUsage;
    return 0;
  }
  if (!options.ok()) {
    err << "error: " << options.status().message() << "\n";
    return 2;
  }
  const absl::Status status = MeasureModels(*options, &out);
  if (!status.ok()) {
    err << "error: " << status.message() << "\n";
    return 1;
  }
  out << "wrote " << options->out_dir << "/metrics.csv and "
      << options->out_dir << "/nfc.svg\n";
  return 0;
}

}  // namespace nfalab
