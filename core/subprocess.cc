#include "core/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/file_io.h"
#include "core/status_macros.h"

namespace nfalab {
namespace {

// "<what>: <strerror(errno)>"; call right after the failing system call.
absl::Status InternalErrno(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

bool IsExecutableFile(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
         access(path.c_str(), X_OK) == 0;
}

// Runs in the forked child, so only async-signal-safe calls: the parent may
// have other threads, whose locks (malloc's included) the child inherits in
// whatever state they were.
[[noreturn]] void ExecChild(const char* path, char* const argv[], int stdin_fd,
                            int stdout_fd, int stderr_fd) {
  // A parent started with 0, 1 or 2 closed may have got those numbers from
  // open/pipe2; move such fds up first so the dup2s cannot overwrite each
  // other. dup2 clears O_CLOEXEC on 0, 1 and 2; the originals stay
  // close-on-exec.
  int fds[3] = {stdin_fd, stdout_fd, stderr_fd};
  for (int& fd : fds) {
    if (fd < 3) {
      fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
      if (fd < 0) _exit(127);
    }
  }
  for (int target = 0; target < 3; ++target) {
    if (dup2(fds[target], target) < 0) _exit(127);
  }
  // The mask of the forking thread survives exec; the command should not
  // start with signals (e.g. scancel's SIGTERM handling) blocked.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execv(path, argv);
  _exit(127);
}

// Reads both pipes until both reach end of file. Polling both keeps a child
// that fills one pipe while we would be blocked reading the other from
// deadlocking.
absl::Status ReadPipes(int stdout_fd, int stderr_fd, std::string* stdout_text,
                       std::string* stderr_text) {
  pollfd fds[2] = {{stdout_fd, POLLIN, 0}, {stderr_fd, POLLIN, 0}};
  std::string* const texts[2] = {stdout_text, stderr_text};
  char buffer[65536];
  int open_fds = 2;
  while (open_fds > 0) {
    if (poll(fds, 2, /*timeout=*/-1) < 0) {
      if (errno == EINTR) continue;
      return InternalErrno("poll");
    }
    for (int i = 0; i < 2; ++i) {
      // POLLHUP/POLLERR as well as POLLIN: read reports which it is.
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = read(fds[i].fd, buffer, sizeof(buffer));
      if (n > 0) {
        texts[i]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0) {
        fds[i].fd = -1;  // poll skips negative fds
        --open_fds;
      } else if (errno != EINTR && errno != EAGAIN) {
        return InternalErrno("read");
      }
    }
  }
  return absl::OkStatus();
}

// The child's exit code as CommandResult::exit_code defines it.
absl::StatusOr<int> WaitForExit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return InternalErrno("waitpid");
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return absl::InternalError(
      absl::StrCat("waitpid: unexpected status ", status));
}

}  // namespace

std::string FindExecutableOnPath(absl::string_view name) {
  if (name.empty()) return "";
  if (name.find('/') != absl::string_view::npos) {
    std::string path(name);
    return IsExecutableFile(path) ? path : "";
  }
  const char* const path_variable = std::getenv("PATH");
  if (path_variable == nullptr) return "";
  for (absl::string_view dir : absl::StrSplit(path_variable, ':')) {
    std::string candidate =
        dir.empty() ? absl::StrCat("./", name) : absl::StrCat(dir, "/", name);
    if (IsExecutableFile(candidate)) return candidate;
  }
  return "";
}

absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv) {
  if (argv.empty()) {
    return absl::InvalidArgumentError("RunCommand: argv is empty");
  }
  // Resolved here, not by execvp in the child, so a missing command is a
  // NotFound rather than an exit code 127 that a real command could return.
  const std::string path = FindExecutableOnPath(argv[0]);
  if (path.empty()) {
    if (argv[0].find('/') != std::string::npos) {
      return absl::NotFoundError(
          absl::StrCat("command ", argv[0], " is not an executable file"));
    }
    const char* const path_variable = std::getenv("PATH");
    return absl::NotFoundError(absl::StrCat(
        "command ", argv[0], " not found on PATH (",
        path_variable == nullptr ? "PATH is unset" : path_variable, ")"));
  }
  // Built before fork: the child must not allocate.
  std::vector<char*> child_argv;
  child_argv.reserve(argv.size() + 1);
  for (const std::string& arg : argv) {
    child_argv.push_back(const_cast<char*>(arg.c_str()));
  }
  child_argv.push_back(nullptr);

  // Every fd is O_CLOEXEC so that neither this child nor commands other
  // threads start keep copies: a stray copy of a write end would keep
  // ReadPipes waiting for end of file.
  const int dev_null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (dev_null_fd < 0) return InternalErrno("open /dev/null");
  const ScopedFd dev_null(dev_null_fd);
  int stdout_pipe[2];
  if (pipe2(stdout_pipe, O_CLOEXEC) != 0) return InternalErrno("pipe2");
  const ScopedFd stdout_read(stdout_pipe[0]);
  std::optional<ScopedFd> stdout_write(std::in_place, stdout_pipe[1]);
  int stderr_pipe[2];
  if (pipe2(stderr_pipe, O_CLOEXEC) != 0) return InternalErrno("pipe2");
  const ScopedFd stderr_read(stderr_pipe[0]);
  std::optional<ScopedFd> stderr_write(std::in_place, stderr_pipe[1]);

  const pid_t pid = fork();
  if (pid < 0) return InternalErrno("fork");
  if (pid == 0) {
    ExecChild(path.c_str(), child_argv.data(), dev_null.get(),
              stdout_write->get(), stderr_write->get());
  }
  // The pipes reach end of file only once every write end is closed,
  // including ours.
  stdout_write.reset();
  stderr_write.reset();

  CommandResult result;
  const absl::Status read_status =
      ReadPipes(stdout_read.get(), stderr_read.get(), &result.stdout_text,
                &result.stderr_text);
  // Not reading any more: a child still writing would block forever, and
  // waitpid with it.
  if (!read_status.ok()) kill(pid, SIGKILL);
  NFALAB_ASSIGN_OR_RETURN(result.exit_code, WaitForExit(pid));
  NFALAB_RETURN_IF_ERROR(read_status);
  return result;
}

}  // namespace nfalab
