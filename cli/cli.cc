#include "cli/cli.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "cli/conformance.h"
#include "cli/measure_command.h"
#include "cli/plugin_flags.h"
#include "cli/plugin_loader.h"
#include "cli/plugin_records.h"
#include "cli/resolve_path.h"
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
#include "studies/slurm_launcher.h"
#include "studies/study.h"
#include "studies/study_report.h"

namespace nfalab {
namespace {

constexpr char kUsage[] = R"(nfalab: feature learning as alignment, measured.

usage:
  nfalab train [--config=FILE] [--out=DIR] [--FIELD.PATH=VALUE ...]
  nfalab train --out=DIR --overwrite [--config=FILE] [--FIELD.PATH=VALUE ...]
  nfalab train --resume=DIR [--FIELD.PATH=VALUE ...]
  nfalab study STUDY.pbtxt [--out=DIR] [--shard=i/N|auto [--num_shards=N]]
  nfalab study STUDY.pbtxt --out=DIR --launcher=slurm [--tasks=N]
               [--slurm_*=...] [--wait] [--dry_run]
  nfalab report [--out=DIR] DIR...
  nfalab measure --model=DIR [--model=DIR ...] --data=X.npy [--labels=y.npy]
                 --out=DIR [--measures=...] [--layers=...] [...]
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
        writing the report (DIR/report.md and its figures). Each finished
        run gets a marker (DIR/runs/<run>/complete); running the study
        again skips finished runs, resumes an interrupted one from its
        checkpoint.pb (checkpoint_every, or the one SIGINT/SIGTERM leaves)
        and restarts the others, so after a crash or preemption the answer
        is the same command. Relative paths in the study are taken from the
        directory recorded in DIR/study.pbtxt (base_directory: where the
        study was first started), so shards merge from anywhere.
  --out=DIR            study directory (default: runs/<study name>).
  --shard=i/N          run only the i-th of N disjoint shards of the runs
                       (1 <= i <= N; run k belongs to shard k % N + 1).
                       Shards may share one DIR or use one DIR each; then
                       `nfalab report` merges them.
  --shard=auto         the shard from the task index of the engine running
                       this process: a Slurm array task
                       (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT) or a
                       Kubernetes Indexed Job (JOB_COMPLETION_INDEX, with
                       --num_shards=N, the Job's completions).
  --launcher=slurm     submit the study to Slurm instead of running it:
                       writes DIR/slurm/array.sbatch (an array of --tasks
                       tasks, each running its shard into DIR with
                       --shard=auto) and DIR/slurm/report.sbatch (runs
                       `nfalab report DIR` after the array, however it
                       ends), submits both with sbatch and prints the job
                       ids. DIR must be on a filesystem every node sees.
  --tasks=N            array tasks (default: one per run; at most the runs).
  --slurm_partition=P, --slurm_time=T, --slurm_mem=M
                       #SBATCH --partition / --time / --mem of both jobs.
  --slurm_cpus_per_task=C
                       #SBATCH --cpus-per-task of the array tasks (also
                       their thread count).
  --slurm_arg=--OPT=V  any other #SBATCH option for both jobs (repeatable),
                       e.g. --slurm_arg=--account=ml.
  --wait               block until the report job ends; exit status 0 only
                       if it wrote the report with every run finished.
  --dry_run            print both scripts; submit and write nothing.

report  Collects the runs of one study from one or more study directories
        (e.g. its shards), checks that every run is there exactly once and
        finished, and writes report.md and its figures. Exit status 1 if
        runs are missing (no report) or failed (after the report).
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

// kUsage with the measure command's section before the train flags.
std::string Usage() {
  std::string usage = kUsage;
  usage.insert(usage.find("train flags:"), absl::StrCat(kMeasureUsage, "\n"));
  return usage;
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

struct StudyArgs {
  std::vector<std::string> positional;
  std::string out_dir;
  std::string shard = "1/1";
  int num_shards = 0;
  std::string launcher;
  SlurmOptions slurm;
  bool wait = false;
  bool dry_run = false;
  bool help = false;
};

// Parses the arguments after the command: --help, positional arguments,
// --out=DIR and, only for `study`, the shard and launcher flags.
absl::StatusOr<StudyArgs> ParseStudyArgs(const std::vector<std::string>& args,
                                         bool is_study) {
  StudyArgs parsed;
  std::set<std::string> seen;
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
    if (is_study && (arg == "wait" || arg == "dry_run")) {
      (arg == "wait" ? parsed.wait : parsed.dry_run) = true;
      seen.insert(std::string(arg));
      continue;
    }
    const size_t equals = arg.find('=');
    const std::string key(arg.substr(0, equals));
    std::string* const text_value =
        key == "out"                            ? &parsed.out_dir
        : !is_study                             ? nullptr
        : key == "shard"                        ? &parsed.shard
        : key == "launcher"                     ? &parsed.launcher
        : key == "slurm_partition"              ? &parsed.slurm.partition
        : key == "slurm_time"                   ? &parsed.slurm.time
        : key == "slurm_cpus_per_task"          ? &parsed.slurm.cpus_per_task
        : key == "slurm_mem"                    ? &parsed.slurm.mem
        : nullptr;
    const bool is_number = is_study && (key == "tasks" || key == "num_shards");
    const bool is_list = is_study && key == "slurm_arg";
    if (text_value == nullptr && !is_number && !is_list) {
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
    seen.insert(key);
    if (is_list) {
      parsed.slurm.extra_args.push_back(value);
    } else if (is_number) {
      int number = 0;
      if (!absl::SimpleAtoi(value, &number) || number < 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--", key, "=", value, " must be a positive integer"));
      }
      (key == "tasks" ? parsed.slurm.tasks : parsed.num_shards) = number;
    } else {
      *text_value = value;
    }
  }
  if (!is_study) return parsed;
  if (!parsed.launcher.empty() && parsed.launcher != "slurm") {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown --launcher=", parsed.launcher,
                     " (known: slurm; without --launcher the study runs "
                     "here)"));
  }
  // Launcher flags without the launcher, or with a shard, are mistakes.
  for (const std::string& flag : seen) {
    const bool launcher_flag =
        flag == "tasks" || flag == "wait" || flag == "dry_run" ||
        absl::StartsWith(flag, "slurm_");
    if (launcher_flag && parsed.launcher.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, " goes with --launcher=slurm"));
    }
    if ((flag == "shard" || flag == "num_shards") &&
        !parsed.launcher.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--", flag,
          " does not go with --launcher=slurm: each array task picks its "
          "shard (--tasks sets how many)"));
    }
  }
  if (parsed.num_shards != 0 && parsed.shard != "auto") {
    return absl::InvalidArgumentError(
        "--num_shards goes with --shard=auto (a Kubernetes Indexed Job)");
  }
  if (!parsed.launcher.empty() && parsed.out_dir.empty()) {
    return absl::InvalidArgumentError(
        "--launcher=slurm needs --out=DIR, on a filesystem every node sees");
  }
  return parsed;
}

// The directory nfalab was started in (the user's, under `bazel run`).
std::string UserDirectory() {
  if (const char* base = std::getenv("BUILD_WORKING_DIRECTORY");
      base != nullptr && *base != '\0') {
    return base;
  }
  char buffer[PATH_MAX];
  return getcwd(buffer, sizeof(buffer)) != nullptr ? buffer : ".";
}

std::string AbsolutePath(const std::string& path) {
  if (!path.empty() && path.front() == '/') return path;
  return absl::StrCat(UserDirectory(), "/", path);
}

// This binary, for the jobs a launcher submits.
std::string ThisBinary() {
  char buffer[PATH_MAX];
  const ssize_t length = readlink("/proc/self/exe", buffer, sizeof(buffer));
  return length > 0 ? std::string(buffer, length) : "";
}

absl::Status Study(const StudyArgs& args, std::ostream& out) {
  if (args.positional.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "study takes exactly one STUDY.pbtxt, got ", args.positional.size(),
        args.positional.empty()
            ? ""
            : absl::StrCat(" (", absl::StrJoin(args.positional, " "), ")")));
  }
  Shard shard;
  if (args.shard == "auto") {
    NFALAB_ASSIGN_OR_RETURN(
        shard, ShardFromEnvironment([](const char* name) { return std::getenv(name); },
                                    args.num_shards));
  } else {
    NFALAB_ASSIGN_OR_RETURN(shard, ParseShard(args.shard));
  }
  NFALAB_ASSIGN_OR_RETURN(StudyConfig study,
                          LoadStudy(ResolvePath(args.positional[0])));
  const std::string out_dir = AbsolutePath(
      args.out_dir.empty() ? absl::StrCat("runs/", study.name()) : args.out_dir);
  NFALAB_ASSIGN_OR_RETURN(
      const std::string base,
      StudyBaseDirectory(study, out_dir, UserDirectory()));
  study.set_base_directory(base);
  for (PluginRecord& record : *study.mutable_base()->mutable_plugins()) {
    if (!record.path().empty() && record.path().front() != '/') {
      record.set_path(absl::StrCat(base, "/", record.path()));
    }
  }
  NFALAB_RETURN_IF_ERROR(
      UseRecordedPlugins(args.positional[0], study.mutable_base()));

  if (!args.launcher.empty()) {
    SlurmOptions slurm = args.slurm;
    slurm.nfalab_binary = ThisBinary();
    if (args.dry_run) {
      NFALAB_ASSIGN_OR_RETURN(const std::vector<StudyRun> runs,
                              ExpandStudy(study));
      NFALAB_RETURN_IF_ERROR(CheckStudyDirectory(study, out_dir));
      NFALAB_ASSIGN_OR_RETURN(
          const SlurmScripts scripts,
          RenderSlurmScripts(study, static_cast<int>(runs.size()), out_dir,
                             slurm));
      out << "# " << out_dir << "/slurm/array.sbatch (dry run: nothing "
          << "written or submitted)\n"
          << scripts.array << "\n# " << out_dir
          << "/slurm/report.sbatch (submitted with "
          << "--dependency=afterany:<array job>)\n"
          << scripts.report;
      return absl::OkStatus();
    }
    NFALAB_ASSIGN_OR_RETURN(const SlurmJobs jobs,
                            SubmitStudyToSlurm(study, out_dir, slurm, &out));
    if (!args.wait) return absl::OkStatus();
    return WaitForSlurmReport(jobs, out_dir, slurm, &out);
  }

  // SIGINT/SIGTERM (a preemption, scancel) finish the current step and
  // save the run; running the study again continues it.
  const ScopedInterruptHandlers interrupt_handlers;
  NFALAB_ASSIGN_OR_RETURN(
      const std::vector<StudyRunOutcome> outcomes,
      RunStudy(study, out_dir, shard, &out,
               [](int64_t) { return PendingInterruptSignal(); }));
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
  std::vector<std::string> failed;
  for (const RunRecord& run : results.runs) {
    if (!run.error.empty()) failed.push_back(run.name);
  }
  if (!failed.empty()) {
    return absl::AbortedError(absl::StrCat(
        failed.size(), " of ", results.runs.size(),
        " runs failed (the report says so): ", absl::StrJoin(failed, ", "),
        " (see <dir>/runs/<run>/error.txt)"));
  }
  return absl::OkStatus();
}

int RunStudyCommand(const std::vector<std::string>& args, std::ostream& out,
                    std::ostream& err) {
  const bool is_study = args[0] == "study";
  absl::StatusOr<StudyArgs> parsed = ParseStudyArgs(args, is_study);
  if (!parsed.ok()) {
    err << "error: " << parsed.status().message() << "\n";
    return 2;
  }
  if (parsed->help) {
    out << Usage();
    return 0;
  }
  const absl::Status status =
      is_study ? Study(*parsed, out) : Report(*parsed, out);
  const int signal = PendingInterruptSignal();
  if (absl::IsCancelled(status) && signal != 0) {
    err << status.message() << "\n";  // How to continue; not an error.
    return 128 + signal;
  }
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
    out << Usage();
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "measure") return RunMeasureCommand(args, out, err);
  if (args[0] == "study" || args[0] == "report") {
    return RunStudyCommand(args, out, err);
  }
  if (args[0] == "list") return RunListCommand(args, out, err);
  if (args[0] == "plugin-flags") return RunPluginFlagsCommand(args, out, err);
  if (args[0] == "check-plugin") return RunCheckPluginCommand(args, out, err);
  if (args[0] != "train") {
    err << "error: unknown command \"" << args[0]
        << "\"; known commands: train, study, report, measure, list, "
           "plugin-flags, check-plugin, help\n";
    return 2;
  }
  absl::StatusOr<TrainArgs> parsed = ParseTrainArgs(args);
  if (!parsed.ok()) {
    err << "error: " << parsed.status().message() << "\n";
    return 2;
  }
  if (parsed->help) {
    out << Usage();
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
