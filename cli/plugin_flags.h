// `nfalab plugin-flags`: the compiler flags that build a run-time plugin for
// this binary with a plain compiler, outside Bazel:
//
//   g++ $(nfalab plugin-flags) my_plugin.cc -o libmy_plugin.so
//
// They are the ABI-relevant flags the binary was built with
// (PluginCompileFlags: -std, -march, -O, NDEBUG, EIGEN_USE_BLAS, -fPIC),
// -shared, and the include directories: nfalab's source tree (for the
// interface headers), the build's output tree (for generated .pb.h headers)
// and Eigen's.
#ifndef NFALAB_CLI_PLUGIN_FLAGS_H_
#define NFALAB_CLI_PLUGIN_FLAGS_H_

#include <string>

#include "absl/status/statusor.h"

namespace nfalab {

// Eigen's headers (Debian: libeigen3-dev), as WORKSPACE's @eigen uses them.
inline constexpr char kEigenIncludeDir[] = "/usr/include/eigen3";

// The flags, on one line. `source_root` is nfalab's source tree; empty means
// find it: $BUILD_WORKSPACE_DIRECTORY under `bazel run`, else through the
// execroot next to the binary's output tree. `binary_path` is this
// executable (/proc/self/exe); its directory must be Bazel's output tree,
// which holds the generated headers. FailedPrecondition (saying to pass
// --root) when the source tree cannot be found.
absl::StatusOr<std::string> PluginFlags(const std::string& source_root,
                                        const std::string& binary_path);

}  // namespace nfalab

#endif  // NFALAB_CLI_PLUGIN_FLAGS_H_
