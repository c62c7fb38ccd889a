#include "core/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

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
  // Check the whole path first: a name the kernel refuses half way would
  // otherwise leave the directories before it behind.
  const std::string shown =
      path.size() > 80 ? absl::StrCat(path.substr(0, 80), "...") : path;
  if (path.size() >= PATH_MAX) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot create directory ", shown, ": the path is ",
                     path.size(), " bytes long; the limit is ", PATH_MAX - 1));
  }
  for (size_t begin = 0; begin < path.size();) {
    size_t end = path.find('/', begin);
    if (end == std::string::npos) end = path.size();
    if (end - begin > NAME_MAX) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot create directory ", shown, ": its component \"",
                       path.substr(begin, 40), "...\" is ", end - begin,
                       " bytes long; the limit is ", NAME_MAX));
    }
    begin = end + 1;
  }
  std::vector<std::string> created;  // By this call, outermost first.
  absl::Status status;
  for (size_t pos = 1; pos <= path.size() && status.ok(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    const std::string prefix = path.substr(0, pos);
    if (mkdir(prefix.c_str(), 0755) == 0) {
      created.push_back(prefix);
    } else if (errno != EEXIST) {
      status = ErrnoStatus("cannot create directory", prefix);
    }
  }
  struct stat info;
  if (status.ok() &&
      (stat(path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode))) {
    status = absl::FailedPreconditionError(
        absl::StrCat(path, " exists and is not a directory"));
  }
  if (!status.ok()) {
    // Leave the file system as it was: remove what this call made (rmdir
    // keeps any that another process has written into meanwhile).
    for (auto it = created.rbegin(); it != created.rend(); ++it) {
      rmdir(it->c_str());
    }
  }
  return status;
}

}  // namespace nfalab
