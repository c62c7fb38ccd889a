#include "core/file_io.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace nfalab {
namespace {

// WriteFileAtomically writes "<path>.tmp.<pid>.<n>".
constexpr absl::string_view kTemporaryInfix = ".tmp.";

bool IsDecimal(absl::string_view text) {
  return !text.empty() && text.size() <= 18 &&
         std::all_of(text.begin(), text.end(), absl::ascii_isdigit);
}

// The writer's pid if `name` is a temporary file of WriteFileAtomically,
// else 0.
pid_t TemporaryFileWriter(absl::string_view name) {
  const size_t infix = name.rfind(kTemporaryInfix);
  if (infix == absl::string_view::npos || infix == 0) return 0;
  const absl::string_view rest = name.substr(infix + kTemporaryInfix.size());
  const size_t dot = rest.find('.');
  if (dot == absl::string_view::npos) return 0;
  const absl::string_view pid_text = rest.substr(0, dot);
  int64_t pid = 0;
  if (!IsDecimal(pid_text) || !IsDecimal(rest.substr(dot + 1)) ||
      !absl::SimpleAtoi(pid_text, &pid) || pid <= 0 || pid > INT_MAX) {
    return 0;
  }
  return static_cast<pid_t>(pid);
}

bool ProcessIsAlive(pid_t pid) {
  // EPERM: the process exists but belongs to another user.
  return kill(pid, 0) == 0 || errno == EPERM;
}

}  // namespace

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
      absl::StrCat(path, kTemporaryInfix, static_cast<long>(getpid()), ".",
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

bool IsTemporaryFileName(absl::string_view name) {
  return TemporaryFileWriter(name) != 0;
}

absl::StatusOr<int> RemoveStaleTemporaryFiles(const std::string& dir) {
  NFALAB_ASSIGN_OR_RETURN(const std::vector<std::string> names,
                          ListDirectory(dir));
  int removed = 0;
  for (const std::string& name : names) {
    const pid_t writer = TemporaryFileWriter(name);
    if (writer == 0 || writer == getpid() || ProcessIsAlive(writer)) continue;
    const std::string path = absl::StrCat(dir, "/", name);
    struct stat info;
    if (lstat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) continue;
    if (unlink(path.c_str()) != 0) {
      if (errno == ENOENT) continue;  // Removed meanwhile by someone else.
      return ErrnoStatus("cannot remove stale temporary file", path);
    }
    ++removed;
  }
  return removed;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  // stat before open: opening a FIFO for reading would block.
  struct stat info;
  if (stat(path.c_str(), &info) != 0) return ErrnoStatus("cannot open", path);
  if (!S_ISREG(info.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read ", path, ": not a regular file"));
  }
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("cannot open", path);
  ScopedFd file(fd);
  std::string contents;
  // st_size is a hint only: /proc files report 0, and files can grow.
  contents.reserve(static_cast<size_t>(std::max<off_t>(info.st_size, 0)));
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("cannot read", path);
    }
    contents.append(buffer, static_cast<size_t>(n));
  }
  return contents;
}

absl::StatusOr<std::vector<std::string>> ListDirectory(const std::string& dir) {
  DIR* stream = opendir(dir.c_str());
  if (stream == nullptr) return ErrnoStatus("cannot list", dir);
  std::vector<std::string> names;
  absl::Status status;
  while (true) {
    errno = 0;  // readdir returns null both at the end and on an error.
    const dirent* entry = readdir(stream);
    if (entry == nullptr) {
      if (errno != 0) status = ErrnoStatus("cannot list", dir);
      break;
    }
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(stream);
  if (!status.ok()) return status;
  std::sort(names.begin(), names.end());
  return names;
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
