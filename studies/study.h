// Studies: a grid of training runs (studies/study_config.proto), run in
// one go or in shards, and collected back into StudyResults for the report.
//
//   NFALAB_ASSIGN_OR_RETURN(StudyConfig study, LoadStudy("slo.pbtxt"));
//   NFALAB_ASSIGN_OR_RETURN(Shard shard, ParseShard("2/3"));
//   NFALAB_ASSIGN_OR_RETURN(auto outcomes,
//                           RunStudy(study, "runs/slo_2", shard, &std::cout));
//   ...  // the other shards, possibly on other machines
//   NFALAB_ASSIGN_OR_RETURN(StudyResults results,
//       CollectStudyResults({"runs/slo_1", "runs/slo_2", "runs/slo_3"}));
//
// Layout of a study directory:
//
//   <dir>/study.pbtxt                the StudyConfig, paths as given, with
//                                    its base_directory recorded
//   <dir>/runs/<run name>/           one RunExperiment output per run
//                                    (metrics.csv, config.pbtxt, ...)
//   <dir>/runs/<run name>/complete   the completion marker, written
//                                    atomically after the run finished
//   <dir>/runs/<run name>/error.txt  only when the run failed
//
// Preemption: a run without its marker is unfinished. Running the study
// (or a shard) again skips complete runs, resumes an unfinished run from
// its checkpoint.pb when it has one for the same config (checkpoint_every,
// or the checkpoint an interrupting signal leaves), and restarts it
// otherwise. Only runs with a marker or an error.txt are collected.
//
// Run names are "<sweep>=<label>__<sweep>=<label>__seed<s>" (sweeps in
// order), or "seed<s>" for a study without sweeps.
#ifndef NFALAB_STUDIES_STUDY_H_
#define NFALAB_STUDIES_STUDY_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "experiment/experiment_config.pb.h"
#include "studies/study_config.pb.h"
#include "studies/study_results.h"

namespace nfalab {

// The study file in a study directory.
inline constexpr char kStudyFile[] = "study.pbtxt";
// A run directory's completion marker.
inline constexpr char kCompleteMarker[] = "complete";

// Parses a StudyConfig in text format; errors name `source`:line:column.
absl::StatusOr<StudyConfig> ParseStudy(absl::string_view text,
                                       absl::string_view source);

// Reads and parses a study .pbtxt (NotFound if it cannot be read).
absl::StatusOr<StudyConfig> LoadStudy(const std::string& path);

// The study text as written to <dir>/study.pbtxt.
std::string StudyToText(const StudyConfig& study);

// Checks the study before anything runs: the name is snake_case, every
// sweep has a unique name ([a-z0-9_.-]+) and at least one point, labels
// match [a-z0-9_.-]+ and are unique within their sweep, seeds are unique,
// every point's overrides apply to the base config and give a valid config
// (errors name the sweep, the point and the field), and so does every
// combination of points (errors name the run).
absl::Status ValidateStudy(const StudyConfig& study);

// One run of the grid.
struct StudyRun {
  std::string name;
  // The chosen point of each sweep, in sweep order.
  std::vector<std::string> point_labels;
  uint64_t seed = 0;
  // base + the points' overrides (in sweep order) + seed; `name` is the run
  // name. A non-empty export_dir gets "/<run name>" appended so that runs
  // do not overwrite each other's exports.
  ExperimentConfig config;
};

// The study with its relative paths (data.path and export_dir of the base
// config and of the points that set them) joined to its base_directory;
// unchanged without one. Plugin paths are the CLI's to resolve.
StudyConfig ResolveStudyPaths(const StudyConfig& study);

// The base directory for running `study` into `out_dir`: the study's own
// base_directory if it sets one, else the one recorded in
// <out_dir>/study.pbtxt, else `user_directory` (where nfalab was started).
// Errors: an unreadable <out_dir>/study.pbtxt.
absl::StatusOr<std::string> StudyBaseDirectory(
    const StudyConfig& study, const std::string& out_dir,
    const std::string& user_directory);

// Validates the study, then lists its runs in a fixed order: the cartesian
// product of the sweeps' points (the first sweep varies slowest), and for
// each grid point the seeds in the given order.
absl::StatusOr<std::vector<StudyRun>> ExpandStudy(const StudyConfig& study);

// Shard `index` of `count` (1-based) runs the runs whose position in
// ExpandStudy's list is congruent to index - 1 modulo count. The shards of
// a count are disjoint and together cover the study.
struct Shard {
  int index = 1;
  int count = 1;

  bool Contains(size_t run_position) const {
    return run_position % static_cast<size_t>(count) ==
           static_cast<size_t>(index - 1);
  }
  bool IsWhole() const { return count == 1; }
};

// Parses "i/N" with integers 1 <= i <= N; anything else is InvalidArgument
// quoting the spec.
absl::StatusOr<Shard> ParseShard(absl::string_view spec);

// --shard=auto: the shard of this task of an engine with task indices.
// - Slurm array: SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT and (if set)
//   SLURM_ARRAY_TASK_MIN give shard ID - MIN + 1 of COUNT; `num_shards`, if
//   not 0, must equal COUNT.
// - Kubernetes Indexed Job: JOB_COMPLETION_INDEX (0-based) gives shard
//   INDEX + 1 of `num_shards`, which is then required.
// Slurm's variables win when both are set. `getenv` looks a variable up
// (null when unset). Errors (InvalidArgument) name the variables and
// values: none set, non-numbers, an index outside the count.
absl::StatusOr<Shard> ShardFromEnvironment(
    const std::function<const char*(const char*)>& getenv, int num_shards);

// What happened to one run of RunStudy.
struct StudyRunOutcome {
  std::string name;
  // OK, or the run's error (also in <out_dir>/runs/<name>/error.txt).
  absl::Status status;
  double final_train_loss = 0;
  double final_test_loss = 0;
  double seconds = 0;
  // It had its completion marker and was not run again.
  bool skipped = false;
  // It continued from its checkpoint.
  bool resumed = false;
};

// Checks, writing nothing, that out_dir is new or holds this study (which
// the caller has validated, e.g. by ExpandStudy): FailedPrecondition for an
// out_dir that already holds a different study, or the same study with
// another base_directory.
absl::Status CheckStudyDirectory(const StudyConfig& study,
                                 const std::string& out_dir);

// CheckStudyDirectory, then creates out_dir and writes <out_dir>/study.pbtxt
// atomically (unless it already holds exactly this text, so that the tasks
// of a cluster job do not rewrite it all at once).
absl::Status PrepareStudyDirectory(const StudyConfig& study,
                                   const std::string& out_dir);

// Validates and expands the study, PrepareStudyDirectory, then runs the
// shard's runs into
// <out_dir>/runs/<run name>/, printing one line per run on `log` (may be
// null): complete runs are skipped, unfinished ones resumed or restarted
// (see the layout above), and each run that finishes gets its marker. A
// failed run is recorded in its error.txt and the study goes on. For the
// whole study (shard 1/1) it then collects the results and writes the
// report (WriteStudyReport) into out_dir.
// `interrupt_signal` (may be empty) is RunOptions::interrupt_signal: when it
// stops a run, that run keeps its checkpoint and RunStudy returns Cancelled
// at once. Other returned errors are about the study itself (invalid
// config, unwritable directory, results that cannot be collected); per-run
// errors are in the outcomes.
absl::StatusOr<std::vector<StudyRunOutcome>> RunStudy(
    const StudyConfig& study, const std::string& out_dir, const Shard& shard,
    std::ostream* log,
    const std::function<int(int64_t)>& interrupt_signal = nullptr);

// Reads the study directories written by RunStudy (the shards of one study)
// back into StudyResults: every dir must hold the same study (plugin paths
// and base_directory may differ: each dir's runs are checked against its own
// resolution), and across them every run of the grid must appear exactly
// once, finished (in runs/<name>/ with metrics.csv, config.pbtxt and its
// completion marker or error.txt). Missing, unfinished, duplicated and
// unknown runs are InvalidArgument errors that list them.
absl::StatusOr<StudyResults> CollectStudyResults(
    const std::vector<std::string>& dirs);

}  // namespace nfalab

#endif  // NFALAB_STUDIES_STUDY_H_
