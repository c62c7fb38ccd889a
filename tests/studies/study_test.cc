// Studies: expansion of the grid, shards, running, collecting the results
// back (whole or from shards) and the `study` / `report` commands.
#include "studies/study.h"

#include <sys/stat.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/check.h"
#include "core/file_io.h"
#include "experiment/config_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "studies/study_report.h"
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

// 2 points x 2 seeds of a tiny synthetic task (2 epochs): 4 fast runs.
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
    optimizer { learning_rate: 0.1 }
    training { epochs: 2 batch_size: 16 }
  }
  sweeps {
    name: "lr"
    points { label: "small" set: "optimizer.learning_rate=0.05" }
    points { label: "large" set: "optimizer.learning_rate=0.2" }
  }
  seeds: [ 3, 4 ]
)pb";

std::string TestDir(const std::string& name) {
  return ::testing::TempDir() + "/study_test_" + name;
}

std::vector<std::string> Names(const std::vector<StudyRun>& runs) {
  std::vector<std::string> names;
  for (const StudyRun& run : runs) names.push_back(run.name);
  return names;
}

TEST(StudyTest, ExpansionIsTheSweepsCartesianProductThenSeeds) {
  StudyConfig study = Study(R"pb(
    name: "grid"
    base { model { depth: 2 } }
    sweeps {
      name: "width"
      points { label: "w8" set: "model.width=8" }
      points { label: "w16" set: "model.width=16" }
    }
    sweeps {
      name: "opt"
      points { label: "a" set: "optimizer.learning_rate=0.5" }
      points {
        label: "b.1"
        set: "optimizer.learning_rate=0.25"
        set: "training.batch_size=7"
      }
      points { label: "c-2" }
    }
    seeds: [ 9, 1 ]
  )pb");
  NFALAB_ASSERT_OK_AND_ASSIGN(const std::vector<StudyRun> runs,
                              ExpandStudy(study));
  EXPECT_THAT(
      Names(runs),
      ElementsAre("width=w8__opt=a__seed9", "width=w8__opt=a__seed1",
                  "width=w8__opt=b.1__seed9", "width=w8__opt=b.1__seed1",
                  "width=w8__opt=c-2__seed9", "width=w8__opt=c-2__seed1",
                  "width=w16__opt=a__seed9", "width=w16__opt=a__seed1",
                  "width=w16__opt=b.1__seed9", "width=w16__opt=b.1__seed1",
                  "width=w16__opt=c-2__seed9", "width=w16__opt=c-2__seed1"));
  const ExperimentConfig default_config;
  for (size_t i = 0; i < runs.size(); ++i) {
    const StudyRun& run = runs[i];
    SCOPED_TRACE(run.name);
    const int w = i / 6, o = (i / 2) % 3;
    const std::vector<std::string> labels = {"a", "b.1", "c-2"};
    const std::vector<double> rates = {
        0.5, 0.25, default_config.optimizer().learning_rate()};
    EXPECT_EQ(run.seed, i % 2 == 0 ? 9u : 1u);
    EXPECT_EQ(run.config.seed(), run.seed);
    EXPECT_EQ(run.config.name(), run.name);
    EXPECT_THAT(run.point_labels,
                ElementsAre(w == 0 ? "w8" : "w16", labels[o]));
    EXPECT_EQ(run.config.model().width(), w == 0 ? 8 : 16);
    EXPECT_EQ(run.config.model().depth(), 2);  // from the base
    EXPECT_EQ(run.config.optimizer().learning_rate(), rates[o]);
    EXPECT_EQ(run.config.training().batch_size(),
              o == 1 ? 7 : default_config.training().batch_size());
  }
  // Deterministic.
  NFALAB_ASSERT_OK_AND_ASSIGN(const std::vector<StudyRun> again,
                              ExpandStudy(study));
  EXPECT_EQ(Names(again), Names(runs));
}

TEST(StudyTest, WithoutSweepsOrSeedsTheBaseSeedRunsOnce) {
  NFALAB_ASSERT_OK_AND_ASSIGN(const std::vector<StudyRun> runs,
                              ExpandStudy(Study(R"pb(name: "single"
                                                     base { seed: 7 })pb")));
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].name, "seed7");
  EXPECT_EQ(runs[0].seed, 7u);
  EXPECT_TRUE(runs[0].point_labels.empty());

  NFALAB_ASSERT_OK_AND_ASSIGN(const std::vector<StudyRun> seeded,
                              ExpandStudy(Study(R"pb(name: "seeds"
                                                     seeds: [ 2, 0 ])pb")));
  EXPECT_THAT(Names(seeded), ElementsAre("seed2", "seed0"));
}

TEST(StudyTest, ExportDirsAreSeparatedPerRun) {
  NFALAB_ASSERT_OK_AND_ASSIGN(const std::vector<StudyRun> runs,
                              ExpandStudy(Study(R"pb(name: "e"
                                                     base { export_dir: "/x" }
                                                     seeds: [ 1, 2 ])pb")));
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].config.export_dir(), "/x/seed1");
  EXPECT_EQ(runs[1].config.export_dir(), "/x/seed2");
}

TEST(StudyTest, ParseShardAcceptsOneBasedIndexUpToCount) {
  for (const auto& [spec, index, count] :
       std::vector<std::tuple<std::string, int, int>>{
           {"1/1", 1, 1}, {"1/3", 1, 3}, {"3/3", 3, 3}, {"12/40", 12, 40}}) {
    NFALAB_ASSERT_OK_AND_ASSIGN(const Shard shard, ParseShard(spec));
    EXPECT_EQ(shard.index, index) << spec;
    EXPECT_EQ(shard.count, count) << spec;
  }
}

TEST(StudyTest, ParseShardRejectsBadSpecsQuotingThem) {
  for (const std::string spec :
       {"4/3", "0/3", "x/2", "1/0", "1/", "/2", "1/2/3", "", "2", "-1/2",
        "+1/2", " 1/2", "1/2 ", "1.0/2", "0/0", "99999999999/99999999999"}) {
    EXPECT_THAT(ParseShard(spec),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr(absl::StrCat("\"", spec, "\""))))
        << spec;
  }
}

TEST(StudyTest, ShardsAreDisjointAndCoverEveryRun) {
  for (int count = 1; count <= 5; ++count) {
    for (size_t runs = 0; runs <= 13; ++runs) {
      std::vector<int> owners(runs, 0);
      for (int index = 1; index <= count; ++index) {
        NFALAB_ASSERT_OK_AND_ASSIGN(
            const Shard shard, ParseShard(absl::StrCat(index, "/", count)));
        for (size_t r = 0; r < runs; ++r) owners[r] += shard.Contains(r);
      }
      for (size_t r = 0; r < runs; ++r) {
        EXPECT_EQ(owners[r], 1)
            << "run " << r << " of " << runs << ", N " << count;
      }
    }
  }
  // Round-robin: shard i of N gets positions i-1, i-1+N, ...
  const Shard second{2, 3};
  std::vector<size_t> mine;
  for (size_t r = 0; r < 8; ++r) {
    if (second.Contains(r)) mine.push_back(r);
  }
  EXPECT_THAT(mine, ElementsAre(1u, 4u, 7u));
}

TEST(StudyTest, InvalidStudiesAreRejectedWithTheirPlace) {
  struct Case {
    const char* text;
    const char* fragment;
  };
  for (const Case& c : std::vector<Case>{
           {R"pb(name: "BadName")pb", "study name \"BadName\""},
           {R"pb(name: "s"
                 sweeps { name: "opt" })pb",
            "sweep \"opt\" has no points"},
           {R"pb(name: "s"
                 sweeps {
                   name: ""
                   points { label: "a" }
                 })pb",
            "sweep name \"\""},
           {R"pb(name: "s"
                 sweeps {
                   name: "a"
                   points { label: "x" }
                 }
                 sweeps {
                   name: "a"
                   points { label: "y" }
                 })pb",
            "two sweeps are named \"a\""},
           {R"pb(name: "s"
                 sweeps {
                   name: "opt"
                   points { label: "Big" }
                 })pb",
            "point label \"Big\""},
           {R"pb(name: "s"
                 sweeps {
                   name: "opt"
                   points { label: "a/b" }
                 })pb",
            "point label \"a/b\""},
           {R"pb(name: "s"
                 sweeps {
                   name: "opt"
                   points { label: "" }
                 })pb",
            "point label \"\""},
           {R"pb(name: "s"
                 sweeps {
                   name: "opt"
                   points { label: "a" }
                   points { label: "a" }
                 })pb",
            "two points are labelled \"a\""},
           {R"pb(name: "s"
                 seeds: [ 1, 2, 1 ])pb",
            "seed 1 is listed twice"},
           {R"pb(name: "s"
                 sweeps {
                   name: "width"
                   points { label: "zero" set: "model.width=0" }
                 })pb",
            "sweep \"width\", point \"zero\": model.width must be >= 1"},
           {R"pb(name: "s"
                 sweeps {
                   name: "width"
                   points { label: "bad" set: "model.width=wide" }
                 })pb",
            "sweep \"width\", point \"bad\": bad value \"wide\""},
           {R"pb(name: "s"
                 base { training { epochs: 0 } })pb",
            "run \"seed0\": training.epochs must be >= 1"},
       }) {
    EXPECT_THAT(
        ValidateStudy(Study(c.text)),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.fragment)))
        << c.text;
  }
}

TEST(StudyTest, UnknownSweptFieldIsRejectedBeforeAnyRun) {
  StudyConfig study = Study(kTinyStudy);
  StudyConfig::Point* point = study.mutable_sweeps(0)->add_points();
  point->set_label("slo_l1");
  point->add_set("optimizer.slo.targt_layers=1");
  const auto expected = StatusIs(
      absl::StatusCode::kInvalidArgument,
      AllOf(HasSubstr("sweep \"lr\", point \"slo_l1\""),
            HasSubstr("unknown config field \"optimizer.slo.targt_layers\"")));
  EXPECT_THAT(ValidateStudy(study), expected);
  EXPECT_THAT(ExpandStudy(study), expected);
  const std::string dir = TestDir("unknown_field");
  EXPECT_THAT(RunStudy(study, dir, Shard{}, nullptr), expected);
  EXPECT_FALSE(Exists(dir));
}

TEST(StudyTest, LoadStudyNamesFileLineAndColumn) {
  const std::string path = TestDir("bad_syntax.pbtxt");
  ASSERT_THAT(WriteFileAtomically(path, "name: \"x\"\nsweeps { nme: \"a\" }\n"),
              IsOk());
  // The text-format parser reports the token after the unknown name.
  EXPECT_THAT(LoadStudy(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path + ":2:13:"), HasSubstr("nme"))));
  EXPECT_THAT(LoadStudy(TestDir("no_such.pbtxt")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no_such")));
}

void ExpectSameResults(const StudyResults& a, const StudyResults& b) {
  EXPECT_EQ(StudyToText(a.study), StudyToText(b.study));
  ASSERT_EQ(a.runs.size(), b.runs.size());
  for (size_t i = 0; i < a.runs.size(); ++i) {
    SCOPED_TRACE(a.runs[i].name);
    EXPECT_EQ(a.runs[i].name, b.runs[i].name);
    EXPECT_EQ(a.runs[i].point_labels, b.runs[i].point_labels);
    EXPECT_EQ(a.runs[i].seed, b.runs[i].seed);
    EXPECT_EQ(ConfigToText(a.runs[i].config), ConfigToText(b.runs[i].config));
    // The CSV text compares every value bit for bit (9 digits round-trip
    // the stored floats), NaNs included.
    EXPECT_EQ(a.runs[i].table.ToCsv(), b.runs[i].table.ToCsv());
  }
}

// Runs the tiny study whole into "<name>_whole" and as 3 shards into
// "<name>_shard{1,2,3}" (once per test binary).
class ShardedStudyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const StudyConfig study = Study(kTinyStudy);
    std::ostringstream log;
    whole_outcomes_ = new absl::StatusOr<std::vector<StudyRunOutcome>>(
        RunStudy(study, Whole(), Shard{1, 1}, &log));
    whole_log_ = new std::string(log.str());
    for (int i = 1; i <= 3; ++i) {
      absl::StatusOr<std::vector<StudyRunOutcome>> outcomes =
          RunStudy(study, ShardDir(i), Shard{i, 3}, nullptr);
      NFALAB_CHECK(outcomes.ok()) << outcomes.status();
      shard_sizes_[i - 1] = outcomes->size();
    }
  }
  static void TearDownTestSuite() {
    delete whole_outcomes_;
    delete whole_log_;
  }

  static std::string Whole() { return TestDir("sharded_whole"); }
  static std::string ShardDir(int i) {
    return TestDir(absl::StrCat("sharded_shard", i));
  }

  static absl::StatusOr<std::vector<StudyRunOutcome>>* whole_outcomes_;
  static std::string* whole_log_;
  static size_t shard_sizes_[3];
};

absl::StatusOr<std::vector<StudyRunOutcome>>*
    ShardedStudyTest::whole_outcomes_ = nullptr;
std::string* ShardedStudyTest::whole_log_ = nullptr;
size_t ShardedStudyTest::shard_sizes_[3] = {0, 0, 0};

TEST_F(ShardedStudyTest, WholeRunWritesEveryRunAndOneLineEach) {
  ASSERT_THAT(*whole_outcomes_, IsOk());
  ASSERT_EQ((*whole_outcomes_)->size(), 4u);
  for (const StudyRunOutcome& outcome : **whole_outcomes_) {
    SCOPED_TRACE(outcome.name);
    EXPECT_THAT(outcome.status, IsOk());
    EXPECT_GT(outcome.final_train_loss, 0);
    EXPECT_THAT(*whole_log_,
                HasSubstr(absl::StrCat(outcome.name, ": train_loss")));
    EXPECT_TRUE(
        Exists(absl::StrCat(Whole(), "/runs/", outcome.name, "/metrics.csv")));
    EXPECT_FALSE(
        Exists(absl::StrCat(Whole(), "/runs/", outcome.name, "/error.txt")));
  }
  EXPECT_TRUE(Exists(Whole() + "/study.pbtxt"));
  EXPECT_TRUE(Exists(Whole() + "/report.md"));
  NFALAB_ASSERT_OK_AND_ASSIGN(const StudyConfig saved,
                              LoadStudy(Whole() + "/study.pbtxt"));
  EXPECT_EQ(StudyToText(saved), StudyToText(Study(kTinyStudy)));
  // Different seeds and learning rates give different runs.
  NFALAB_ASSERT_OK_AND_ASSIGN(const StudyResults results,
                              CollectStudyResults({Whole()}));
  std::set<std::string> tables;
  for (const RunRecord& run : results.runs) tables.insert(run.table.ToCsv());
  EXPECT_EQ(tables.size(), 4u);
}

TEST_F(ShardedStudyTest, ShardsSplitTheRunsRoundRobin) {
  EXPECT_EQ(shard_sizes_[0], 2u);  // positions 0 and 3
  EXPECT_EQ(shard_sizes_[1], 1u);
  EXPECT_EQ(shard_sizes_[2], 1u);
  EXPECT_TRUE(Exists(ShardDir(1) + "/runs/lr=small__seed3/metrics.csv"));
  EXPECT_TRUE(Exists(ShardDir(1) + "/runs/lr=large__seed4/metrics.csv"));
  EXPECT_TRUE(Exists(ShardDir(2) + "/runs/lr=small__seed4/metrics.csv"));
  EXPECT_TRUE(Exists(ShardDir(3) + "/runs/lr=large__seed3/metrics.csv"));
  EXPECT_FALSE(Exists(ShardDir(2) + "/runs/lr=small__seed3"));
  // Only the whole study writes a report.
  for (int i = 1; i <= 3; ++i) EXPECT_FALSE(Exists(ShardDir(i) + "/report.md"));
}

TEST_F(ShardedStudyTest, ShardsCollectToTheSameResultsAndReportAsWhole) {
  NFALAB_ASSERT_OK_AND_ASSIGN(const StudyResults whole,
                              CollectStudyResults({Whole()}));
  NFALAB_ASSERT_OK_AND_ASSIGN(
      const StudyResults sharded,
      CollectStudyResults({ShardDir(3), ShardDir(1), ShardDir(2)}));
  ASSERT_EQ(whole.runs.size(), 4u);
  EXPECT_EQ(whole.runs[0].name, "lr=large__seed3");  // sorted by name
  EXPECT_THAT(whole.runs[0].point_labels, ElementsAre("large"));
  EXPECT_EQ(whole.runs[0].seed, 3u);
  EXPECT_EQ(whole.runs[0].config.optimizer().learning_rate(), 0.2);
  EXPECT_GT(whole.runs[0].table.rows().size(), 10u);
  ExpectSameResults(whole, sharded);

  const std::string merged = TestDir("sharded_merged");
  ASSERT_THAT(WriteStudyReport(sharded, merged), IsOk());
  NFALAB_ASSERT_OK_AND_ASSIGN(const std::string whole_report,
                              ReadFile(Whole() + "/report.md"));
  NFALAB_ASSERT_OK_AND_ASSIGN(const std::string merged_report,
                              ReadFile(merged + "/report.md"));
  EXPECT_FALSE(whole_report.empty());
  EXPECT_EQ(whole_report, merged_report);
}

TEST_F(ShardedStudyTest, MissingRunIsNamed) {
  EXPECT_THAT(
      CollectStudyResults({ShardDir(1), ShardDir(3)}),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("1 of 4 runs"), HasSubstr("lr=small__seed4"),
                     Not(HasSubstr("lr=large__seed3")))));
  EXPECT_THAT(
      CollectStudyResults({ShardDir(2)}),
      StatusIs(
          absl::StatusCode::kInvalidArgument,
          AllOf(HasSubstr("3 of 4 runs"), HasSubstr("lr=small__seed3"),
                HasSubstr("lr=large__seed3"), HasSubstr("lr=large__seed4"))));
}

TEST_F(ShardedStudyTest, DuplicatedRunIsNamedWithBothDirs) {
  EXPECT_THAT(CollectStudyResults({Whole(), ShardDir(2)}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("lr=small__seed4"), HasSubstr(Whole()),
                             HasSubstr(ShardDir(2)))));
}

TEST_F(ShardedStudyTest, DifferentStudiesAreNotMerged) {
  StudyConfig other = Study(kTinyStudy);
  other.add_seeds(5);
  const std::string other_dir = TestDir("sharded_other");
  ASSERT_THAT(MakeDirectories(other_dir), IsOk());
  ASSERT_THAT(
      WriteFileAtomically(other_dir + "/study.pbtxt", StudyToText(other)),
      IsOk());
  EXPECT_THAT(CollectStudyResults({ShardDir(1), other_dir}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(ShardDir(1)), HasSubstr(other_dir),
                             HasSubstr("different studies"))));
  // Nor run into a directory that holds another study.
  EXPECT_THAT(RunStudy(other, ShardDir(1), Shard{1, 3}, nullptr),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("different study")));
}

TEST(StudyRunTest, FailedRunIsRecordedAndTheStudyGoesOn) {
  StudyConfig study = Study(kTinyStudy);
  study.clear_seeds();
  study.mutable_sweeps(0)->mutable_points(1)->set_set(
      0, "optimizer.learning_rate=1e30");
  const std::string dir = TestDir("diverging");
  std::ostringstream log;
  absl::StatusOr<std::vector<StudyRunOutcome>> outcomes =
      RunStudy(study, dir, Shard{1, 2}, &log);
  ASSERT_THAT(outcomes, IsOk());
  ASSERT_EQ(outcomes->size(), 1u);  // lr=small__seed0 only
  EXPECT_THAT((*outcomes)[0].status, IsOk());
  outcomes = RunStudy(study, dir, Shard{2, 2}, &log);
  ASSERT_THAT(outcomes, IsOk());
  ASSERT_EQ(outcomes->size(), 1u);
  EXPECT_EQ((*outcomes)[0].name, "lr=large__seed0");
  EXPECT_THAT((*outcomes)[0].status,
              StatusIs(absl::StatusCode::kAborted, HasSubstr("epoch")));
  NFALAB_ASSERT_OK_AND_ASSIGN(
      const std::string error,
      ReadFile(dir + "/runs/lr=large__seed0/error.txt"));
  EXPECT_THAT(error, HasSubstr("epoch"));
  EXPECT_THAT(log.str(), HasSubstr("lr=large__seed0: FAILED"));
  // The partial table of the diverged run is still collected.
  NFALAB_ASSERT_OK_AND_ASSIGN(const StudyResults results,
                              CollectStudyResults({dir}));
  EXPECT_EQ(results.runs.size(), 2u);
}

// Rerunning a study reruns every run in its own directory (and forgets the
// error of an earlier failed attempt).
TEST(StudyRunTest, RerunningAStudyReplacesItsRuns) {
  StudyConfig study = Study(kTinyStudy);
  study.clear_seeds();
  const std::string dir = TestDir("rerun");
  ASSERT_THAT(RunStudy(study, dir, Shard{1, 1}, nullptr), IsOk());
  const std::string run_dir = dir + "/runs/lr=small__seed0";
  NFALAB_ASSERT_OK_AND_ASSIGN(const std::string metrics,
                              ReadFile(run_dir + "/metrics.csv"));
  // What an attempt that failed before training leaves: only error.txt.
  NFALAB_ASSERT_OK_AND_ASSIGN(const std::vector<std::string> names,
                              ListDirectory(run_dir));
  for (const std::string& name : names) {
    ASSERT_EQ(std::remove((run_dir + "/" + name).c_str()), 0);
  }
  ASSERT_THAT(WriteFileAtomically(run_dir + "/error.txt", "failed\n"), IsOk());

  absl::StatusOr<std::vector<StudyRunOutcome>> outcomes =
      RunStudy(study, dir, Shard{1, 1}, nullptr);
  ASSERT_THAT(outcomes, IsOk());
  for (const StudyRunOutcome& outcome : *outcomes) {
    EXPECT_THAT(outcome.status, IsOk()) << outcome.name;
  }
  EXPECT_EQ(ReadFile(run_dir + "/metrics.csv").value_or(""), metrics);
  EXPECT_FALSE(Exists(run_dir + "/error.txt"));
}

std::string WriteTinyStudyFile(const std::string& name) {
  const std::string path = TestDir(name + ".pbtxt");
  NFALAB_CHECK(WriteFileAtomically(path, kTinyStudy).ok());
  return path;
}

TEST(StudyCliTest, HelpDocumentsStudyAndReport) {
  const CliRun run = RunNfalab({"--help"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_THAT(run.out, HasSubstr("nfalab study STUDY.pbtxt"));
  EXPECT_THAT(run.out, HasSubstr("--shard=i/N"));
  EXPECT_THAT(run.out, HasSubstr("nfalab report [--out=DIR] DIR..."));
  EXPECT_EQ(RunNfalab({"study", "--help"}).exit_code, 0);
  EXPECT_EQ(RunNfalab({"report", "--help"}).exit_code, 0);
}

TEST(StudyCliTest, BadShardIsOneErrorLine) {
  const std::string path = WriteTinyStudyFile("cli_bad_shard");
  const std::string out = TestDir("cli_bad_shard_out");
  for (const std::string shard : {"4/3", "0/3", "x/2", "1/2/3"}) {
    ExpectOneErrorLine(
        RunNfalab({"study", path, "--out=" + out, "--shard=" + shard}),
        absl::StrCat("\"", shard, "\""));
  }
  EXPECT_FALSE(Exists(out));
}

TEST(StudyCliTest, UsageMistakesAreOneErrorLine) {
  const std::string path = WriteTinyStudyFile("cli_usage");
  ExpectOneErrorLine(RunNfalab({"study"}), "exactly one STUDY.pbtxt");
  ExpectOneErrorLine(RunNfalab({"study", path, path}),
                     "exactly one STUDY.pbtxt");
  ExpectOneErrorLine(RunNfalab({"study", path, "--shrad=1/2"}),
                     "unknown flag \"--shrad=1/2\"");
  ExpectOneErrorLine(RunNfalab({"study", "/no/such/study.pbtxt"}),
                     "/no/such/study.pbtxt");
  ExpectOneErrorLine(RunNfalab({"report"}), "at least one study directory");
  ExpectOneErrorLine(RunNfalab({"report", "--shard=1/2", "x"}), "unknown flag");
  ExpectOneErrorLine(RunNfalab({"report", TestDir("no_such_dir")}),
                     "no_such_dir");
}

TEST(StudyCliTest, FailedRunsGiveOneErrorLineAfterTheReport) {
  StudyConfig study = Study(kTinyStudy);
  study.mutable_sweeps(0)->mutable_points(1)->set_set(
      0, "optimizer.learning_rate=1e30");
  const std::string path = TestDir("cli_diverging.pbtxt");
  ASSERT_THAT(WriteFileAtomically(path, StudyToText(study)), IsOk());
  const std::string out = TestDir("cli_diverging");
  const CliRun run = RunNfalab({"study", path, "--out=" + out});
  ExpectOneErrorLine(run,
                     "2 of 4 runs failed: lr=large__seed3, lr=large__seed4");
  EXPECT_THAT(run.out, HasSubstr("lr=small__seed4: train_loss"));
  EXPECT_THAT(run.out, HasSubstr("lr=large__seed4: FAILED: "));
  EXPECT_TRUE(Exists(out + "/runs/lr=large__seed3/error.txt"));
  EXPECT_TRUE(Exists(out + "/report.md"));
}

TEST(StudyCliTest, ShardedStudyThenReportMergesShards) {
  const std::string path = WriteTinyStudyFile("cli_study");
  const std::string a = TestDir("cli_a"), b = TestDir("cli_b");
  const std::string merged = TestDir("cli_merged");
  const CliRun first = RunNfalab({"study", path, "--out=" + a, "--shard=1/2"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("lr=small__seed3: train_loss"));
  const CliRun second = RunNfalab({"study", path, "--out", b, "--shard=2/2"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  ExpectOneErrorLine(RunNfalab({"report", a}), "lr=small__seed4");
  const CliRun report = RunNfalab({"report", "--out=" + merged, a, b});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_THAT(report.out, HasSubstr(merged + "/report.md"));
  EXPECT_TRUE(Exists(merged + "/report.md"));
  EXPECT_FALSE(Exists(a + "/report.md"));
}

}  // namespace
}  // namespace nfalab
