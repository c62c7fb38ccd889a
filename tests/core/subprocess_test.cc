#include "core/subprocess.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace nfalab {
namespace {

using ::nfalab::testing::StatusIs;
using ::testing::AllOf;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr size_t kMiB = 1 << 20;

// Tests change PATH and the working directory; both are restored after each
// test so the others see the environment Bazel gave them.
class SubprocessTest : public ::nfalab::testing::TempDirTest {
 protected:
  SubprocessTest() : TempDirTest("subprocess_test") {}

  void SetUp() override {
    TempDirTest::SetUp();
    if (const char* path = std::getenv("PATH")) saved_path_ = path;
    char cwd[4096];
    ASSERT_NE(getcwd(cwd, sizeof(cwd)), nullptr);
    saved_cwd_ = cwd;
  }

  void TearDown() override {
    if (saved_path_.has_value()) {
      setenv("PATH", saved_path_->c_str(), /*overwrite=*/1);
    } else {
      unsetenv("PATH");
    }
    EXPECT_EQ(chdir(saved_cwd_.c_str()), 0);
    TempDirTest::TearDown();
  }

  // A file at `path` with `contents` and permission bits `mode`.
  static void WriteFile(const std::string& path, const std::string& contents,
                        mode_t mode) {
    {
      std::ofstream out(path, std::ios::binary);
      out << contents;
      ASSERT_TRUE(out.good()) << path;
    }
    ASSERT_EQ(chmod(path.c_str(), mode), 0) << path;
  }

  // A shell script at `path` that prints `text` and a newline.
  static void WriteScript(const std::string& path, const std::string& text) {
    WriteFile(path, absl::StrCat("#!/bin/sh\necho ", text, "\n"), 0755);
  }

  std::string MakeSubdirectory(const std::string& name) {
    const std::string path = Path(name);
    EXPECT_EQ(mkdir(path.c_str(), 0755), 0) << path;
    return path;
  }

 private:
  std::optional<std::string> saved_path_;
  std::string saved_cwd_;
};

TEST_F(SubprocessTest, CapturesStdoutStderrAndExitCodeSeparately) {
  NFALAB_ASSERT_OK_AND_ASSIGN(
      CommandResult result,
      RunCommand({"/bin/sh", "-c", "printf out; printf err >&2; exit 3"}));
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(result.stdout_text, "out");
  EXPECT_EQ(result.stderr_text, "err");
}

TEST_F(SubprocessTest, FindsCommandsOnPathWithoutSlash) {
  NFALAB_ASSERT_OK_AND_ASSIGN(CommandResult sh,
                              RunCommand({"sh", "-c", "printf hello"}));
  EXPECT_EQ(sh.exit_code, 0);
  EXPECT_EQ(sh.stdout_text, "hello");
  NFALAB_ASSERT_OK_AND_ASSIGN(CommandResult true_result, RunCommand({"true"}));
  EXPECT_EQ(true_result.exit_code, 0);
  NFALAB_ASSERT_OK_AND_ASSIGN(CommandResult false_result,
                              RunCommand({"false"}));
  EXPECT_EQ(false_result.exit_code, 1);
}

TEST_F(SubprocessTest, PassesArgumentsVerbatimWithoutAShell) {
  NFALAB_ASSERT_OK_AND_ASSIGN(
      CommandResult result, RunCommand({"sh", "-c", "printf '%s|' \"$@\"", "sh",
                                        "a b", "*", "$HOME", "'quoted'", ""}));
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.stdout_text, "a b|*|$HOME|'quoted'||");
}

TEST_F(SubprocessTest, CapturesLargeOutputOnBothStreamsInFull) {
  // stderr is written first: a reader that drained stdout before stderr
  // would deadlock with the child blocked on a full stderr pipe.
  NFALAB_ASSERT_OK_AND_ASSIGN(CommandResult result,
                              RunCommand({"sh", "-c",
                                          "head -c 1048576 /dev/zero >&2; "
                                          "head -c 1048576 /dev/zero; "
                                          "printf end >&2"}));
  EXPECT_EQ(result.exit_code, 0);
  ASSERT_EQ(result.stdout_text.size(), kMiB);
  EXPECT_EQ(static_cast<size_t>(std::count(result.stdout_text.begin(),
                                           result.stdout_text.end(), '\0')),
            kMiB);
  ASSERT_EQ(result.stderr_text.size(), kMiB + 3);
  EXPECT_TRUE(absl::EndsWith(result.stderr_text, "end"));
}

TEST_F(SubprocessTest, ReportsKillingSignalAs128PlusSignal) {
  NFALAB_ASSERT_OK_AND_ASSIGN(CommandResult result,
                              RunCommand({"sh", "-c", "kill -TERM $$"}));
  EXPECT_EQ(result.exit_code, 128 + SIGTERM);
}

TEST_F(SubprocessTest, ChildDoesNotInheritTheCallersBlockedSignals) {
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigset_t old_mask;
  ASSERT_EQ(sigprocmask(SIG_BLOCK, &term, &old_mask), 0);
  // With SIGTERM blocked the shell would outlive its kill and exit 0.
  auto result = RunCommand({"sh", "-c", "kill -TERM $$; exit 0"});
  ASSERT_EQ(sigprocmask(SIG_SETMASK, &old_mask, nullptr), 0);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code, 128 + SIGTERM);
}

TEST_F(SubprocessTest, StdinIsDevNull) {
  // Give this process a stdin with data on it, to see that the child does
  // not read it.
  const int saved_stdin = dup(0);
  ASSERT_GE(saved_stdin, 0);
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  ASSERT_EQ(write(pipe_fds[1], "leaked", 6), 6);
  close(pipe_fds[1]);
  ASSERT_EQ(dup2(pipe_fds[0], 0), 0);
  close(pipe_fds[0]);
  auto cat = RunCommand({"cat"});
  auto link = RunCommand({"readlink", "/proc/self/fd/0"});
  ASSERT_EQ(dup2(saved_stdin, 0), 0);
  close(saved_stdin);

  ASSERT_TRUE(cat.ok()) << cat.status();
  EXPECT_EQ(cat->exit_code, 0);
  EXPECT_THAT(cat->stdout_text, IsEmpty());
  ASSERT_TRUE(link.ok()) << link.status();
  EXPECT_EQ(link->stdout_text, "/dev/null\n");
}

TEST_F(SubprocessTest, MissingCommandIsNotFoundNamingItAndPath) {
  EXPECT_THAT(RunCommand({"no_such_command_xyz", "arg"}),
              StatusIs(absl::StatusCode::kNotFound,
                       AllOf(HasSubstr("no_such_command_xyz"),
                             HasSubstr("not found on PATH"))));
}

TEST_F(SubprocessTest, EmptyArgvIsInvalidArgument) {
  EXPECT_THAT(RunCommand({}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("argv")));
}

TEST_F(SubprocessTest, MissingPathWithSlashIsNotFoundWithoutPathSearch) {
  const std::string missing = Path("no_such_dir/tool");
  EXPECT_THAT(RunCommand({missing}),
              StatusIs(absl::StatusCode::kNotFound,
                       AllOf(HasSubstr(missing), Not(HasSubstr("PATH")))));
}

TEST_F(SubprocessTest, NonExecutableFileWithSlashIsNotFound) {
  const std::string script = Path("tool");
  WriteFile(script, "#!/bin/sh\necho ran\n", 0644);
  EXPECT_THAT(RunCommand({script}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(script)));
  EXPECT_EQ(FindExecutableOnPath(script), "");
}

TEST_F(SubprocessTest, RunsExecutableGivenByPath) {
  const std::string script = Path("tool");
  WriteScript(script, "ran");
  EXPECT_EQ(FindExecutableOnPath(script), script);
  NFALAB_ASSERT_OK_AND_ASSIGN(CommandResult result, RunCommand({script}));
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.stdout_text, "ran\n");
}

TEST_F(SubprocessTest, FindExecutableOnPathFindsSh) {
  const std::string sh = FindExecutableOnPath("sh");
  EXPECT_THAT(sh, EndsWith("/sh"));
  EXPECT_EQ(access(sh.c_str(), X_OK), 0) << sh;
  EXPECT_EQ(FindExecutableOnPath("no_such_command_xyz"), "");
  EXPECT_EQ(FindExecutableOnPath(""), "");
}

TEST_F(SubprocessTest, PathIsSearchedInOrder) {
  const std::string first = MakeSubdirectory("first");
  const std::string second = MakeSubdirectory("second");
  WriteScript(first + "/nfalab_probe", "first");
  WriteScript(second + "/nfalab_probe", "second");

  ASSERT_EQ(setenv("PATH", (first + ":" + second).c_str(), 1), 0);
  EXPECT_EQ(FindExecutableOnPath("nfalab_probe"), first + "/nfalab_probe");
  NFALAB_ASSERT_OK_AND_ASSIGN(CommandResult result,
                              RunCommand({"nfalab_probe"}));
  EXPECT_EQ(result.stdout_text, "first\n");

  ASSERT_EQ(setenv("PATH", (second + ":" + first).c_str(), 1), 0);
  EXPECT_EQ(FindExecutableOnPath("nfalab_probe"), second + "/nfalab_probe");
  NFALAB_ASSERT_OK_AND_ASSIGN(result, RunCommand({"nfalab_probe"}));
  EXPECT_EQ(result.stdout_text, "second\n");
}

TEST_F(SubprocessTest, PathSearchSkipsNonExecutableFilesAndDirectories) {
  const std::string not_executable = MakeSubdirectory("not_executable");
  const std::string directory = MakeSubdirectory("directory");
  const std::string executable = MakeSubdirectory("executable");
  WriteFile(not_executable + "/nfalab_probe", "#!/bin/sh\necho no\n", 0644);
  ASSERT_EQ(mkdir((directory + "/nfalab_probe").c_str(), 0755), 0);
  WriteScript(executable + "/nfalab_probe", "yes");

  ASSERT_EQ(
      setenv("PATH", absl::StrCat(not_executable, ":", directory).c_str(), 1),
      0);
  EXPECT_EQ(FindExecutableOnPath("nfalab_probe"), "");
  EXPECT_THAT(RunCommand({"nfalab_probe"}),
              StatusIs(absl::StatusCode::kNotFound,
                       AllOf(HasSubstr("nfalab_probe"), HasSubstr("PATH"))));

  ASSERT_EQ(
      setenv(
          "PATH",
          absl::StrCat(not_executable, ":", directory, ":", executable).c_str(),
          1),
      0);
  EXPECT_EQ(FindExecutableOnPath("nfalab_probe"), executable + "/nfalab_probe");
}

TEST_F(SubprocessTest, EmptyPathEntryIsTheCurrentDirectory) {
  const std::string elsewhere = MakeSubdirectory("elsewhere");
  WriteScript(Path("nfalab_probe"), "here");
  ASSERT_EQ(chdir(dir().c_str()), 0);

  ASSERT_EQ(setenv("PATH", elsewhere.c_str(), 1), 0);
  EXPECT_EQ(FindExecutableOnPath("nfalab_probe"), "");

  ASSERT_EQ(setenv("PATH", (elsewhere + ":").c_str(), 1), 0);
  EXPECT_EQ(FindExecutableOnPath("nfalab_probe"), "./nfalab_probe");
  NFALAB_ASSERT_OK_AND_ASSIGN(CommandResult result,
                              RunCommand({"nfalab_probe"}));
  EXPECT_EQ(result.stdout_text, "here\n");
}

TEST_F(SubprocessTest, UnsetPathFindsNothing) {
  ASSERT_EQ(unsetenv("PATH"), 0);
  EXPECT_EQ(FindExecutableOnPath("sh"), "");
  EXPECT_THAT(RunCommand({"sh"}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("unset")));
}

}  // namespace
}  // namespace nfalab
