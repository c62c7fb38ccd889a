#include "experiment/cli.h"

#include <chrono>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "core/status_macros.h"
#include "experiment/config_io.h"
#include "experiment/trainer.h"
#include "experiment/validate.h"

namespace nfalab {
namespace {

constexpr char kUsage[] = R"(nfalab: feature learning as alignment, measured.

usage:
  nfalab train [--config=FILE] [--out=DIR] [--FIELD.PATH=VALUE ...]
  nfalab train --resume=DIR [--FIELD.PATH=VALUE ...]
  nfalab help

train   Trains the MLP described by an ExperimentConfig (text protobuf),
        measures every hidden layer's alignment (UC-NFC, C-NFC, ...) on the
        measurement schedule, and writes DIR/metrics.csv (tidy:
        epoch,step,layer,measure,value) and DIR/config.pbtxt (the resolved
        config). Prints one line per epoch with each layer's UC-NFC/C-NFC.

flags:
  --config=FILE        ExperimentConfig in protobuf text format
                       (experiment/experiment_config.proto documents every
                       field). Without it the default experiment runs.
  --out=DIR            results directory (default: runs/<config name>).
  --FIELD.PATH=VALUE   overrides one config field, e.g. --seed=3,
                       --model.width=128, --optimizer.learning_rate=0.5,
                       --model.widths=[64,32], --training.loss=CROSS_ENTROPY.
                       A bare FIELD.PATH=VALUE works too. Repeated fields
                       take a comma-separated list and replace the old one.
  --export_dir=DIR     also write NumPy .npy files (W, W0, K per layer and
                       the measurement inputs X) to DIR at the end of the
                       run; --export_every_measurement=true adds one
                       DIR/epoch_<e>/ per measurement.
  --checkpoint_every=N save DIR/checkpoint.pb (model, W0, optimizer and RNG
                       state, metrics so far) every N epochs.
  --resume=DIR         continue the run in DIR from its checkpoint; its
                       metrics.csv ends up as if never interrupted.
                       Overrides apply on top (e.g. more training.epochs).
  --help               prints this text.

Relative paths are taken from the directory bazel run was started in.
Exit code 0 on success; otherwise one "error: ..." line on stderr.
)";

// Under `bazel run`, relative paths refer to the user's directory.
std::string ResolvePath(const std::string& path) {
  const char* base = std::getenv("BUILD_WORKING_DIRECTORY");
  if (path.empty() || path.front() == '/' || base == nullptr || *base == '\0') {
    return path;
  }
  return absl::StrCat(base, "/", path);
}

struct TrainArgs {
  std::string config_path;
  std::string out_dir;
  std::string resume_dir;
  std::vector<std::string> overrides;
  bool help = false;
};

absl::StatusOr<TrainArgs> ParseTrainArgs(const std::vector<std::string>& args) {
  TrainArgs parsed;
  for (size_t i = 1; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      parsed.help = true;
      continue;
    }
    const bool dashed = absl::ConsumePrefix(&arg, "--");
    const size_t equals = arg.find('=');
    const absl::string_view key = arg.substr(0, equals);
    if (dashed && key == "resume" && equals == absl::string_view::npos &&
        i + 1 < args.size()) {
      parsed.resume_dir = args[++i];  // "--resume DIR"
      continue;
    }
    if (equals == absl::string_view::npos) {
      if (key == "config" || key == "out" || key == "resume") {
        return absl::InvalidArgumentError(
            absl::StrCat("--", key, " needs a value: --", key, "=..."));
      }
      return absl::InvalidArgumentError(absl::StrCat(
          "unexpected argument \"", args[i],
          "\"; overrides are written --field.path=value (see --help)"));
    }
    const std::string value(arg.substr(equals + 1));
    if (dashed && key == "config") {
      parsed.config_path = value;
    } else if (dashed && key == "out") {
      parsed.out_dir = value;
    } else if (dashed && key == "resume") {
      parsed.resume_dir = value;
    } else {
      parsed.overrides.emplace_back(arg);
    }
  }
  return parsed;
}

absl::Status Train(const TrainArgs& args, bool interactive, std::ostream& out) {
  ExperimentConfig config;
  const bool resume = !args.resume_dir.empty();
  if (resume && (!args.config_path.empty() || !args.out_dir.empty())) {
    return absl::InvalidArgumentError(
        "--resume=DIR continues the run in DIR with its saved config; it "
        "does not take --config or --out");
  }
  if (resume) {
    NFALAB_ASSIGN_OR_RETURN(config,
                            LoadResumeConfig(ResolvePath(args.resume_dir)));
  } else if (!args.config_path.empty()) {
    NFALAB_ASSIGN_OR_RETURN(config, LoadConfig(ResolvePath(args.config_path)));
  }
  for (const std::string& assignment : args.overrides) {
    NFALAB_RETURN_IF_ERROR(ApplyOverride(assignment, &config));
  }
  if (!config.export_dir().empty()) {
    config.set_export_dir(ResolvePath(config.export_dir()));
  }
  if (!config.data().path().empty()) {
    config.mutable_data()->set_path(ResolvePath(config.data().path()));
  }
  NFALAB_RETURN_IF_ERROR(ValidateConfig(config));
  const std::string out_dir = ResolvePath(
      resume ? args.resume_dir
             : (args.out_dir.empty() ? absl::StrCat("runs/", config.name())
                                     : args.out_dir));
  out << "nfalab train: " << config.name() << " -> " << out_dir << "\n";
  const auto start = std::chrono::steady_clock::now();
  RunOptions options;
  options.out_dir = out_dir;
  options.log = &out;
  options.interactive = interactive;
  options.resume = resume;
  NFALAB_ASSIGN_OR_RETURN(RunResult result, RunExperiment(config, options));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  out << absl::StrFormat("done in %.1fs; final train_loss %.6g\n", seconds,
                         result.final_train_loss);
  out << "metrics: " << out_dir << "/metrics.csv\n";
  out << "summary: " << out_dir << "/summary.json\n";
  out << "plot:    " << out_dir << "/nfc.svg\n";
  out << "config:  " << out_dir << "/config.pbtxt\n";
  return absl::OkStatus();
}

}  // namespace

int RunCli(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err, bool interactive) {
  if (args.empty() || args[0] == "help" || args[0] == "--help" ||
      args[0] == "-h") {
    out << kUsage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] != "train") {
    err << "error: unknown command \"" << args[0]
        << "\"; known commands: train, help\n";
    return 2;
  }
  absl::StatusOr<TrainArgs> parsed = ParseTrainArgs(args);
  if (!parsed.ok()) {
    err << "error: " << parsed.status().message() << "\n";
    return 2;
  }
  if (parsed->help) {
    out << kUsage;
    return 0;
  }
  const absl::Status status = Train(*parsed, interactive, out);
  if (!status.ok()) {
    err << "error: " << status.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace nfalab
