// Studies that survive preemption and merge from anywhere: completion
// markers, skipping finished runs, resuming interrupted ones, paths taken
// from the recorded base directory, and --shard=auto's task indices.
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/cli.h"
#include "core/check.h"
#include "core/file_io.h"
#include "experiment/checkpoint.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "studies/study.h"
#include "studies/study_report.h"
#include "tests/status_matchers.h"
#include "tests/studies/study_test_util.h"

namespace nfalab {
namespace {

using ::nfalab::testing::IsOk;
using ::nfalab::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// 2 points x 2 seeds, 3 epochs of a tiny synthetic task, with checkpoints.
constexpr char kTinyStudy[] = R"pb(
  name: "tiny"
  base {
    data {
      source: "synthetic"
      n_train: 64
      n_test: 16
      synthetic { input_dim: 4 teacher_width: 8 }
    }
    model { depth: 2 width: 8 }
    training { epochs: 3 batch_size: 16 }
    checkpoint_every: 1
  }
  sweeps {
    name: "lr"
    points { label: "small" set: "optimizer.learning_rate=0.05" }
    points { label: "large" set: "optimizer.learning_rate=0.2" }
  }
  seeds: [ 3, 4 ]
)pb";

std::string TestDir(const std::string& name) {
  return ::testing::TempDir() + "/study_resume_test_" + name;
}

// Every run's metrics.csv, by run name.
std::map<std::string, std::string> Metrics(const std::string& dir) {
  absl::StatusOr<StudyResults> results = CollectStudyResults({dir});
  NFALAB_CHECK(results.ok()) << results.status();
  std::map<std::string, std::string> metrics;
  for (const RunRecord& run : results->runs) {
    metrics[run.name] =
        Read(absl::StrCat(dir, "/runs/", run.name, "/metrics.csv"));
  }
  return metrics;
}

// The reference: the study run whole, uninterrupted (once per binary).
const std::string& Uninterrupted() {
  static const std::string* const dir = [] {
    auto* path = new std::string(TestDir("uninterrupted"));
    NFALAB_CHECK(RunStudy(Study(kTinyStudy), *path, Shard{}, nullptr).ok());
    return path;
  }();
  return *dir;
}

TEST(StudyResumeTest, FinishedRunsHaveAMarkerAndAreSkipped) {
  const std::string dir = TestDir("skip");
  ASSERT_THAT(RunStudy(Study(kTinyStudy), dir, Shard{1, 2}, nullptr), IsOk());
  const std::string run_dir = dir + "/runs/lr=small__seed3";
  EXPECT_EQ(Read(run_dir + "/" + kCompleteMarker), "complete\n");
  // A skipped run is not touched: a marked-up metrics.csv stays.
  ASSERT_THAT(WriteFileAtomically(run_dir + "/metrics.csv", "edited\n"),
              IsOk());
  std::ostringstream log;
  NFALAB_ASSERT_OK_AND_ASSIGN(
      const std::vector<StudyRunOutcome> outcomes,
      RunStudy(Study(kTinyStudy), dir, Shard{1, 2}, &log));
  ASSERT_EQ(outcomes.size(), 2u);
  for (const StudyRunOutcome& outcome : outcomes) {
    EXPECT_TRUE(outcome.skipped) << outcome.name;
  }
  EXPECT_THAT(log.str(), HasSubstr("[1/2] lr=small__seed3: complete\n"));
  EXPECT_EQ(Read(run_dir + "/metrics.csv"), "edited\n");
}

TEST(StudyResumeTest, InterruptedRunResumesAndTheReportIsUnchanged) {
  const std::string dir = TestDir("interrupted");
  // Stop the second run at its 5th step, as SIGTERM would.
  int runs_started = 0;
  const auto interrupt = [&runs_started](int64_t step) {
    if (step == 0) ++runs_started;
    return runs_started == 2 && step == 5 ? 15 : 0;
  };
  std::ostringstream log;
  EXPECT_THAT(RunStudy(Study(kTinyStudy), dir, Shard{}, &log, interrupt),
              StatusIs(absl::StatusCode::kCancelled,
                       AllOf(HasSubstr("lr=small__seed4"),
                             HasSubstr("Run the same command again"))));
  const std::string stopped = dir + "/runs/lr=small__seed4";
  EXPECT_TRUE(Exists(dir + "/runs/lr=small__seed3/" + kCompleteMarker));
  EXPECT_FALSE(Exists(stopped + "/" + kCompleteMarker));
  EXPECT_FALSE(Exists(stopped + "/error.txt"));
  EXPECT_TRUE(Exists(stopped + "/" + kCheckpointFile));
  EXPECT_FALSE(Exists(dir + "/runs/lr=large__seed3"));  // never started
  // An unfinished run is not collected as if it were complete.
  EXPECT_THAT(CollectStudyResults({dir}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("3 of 4 runs"),
                             HasSubstr("lr=small__seed4 (unfinished in"))));

  NFALAB_ASSERT_OK_AND_ASSIGN(const std::vector<StudyRunOutcome> outcomes,
                              RunStudy(Study(kTinyStudy), dir, Shard{}, &log));
  ASSERT_EQ(outcomes.size(), 4u);
  EXPECT_TRUE(outcomes[0].skipped);
  EXPECT_TRUE(outcomes[1].resumed);
  EXPECT_FALSE(outcomes[2].skipped || outcomes[2].resumed);
  EXPECT_THAT(log.str(), HasSubstr(", resumed)"));
  EXPECT_EQ(Metrics(dir), Metrics(Uninterrupted()));
  EXPECT_EQ(Read(dir + "/report.md"), Read(Uninterrupted() + "/report.md"));
}

// A run killed without a checkpoint of its config (SIGKILL before the
// first one, or a checkpoint of another config) starts again.
TEST(StudyResumeTest, UnfinishedRunWithoutItsCheckpointRestarts) {
  const std::string dir = TestDir("restart");
  ASSERT_THAT(RunStudy(Study(kTinyStudy), dir, Shard{}, nullptr), IsOk());
  const std::string killed = dir + "/runs/lr=large__seed3";
  ASSERT_EQ(std::remove((killed + "/" + kCompleteMarker).c_str()), 0);
  ASSERT_EQ(std::remove((killed + "/" + kCheckpointFile).c_str()), 0);
  ASSERT_THAT(WriteFileAtomically(killed + "/metrics.csv", "epoch\n"), IsOk());
  // Another run's checkpoint is not resumed either.
  const std::string other = dir + "/runs/lr=large__seed4";
  ASSERT_EQ(std::remove((other + "/" + kCompleteMarker).c_str()), 0);
  ASSERT_THAT(WriteFileAtomically(
                  other + "/" + kCheckpointFile,
                  Read(dir + "/runs/lr=small__seed3/" + kCheckpointFile)),
              IsOk());

  NFALAB_ASSERT_OK_AND_ASSIGN(
      const std::vector<StudyRunOutcome> outcomes,
      RunStudy(Study(kTinyStudy), dir, Shard{}, nullptr));
  ASSERT_EQ(outcomes.size(), 4u);
  for (int i : {2, 3}) {
    EXPECT_FALSE(outcomes[i].skipped || outcomes[i].resumed)
        << outcomes[i].name;
  }
  EXPECT_EQ(Metrics(dir), Metrics(Uninterrupted()));
}

// Two shards of a study whose data path is relative, started from two
// directories that each hold a copy of the data, merge into the report of
// the whole study.
class BaseDirectoryTest : public ::testing::Test {
 protected:
  static constexpr char kCsvStudy[] = R"pb(
    name: "csv_study"
    base {
      data { source: "csv" path: "data" }
      model { depth: 2 width: 8 }
      training { epochs: 2 batch_size: 8 }
    }
    seeds: [ 1, 2 ]
  )pb";

  // A directory holding data/train.csv and data/test.csv.
  static std::string MakeBase(const std::string& name) {
    const std::string base = TestDir(name);
    NFALAB_CHECK(MakeDirectories(base + "/data").ok());
    std::string train, test;
    for (int i = 0; i < 32; ++i) {
      absl::StrAppend(&train, i % 2, ",", i * 0.25, ",", 1.0 - i * 0.5, "\n");
      if (i < 8) absl::StrAppend(&test, (i + 1) % 2, ",", i * 0.5, ",0.5\n");
    }
    NFALAB_CHECK(WriteFileAtomically(base + "/data/train.csv", train).ok());
    NFALAB_CHECK(WriteFileAtomically(base + "/data/test.csv", test).ok());
    return base;
  }
};

TEST_F(BaseDirectoryTest, PathsStayAsGivenAndResolveAgainstTheBase) {
  StudyConfig study = Study(kCsvStudy);
  study.set_base_directory("/somewhere");
  NFALAB_ASSERT_OK_AND_ASSIGN(const std::vector<StudyRun> runs,
                              ExpandStudy(study));
  EXPECT_EQ(runs[0].config.data().path(), "/somewhere/data");
  EXPECT_EQ(ResolveStudyPaths(study).base().data().path(), "/somewhere/data");
  study.set_base_directory("relative/dir");
  EXPECT_THAT(ExpandStudy(study),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("base_directory \"relative/dir\"")));
}

TEST_F(BaseDirectoryTest, TheRecordedBaseDirectoryWins) {
  const std::string base = MakeBase("recorded_base");
  const std::string out = TestDir("recorded_out");
  StudyConfig study = Study(kCsvStudy);
  study.set_base_directory(base);
  ASSERT_THAT(PrepareStudyDirectory(study, out), IsOk());
  NFALAB_ASSERT_OK_AND_ASSIGN(const StudyConfig saved,
                              LoadStudy(out + "/" + kStudyFile));
  EXPECT_EQ(saved.base_directory(), base);
  EXPECT_EQ(saved.base().data().path(), "data");  // as given
  // A later start from elsewhere keeps the recorded base...
  EXPECT_EQ(
      StudyBaseDirectory(Study(kCsvStudy), out, "/elsewhere").value_or(""),
      base);
  EXPECT_EQ(
      StudyBaseDirectory(Study(kCsvStudy), TestDir("new_out"), "/elsewhere")
          .value_or(""),
      "/elsewhere");
  // ...and a study that insists on another one is refused.
  study.set_base_directory("/elsewhere");
  EXPECT_THAT(PrepareStudyDirectory(study, out),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr(base), HasSubstr("/elsewhere"))));
}

TEST_F(BaseDirectoryTest, ShardsFromTwoWorkingDirectoriesMerge) {
  const std::string study_path = TestDir("csv_study.pbtxt");
  ASSERT_THAT(WriteFileAtomically(study_path, kCsvStudy), IsOk());
  const std::string whole = TestDir("csv_whole");
  const std::string shard1 = TestDir("csv_shard1");
  const std::string shard2 = TestDir("csv_shard2");
  const std::string merged = TestDir("csv_merged");
  const auto nfalab = [](const std::string& user_dir,
                         const std::vector<std::string>& args) {
    // The directory nfalab takes as the user's (as under `bazel run`).
    setenv("BUILD_WORKING_DIRECTORY", user_dir.c_str(), 1);
    std::ostringstream out, err;
    const int code = RunCli(args, out, err);
    unsetenv("BUILD_WORKING_DIRECTORY");
    EXPECT_EQ(code, 0) << err.str();
    return code;
  };
  const std::string base_a = MakeBase("csv_base_a");
  const std::string base_b = MakeBase("csv_base_b");
  ASSERT_EQ(nfalab(base_a, {"study", study_path, "--out=" + whole}), 0);
  ASSERT_EQ(
      nfalab(base_a, {"study", study_path, "--out=" + shard1, "--shard=1/2"}),
      0);
  ASSERT_EQ(
      nfalab(base_b, {"study", study_path, "--out=" + shard2, "--shard=2/2"}),
      0);
  NFALAB_ASSERT_OK_AND_ASSIGN(const StudyConfig first,
                              LoadStudy(shard1 + "/" + kStudyFile));
  NFALAB_ASSERT_OK_AND_ASSIGN(const StudyConfig second,
                              LoadStudy(shard2 + "/" + kStudyFile));
  EXPECT_EQ(first.base_directory(), base_a);
  EXPECT_EQ(second.base_directory(), base_b);
  EXPECT_EQ(first.base().data().path(), "data");
  EXPECT_THAT(Read(shard2 + "/runs/seed2/config.pbtxt"),
              HasSubstr(base_b + "/data"));

  ASSERT_EQ(nfalab("/", {"report", "--out=" + merged, shard1, shard2}), 0);
  EXPECT_EQ(Read(merged + "/report.md"), Read(whole + "/report.md"));

  // Another shard into shard2's directory, started from base_a, still takes
  // the data from base_b, where that directory was started.
  ASSERT_EQ(
      nfalab(base_a, {"study", study_path, "--out=" + shard2, "--shard=1/2"}),
      0);
  EXPECT_THAT(Read(shard2 + "/runs/seed1/config.pbtxt"),
              AllOf(HasSubstr(base_b + "/data"), Not(HasSubstr(base_a))));
}

// --shard=auto: a lookup of a fixed environment.
absl::StatusOr<Shard> AutoShard(std::map<std::string, std::string> env,
                                int num_shards) {
  return ShardFromEnvironment(
      [&env](const char* name) -> const char* {
        const auto it = env.find(name);
        return it == env.end() ? nullptr : it->second.c_str();
      },
      num_shards);
}

TEST(ShardFromEnvironmentTest, SlurmArrayTasks) {
  NFALAB_ASSERT_OK_AND_ASSIGN(
      Shard shard,
      AutoShard({{"SLURM_ARRAY_TASK_ID", "0"}, {"SLURM_ARRAY_TASK_COUNT", "6"}},
                0));
  EXPECT_EQ(shard.index, 1);
  EXPECT_EQ(shard.count, 6);
  NFALAB_ASSERT_OK_AND_ASSIGN(shard,
                              AutoShard({{"SLURM_ARRAY_TASK_ID", "12"},
                                         {"SLURM_ARRAY_TASK_MIN", "10"},
                                         {"SLURM_ARRAY_TASK_COUNT", "4"}},
                                        4));
  EXPECT_EQ(shard.index, 3);
  EXPECT_EQ(shard.count, 4);
  // Slurm wins over a Kubernetes index.
  NFALAB_ASSERT_OK_AND_ASSIGN(shard, AutoShard({{"SLURM_ARRAY_TASK_ID", "1"},
                                                {"SLURM_ARRAY_TASK_COUNT", "2"},
                                                {"JOB_COMPLETION_INDEX", "0"}},
                                               0));
  EXPECT_EQ(shard.index, 2);
}

TEST(ShardFromEnvironmentTest, KubernetesIndexedJobs) {
  NFALAB_ASSERT_OK_AND_ASSIGN(const Shard shard,
                              AutoShard({{"JOB_COMPLETION_INDEX", "4"}}, 5));
  EXPECT_EQ(shard.index, 5);
  EXPECT_EQ(shard.count, 5);
  EXPECT_THAT(AutoShard({{"JOB_COMPLETION_INDEX", "4"}}, 0),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--num_shards is not")));
  EXPECT_THAT(AutoShard({{"JOB_COMPLETION_INDEX", "5"}}, 5),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("JOB_COMPLETION_INDEX=5")));
}

TEST(ShardFromEnvironmentTest, BadEnvironmentsAreNamed) {
  EXPECT_THAT(AutoShard({}, 0),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("SLURM_ARRAY_TASK_ID"),
                             HasSubstr("JOB_COMPLETION_INDEX"),
                             HasSubstr("--shard=i/N"))));
  EXPECT_THAT(
      AutoShard({{"SLURM_ARRAY_TASK_ID", "x"}, {"SLURM_ARRAY_TASK_COUNT", "2"}},
                0),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("SLURM_ARRAY_TASK_ID=\"x\"")));
  EXPECT_THAT(AutoShard({{"SLURM_ARRAY_TASK_ID", "1"}}, 0),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("SLURM_ARRAY_TASK_COUNT=\"\"")));
  EXPECT_THAT(
      AutoShard({{"SLURM_ARRAY_TASK_ID", "6"}, {"SLURM_ARRAY_TASK_COUNT", "6"}},
                0),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("--array=0-<N-1>")));
  EXPECT_THAT(
      AutoShard({{"SLURM_ARRAY_TASK_ID", "0"}, {"SLURM_ARRAY_TASK_COUNT", "6"}},
                3),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("--num_shards=3")));
}

}  // namespace
}  // namespace nfalab
