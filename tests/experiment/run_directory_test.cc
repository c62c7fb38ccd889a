// The one-run-per-directory rule: what a fresh run accepts, what
// `overwrite` empties (and what it never touches), and the resume check.
#include "experiment/run_directory.h"

#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/check.h"
#include "core/file_io.h"
#include "experiment/config_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace nfalab {
namespace {

using ::nfalab::testing::IsOk;
using ::nfalab::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::IsEmpty;

class RunDirectoryTest : public ::nfalab::testing::TempDirTest {
 protected:
  RunDirectoryTest() : TempDirTest("run_directory_test") {}

  void SetUp() override {
    TempDirTest::SetUp();
    run_ = Path("run");
    ASSERT_EQ(mkdir(run_.c_str(), 0755), 0);
  }

  void Write(const std::string& name, const std::string& contents = "x") {
    ASSERT_THAT(WriteFileAtomically(absl::StrCat(run_, "/", name), contents),
                IsOk());
  }
  void MakeDir(const std::string& name) {
    ASSERT_THAT(MakeDirectories(absl::StrCat(run_, "/", name)), IsOk());
  }
  std::vector<std::string> Contents() const {
    absl::StatusOr<std::vector<std::string>> names = ListDirectory(run_);
    NFALAB_CHECK(names.ok()) << names.status();
    return *names;
  }

  std::string run_;
};

TEST_F(RunDirectoryTest, MissingAndEmptyDirectoriesAreFine) {
  EXPECT_THAT(CheckFreshRunDirectory(Path("missing"), false), IsOk());
  EXPECT_THAT(CheckFreshRunDirectory(run_, false), IsOk());
  EXPECT_THAT(CheckFreshRunDirectory(run_, true), IsOk());
  EXPECT_THAT(EmptyRunDirectory(Path("missing")), IsOk());
}

TEST_F(RunDirectoryTest, TemporaryFilesOfACrashedWriteDoNotCount) {
  Write("config.pbtxt.tmp.999999.0");
  EXPECT_THAT(CheckFreshRunDirectory(run_, false), IsOk());
}

TEST_F(RunDirectoryTest, ARunIsRefusedWithoutOverwrite) {
  Write("config.pbtxt");
  Write("metrics.csv");
  Write("nfc.svg");
  Write("summary.json");
  Write("checkpoint.pb");
  EXPECT_THAT(
      CheckFreshRunDirectory(run_, false),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               Eq(absl::StrCat(run_,
                               " already holds a run (checkpoint.pb, "
                               "config.pbtxt, metrics.csv, nfc.svg, ...); pass "
                               "--overwrite to replace it, or --resume=",
                               run_, " to continue it"))));
  EXPECT_THAT(CheckFreshRunDirectory(run_, true), IsOk());
  EXPECT_EQ(Contents().size(), 5u);  // Checking changes nothing.
}

TEST_F(RunDirectoryTest, ResumeIsSuggestedOnlyWithACheckpoint) {
  Write("metrics.csv");
  EXPECT_THAT(CheckFreshRunDirectory(run_, false),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       Eq(absl::StrCat(run_,
                                       " already holds a run (metrics.csv); "
                                       "pass --overwrite to replace it"))));
}

TEST_F(RunDirectoryTest, OtherFilesAreRefusedAndNeverEmptied) {
  Write("notes.txt", "mine");
  EXPECT_THAT(CheckFreshRunDirectory(run_, false),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       Eq(absl::StrCat(run_,
                                       " is not empty (notes.txt) and does "
                                       "not look like an nfalab run "
                                       "directory; choose a new or empty "
                                       "directory for --out"))));
  const std::string refusal = absl::StrCat(
      run_,
      " does not look like an nfalab run directory (it has none of "
      "config.pbtxt, metrics.csv, checkpoint.pb, summary.json); refusing to "
      "empty it");
  EXPECT_THAT(CheckFreshRunDirectory(run_, true),
              StatusIs(absl::StatusCode::kFailedPrecondition, Eq(refusal)));
  EXPECT_THAT(EmptyRunDirectory(run_),
              StatusIs(absl::StatusCode::kFailedPrecondition, Eq(refusal)));
  EXPECT_THAT(Contents(), ElementsAre("notes.txt"));
}

// A home directory may hold a metrics.csv, but also directories that are
// not exports: it is never emptied.
TEST_F(RunDirectoryTest, AHomeDirectoryIsNeverEmptied) {
  Write("metrics.csv");
  Write(".bashrc");
  MakeDir(".cache/pip");
  Write(".cache/pip/selfcheck.json");
  EXPECT_THAT(
      EmptyRunDirectory(run_),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               Eq(absl::StrCat(run_,
                               " does not look like an nfalab run directory "
                               "(it holds .cache, which is neither a regular "
                               "file nor an .npy export); refusing to empty "
                               "it"))));
  EXPECT_THAT(Contents(), ElementsAre(".bashrc", ".cache", "metrics.csv"));
}

TEST_F(RunDirectoryTest, SymlinksAreNeverFollowedOrEmptied) {
  Write("config.pbtxt");
  const std::string elsewhere = Path("elsewhere");
  ASSERT_EQ(mkdir(elsewhere.c_str(), 0755), 0);
  ASSERT_THAT(WriteFileAtomically(elsewhere + "/W1.npy", "x"), IsOk());
  ASSERT_EQ(symlink(elsewhere.c_str(), (run_ + "/npy").c_str()), 0);
  EXPECT_THAT(EmptyRunDirectory(run_),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       ::testing::HasSubstr("it holds npy, which")));
  NFALAB_ASSERT_OK_AND_ASSIGN(const std::vector<std::string> kept,
                              ListDirectory(elsewhere));
  EXPECT_THAT(kept, ElementsAre("W1.npy"));
}

TEST_F(RunDirectoryTest, OverwriteEmptiesARunWithItsNpyExport) {
  Write("config.pbtxt");
  Write("metrics.csv");
  Write("checkpoint.pb.tmp.999999.3");
  MakeDir("npy/epoch_0");
  Write("npy/W1.npy");
  Write("npy/epoch_0/K1.npy");
  ASSERT_THAT(EmptyRunDirectory(run_), IsOk());
  EXPECT_THAT(Contents(), IsEmpty());
}

TEST_F(RunDirectoryTest, AnEmptyDirectoryIsNotAnExport) {
  Write("config.pbtxt");
  MakeDir("src");
  EXPECT_THAT(EmptyRunDirectory(run_),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       ::testing::HasSubstr("it holds src, which")));
  EXPECT_THAT(Contents(), ElementsAre("config.pbtxt", "src"));
}

TEST_F(RunDirectoryTest, ADirectoryInsideAnExportDisqualifiesIt) {
  Write("config.pbtxt");
  MakeDir("npy/src");
  Write("npy/W1.npy");
  Write("npy/src/main.cc");
  EXPECT_THAT(CheckFreshRunDirectory(run_, true),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       ::testing::HasSubstr("it holds npy, which")));
}

ExperimentConfig Config(const std::string& text) {
  absl::StatusOr<ExperimentConfig> config = ParseConfig(text, "test");
  NFALAB_CHECK(config.ok()) << config.status();
  return *config;
}

TEST_F(RunDirectoryTest, ResumeAcceptsTheCheckpointsConfigOrTheNewOne) {
  const ExperimentConfig saved = Config("seed: 1 training { epochs: 3 }");
  const ExperimentConfig extended = Config("seed: 1 training { epochs: 9 }");
  EXPECT_THAT(CheckResumeDirectory(run_, saved, extended), IsOk());
  Write("config.pbtxt", ConfigToText(saved));
  EXPECT_THAT(CheckResumeDirectory(run_, saved, extended), IsOk());
  // A resume with more epochs rewrote config.pbtxt, then stopped before its
  // first checkpoint; resuming it again with those epochs is fine.
  Write("config.pbtxt", ConfigToText(extended));
  EXPECT_THAT(CheckResumeDirectory(run_, saved, extended), IsOk());
}

TEST_F(RunDirectoryTest, ResumeRefusesAConfigOfAnotherRunNamingTheFields) {
  const ExperimentConfig saved =
      Config("seed: 1 model { width: 8 } training { epochs: 3 }");
  Write("config.pbtxt", ConfigToText(Config("seed: 2 model { width: 8 } "
                                            "training { epochs: 1 }")));
  EXPECT_THAT(
      CheckResumeDirectory(run_, saved, saved),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               Eq(absl::StrCat(run_, "/config.pbtxt and ", run_,
                               "/checkpoint.pb describe different runs (they "
                               "differ in seed, training.epochs); remove ",
                               run_,
                               "/config.pbtxt to resume the checkpoint's run, "
                               "or start afresh with --out=",
                               run_, " --overwrite"))));
}

}  // namespace
}  // namespace nfalab
