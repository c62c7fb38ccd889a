// TempDirTest: a fixture that gives each test a fresh, empty directory under
// ::testing::TempDir() (TEST_TMPDIR under Bazel, else /tmp), named
// <prefix>_<test name>_<pid>. The fixture removes the directory and everything
// in it after the test, bottom-up and without following symlinks.
//
//   class FooTest : public ::nfalab::testing::TempDirTest {
//    protected:
//     FooTest() : TempDirTest("foo_test") {}
//   };
//   TEST_F(FooTest, WritesAFile) { ... Path("out.txt") ... dir() ... }
#ifndef NFALAB_TESTS_TEMP_DIR_H_
#define NFALAB_TESTS_TEMP_DIR_H_

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

namespace nfalab::testing {

class TempDirTest : public ::testing::Test {
 protected:
  explicit TempDirTest(absl::string_view prefix) : prefix_(prefix) {}

  void SetUp() override {
    std::string base = ::testing::TempDir();
    if (base.empty() || base.back() != '/') base += '/';
    const ::testing::TestInfo* info =
        ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = absl::StrCat(base, prefix_, "_", info->name(), "_", getpid());
    ASSERT_EQ(mkdir(dir_.c_str(), 0755), 0) << dir_;
  }

  void TearDown() override {
    nftw(
        dir_.c_str(),
        [](const char* path, const struct stat*, int, struct FTW*) {
          return remove(path);
        },
        /*nopenfd=*/16, FTW_DEPTH | FTW_PHYS);
  }

  // The test's directory, without a trailing '/'.
  const std::string& dir() const { return dir_; }

  // `name` inside the test's directory.
  std::string Path(absl::string_view name) const {
    return absl::StrCat(dir_, "/", name);
  }

 private:
  std::string prefix_;
  std::string dir_;
};

}  // namespace nfalab::testing

#endif  // NFALAB_TESTS_TEMP_DIR_H_
