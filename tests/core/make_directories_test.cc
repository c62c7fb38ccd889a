// MakeDirectories on paths the kernel refuses: nothing may be left behind.
// (Its everyday behaviour is tested in file_io_test.cc.)
#include <limits.h>
#include <sys/stat.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace nfalab {
namespace {

using ::nfalab::testing::IsOk;
using ::nfalab::testing::StatusIs;
using ::testing::HasSubstr;

bool Exists(const std::string& path) {
  struct stat info;
  return lstat(path.c_str(), &info) == 0;
}

class MakeDirectoriesTest : public ::nfalab::testing::TempDirTest {
 protected:
  MakeDirectoriesTest() : TempDirTest("make_directories_test") {}
};

TEST_F(MakeDirectoriesTest, ComponentLongerThanNameMaxCreatesNothing) {
  const std::string long_name(NAME_MAX + 1, 'n');
  EXPECT_THAT(
      MakeDirectories(Path(absl::StrCat("new/deeper/", long_name, "/leaf"))),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr(absl::StrCat(": its component \"nnnn"))));
  EXPECT_THAT(MakeDirectories(Path(long_name)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("...\" is 256 bytes long; the limit is 255")));
  EXPECT_FALSE(Exists(Path("new")));
}

// 17 components of 250 bytes: each is allowed, the whole is past PATH_MAX
// (the kernel used to refuse the 17th mkdir and leave 16 directories).
TEST_F(MakeDirectoriesTest, PathOfPathMaxBytesOrMoreCreatesNothing) {
  std::string path = dir();
  for (int i = 0; i < 17; ++i) {
    absl::StrAppend(&path, "/", std::string(249, 'a' + i % 26), i % 10);
  }
  ASSERT_GE(path.size(), PATH_MAX);
  EXPECT_THAT(MakeDirectories(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(absl::StrCat("...: the path is ", path.size(),
                                              " bytes long; the limit is ",
                                              PATH_MAX - 1))));
  EXPECT_FALSE(Exists(Path(std::string(249, 'a') + "0")));
}

// The kernel refuses "file/x" (ENOTDIR) after new1 and new2 were made: both
// are removed, while the directories that were there before stay.
TEST_F(MakeDirectoriesTest, FailureHalfWayRemovesOnlyWhatThisCallCreated) {
  ASSERT_THAT(MakeDirectories(Path("before/kept")), IsOk());
  ASSERT_THAT(WriteFileAtomically(Path("before/file"), "x"), IsOk());
  const absl::Status status =
      MakeDirectories(Path("before/new1/new2/../../file/x"));
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kNotFound,
                               HasSubstr("cannot create directory")));
  EXPECT_FALSE(Exists(Path("before/new1")));
  EXPECT_TRUE(Exists(Path("before/kept")));
  EXPECT_TRUE(Exists(Path("before/file")));
}

TEST_F(MakeDirectoriesTest, PathJustBelowTheLimitsIsCreated) {
  // NAME_MAX bytes in a component is allowed.
  const std::string path = Path(std::string(NAME_MAX, 'z'));
  EXPECT_THAT(MakeDirectories(path), IsOk());
  EXPECT_TRUE(Exists(path));
}

}  // namespace
}  // namespace nfalab
