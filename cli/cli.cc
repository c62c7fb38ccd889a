#include "cli/cli.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "cli/conformance.h"
#include "cli/plugin_flags.h"
#include "cli/plugin_loader.h"
#include "cli/plugin_records.h"
#include "core/file_io.h"
#include "core/status_macros.h"
#include "datasets/dataset_source.h"
#include "experiment/config_io.h"
#include "experiment/interrupt.h"
#include "experiment/trainer.h"
#include "experiment/validate.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/text_format.h"
#include "layers/activation.h"
#include "layers/layer.h"
#include "metrics/alignment_measure.h"
#include "optimizers/optimizer.h"
#include "studies/study.h"
#include "studies/study_report.h"

namespace nfalab {
namespace {

constexpr char kUsage[] = R"(nfalab: feature learning as alignment, measured.

usage:
  nfalab train [--config=FILE] [--out=DIR] [--FIELD.PATH=VALUE ...]
  nfalab train --out=DIR --overwrite [--config=FILE] [--FIELD.PATH=VALUE ...]
  nfalab train --resume=DIR [--FIELD.PATH=VALUE ...]
  nfalab study STUDY.pbtxt [--out=DIR] [--shard=i/N]
  nfalab report [--out=DIR] DIR...
  nfalab list
  nfalab plugin-flags [--root=DIR]
  nfalab check-plugin PATH.so...
  nfalab help
Every command also takes --plugin=PATH (repeatable; see below).

train   Trains the model (an MLP, a layer list or a VGG) described by an
        ExperimentConfig (text protobuf), measures the hidden (or conv)
        layers' alignment (UC-NFC, C-NFC, ...) on the measurement schedule, and writes DIR/metrics.csv (tidy:
        epoch,step,layer,measure,value) and DIR/config.pbtxt (the resolved
        config). Prints one line per epoch with each layer's UC-NFC/C-NFC.

study   Runs a grid of experiments described by a StudyConfig
        (studies/study_config.proto): a base config, sweeps whose points
        override its fields, and seeds. Writes DIR/study.pbtxt and one run
        directory per grid point and seed, DIR/runs/<sweep>=<label>__...
        __seed<s>/ (as train writes), printing one line per run with its
        final losses. A run that fails (e.g. diverges) leaves its error in
        its error.txt and the study goes on. Unless sharded, it ends by
        writing the report (DIR/report.md and its figures).
  --out=DIR            study directory (default: runs/<study name>).
  --shard=i/N          run only the i-th of N disjoint shards of the runs
                       (1 <= i <= N; run k belongs to shard k % N + 1).
                       Shards may share one DIR or use one DIR each; then
                       `nfalab report` merges them.

report  Collects the runs of one study from one or more study directories
        (e.g. its shards), checks that every run is there exactly once, and
        writes report.md and its figures.
  --out=DIR            where to write the report (default: the first DIR).

list    Prints every registered layer, activation, alignment measure,
        optimizer and dataset source (built-ins and loaded plugins) with its
        one-line description: the names a config can use.

plugin-flags
        Prints, on one line, the compiler flags that build a run-time
        plugin for this binary with a plain compiler:
          g++ $(nfalab plugin-flags) my_plugin.cc -o libmy_plugin.so
        (the binary's ABI-relevant flags, -fPIC -shared, and the include
        directories of nfalab's sources, generated headers and Eigen).
  --root=DIR           nfalab's source tree, if it cannot be found from
                       the binary's location.

check-plugin
        Loads each plugin and runs the conformance checks
        (cli/conformance.h) on every name it registers, printing one
        row per check (pass, FAILED or not checked, with the numbers):
        activations: derivative vs central differences, finite on
        [-50, 50], shapes kept, float agrees with double; alignment
        measures: finite on 3 layer shapes, deterministic, scale invariant
        if declared; optimizers: 5 steps at lr 0.01 with the default
        OptimizerConfig lower a tiny MLP's loss; dataset sources: a missing
        data.path gives an error or valid data; layers: on the probe specs
        and input shapes they accept, output shape, input VJP and parameter
        gradients vs central differences, 3-row backward, the weighted-layer
        view, clone, float agrees with double. Exit code 0 if no check
        failed, 1 if one did or a plugin cannot be loaded.

train flags:
  --config=FILE        ExperimentConfig in protobuf text format
                       (experiment/experiment_config.proto documents every
                       field). Without it the default experiment runs.
  --out=DIR            results directory (default: runs/<config name>). It
                       must be new or empty: a DIR holding another run is an
                       error, unless --overwrite or --resume=DIR.
  --overwrite          empty DIR first and start afresh. Only a directory
                       that looks like an nfalab run directory is emptied
                       (config.pbtxt, metrics.csv, checkpoint.pb or
                       summary.json at its top; nothing but files and .npy
                       exports in it); anything else is refused.
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
                       Stale temporary files of a crashed write are removed.
  SIGINT (Ctrl-C) and SIGTERM finish the current optimizer step, then write
  metrics.csv, summary.json ("status": "interrupted"), nfc.svg and
  checkpoint.pb, print the --resume command and exit 130 (SIGINT) or 143
  (SIGTERM). A second signal exits at once (files stay whole).
  --help               prints this text.

every command:
  --plugin=PATH        loads the nfalab plugin (a shared library, .so) at
                       PATH before anything else is read; its activations,
                       measures, optimizers and dataset sources can then be
                       named in configs and appear in `nfalab list`.
                       Repeatable; `--plugin PATH` works too. A missing file,
                       a library that registers nothing, or one built with
                       settings that differ from the binary's (checked
                       before any of its code runs; see plugin-flags) is an
                       error; a plugin reusing a registered name aborts
                       (naming both registration sites and shared objects)
                       before any run directory exists.

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

// `text` as one shell word: unchanged if it has no special characters.
std::string ShellQuoted(absl::string_view text) {
  const auto is_plain = [](char c) {
    return absl::ascii_isalnum(c) ||
           absl::string_view("_-./=+,:@%").find(c) != absl::string_view::npos;
  };
  if (!text.empty() && std::all_of(text.begin(), text.end(), is_plain)) {
    return std::string(text);
  }
  return absl::StrCat("'", absl::StrReplaceAll(text, {{"'", R"('\'')"}}), "'");
}

// Removes every "--plugin=PATH" / "--plugin PATH" from `args` and returns
// the paths, in order.
absl::StatusOr<std::vector<std::string>> ExtractPluginPaths(
    std::vector<std::string>* args) {
  std::vector<std::string> paths;
  std::vector<std::string> rest;
  for (size_t i = 0; i < args->size(); ++i) {
    absl::string_view arg = (*args)[i];
    if (arg == "--plugin") {
      if (i + 1 >= args->size()) {
        return absl::InvalidArgumentError(
            "--plugin needs a value: --plugin=PATH");
      }
      paths.push_back((*args)[++i]);
    } else if (absl::ConsumePrefix(&arg, "--plugin=")) {
      if (arg.empty()) {
        return absl::InvalidArgumentError(
            "--plugin needs a value: --plugin=PATH");
      }
      paths.emplace_back(arg);
    } else {
      rest.push_back((*args)[i]);
    }
  }
  *args = std::move(rest);
  return paths;
}

template <typename RegistryT>
void AppendRegistry(absl::string_view header, const RegistryT& registry,
                    std::string* listing) {
  const std::vector<std::string> names = registry.Names();  // Sorted.
  size_t width = 0;
  for (const std::string& name : names) width = std::max(width, name.size());
  absl::StrAppend(listing, listing->empty() ? "" : "\n", header, ":\n");
  for (const std::string& name : names) {
    absl::StrAppend(listing, "  ", name, std::string(width - name.size(), ' '),
                    "  ", registry.Description(name), "\n");
  }
}

// Loads the plugins `config` records (relative paths from the user's
// directory), then records every loaded plugin (those of --plugin too) in
// it, so that the config written out reproduces the run.
absl::Status UseRecordedPlugins(const std::string& source,
                                ExperimentConfig* config) {
  for (PluginRecord& record : *config->mutable_plugins()) {
    record.set_path(ResolvePath(record.path()));
  }
  NFALAB_RETURN_IF_ERROR(LoadRecordedPlugins(*config, source));
  RecordLoadedPlugins(config);
  return absl::OkStatus();
}

// Loads the plugins a config file records before the file is parsed as a
// whole: their options types (core/plugin_options.h) must be in the
// descriptor pool for the text parser to read `options { [type...] {...} }`.
// A file that cannot be read or parsed is left to LoadConfig to report.
absl::Status LoadPluginsBeforeParsing(const std::string& path) {
  const absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return absl::OkStatus();
  ConfigPlugins recorded;
  google::protobuf::TextFormat::Parser parser;
  parser.AllowUnknownField(true);
  parser.AllowUnknownExtension(true);
  google::protobuf::io::ArrayInputStream input(text->data(),
                                               static_cast<int>(text->size()));
  // Silences the parser's warnings about the fields skipped on purpose.
  class Quiet : public google::protobuf::io::ErrorCollector {
   public:
    void AddError(int, int, const std::string&) override {}
    void AddWarning(int, int, const std::string&) override {}
  } quiet;
  parser.RecordErrorsTo(&quiet);
  if (!parser.Parse(&input, &recorded)) return absl::OkStatus();
  ExperimentConfig plugins_only;
  for (PluginRecord& record : *recorded.mutable_plugins()) {
    record.set_path(ResolvePath(record.path()));
    *plugins_only.add_plugins() = record;
  }
  return LoadRecordedPlugins(plugins_only, path);
}

struct TrainArgs {
  std::string config_path;
  std::string out_dir;
  std::string resume_dir;
  std::vector<std::string> overrides;
  bool overwrite = false;
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
    if (dashed && arg == "overwrite") {
      parsed.overwrite = true;
      continue;
    }
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
  if (resume &&
      (!args.config_path.empty() || !args.out_dir.empty() || args.overwrite)) {
    return absl::InvalidArgumentError(
        "--resume=DIR continues the run in DIR with its saved config; it "
        "does not take --config, --out or --overwrite");
  }
  if (resume) {
    NFALAB_ASSIGN_OR_RETURN(config,
                            LoadResumeConfig(ResolvePath(args.resume_dir)));
  } else if (!args.config_path.empty()) {
    NFALAB_RETURN_IF_ERROR(
        LoadPluginsBeforeParsing(ResolvePath(args.config_path)));
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
  NFALAB_RETURN_IF_ERROR(UseRecordedPlugins(
      resume ? absl::StrCat(args.resume_dir, "/checkpoint.pb")
             : (args.config_path.empty() ? "the command line"
                                         : args.config_path),
      &config));
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
  options.overwrite = args.overwrite;
  // SIGINT/SIGTERM finish the current step and save the run (RunCli maps
  // the Cancelled status to exit code 128 + signal).
  const ScopedInterruptHandlers interrupt_handlers;
  options.interrupt_signal = [](int64_t) { return PendingInterruptSignal(); };
  absl::StatusOr<RunResult> run = RunExperiment(config, options);
  if (absl::IsCancelled(run.status())) {
    const std::string typed_dir =
        resume ? args.resume_dir
               : (args.out_dir.empty() ? absl::StrCat("runs/", config.name())
                                       : args.out_dir);
    return absl::CancelledError(absl::StrCat(
        run.status().message(),
        "; continue with: nfalab train --resume=", ShellQuoted(typed_dir)));
  }
  NFALAB_ASSIGN_OR_RETURN(RunResult result, std::move(run));
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

// Paths in a study are taken from the user's directory, as in train: the
// base config's data.path and export_dir, and points that set them.
void ResolveStudyPaths(StudyConfig* study) {
  ExperimentConfig* base = study->mutable_base();
  if (!base->data().path().empty()) {
    base->mutable_data()->set_path(ResolvePath(base->data().path()));
  }
  if (!base->export_dir().empty()) {
    base->set_export_dir(ResolvePath(base->export_dir()));
  }
  for (StudyConfig::Sweep& sweep : *study->mutable_sweeps()) {
    for (StudyConfig::Point& point : *sweep.mutable_points()) {
      for (std::string& assignment : *point.mutable_set()) {
        const size_t equals = assignment.find('=');
        if (equals == std::string::npos) continue;
        const absl::string_view key = absl::StripAsciiWhitespace(
            absl::string_view(assignment).substr(0, equals));
        if (key != "data.path" && key != "export_dir") continue;
        const std::string value(absl::StripAsciiWhitespace(
            absl::string_view(assignment).substr(equals + 1)));
        if (value.empty() || value.front() == '"' || value.front() == '\'') {
          continue;
        }
        assignment = absl::StrCat(key, "=", ResolvePath(value));
      }
    }
  }
}

struct StudyArgs {
  std::vector<std::string> positional;
  std::string out_dir;
  std::string shard = "1/1";
  bool help = false;
};

// Parses the arguments after the command: --out=DIR, --shard=i/N (only if
// `allow_shard`), --help and positional arguments.
absl::StatusOr<StudyArgs> ParseStudyArgs(const std::vector<std::string>& args,
                                         bool allow_shard) {
  StudyArgs parsed;
  for (size_t i = 1; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      parsed.help = true;
      continue;
    }
    if (!absl::ConsumePrefix(&arg, "--")) {
      parsed.positional.push_back(args[i]);
      continue;
    }
    const size_t equals = arg.find('=');
    const absl::string_view key = arg.substr(0, equals);
    const bool known = key == "out" || (allow_shard && key == "shard");
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown flag \"", args[i], "\" for ", args[0], " (see --help)"));
    }
    std::string value;
    if (equals != absl::string_view::npos) {
      value = std::string(arg.substr(equals + 1));
    } else if (i + 1 < args.size()) {
      value = args[++i];  // "--out DIR"
    }
    if (value.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", key, " needs a value: --", key, "=..."));
    }
    (key == "out" ? parsed.out_dir : parsed.shard) = value;
  }
  return parsed;
}

absl::Status Study(const StudyArgs& args, std::ostream& out) {
  if (args.positional.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "study takes exactly one STUDY.pbtxt, got ", args.positional.size(),
        args.positional.empty()
            ? ""
            : absl::StrCat(" (", absl::StrJoin(args.positional, " "), ")")));
  }
  NFALAB_ASSIGN_OR_RETURN(const Shard shard, ParseShard(args.shard));
  NFALAB_ASSIGN_OR_RETURN(StudyConfig study,
                          LoadStudy(ResolvePath(args.positional[0])));
  ResolveStudyPaths(&study);
  NFALAB_RETURN_IF_ERROR(
      UseRecordedPlugins(args.positional[0], study.mutable_base()));
  const std::string out_dir =
      ResolvePath(args.out_dir.empty() ? absl::StrCat("runs/", study.name())
                                       : args.out_dir);
  NFALAB_ASSIGN_OR_RETURN(const std::vector<StudyRunOutcome> outcomes,
                          RunStudy(study, out_dir, shard, &out));
  std::vector<std::string> failed;
  for (const StudyRunOutcome& outcome : outcomes) {
    if (!outcome.status.ok()) failed.push_back(outcome.name);
  }
  if (!failed.empty()) {
    return absl::AbortedError(
        absl::StrCat(failed.size(), " of ", outcomes.size(),
                     " runs failed: ", absl::StrJoin(failed, ", "), " (see ",
                     out_dir, "/runs/<run>/error.txt)"));
  }
  if (!shard.IsWhole()) {
    out << absl::StrFormat(
        "shard %d/%d done; when every shard is, run: nfalab report DIR...\n",
        shard.index, shard.count);
  }
  return absl::OkStatus();
}

absl::Status Report(const StudyArgs& args, std::ostream& out) {
  if (args.positional.empty()) {
    return absl::InvalidArgumentError(
        "report needs at least one study directory: nfalab report DIR...");
  }
  std::vector<std::string> dirs;
  for (const std::string& dir : args.positional) {
    dirs.push_back(ResolvePath(dir));
  }
  // The study's plugins (its measures may come from one); a study file that
  // cannot be read is CollectStudyResults' error to report.
  const std::string study_path = absl::StrCat(dirs.front(), "/", kStudyFile);
  if (const absl::StatusOr<StudyConfig> study = LoadStudy(study_path);
      study.ok()) {
    NFALAB_RETURN_IF_ERROR(LoadRecordedPlugins(study->base(), study_path));
  }
  NFALAB_ASSIGN_OR_RETURN(const StudyResults results,
                          CollectStudyResults(dirs));
  const std::string out_dir =
      args.out_dir.empty() ? dirs.front() : ResolvePath(args.out_dir);
  NFALAB_RETURN_IF_ERROR(WriteStudyReport(results, out_dir));
  out << absl::StrFormat("study %s: %d runs from %d dir(s)\n",
                         results.study.name(), results.runs.size(),
                         dirs.size());
  out << "report: " << out_dir << "/report.md\n";
  return absl::OkStatus();
}

int RunStudyCommand(const std::vector<std::string>& args, std::ostream& out,
                    std::ostream& err) {
  const bool is_study = args[0] == "study";
  absl::StatusOr<StudyArgs> parsed =
      ParseStudyArgs(args, /*allow_shard=*/is_study);
  if (!parsed.ok()) {
    err << "error: " << parsed.status().message() << "\n";
    return 2;
  }
  if (parsed->help) {
    out << kUsage;
    return 0;
  }
  const absl::Status status =
      is_study ? Study(*parsed, out) : Report(*parsed, out);
  if (!status.ok()) {
    err << "error: " << status.message() << "\n";
    return 1;
  }
  return 0;
}

int RunListCommand(const std::vector<std::string>& args, std::ostream& out,
                   std::ostream& err) {
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      out << kUsage;
      return 0;
    }
  }
  if (args.size() > 1) {
    err << "error: list takes no arguments besides --plugin, got \"" << args[1]
        << "\"\n";
    return 2;
  }
  out << ListRegistries();
  return 0;
}

// nfalab check-plugin PATH.so...: loads each plugin, then checks every name
// it added to the registries.
int RunCheckPluginCommand(const std::vector<std::string>& args,
                          std::ostream& out, std::ostream& err) {
  std::vector<std::string> paths;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      out << kUsage;
      return 0;
    }
    if (absl::StartsWith(args[i], "-")) {
      err << "error: unknown flag \"" << args[i]
          << "\" for check-plugin (see --help)\n";
      return 2;
    }
    paths.push_back(args[i]);
  }
  if (paths.empty()) {
    err << "error: check-plugin needs the path of a plugin: nfalab "
           "check-plugin PATH.so\n";
    return 2;
  }
  std::string loaded_names;
  std::vector<ConformanceCheck> checks;
  for (const std::string& path : paths) {
    const absl::StatusOr<LoadedPlugin> loaded = LoadPlugin(ResolvePath(path));
    if (!loaded.ok()) {
      err << "error: " << loaded.status().message() << "\n";
      return 1;
    }
    // "<kind> <name>": kinds may hold spaces, names never do.
    std::vector<RegisteredName> names;
    for (const std::string& entry : loaded->names) {
      const size_t space = entry.rfind(' ');
      names.push_back({entry.substr(0, space), entry.substr(space + 1)});
    }
    absl::StrAppend(&loaded_names, "check-plugin ", path, ": ",
                    DescribeNames(names), "\n");
    for (const RegisteredName& name : names) {
      const std::vector<ConformanceCheck> rows = CheckRegisteredName(name);
      checks.insert(checks.end(), rows.begin(), rows.end());
    }
  }
  out << loaded_names << FormatConformanceTable(checks);
  return AnyCheckFailed(checks) ? 1 : 0;
}

int RunPluginFlagsCommand(const std::vector<std::string>& args,
                          std::ostream& out, std::ostream& err) {
  std::string root;
  for (size_t i = 1; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      out << kUsage;
      return 0;
    }
    if (!absl::ConsumePrefix(&arg, "--root=") || arg.empty()) {
      err << "error: plugin-flags takes only --root=DIR, got \"" << args[i]
          << "\"\n";
      return 2;
    }
    root = ResolvePath(std::string(arg));
  }
  const absl::StatusOr<std::string> flags = PluginFlags(root, "/proc/self/exe");
  if (!flags.ok()) {
    err << "error: " << flags.status().message() << "\n";
    return 1;
  }
  out << *flags << "\n";
  return 0;
}

}  // namespace

std::string ListRegistries() {
  std::string listing;
  AppendRegistry("layers", LayerRegistry::Global(), &listing);
  AppendRegistry("activations", ActivationRegistry::Global(), &listing);
  AppendRegistry("alignment measures", AlignmentMeasureRegistry::Global(),
                 &listing);
  AppendRegistry("optimizers", OptimizerRegistry::Global(), &listing);
  AppendRegistry("dataset sources", DatasetSourceRegistry::Global(), &listing);
  return listing;
}

int RunCli(const std::vector<std::string>& original_args, std::ostream& out,
           std::ostream& err, bool interactive) {
  // Plugins first: before any config is read, validated or written.
  std::vector<std::string> args = original_args;
  absl::StatusOr<std::vector<std::string>> plugins = ExtractPluginPaths(&args);
  if (!plugins.ok()) {
    err << "error: " << plugins.status().message() << "\n";
    return 2;
  }
  for (const std::string& plugin : *plugins) {
    const absl::StatusOr<LoadedPlugin> loaded =
        LoadPlugin(ResolvePath(plugin));
    if (!loaded.ok()) {
      err << "error: " << loaded.status().message() << "\n";
      return 1;
    }
  }
  if (args.empty() || args[0] == "help" || args[0] == "--help" ||
      args[0] == "-h") {
    out << kUsage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "study" || args[0] == "report") {
    return RunStudyCommand(args, out, err);
  }
  if (args[0] == "list") return RunListCommand(args, out, err);
  if (args[0] == "plugin-flags") return RunPluginFlagsCommand(args, out, err);
  if (args[0] == "check-plugin") return RunCheckPluginCommand(args, out, err);
  if (args[0] != "train") {
    err << "error: unknown command \"" << args[0]
        << "\"; known commands: train, study, report, list, plugin-flags, "
           "check-plugin, help\n";
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
  const int signal = PendingInterruptSignal();
  if (absl::IsCancelled(status) && signal != 0) {
    err << status.message() << "\n";  // How to resume; not an error.
    return 128 + signal;              // As a shell reports a signal.
  }
  if (!status.ok()) {
    err << "error: " << status.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace nfalab
