#include "core/file_io.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace nfalab {
namespace {

using ::nfalab::testing::IsOk;
using ::nfalab::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A fresh, empty directory per test (see tests/temp_dir.h).
class FileIoTest : public ::nfalab::testing::TempDirTest {
 protected:
  FileIoTest() : TempDirTest("file_io_test") {}

  // Names in `dir` other than "." and "..".
  static std::vector<std::string> ListDir(const std::string& dir) {
    std::vector<std::string> names;
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) return names;
    while (const dirent* entry = readdir(d)) {
      const std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    closedir(d);
    return names;
  }

  static bool IsDirectory(const std::string& path) {
    struct stat info;
    return stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
  }

  // Reads with the standard library, independently of ReadFile.
  static std::string Slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in),
                       std::istreambuf_iterator<char>());
  }
};

TEST_F(FileIoTest, WriteFileAtomicallyWritesExactBytes) {
  const std::string path = Path("out.txt");
  ASSERT_THAT(WriteFileAtomically(path, "hello\nworld\n"), IsOk());
  EXPECT_EQ(Slurp(path), "hello\nworld\n");
}

TEST_F(FileIoTest, WriteFileAtomicallyKeepsBinaryBytesIncludingNuls) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  bytes += std::string("\0\0tail\0", 7);
  ASSERT_EQ(bytes.size(), 263u);
  const std::string path = Path("binary.bin");
  ASSERT_THAT(WriteFileAtomically(path, bytes), IsOk());
  EXPECT_EQ(Slurp(path), bytes);
  NFALAB_ASSERT_OK_AND_ASSIGN(const std::string read, ReadFile(path));
  EXPECT_EQ(read, bytes);
}

TEST_F(FileIoTest, WriteFileAtomicallyWritesEmptyFile) {
  const std::string path = Path("empty");
  ASSERT_THAT(WriteFileAtomically(path, ""), IsOk());
  struct stat info;
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_size, 0);
  EXPECT_THAT(ReadFile(path), IsOk());
}

TEST_F(FileIoTest, WriteFileAtomicallyHandlesLargeContents) {
  std::string big(3 << 20, '\0');  // 3 MiB: more than one write() chunk.
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31);
  const std::string path = Path("big.bin");
  ASSERT_THAT(WriteFileAtomically(path, big), IsOk());
  NFALAB_ASSERT_OK_AND_ASSIGN(const std::string read, ReadFile(path));
  EXPECT_TRUE(read == big) << "sizes " << read.size() << " vs " << big.size();
}

TEST_F(FileIoTest, WriteFileAtomicallyOverwritesWithShorterContents) {
  const std::string path = Path("config.pbtxt");
  ASSERT_THAT(WriteFileAtomically(path, "a much longer first version"), IsOk());
  ASSERT_THAT(WriteFileAtomically(path, "short"), IsOk());
  EXPECT_EQ(Slurp(path), "short");
}

TEST_F(FileIoTest, WriteFileAtomicallyLeavesNoTemporaryFile) {
  ASSERT_THAT(WriteFileAtomically(Path("a.csv"), "1,2\n"), IsOk());
  ASSERT_THAT(WriteFileAtomically(Path("a.csv"), "3,4\n"), IsOk());
  ASSERT_THAT(WriteFileAtomically(Path("b.csv"), "5\n"), IsOk());
  std::vector<std::string> names = ListDir(dir());
  std::sort(names.begin(), names.end());
  EXPECT_THAT(names, ::testing::ElementsAre("a.csv", "b.csv"));
  for (const std::string& name : names) {
    EXPECT_THAT(name, ::testing::Not(HasSubstr(".tmp.")));
  }
}

TEST_F(FileIoTest, WriteFileAtomicallyIgnoresAStaleTemporaryFile) {
  // A crashed earlier writer can leave "<path>.tmp.<pid>..." behind; its old
  // bytes must not leak into the new file.
  const std::string path = Path("stale.txt");
  const std::string temp_path = absl::StrCat(path, ".tmp.", getpid(), ".0");
  {
    std::ofstream stale(temp_path, std::ios::binary);
    stale << "stale bytes that are longer than the new contents";
  }
  ASSERT_THAT(WriteFileAtomically(path, "new"), IsOk());
  EXPECT_EQ(Slurp(path), "new");
}

TEST_F(FileIoTest, WriteFileAtomicallyCreatesReadableFile) {
  const std::string path = Path("perm.txt");
  ASSERT_THAT(WriteFileAtomically(path, "x"), IsOk());
  struct stat info;
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_TRUE(S_ISREG(info.st_mode));
  EXPECT_TRUE(info.st_mode & S_IRUSR);
  EXPECT_TRUE(info.st_mode & S_IWUSR);
}

TEST_F(FileIoTest, WriteFileAtomicallyFailsForMissingDirectory) {
  const std::string path = Path("no_such_dir/out.txt");
  const absl::Status status = WriteFileAtomically(path, "data");
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kNotFound, HasSubstr(path)));
  EXPECT_THAT(status.message(), HasSubstr("No such file or directory"));
  EXPECT_THAT(ListDir(dir()), IsEmpty());
}

TEST_F(FileIoTest, WriteFileAtomicallyOntoADirectoryFailsAndCleansUp) {
  const std::string path = Path("a_directory");
  ASSERT_EQ(mkdir(path.c_str(), 0755), 0);
  const absl::Status status = WriteFileAtomically(path, "data");
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr(path));
  // The directory is intact and the temporary file was removed.
  EXPECT_TRUE(IsDirectory(path));
  EXPECT_THAT(ListDir(dir()), ::testing::ElementsAre("a_directory"));
}

TEST_F(FileIoTest, ReadFileReturnsContents) {
  const std::string path = Path("in.txt");
  {
    std::ofstream out(path, std::ios::binary);
    out << "line 1\nline 2";
  }
  NFALAB_ASSERT_OK_AND_ASSIGN(const std::string contents, ReadFile(path));
  EXPECT_EQ(contents, "line 1\nline 2");
}

TEST_F(FileIoTest, ReadFileOfMissingFileIsNotFoundNamingThePath) {
  const std::string path = Path("missing.txt");
  EXPECT_THAT(
      ReadFile(path),
      StatusIs(absl::StatusCode::kNotFound,
               ::testing::Eq(absl::StrCat("cannot open ", path,
                                          ": No such file or directory"))));
}

// A directory opens for reading on Linux; only its read() fails (EISDIR).
TEST_F(FileIoTest, ReadFileOfADirectoryIsFailedPrecondition) {
  const absl::StatusOr<std::string> result = ReadFile(dir());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status().message(), HasSubstr(dir()));
}

// The stream-based ReadFile returned "" with OK here: /proc/self/mem is a
// regular file whose first page is unmapped, so read() fails with EIO.
TEST_F(FileIoTest, ReadFileReportsAReadErrorNamingThePath) {
  EXPECT_THAT(ReadFile("/proc/self/mem"),
              StatusIs(absl::StatusCode::kUnavailable,
                       ::testing::Eq("cannot read /proc/self/mem: "
                                     "Input/output error")));
}

TEST_F(FileIoTest, ReadFileReadsFilesThatReportSizeZero) {
  // /proc files have st_size 0; the contents must still come through.
  NFALAB_ASSERT_OK_AND_ASSIGN(const std::string status,
                              ReadFile("/proc/self/status"));
  EXPECT_THAT(status, HasSubstr("Pid:"));
}

TEST_F(FileIoTest, ListDirectoryListsSortedNamesWithoutDots) {
  ASSERT_THAT(WriteFileAtomically(Path("b.txt"), "b"), IsOk());
  ASSERT_THAT(WriteFileAtomically(Path("a.txt"), "a"), IsOk());
  ASSERT_EQ(mkdir(Path("c").c_str(), 0755), 0);
  NFALAB_ASSERT_OK_AND_ASSIGN(const std::vector<std::string> names,
                              ListDirectory(dir()));
  EXPECT_THAT(names, ::testing::ElementsAre("a.txt", "b.txt", "c"));
}

TEST_F(FileIoTest, ListDirectoryOfMissingDirectoryIsNotFound) {
  EXPECT_THAT(
      ListDirectory(Path("missing")),
      StatusIs(absl::StatusCode::kNotFound,
               ::testing::Eq(absl::StrCat("cannot list ", Path("missing"),
                                          ": No such file or "
                                          "directory"))));
}

// The pid of a process that has exited (and been reaped).
pid_t DeadPid() {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  return child;
}

TEST_F(FileIoTest, RemoveStaleTemporaryFilesRemovesOnlyThoseOfDeadWriters) {
  const pid_t dead = DeadPid();
  const std::vector<std::string> stale = {
      absl::StrCat("checkpoint.pb.tmp.", dead, ".0"),
      absl::StrCat("metrics.csv.tmp.", dead, ".17")};
  const std::vector<std::string> kept = {
      absl::StrCat("config.pbtxt.tmp.", getpid(), ".3"),  // this process
      absl::StrCat("nfc.svg.tmp.", getppid(), ".0"),      // a live process
      "metrics.csv",
      "notes.tmp.txt",
      absl::StrCat("a.tmp.", dead, ".x"),
      absl::StrCat("b.tmp.", dead),
      absl::StrCat(".tmp.", dead, ".1")};
  for (const std::string& name : stale) {
    ASSERT_THAT(WriteFileAtomically(Path(name), "partial"), IsOk());
  }
  for (const std::string& name : kept) {
    ASSERT_THAT(WriteFileAtomically(Path(name), "x"), IsOk());
  }
  const std::string directory = absl::StrCat("d.tmp.", dead, ".2");
  ASSERT_EQ(mkdir(Path(directory).c_str(), 0755), 0);

  NFALAB_ASSERT_OK_AND_ASSIGN(const int removed,
                              RemoveStaleTemporaryFiles(dir()));
  EXPECT_EQ(removed, 2);
  std::vector<std::string> expected = kept;
  expected.push_back(directory);
  std::sort(expected.begin(), expected.end());
  std::vector<std::string> names = ListDir(dir());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, expected);
  NFALAB_ASSERT_OK_AND_ASSIGN(const int again,
                              RemoveStaleTemporaryFiles(dir()));
  EXPECT_EQ(again, 0);
}

TEST_F(FileIoTest, IsTemporaryFileNameKnowsWriteFileAtomicallysPattern) {
  EXPECT_TRUE(IsTemporaryFileName("checkpoint.pb.tmp.1234.0"));
  EXPECT_TRUE(IsTemporaryFileName("a.tmp.b.tmp.7.12"));
  EXPECT_FALSE(IsTemporaryFileName("checkpoint.pb"));
  EXPECT_FALSE(IsTemporaryFileName("notes.tmp.txt"));
  EXPECT_FALSE(IsTemporaryFileName("x.tmp.12"));
  EXPECT_FALSE(IsTemporaryFileName("x.tmp.-1.0"));
  EXPECT_FALSE(IsTemporaryFileName(".tmp.12.0"));
}

TEST_F(FileIoTest, RemoveStaleTemporaryFilesOfMissingDirectoryIsNotFound) {
  EXPECT_THAT(RemoveStaleTemporaryFiles(Path("missing")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing")));
}

TEST_F(FileIoTest, MakeDirectoriesCreatesNestedDirectories) {
  const std::string path = Path("a/b/c");
  ASSERT_THAT(MakeDirectories(path), IsOk());
  EXPECT_TRUE(IsDirectory(Path("a")));
  EXPECT_TRUE(IsDirectory(Path("a/b")));
  EXPECT_TRUE(IsDirectory(Path("a/b/c")));
  // Usable: a file can be written inside.
  EXPECT_THAT(WriteFileAtomically(Path("a/b/c/f.txt"), "x"), IsOk());
}

TEST_F(FileIoTest, MakeDirectoriesIsIdempotent) {
  const std::string path = Path("x/y");
  ASSERT_THAT(MakeDirectories(path), IsOk());
  ASSERT_THAT(WriteFileAtomically(Path("x/y/keep.txt"), "kept"), IsOk());
  EXPECT_THAT(MakeDirectories(path), IsOk());
  EXPECT_THAT(MakeDirectories(Path("x")), IsOk());
  EXPECT_THAT(MakeDirectories(dir()), IsOk());
  EXPECT_EQ(Slurp(Path("x/y/keep.txt")), "kept");
}

TEST_F(FileIoTest, MakeDirectoriesAcceptsTrailingAndDoubleSlashes) {
  EXPECT_THAT(MakeDirectories(Path("p//q/")), IsOk());
  EXPECT_TRUE(IsDirectory(Path("p/q")));
}

TEST_F(FileIoTest, MakeDirectoriesFailsWhenAComponentIsARegularFile) {
  ASSERT_THAT(WriteFileAtomically(Path("file"), "not a dir"), IsOk());
  const absl::Status status = MakeDirectories(Path("file/sub/leaf"));
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr(Path("file/sub")));
  EXPECT_THAT(status.message(), HasSubstr("Not a directory"));
  EXPECT_EQ(Slurp(Path("file")), "not a dir");
}

TEST_F(FileIoTest, MakeDirectoriesFailsWhenThePathIsARegularFile) {
  ASSERT_THAT(WriteFileAtomically(Path("leaf"), "x"), IsOk());
  EXPECT_THAT(MakeDirectories(Path("leaf")),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       ::testing::Eq(absl::StrCat(
                           Path("leaf"), " exists and is not a directory"))));
}

TEST_F(FileIoTest, MakeDirectoriesRejectsEmptyPath) {
  EXPECT_THAT(MakeDirectories(""), StatusIs(absl::StatusCode::kInvalidArgument,
                                            HasSubstr("empty directory path")));
}

}  // namespace
}  // namespace nfalab
