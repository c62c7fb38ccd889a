#include "studies/study.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "core/file_io.h"
#include "core/status_macros.h"
#include "experiment/config_io.h"
#include "experiment/trainer.h"
#include "experiment/validate.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/text_format.h"
#include "report/metrics_csv_reader.h"
#include "studies/study_analysis.h"
#include "studies/study_report.h"

namespace nfalab {
namespace {

constexpr char kRunsDir[] = "runs";
constexpr char kErrorFile[] = "error.txt";

// Deterministic binary serialization, for comparing messages.
std::string Serialized(const google::protobuf::Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return bytes;
}

// Plugins are the same plugins wherever they were found (their SHA-256
// and names stay).
void ClearPluginPaths(ExperimentConfig* config) {
  for (PluginRecord& plugin : *config->mutable_plugins()) plugin.clear_path();
}

// What makes two study directories hold the same study: everything but
// where its paths are taken from and where its plugins were found.
std::string StudyIdentity(const StudyConfig& study) {
  StudyConfig identity = study;
  identity.clear_base_directory();
  ClearPluginPaths(identity.mutable_base());
  return Serialized(identity);
}

// The same for a run's config (data paths stay: they are resolved).
std::string RunConfigIdentity(ExperimentConfig config) {
  ClearPluginPaths(&config);
  return Serialized(config);
}

std::string JoinIfRelative(const std::string& base, const std::string& path) {
  if (base.empty() || path.empty() || path.front() == '/') return path;
  return absl::StrCat(base, "/", path);
}

bool IsSnakeCase(absl::string_view name) {
  if (name.empty() || !absl::ascii_islower(name.front())) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_';
  });
}

// [a-z0-9_.-]+
bool IsLabel(absl::string_view label) {
  if (label.empty()) return false;
  return std::all_of(label.begin(), label.end(), [](char c) {
    return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_' ||
           c == '.' || c == '-';
  });
}

std::vector<uint64_t> Seeds(const StudyConfig& study) {
  if (study.seeds_size() == 0) return {study.base().seed()};
  return {study.seeds().begin(), study.seeds().end()};
}

// The study's structure: names, labels, seeds (no config is built).
absl::Status ValidateStructure(const StudyConfig& study) {
  if (!IsSnakeCase(study.name())) {
    return absl::InvalidArgumentError(
        absl::StrCat("study name \"", absl::CEscape(study.name()),
                     "\" must be lowercase snake_case ([a-z][a-z0-9_]*)"));
  }
  std::set<std::string> sweep_names;
  for (const StudyConfig::Sweep& sweep : study.sweeps()) {
    if (!IsLabel(sweep.name())) {
      return absl::InvalidArgumentError(
          absl::StrCat("sweep name \"", absl::CEscape(sweep.name()),
                       "\" must be non-empty and match [a-z0-9_.-]+"));
    }
    if (!sweep_names.insert(sweep.name()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("two sweeps are named \"", sweep.name(), "\""));
    }
    if (sweep.points_size() == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("sweep \"", sweep.name(), "\" has no points"));
    }
    std::set<std::string> labels;
    for (const StudyConfig::Point& point : sweep.points()) {
      if (!IsLabel(point.label())) {
        return absl::InvalidArgumentError(
            absl::StrCat("sweep \"", sweep.name(), "\": point label \"",
                         absl::CEscape(point.label()),
                         "\" must be non-empty and match [a-z0-9_.-]+"));
      }
      if (!labels.insert(point.label()).second) {
        return absl::InvalidArgumentError(absl::StrCat(
            "sweep \"", sweep.name(), "\": two points are labelled \"",
            point.label(), "\""));
      }
    }
  }
  std::set<uint64_t> seeds;
  for (uint64_t seed : study.seeds()) {
    if (!seeds.insert(seed).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("seed ", seed, " is listed twice in seeds"));
    }
  }
  // Before any run, so that a misspelt analysis costs no training.
  return CreateStudyAnalyses(study).status();
}

absl::Status ApplyPoint(const StudyConfig::Sweep& sweep,
                        const StudyConfig::Point& point,
                        ExperimentConfig* config) {
  for (const std::string& assignment : point.set()) {
    NFALAB_RETURN_IF_ERROR(
        AnnotateStatus(ApplyOverride(assignment, config),
                       absl::StrCat("sweep \"", sweep.name(), "\", point \"",
                                    point.label(), "\"")));
  }
  return absl::OkStatus();
}

// Every point on its own, applied to the base config.
absl::Status ValidatePoints(const StudyConfig& study) {
  for (const StudyConfig::Sweep& sweep : study.sweeps()) {
    for (const StudyConfig::Point& point : sweep.points()) {
      ExperimentConfig config = study.base();
      NFALAB_RETURN_IF_ERROR(ApplyPoint(sweep, point, &config));
      NFALAB_RETURN_IF_ERROR(
          AnnotateStatus(ValidateConfig(config),
                         absl::StrCat("sweep \"", sweep.name(), "\", point \"",
                                      point.label(), "\"")));
    }
  }
  return absl::OkStatus();
}

// The runs, assuming a valid structure; configs are not validated.
absl::StatusOr<std::vector<StudyRun>> ExpandUnchecked(
    const StudyConfig& study) {
  const std::vector<uint64_t> seeds = Seeds(study);
  const int num_sweeps = study.sweeps_size();
  std::vector<int> choice(num_sweeps, 0);  // odometer over the sweeps' points
  std::vector<StudyRun> runs;
  while (true) {
    ExperimentConfig grid_config = study.base();
    std::vector<std::string> labels;
    std::vector<std::string> name_parts;
    for (int s = 0; s < num_sweeps; ++s) {
      const StudyConfig::Sweep& sweep = study.sweeps(s);
      const StudyConfig::Point& point = sweep.points(choice[s]);
      NFALAB_RETURN_IF_ERROR(ApplyPoint(sweep, point, &grid_config));
      labels.push_back(point.label());
      name_parts.push_back(absl::StrCat(sweep.name(), "=", point.label()));
    }
    for (uint64_t seed : seeds) {
      StudyRun run;
      std::vector<std::string> parts = name_parts;
      parts.push_back(absl::StrCat("seed", seed));
      run.name = absl::StrJoin(parts, "__");
      run.point_labels = labels;
      run.seed = seed;
      run.config = grid_config;
      run.config.set_name(run.name);
      run.config.set_seed(seed);
      if (!run.config.export_dir().empty()) {
        run.config.set_export_dir(
            absl::StrCat(run.config.export_dir(), "/", run.name));
      }
      runs.push_back(std::move(run));
    }
    // Advance the odometer; the last sweep varies fastest.
    int s = num_sweeps - 1;
    while (s >= 0 && ++choice[s] == study.sweeps(s).points_size()) {
      choice[s] = 0;
      --s;
    }
    if (s < 0) break;
  }
  return runs;
}

bool IsDirectory(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

bool IsFile(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

// The names of the subdirectories of `path`, sorted; none if it is absent.
absl::StatusOr<std::vector<std::string>> ListSubdirectories(
    const std::string& path) {
  std::vector<std::string> names;
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) {
    if (errno == ENOENT) return names;
    return ErrnoStatus("cannot list", path);
  }
  while (const dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    if (IsDirectory(absl::StrCat(path, "/", name))) names.push_back(name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

std::string RunDir(const std::string& study_dir, const std::string& run) {
  return absl::StrCat(study_dir, "/", kRunsDir, "/", run);
}

bool IsComplete(const std::string& run_dir) {
  return IsFile(absl::StrCat(run_dir, "/", kCompleteMarker));
}

// The run in run_dir can continue: it has a checkpoint of this very config.
bool CanResume(const std::string& run_dir, const ExperimentConfig& config) {
  const absl::StatusOr<ExperimentConfig> saved = LoadResumeConfig(run_dir);
  return saved.ok() && Serialized(*saved) == Serialized(config);
}

// A Slurm or Kubernetes index variable: a non-negative integer.
absl::StatusOr<int> IndexVariable(
    const std::function<const char*(const char*)>& getenv, const char* name) {
  const char* text = getenv(name);
  int value = 0;
  if (text == nullptr || !absl::SimpleAtoi(text, &value) || value < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--shard=auto: ", name, "=\"", text == nullptr ? "" : text,
                     "\" is not a non-negative integer"));
  }
  return value;
}

// The first line of a run's error.txt, if there is one.
std::string RecordedError(const std::string& run_dir) {
  absl::StatusOr<std::string> text =
      ReadFile(absl::StrCat(run_dir, "/", kErrorFile));
  if (!text.ok()) return "";
  absl::string_view line = *text;
  line = line.substr(0, line.find('\n'));
  return std::string(line);
}

}  // namespace

absl::StatusOr<StudyConfig> ParseStudy(absl::string_view text,
                                       absl::string_view source) {
  StudyConfig study;
  NFALAB_RETURN_IF_ERROR(ParseTextProto(text, source, &study));
  return study;
}

absl::StatusOr<StudyConfig> LoadStudy(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        absl::StrCat("study file: ", text.status().message()));
  }
  return ParseStudy(*text, path);
}

std::string StudyToText(const StudyConfig& study) {
  std::string text;
  google::protobuf::TextFormat::Printer printer;
  printer.PrintToString(study, &text);
  return text;
}

absl::Status ValidateStudy(const StudyConfig& study) {
  if (!study.base_directory().empty() &&
      study.base_directory().front() != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("base_directory \"", study.base_directory(),
                     "\" must be an absolute path"));
  }
  const StudyConfig resolved = ResolveStudyPaths(study);
  NFALAB_RETURN_IF_ERROR(ValidateStructure(resolved));
  NFALAB_RETURN_IF_ERROR(ValidatePoints(resolved));
  // Points that are valid alone may still clash (e.g. model.widths and
  // model.depth from two sweeps).
  NFALAB_ASSIGN_OR_RETURN(std::vector<StudyRun> runs,
                          ExpandUnchecked(resolved));
  for (const StudyRun& run : runs) {
    NFALAB_RETURN_IF_ERROR(AnnotateStatus(
        ValidateConfig(run.config), absl::StrCat("run \"", run.name, "\"")));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StudyRun>> ExpandStudy(const StudyConfig& study) {
  NFALAB_RETURN_IF_ERROR(ValidateStudy(study));
  return ExpandUnchecked(ResolveStudyPaths(study));
}

absl::StatusOr<Shard> ParseShard(absl::string_view spec) {
  const auto bad = [spec](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad shard \"", spec, "\": ", why,
                     " (expected i/N with integers 1 <= i <= N, e.g. 2/3)"));
  };
  const size_t slash = spec.find('/');
  if (slash == absl::string_view::npos) return bad("no '/'");
  const absl::string_view index_text = spec.substr(0, slash);
  const absl::string_view count_text = spec.substr(slash + 1);
  const auto is_number = [](absl::string_view text) {
    return !text.empty() && text.size() <= 9 &&
           std::all_of(text.begin(), text.end(), absl::ascii_isdigit);
  };
  if (!is_number(index_text) || !is_number(count_text)) {
    return bad("i and N must be integers");
  }
  Shard shard;
  if (!absl::SimpleAtoi(index_text, &shard.index) ||
      !absl::SimpleAtoi(count_text, &shard.count)) {
    return bad("i and N must be integers");
  }
  if (shard.count < 1) return bad("N must be >= 1");
  if (shard.index < 1 || shard.index > shard.count) {
    return bad("i must be between 1 and N");
  }
  return shard;
}

absl::StatusOr<Shard> ShardFromEnvironment(
    const std::function<const char*(const char*)>& getenv, int num_shards) {
  Shard shard;
  if (getenv("SLURM_ARRAY_TASK_ID") != nullptr) {
    NFALAB_ASSIGN_OR_RETURN(const int id,
                            IndexVariable(getenv, "SLURM_ARRAY_TASK_ID"));
    NFALAB_ASSIGN_OR_RETURN(shard.count,
                            IndexVariable(getenv, "SLURM_ARRAY_TASK_COUNT"));
    int min = 0;
    if (getenv("SLURM_ARRAY_TASK_MIN") != nullptr) {
      NFALAB_ASSIGN_OR_RETURN(min,
                              IndexVariable(getenv, "SLURM_ARRAY_TASK_MIN"));
    }
    shard.index = id - min + 1;
    if (shard.count < 1 || shard.index < 1 || shard.index > shard.count) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--shard=auto: SLURM_ARRAY_TASK_ID=%d (SLURM_ARRAY_TASK_MIN=%d) is "
          "not one of SLURM_ARRAY_TASK_COUNT=%d consecutive tasks; submit the "
          "array as --array=0-<N-1>, or give --shard=i/N",
          id, min, shard.count));
    }
    if (num_shards != 0 && num_shards != shard.count) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--shard=auto: --num_shards=%d but the Slurm array has "
          "SLURM_ARRAY_TASK_COUNT=%d tasks",
          num_shards, shard.count));
    }
    return shard;
  }
  if (getenv("JOB_COMPLETION_INDEX") != nullptr) {
    NFALAB_ASSIGN_OR_RETURN(const int index,
                            IndexVariable(getenv, "JOB_COMPLETION_INDEX"));
    if (num_shards < 1) {
      return absl::InvalidArgumentError(
          "--shard=auto: JOB_COMPLETION_INDEX is set (a Kubernetes Indexed "
          "Job) but --num_shards is not; pass the Job's completions count");
    }
    if (index >= num_shards) {
      return absl::InvalidArgumentError(
          absl::StrFormat("--shard=auto: JOB_COMPLETION_INDEX=%d is not below "
                          "--num_shards=%d",
                          index, num_shards));
    }
    shard.index = index + 1;
    shard.count = num_shards;
    return shard;
  }
  return absl::InvalidArgumentError(
      "--shard=auto needs a task index in the environment: "
      "SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (a Slurm array task) "
      "or JOB_COMPLETION_INDEX with --num_shards (a Kubernetes Indexed Job), "
      "and none is set; outside such a task give --shard=i/N");
}

StudyConfig ResolveStudyPaths(const StudyConfig& study) {
  StudyConfig resolved = study;
  const std::string& base = study.base_directory();
  if (base.empty()) return resolved;
  ExperimentConfig* config = resolved.mutable_base();
  if (config->has_data() && !config->data().path().empty()) {
    config->mutable_data()->set_path(
        JoinIfRelative(base, config->data().path()));
  }
  config->set_export_dir(JoinIfRelative(base, config->export_dir()));
  if (config->export_dir().empty()) config->clear_export_dir();
  for (StudyConfig::Sweep& sweep : *resolved.mutable_sweeps()) {
    for (StudyConfig::Point& point : *sweep.mutable_points()) {
      for (std::string& assignment : *point.mutable_set()) {
        const size_t equals = assignment.find('=');
        if (equals == std::string::npos) continue;
        const absl::string_view key = absl::StripAsciiWhitespace(
            absl::string_view(assignment).substr(0, equals));
        if (key != "data.path" && key != "export_dir") continue;
        const std::string value(absl::StripAsciiWhitespace(
            absl::string_view(assignment).substr(equals + 1)));
        // A quoted value is left to ApplyOverride as written.
        if (value.empty() || value.front() == '"' || value.front() == '\'') {
          continue;
        }
        assignment = absl::StrCat(key, "=", JoinIfRelative(base, value));
      }
    }
  }
  return resolved;
}

absl::StatusOr<std::string> StudyBaseDirectory(
    const StudyConfig& study, const std::string& out_dir,
    const std::string& user_directory) {
  if (!study.base_directory().empty()) return study.base_directory();
  const std::string study_path = absl::StrCat(out_dir, "/", kStudyFile);
  if (IsFile(study_path)) {
    NFALAB_ASSIGN_OR_RETURN(const StudyConfig existing, LoadStudy(study_path));
    if (!existing.base_directory().empty()) return existing.base_directory();
  }
  return user_directory;
}

absl::Status CheckStudyDirectory(const StudyConfig& study,
                                 const std::string& out_dir) {
  if (out_dir.empty()) {
    return absl::InvalidArgumentError("no output directory given (--out)");
  }
  const std::string study_path = absl::StrCat(out_dir, "/", kStudyFile);
  if (IsFile(study_path)) {
    NFALAB_ASSIGN_OR_RETURN(const StudyConfig existing, LoadStudy(study_path));
    if (StudyIdentity(existing) != StudyIdentity(study)) {
      return absl::FailedPreconditionError(
          absl::StrCat(out_dir, " already holds a different study (",
                       study_path, "); use another --out or remove it"));
    }
    if (existing.base_directory() != study.base_directory()) {
      return absl::FailedPreconditionError(absl::StrCat(
          out_dir, " holds this study with base_directory \"",
          existing.base_directory(), "\", but this one gives \"",
          study.base_directory(),
          "\"; its runs take relative paths from the recorded one"));
    }
  }
  return absl::OkStatus();
}

absl::Status PrepareStudyDirectory(const StudyConfig& study,
                                   const std::string& out_dir) {
  NFALAB_RETURN_IF_ERROR(CheckStudyDirectory(study, out_dir));
  const std::string study_path = absl::StrCat(out_dir, "/", kStudyFile);
  const std::string text = StudyToText(study);
  if (ReadFile(study_path).value_or("") == text) return absl::OkStatus();
  NFALAB_RETURN_IF_ERROR(MakeDirectories(out_dir));
  return WriteFileAtomically(study_path, text);
}

absl::StatusOr<std::vector<StudyRunOutcome>> RunStudy(
    const StudyConfig& study, const std::string& out_dir, const Shard& shard,
    std::ostream* log, const std::function<int(int64_t)>& interrupt_signal) {
  NFALAB_ASSIGN_OR_RETURN(const std::vector<StudyRun> runs, ExpandStudy(study));
  NFALAB_RETURN_IF_ERROR(PrepareStudyDirectory(study, out_dir));

  size_t in_shard = 0;
  for (size_t i = 0; i < runs.size(); ++i) in_shard += shard.Contains(i);
  if (log != nullptr) {
    *log << absl::StrFormat("study %s: %d of %d runs (shard %d/%d) -> %s\n",
                            study.name(), in_shard, runs.size(), shard.index,
                            shard.count, out_dir);
  }

  std::vector<StudyRunOutcome> outcomes;
  for (size_t i = 0; i < runs.size(); ++i) {
    if (!shard.Contains(i)) continue;
    const StudyRun& run = runs[i];
    const std::string run_dir = RunDir(out_dir, run.name);
    const std::string error_path = absl::StrCat(run_dir, "/", kErrorFile);
    StudyRunOutcome outcome;
    outcome.name = run.name;
    const std::string counter =
        absl::StrFormat("[%d/%d]", outcomes.size() + 1, in_shard);
    if (IsComplete(run_dir)) {
      outcome.skipped = true;
      if (log != nullptr) *log << counter << " " << run.name << ": complete\n";
      outcomes.push_back(std::move(outcome));
      continue;
    }
    // An error.txt from an earlier attempt no longer applies.
    if (IsFile(error_path)) std::remove(error_path.c_str());
    RunOptions options;
    options.out_dir = run_dir;
    options.interrupt_signal = interrupt_signal;
    outcome.resumed = CanResume(run_dir, run.config);
    // Otherwise whatever an earlier attempt left is replaced.
    options.resume = outcome.resumed;
    options.overwrite = !outcome.resumed;
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<RunResult> result = RunExperiment(run.config, options);
    outcome.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    if (absl::IsCancelled(result.status())) {
      if (log != nullptr) {
        *log << counter << " " << run.name
             << ": stopped: " << result.status().message() << "\n";
      }
      return absl::CancelledError(absl::StrCat(
          "study ", study.name(), " stopped in run ", run.name, ": ",
          result.status().message(),
          ". Run the same command again to continue: complete runs are "
          "skipped and this one resumes"));
    }
    if (result.ok()) {
      outcome.final_train_loss = result->final_train_loss;
      outcome.final_test_loss = result->final_test_loss;
      NFALAB_RETURN_IF_ERROR(WriteFileAtomically(
          absl::StrCat(run_dir, "/", kCompleteMarker), "complete\n"));
    } else {
      outcome.status = result.status();
      NFALAB_RETURN_IF_ERROR(MakeDirectories(run_dir));
      NFALAB_RETURN_IF_ERROR(WriteFileAtomically(
          error_path, absl::StrCat(result.status().ToString(), "\n")));
    }
    if (log != nullptr) {
      if (outcome.status.ok()) {
        *log << absl::StrFormat(
            "%s %s: train_loss %.6g test_loss %.6g (%.1fs%s)\n", counter,
            run.name, outcome.final_train_loss, outcome.final_test_loss,
            outcome.seconds, outcome.resumed ? ", resumed" : "");
      } else {
        *log << absl::StrFormat("%s %s: FAILED: %s (%.1fs)\n", counter,
                                run.name, outcome.status.message(),
                                outcome.seconds);
      }
    }
    outcomes.push_back(std::move(outcome));
  }

  if (shard.IsWhole()) {
    NFALAB_ASSIGN_OR_RETURN(const StudyResults results,
                            CollectStudyResults({out_dir}));
    NFALAB_RETURN_IF_ERROR(WriteStudyReport(results, out_dir));
    if (log != nullptr) *log << "report: " << out_dir << "/report.md\n";
  }
  return outcomes;
}

absl::StatusOr<StudyResults> CollectStudyResults(
    const std::vector<std::string>& dirs) {
  if (dirs.empty()) {
    return absl::InvalidArgumentError("no study directory given");
  }
  StudyResults results;
  // Per dir, its runs by name: each dir resolves paths its own way.
  std::vector<std::vector<StudyRun>> runs_per_dir;
  for (size_t d = 0; d < dirs.size(); ++d) {
    NFALAB_ASSIGN_OR_RETURN(StudyConfig study,
                            LoadStudy(absl::StrCat(dirs[d], "/", kStudyFile)));
    if (d == 0) {
      results.study = study;
    } else if (StudyIdentity(study) != StudyIdentity(results.study)) {
      return absl::InvalidArgumentError(absl::StrCat(
          dirs[0], " and ", dirs[d], " hold different studies (their ",
          kStudyFile, " differ); only shards of one study can be merged"));
    }
    NFALAB_ASSIGN_OR_RETURN(std::vector<StudyRun> runs, ExpandStudy(study));
    runs_per_dir.push_back(std::move(runs));
  }

  std::map<std::string, std::string> found_in;  // run name -> study dir
  std::map<std::string, std::vector<std::string>> unfinished_in;
  for (size_t d = 0; d < dirs.size(); ++d) {
    const std::string& dir = dirs[d];
    std::map<std::string, const StudyRun*> by_name;
    for (const StudyRun& run : runs_per_dir[d]) by_name[run.name] = &run;
    const std::string runs_dir = absl::StrCat(dir, "/", kRunsDir);
    NFALAB_ASSIGN_OR_RETURN(const std::vector<std::string> names,
                            ListSubdirectories(runs_dir));
    for (const std::string& name : names) {
      const std::string run_dir = RunDir(dir, name);
      const std::string metrics_path = absl::StrCat(run_dir, "/metrics.csv");
      if (!IsFile(metrics_path)) continue;  // failed before training
      const auto run = by_name.find(name);
      if (run == by_name.end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            run_dir, " is not a run of study \"", results.study.name(), "\""));
      }
      const std::string error = RecordedError(run_dir);
      if (!IsComplete(run_dir) && error.empty()) {
        unfinished_in[name].push_back(dir);  // e.g. a preempted task
        continue;
      }
      const auto [previous, inserted] = found_in.emplace(name, dir);
      if (!inserted) {
        return absl::InvalidArgumentError(absl::StrCat(
            "run ", name, " appears in both ", previous->second, " and ", dir));
      }
      NFALAB_ASSIGN_OR_RETURN(
          ExperimentConfig config,
          LoadConfig(absl::StrCat(run_dir, "/config.pbtxt")));
      if (RunConfigIdentity(config) != RunConfigIdentity(run->second->config)) {
        return absl::InvalidArgumentError(absl::StrCat(
            run_dir, "/config.pbtxt is not the config the study gives run ",
            name, " (was it run from another version of the study?)"));
      }
      NFALAB_ASSIGN_OR_RETURN(MetricsTable table, ReadMetricsCsv(metrics_path));
      RunRecord record;
      record.name = name;
      record.point_labels = run->second->point_labels;
      record.seed = run->second->seed;
      record.error = error;
      record.config = std::move(config);
      record.table = std::move(table);
      results.runs.push_back(std::move(record));
    }
  }

  std::vector<std::string> missing;
  for (const StudyRun& run : runs_per_dir.front()) {
    if (found_in.count(run.name) > 0) continue;
    std::string entry = run.name;
    for (const std::string& dir : dirs) {
      const std::string error = RecordedError(RunDir(dir, run.name));
      if (!error.empty()) absl::StrAppend(&entry, " (failed: ", error, ")");
    }
    const auto unfinished = unfinished_in.find(run.name);
    if (unfinished != unfinished_in.end()) {
      absl::StrAppend(&entry, " (unfinished in ",
                      absl::StrJoin(unfinished->second, ", "), ")");
    }
    missing.push_back(std::move(entry));
  }
  if (!missing.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        missing.size(), " of ", runs_per_dir.front().size(),
        " runs of study \"", results.study.name(), "\" have no results in ",
        absl::StrJoin(dirs, ", "), ": ", absl::StrJoin(missing, ", "),
        "; run the study (or its shards) again to finish them"));
  }
  std::sort(
      results.runs.begin(), results.runs.end(),
      [](const RunRecord& a, const RunRecord& b) { return a.name < b.name; });
  return results;
}

}  // namespace nfalab
