// File helpers. Every results file nfalab writes goes through
// WriteFileAtomically: the bytes land in a temporary file in the same
// directory, are flushed, and then renamed over the target, so a reader never
// sees a half-written file.
#ifndef NFALAB_CORE_FILE_IO_H_
#define NFALAB_CORE_FILE_IO_H_

#include <string>

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

// NotFound (naming the path) if the file cannot be opened.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Creates `path` and its parents if needed (like mkdir -p). A path of
// PATH_MAX bytes or more, or with a component longer than NAME_MAX, is
// InvalidArgument before anything is created; if a mkdir fails half way, the
// directories this call created are removed again.
absl::Status MakeDirectories(const std::string& path);

}  // namespace nfalab

#endif  // NFALAB_CORE_FILE_IO_H_
