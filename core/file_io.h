// File helpers. Every results file nfalab writes goes through
// WriteFileAtomically: the bytes land in a temporary file in the same
// directory ("<path>.tmp.<pid>.<n>"), are flushed, and then renamed over the
// target, so a reader never sees a half-written file. A process killed
// mid-write leaves its temporary file behind; RemoveStaleTemporaryFiles
// cleans those up.
#ifndef NFALAB_CORE_FILE_IO_H_
#define NFALAB_CORE_FILE_IO_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nfalab {

// "<what> <path>: <strerror(errno)>" with a code from errno: NotFound
// (ENOENT, ENOTDIR), PermissionDenied (EACCES, EPERM), FailedPrecondition
// (EISDIR, EEXIST), Unavailable otherwise. Call right after the failing
// system call.
absl::Status ErrnoStatus(absl::string_view what, const std::string& path);

// Owns a file descriptor and closes it.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd();
  int get() const { return fd_; }

 private:
  int fd_;
};

absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view contents);

// True for the names of WriteFileAtomically's temporary files,
// "<name>.tmp.<pid>.<n>".
bool IsTemporaryFileName(absl::string_view name);

// Removes the temporary files of WriteFileAtomically in `dir` (not in its
// subdirectories) whose writer is gone: files named "<name>.tmp.<pid>.<n>"
// where <pid> is not a live process. Files of this process and of live
// processes are kept, as they may be in the middle of a write. Returns how
// many files were removed.
absl::StatusOr<int> RemoveStaleTemporaryFiles(const std::string& dir);

// The whole file. Errors name the path: NotFound if it does not exist,
// FailedPrecondition if it is not a regular file, and the reason
// (strerror) if it cannot be opened or a read fails (e.g. EIO).
absl::StatusOr<std::string> ReadFile(const std::string& path);

// The names in directory `dir` (without "." and ".."), sorted. NotFound if
// it does not exist.
absl::StatusOr<std::vector<std::string>> ListDirectory(const std::string& dir);

// Creates `path` and its parents if needed (like mkdir -p). A path of
// PATH_MAX bytes or more, or with a component longer than NAME_MAX, is
// InvalidArgument before anything is created; if a mkdir fails half way, the
// directories this call created are removed again.
absl::Status MakeDirectories(const std::string& path);

}  // namespace nfalab

#endif  // NFALAB_CORE_FILE_IO_H_
