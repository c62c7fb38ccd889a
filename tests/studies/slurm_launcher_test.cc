// `nfalab study --launcher=slurm` without a cluster: the job scripts (run
// with bash against a fake nfalab), submission through fake sbatch / squeue
// / scancel commands on PATH, and every bad input's one error. The real
// cluster test is tests/slurm/slurm_study_test.sh.
#include "studies/slurm_launcher.h"

#include <sys/stat.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/check.h"
#include "core/file_io.h"
#include "core/subprocess.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "studies/study.h"
#include "tests/cli_runner.h"
#include "tests/status_matchers.h"
#include "tests/studies/study_test_util.h"

namespace nfalab {
namespace {

using ::nfalab::testing::IsOk;
using ::nfalab::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// 3 points x 2 seeds: 6 runs (never trained here).
constexpr char kStudy[] = R"pb(
  name: "six"
  base { training { epochs: 1 } }
  sweeps {
    name: "lr"
    points { label: "a" set: "optimizer.learning_rate=0.05" }
    points { label: "b" set: "optimizer.learning_rate=0.1" }
    points { label: "c" set: "optimizer.learning_rate=0.2" }
  }
  seeds: [ 1, 2 ]
)pb";

// The 6-run study, with a recorded base directory.
StudyConfig SixRuns() {
  StudyConfig study = Study(kStudy);
  study.set_base_directory("/base");
  return study;
}

std::string TestDir(const std::string& name) {
  return ::testing::TempDir() + "/slurm_launcher_test_" + name;
}

void WriteExecutable(const std::string& path, const std::string& text) {
  NFALAB_CHECK(WriteFileAtomically(path, text).ok());
  NFALAB_CHECK(chmod(path.c_str(), 0755) == 0);
}

SlurmOptions Options() {
  SlurmOptions options;
  options.nfalab_binary = "/opt/nfalab/bin/nfalab";
  options.poll_interval = absl::Milliseconds(10);
  return options;
}

TEST(SlurmScriptsTest, ArrayAndReportScripts) {
  SlurmOptions options = Options();
  options.partition = "gpu";
  options.time = "02:00:00";
  options.cpus_per_task = "4";
  options.mem = "8G";
  options.extra_args = {"--account=ml", "--qos=preemptible"};
  NFALAB_ASSERT_OK_AND_ASSIGN(
      const SlurmScripts scripts,
      RenderSlurmScripts(SixRuns(), 6, "/shared/six", options));
  EXPECT_EQ(scripts.tasks, 6);
  const std::vector<std::string> array_lines =
      absl::StrSplit(scripts.array, '\n');
  std::vector<std::string> directives;
  for (const std::string& line : array_lines) {
    if (absl::StartsWith(line, "#SBATCH")) directives.push_back(line);
  }
  EXPECT_THAT(
      directives,
      ElementsAre("#SBATCH --job-name=nfalab-six", "#SBATCH --array=0-5",
                  "#SBATCH --output=/shared/six/slurm/task-%A_%a.out",
                  "#SBATCH --chdir=/shared/six", "#SBATCH --cpus-per-task=4",
                  "#SBATCH --partition=gpu", "#SBATCH --time=02:00:00",
                  "#SBATCH --mem=8G", "#SBATCH --account=ml",
                  "#SBATCH --qos=preemptible"));
  EXPECT_THAT(array_lines.front(), "#!/bin/bash");
  EXPECT_THAT(scripts.array,
              HasSubstr("exec '/opt/nfalab/bin/nfalab' study "
                        "'/shared/six/study.pbtxt' --out='/shared/six' "
                        "--shard=auto\n"));
  // The report job: the site options, not the array's CPUs.
  EXPECT_THAT(scripts.report,
              AllOf(HasSubstr("#SBATCH --job-name=nfalab-six-report\n"),
                    HasSubstr("#SBATCH --output=/shared/six/slurm/"
                              "report-%j.out\n"),
                    HasSubstr("#SBATCH --partition=gpu\n"),
                    HasSubstr("#SBATCH --qos=preemptible\n"),
                    Not(HasSubstr("cpus-per-task")),
                    HasSubstr("'/opt/nfalab/bin/nfalab' report "
                              "'/shared/six'\n")));
  options.tasks = 4;
  NFALAB_ASSERT_OK_AND_ASSIGN(
      const SlurmScripts four,
      RenderSlurmScripts(SixRuns(), 6, "/shared/six", options));
  EXPECT_THAT(four.array, HasSubstr("#SBATCH --array=0-3\n"));
}

// The scripts run: bash executes them against a fake nfalab that prints
// its arguments and thread settings, as Slurm would.
TEST(SlurmScriptsTest, ScriptsRunTheirCommandsAndRecordTheReportStatus) {
  const std::string dir = TestDir("run_scripts");
  ASSERT_THAT(MakeDirectories(dir + "/slurm"), IsOk());
  const std::string fake = dir + "/fake_nfalab";
  WriteExecutable(fake,
                  "#!/bin/sh\n"
                  "echo \"args: $*\"\n"
                  "echo \"threads: $OPENBLAS_NUM_THREADS $NFALAB_THREADS\"\n"
                  "exit 3\n");
  SlurmOptions options = Options();
  options.nfalab_binary = fake;
  NFALAB_ASSERT_OK_AND_ASSIGN(const SlurmScripts scripts,
                              RenderSlurmScripts(SixRuns(), 6, dir, options));
  ASSERT_THAT(WriteFileAtomically(dir + "/slurm/array.sbatch", scripts.array),
              IsOk());
  ASSERT_THAT(WriteFileAtomically(dir + "/slurm/report.sbatch", scripts.report),
              IsOk());
  NFALAB_ASSERT_OK_AND_ASSIGN(
      const CommandResult task,
      RunCommand({"env", "SLURM_CPUS_PER_TASK=3", "bash",
                  dir + "/slurm/array.sbatch"}));
  EXPECT_EQ(task.exit_code, 3);
  EXPECT_EQ(task.stdout_text,
            absl::StrCat("args: study ", dir, "/study.pbtxt --out=", dir,
                         " --shard=auto\nthreads: 3 3\n"));
  NFALAB_ASSERT_OK_AND_ASSIGN(const CommandResult report,
                              RunCommand({"env", "SLURM_JOB_ID=77", "bash",
                                          dir + "/slurm/report.sbatch"}));
  EXPECT_EQ(report.exit_code, 3);
  EXPECT_THAT(report.stdout_text, StartsWith("args: report " + dir + "\n"));
  EXPECT_EQ(Read(dir + "/slurm/report-77.status"), "3\n");
}

TEST(SlurmScriptsTest, BadOptionsAreNamed) {
  const auto render = [](int tasks, const std::string& dir,
                         SlurmOptions options) {
    options.tasks = tasks;
    return RenderSlurmScripts(SixRuns(), 6, dir, options).status();
  };
  EXPECT_THAT(render(7, "/d", Options()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("--tasks=7"), HasSubstr("6 runs"))));
  EXPECT_THAT(render(0, "relative", Options()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--out \"relative\" must be an absolute")));
  EXPECT_THAT(
      render(0, "/my study", Options()),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("whitespace")));
  SlurmOptions options = Options();
  options.extra_args = {"account=ml"};
  EXPECT_THAT(render(0, "/d", options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--slurm_arg=\"account=ml\"")));
  options = Options();
  options.cpus_per_task = "two";
  EXPECT_THAT(render(0, "/d", options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--slurm_cpus_per_task=\"two\"")));
  options = Options();
  options.time = "1 day";
  EXPECT_THAT(
      render(0, "/d", options),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--slurm_time")));
}

// Fake sbatch, squeue and scancel in a directory put first on PATH. Each
// logs its arguments to <bin>/calls; sbatch prints job ids 41, 42, ...
// unless <bin>/sbatch_fails_at holds the number of the call that fails.
class FakeSlurmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bin_ =
        TestDir(
            ::testing::UnitTest::GetInstance()->current_test_info()->name()) +
        "_bin";
    ASSERT_THAT(MakeDirectories(bin_), IsOk());
    WriteExecutable(
        bin_ + "/sbatch",
        absl::StrCat(
            "#!/bin/sh\nbin=", bin_,
            "\necho \"sbatch $*\" >> $bin/calls\n"
            "n=$(( $(cat $bin/count 2>/dev/null || echo 0) + 1 ))\n"
            "echo $n > $bin/count\n"
            "if [ \"$(cat $bin/sbatch_fails_at 2>/dev/null)\" = $n ]; then\n"
            "  echo 'sbatch: error: Batch job submission failed: Invalid "
            "partition name specified' >&2; exit 1\nfi\n"
            "echo \"$((40 + n));cluster\"\n"));
    WriteExecutable(
        bin_ + "/scancel",
        absl::StrCat("#!/bin/sh\necho \"scancel $*\" >> ", bin_, "/calls\n"));
    // Ended jobs are not listed.
    WriteExecutable(
        bin_ + "/squeue",
        absl::StrCat("#!/bin/sh\necho \"squeue $*\" >> ", bin_, "/calls\n"));
    old_path_ = std::getenv("PATH");
    setenv("PATH", absl::StrCat(bin_, ":", old_path_).c_str(), 1);
  }
  void TearDown() override { setenv("PATH", old_path_.c_str(), 1); }

  std::vector<std::string> Calls() const {
    const absl::StatusOr<std::string> calls = ReadFile(bin_ + "/calls");
    if (!calls.ok()) return {};
    return absl::StrSplit(*calls, '\n', absl::SkipEmpty());
  }

  std::string bin_;
  std::string old_path_;
};

TEST_F(FakeSlurmTest, SubmitsTheArrayThenTheReportAfterIt) {
  const std::string dir = TestDir("submitted");
  std::ostringstream out;
  NFALAB_ASSERT_OK_AND_ASSIGN(
      const SlurmJobs jobs,
      SubmitStudyToSlurm(SixRuns(), dir, Options(), &out));
  EXPECT_EQ(jobs.array_job_id, "41");
  EXPECT_EQ(jobs.report_job_id, "42");
  EXPECT_THAT(
      Calls(),
      ElementsAre(
          absl::StrCat("sbatch --parsable ", dir, "/slurm/array.sbatch"),
          absl::StrCat("sbatch --parsable --dependency=afterany:41 ", dir,
                       "/slurm/report.sbatch")));
  EXPECT_THAT(
      out.str(),
      AllOf(HasSubstr("submitted array job 41 (6 tasks) and report "
                      "job 42"),
            HasSubstr("squeue -j 41,42\n"), HasSubstr("sacct -j 41,42 "),
            HasSubstr(dir + "/slurm/task-41_*.out")));
  NFALAB_ASSERT_OK_AND_ASSIGN(const SlurmScripts scripts,
                              RenderSlurmScripts(SixRuns(), 6, dir, Options()));
  EXPECT_EQ(Read(dir + "/slurm/array.sbatch"), scripts.array);
  EXPECT_EQ(Read(dir + "/slurm/report.sbatch"), scripts.report);
  NFALAB_ASSERT_OK_AND_ASSIGN(const StudyConfig saved,
                              LoadStudy(dir + "/" + kStudyFile));
  EXPECT_EQ(saved.base_directory(), "/base");

  // --wait: the report job's status decides.
  ASSERT_THAT(WriteFileAtomically(dir + "/slurm/report-42.status", "0\n"),
              IsOk());
  EXPECT_THAT(WaitForSlurmReport(jobs, dir, Options(), &out), IsOk());
  ASSERT_THAT(WriteFileAtomically(dir + "/slurm/report-42.status", "1\n"),
              IsOk());
  ASSERT_THAT(WriteFileAtomically(
                  dir + "/slurm/report-42.out",
                  "error: 1 of 6 runs of study \"six\" have no results\n"),
              IsOk());
  EXPECT_THAT(WaitForSlurmReport(jobs, dir, Options(), &out),
              StatusIs(absl::StatusCode::kAborted,
                       AllOf(HasSubstr("report job 42 failed (exit 1)"),
                             HasSubstr("1 of 6 runs"),
                             HasSubstr("submit the same command again"))));
}

TEST_F(FakeSlurmTest, WaitingForAReportJobThatLeftWithoutAStatus) {
  SlurmJobs jobs;
  jobs.array_job_id = "41";
  jobs.report_job_id = "42";
  const std::string dir = TestDir("no_status");
  ASSERT_THAT(MakeDirectories(dir + "/slurm"), IsOk());
  ASSERT_THAT(WriteFileAtomically(dir + "/slurm/report-42.out",
                                  "slurmstepd: error: *** JOB 42 CANCELLED\n"),
              IsOk());
  EXPECT_THAT(WaitForSlurmReport(jobs, dir, Options(), nullptr),
              StatusIs(absl::StatusCode::kAborted,
                       AllOf(HasSubstr("ended without writing its status"),
                             HasSubstr("JOB 42 CANCELLED"))));
  EXPECT_THAT(Calls(),
              ::testing::Contains("squeue --noheader --format=%T --jobs 42"));
}

TEST_F(FakeSlurmTest, AFailedSbatchIsShownAndLeavesNothing) {
  const std::string dir = TestDir("sbatch_fails");
  ASSERT_THAT(WriteFileAtomically(bin_ + "/sbatch_fails_at", "1\n"), IsOk());
  EXPECT_THAT(SubmitStudyToSlurm(SixRuns(), dir, Options(), nullptr),
              StatusIs(absl::StatusCode::kUnavailable,
                       AllOf(HasSubstr("sbatch --parsable"),
                             HasSubstr("Invalid partition name specified"))));
  EXPECT_FALSE(Exists(dir));
}

TEST_F(FakeSlurmTest, AFailedReportSubmissionCancelsTheArray) {
  const std::string dir = TestDir("report_fails");
  ASSERT_THAT(MakeDirectories(dir), IsOk());  // existed before: stays
  ASSERT_THAT(WriteFileAtomically(bin_ + "/sbatch_fails_at", "2\n"), IsOk());
  EXPECT_THAT(SubmitStudyToSlurm(SixRuns(), dir, Options(), nullptr),
              StatusIs(absl::StatusCode::kUnavailable,
                       AllOf(HasSubstr("Invalid partition name specified"),
                             HasSubstr("array job 41 was cancelled again"))));
  EXPECT_EQ(Calls().back(), "scancel 41");
  EXPECT_TRUE(Exists(dir));
  NFALAB_ASSERT_OK_AND_ASSIGN(const std::vector<std::string> left,
                              ListDirectory(dir));
  EXPECT_THAT(left, ::testing::IsEmpty());
}

TEST_F(FakeSlurmTest, ADirectoryOfAnotherStudyIsRefusedBeforeSubmitting) {
  const std::string dir = TestDir("other_study");
  StudyConfig other = SixRuns();
  other.add_seeds(3);
  ASSERT_THAT(PrepareStudyDirectory(other, dir), IsOk());
  const std::string before = Read(dir + "/" + kStudyFile);
  EXPECT_THAT(SubmitStudyToSlurm(SixRuns(), dir, Options(), nullptr),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("already holds a different study")));
  EXPECT_TRUE(Calls().empty());
  EXPECT_EQ(Read(dir + "/" + kStudyFile), before);
  EXPECT_FALSE(Exists(dir + "/slurm"));
}

std::string WriteStudyFile(const std::string& name) {
  const std::string path = TestDir(name + ".pbtxt");
  NFALAB_CHECK(WriteFileAtomically(path, kStudy).ok());
  return path;
}

TEST(SlurmCliTest, DryRunPrintsBothScriptsAndWritesNothing) {
  const std::string path = WriteStudyFile("dry_run");
  const std::string dir = TestDir("dry_run_out");
  const CliRun run =
      RunNfalab({"study", path, "--out=" + dir, "--launcher=slurm", "--tasks=3",
                 "--slurm_partition=p", "--dry_run"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out,
              AllOf(HasSubstr(dir + "/slurm/array.sbatch (dry run"),
                    HasSubstr("#SBATCH --array=0-2\n"),
                    HasSubstr(dir + "/slurm/report.sbatch"),
                    HasSubstr("#SBATCH --job-name=nfalab-six-report\n"),
                    HasSubstr("#SBATCH --partition=p\n")));
  EXPECT_FALSE(Exists(dir));
}

TEST(SlurmCliTest, SbatchMissingFromPathIsOneErrorLine) {
  const std::string path = WriteStudyFile("no_sbatch");
  const std::string dir = TestDir("no_sbatch_out");
  const std::string empty_bin = TestDir("empty_bin");
  ASSERT_THAT(MakeDirectories(empty_bin), IsOk());
  const std::string old_path = std::getenv("PATH");
  setenv("PATH", empty_bin.c_str(), 1);
  const CliRun run =
      RunNfalab({"study", path, "--out=" + dir, "--launcher=slurm"});
  setenv("PATH", old_path.c_str(), 1);
  ExpectOneErrorLine(run, "sbatch is not on PATH");
  EXPECT_THAT(run.err, AllOf(HasSubstr("--dry_run"), HasSubstr("--shard")));
  EXPECT_FALSE(Exists(dir));
}

TEST(SlurmCliTest, FlagMistakesAreOneErrorLine) {
  const std::string path = WriteStudyFile("flags");
  const std::string out = "--out=" + TestDir("flags_out");
  ExpectOneErrorLine(RunNfalab({"study", path, out, "--launcher=pbs"}),
                     "unknown --launcher=pbs");
  ExpectOneErrorLine(RunNfalab({"study", path, out, "--wait"}),
                     "--wait goes with --launcher=slurm");
  ExpectOneErrorLine(RunNfalab({"study", path, out, "--tasks=2"}),
                     "--tasks goes with --launcher=slurm");
  ExpectOneErrorLine(RunNfalab({"study", path, out, "--slurm_partition=p"}),
                     "--slurm_partition goes with --launcher=slurm");
  ExpectOneErrorLine(
      RunNfalab({"study", path, out, "--launcher=slurm", "--shard=1/2"}),
      "--shard does not go with --launcher=slurm");
  ExpectOneErrorLine(RunNfalab({"study", path, "--launcher=slurm"}),
                     "needs --out=DIR");
  ExpectOneErrorLine(
      RunNfalab({"study", path, out, "--launcher=slurm", "--tasks=0"}),
      "--tasks=0 must be a positive integer");
  ExpectOneErrorLine(RunNfalab({"study", path, out, "--launcher=slurm",
                                "--tasks=7", "--dry_run"}),
                     "--tasks=7");
  ExpectOneErrorLine(RunNfalab({"study", path, out, "--num_shards=2"}),
                     "--num_shards goes with --shard=auto");
  ExpectOneErrorLine(RunNfalab({"study", path, out, "--shard=auto"}),
                     "--shard=auto needs a task index");
  EXPECT_FALSE(Exists(TestDir("flags_out")));
}

}  // namespace
}  // namespace nfalab
