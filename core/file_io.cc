#include "core/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace nfalab {

absl::Status ErrnoStatus(absl::string_view what, const std::string& path) {
  const int err = errno;
  const std::string message =
      absl::StrCat(what, " ", path, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    case EISDIR:
    case EEXIST:
      return absl::FailedPreconditionError(message);
    default:
      return absl::UnavailableError(message);
  }
}

ScopedFd::~ScopedFd() {
  if (fd_ >= 0) close(fd_);
}

absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view contents) {
  // Unique per process and call, so concurrent writers never share a file.
  static std::atomic<uint64_t> counter{0};
  const std::string temp_path =
      absl::StrCat(path, ".tmp.", static_cast<long>(getpid()), ".",
                   counter.fetch_add(1, std::memory_order_relaxed));
  const int fd = open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return ErrnoStatus("cannot create", temp_path);
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n =
        write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      absl::Status status = ErrnoStatus("cannot write", temp_path);
      close(fd);
      unlink(temp_path.c_str());
      return status;
    }
    written += static_cast<size_t>(n);
  }
  const bool synced = fsync(fd) == 0;
  absl::Status status =
      synced ? absl::OkStatus() : ErrnoStatus("cannot flush", temp_path);
  if (close(fd) != 0 && status.ok()) {
    status = ErrnoStatus("cannot close", temp_path);
  }
  if (!status.ok()) {
    unlink(temp_path.c_str());
    return status;
  }
  if (std::rename(temp_path.c_str(), path.c_str()) != 0) {
    absl::Status status = ErrnoStatus("cannot rename onto", path);
    unlink(temp_path.c_str());
    return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) return ErrnoStatus("cannot open", path);
  if (!S_ISREG(info.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read ", path, ": not a regular file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return ErrnoStatus("cannot open", path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return ErrnoStatus("cannot read", path);
  return buffer.str();
}

absl::Status MakeDirectories(const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("empty directory path");
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    const std::string prefix = path.substr(0, pos);
    if (mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoStatus("cannot create directory", prefix);
    }
  }
  struct stat info;
  if (stat(path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " exists and is not a directory"));
  }
  return absl::OkStatus();
}

}  // namespace nfalab
