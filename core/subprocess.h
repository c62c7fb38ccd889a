// Runs an external command without a shell and captures what it prints.
// `nfalab study --launcher=slurm` calls Slurm's sbatch, squeue and scancel
// through it; passing argv directly means job names and paths need no
// quoting.
//
//   NFALAB_ASSIGN_OR_RETURN(CommandResult squeue,
//                           RunCommand({"squeue", "--noheader", "-j", id}));
//   if (squeue.exit_code != 0) {
//     return absl::UnavailableError(
//         absl::StrCat("squeue: ", squeue.stderr_text));
//   }
#ifndef NFALAB_CORE_SUBPROCESS_H_
#define NFALAB_CORE_SUBPROCESS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nfalab {

struct CommandResult {
  // The exit status (0..255), or 128 + the signal number if it was killed by
  // a signal.
  int exit_code = 0;
  std::string stdout_text;
  std::string stderr_text;
};

// Runs argv[0] with arguments argv[1..] and waits for it to end. argv[0] is
// searched on PATH when it contains no '/'. No shell is involved; stdin is
// /dev/null; stdout and stderr are captured separately in full (both pipes
// are read concurrently, so a child writing a lot to either cannot
// deadlock). Returns once the child has exited and both pipes are closed, so
// a background process that inherited them delays the return.
// A non-zero exit is not an error: it is in exit_code.
// Errors: empty argv -> InvalidArgument; argv[0] not found on PATH or not
// executable -> NotFound naming the command (and, when searched, that it was
// searched on PATH); pipe/fork failures -> Internal with strerror. If the
// file disappears between the search and the exec, exit_code is 127.
absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv);

// The path of the first executable file called `name` in the directories of
// $PATH (an empty PATH entry means the current directory, returned as
// "./<name>"), or "" if there is none or PATH is unset. A name containing '/'
// is returned unchanged if it is an executable file, else "". Directories
// are not executable files.
std::string FindExecutableOnPath(absl::string_view name);

}  // namespace nfalab

#endif  // NFALAB_CORE_SUBPROCESS_H_
