#include "cli/plugin_flags.h"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "cli/plugin_loader.h"

namespace nfalab {
namespace {

// The canonical form of `path`, or "" if it does not exist.
std::string RealPath(const std::string& path) {
  char resolved[PATH_MAX];
  return realpath(path.c_str(), resolved) != nullptr ? resolved : "";
}

std::string Dirname(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

bool HasInterfaceHeaders(const std::string& root) {
  return !root.empty() && access((root + "/core/registry.h").c_str(), R_OK) == 0;
}

}  // namespace

absl::StatusOr<std::string> PluginFlags(const std::string& source_root,
                                        const std::string& binary_path) {
  // The output tree: //:nfalab lives at its top, next to core/build_flags.h.
  const std::string output_tree = Dirname(RealPath(binary_path));
  const bool has_output_tree =
      access((output_tree + "/core/build_flags.h").c_str(), R_OK) == 0;

  std::string root = source_root;
  if (root.empty()) {
    const char* workspace = std::getenv("BUILD_WORKSPACE_DIRECTORY");
    if (workspace != nullptr && HasInterfaceHeaders(workspace)) {
      root = workspace;
    } else if (has_output_tree) {
      // <execroot>/bazel-out/<config>/bin: the execroot links the sources.
      const std::string header =
          RealPath(output_tree + "/../../../core/registry.h");
      if (!header.empty()) root = Dirname(Dirname(header));
    }
  }
  if (!HasInterfaceHeaders(root)) {
    return absl::FailedPreconditionError(absl::StrCat(
        root.empty() ? "cannot find nfalab's source tree"
                     : absl::StrCat(root, " has no core/registry.h"),
        "; pass --root=DIR, the directory of the nfalab checkout this binary "
        "was built from"));
  }
  std::string flags = absl::StrCat(PluginCompileFlags(), " -shared -I",
                                   RealPath(root));
  if (has_output_tree) absl::StrAppend(&flags, " -I", output_tree);
  absl::StrAppend(&flags, " -I", kEigenIncludeDir);
  return flags;
}

}  // namespace nfalab
