// ResolvePath: under `bazel run`, relative paths refer to the directory the
// user started it in (BUILD_WORKING_DIRECTORY), not Bazel's runfiles tree.
#ifndef NFALAB_CLI_RESOLVE_PATH_H_
#define NFALAB_CLI_RESOLVE_PATH_H_

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"

namespace nfalab {

inline std::string ResolvePath(const std::string& path) {
  const char* base = std::getenv("BUILD_WORKING_DIRECTORY");
  if (path.empty() || path.front() == '/' || base == nullptr || *base == '\0') {
    return path;
  }
  return absl::StrCat(base, "/", path);
}

}  // namespace nfalab

#endif  // NFALAB_CLI_RESOLVE_PATH_H_
