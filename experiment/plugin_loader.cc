#include "experiment/plugin_loader.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "datasets/dataset_source.h"
#include "layers/activation.h"
#include "metrics/alignment_measure.h"
#include "optimizers/optimizer.h"

namespace nfalab {
namespace {

// The number of names in the four registries.
size_t RegisteredNameCount() {
  return ActivationRegistry::Global().Names().size() +
         AlignmentMeasureRegistry::Global().Names().size() +
         OptimizerRegistry::Global().Names().size() +
         DatasetSourceRegistry::Global().Names().size();
}

absl::Mutex loader_mutex(absl::kConstInit);

// Canonical paths of the plugins loaded so far (never unloaded).
std::set<std::string>& LoadedPlugins()
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(loader_mutex) {
  static auto* loaded = new std::set<std::string>();
  return *loaded;
}

}  // namespace

absl::Status LoadPlugin(const std::string& path) {
  if (path.empty()) {
    return absl::InvalidArgumentError("--plugin needs a path to a .so file");
  }
  // dlopen searches the library path for a name without '/'; a plugin is
  // always a file.
  const std::string file =
      path.find('/') == std::string::npos ? absl::StrCat("./", path) : path;
  struct stat info;
  if (stat(file.c_str(), &info) != 0) {
    return absl::NotFoundError(
        absl::StrCat("plugin ", path, " does not exist"));
  }
  char resolved[PATH_MAX];
  const std::string canonical =
      realpath(file.c_str(), resolved) != nullptr ? resolved : file;

  absl::MutexLock lock(&loader_mutex);
  if (LoadedPlugins().count(canonical) > 0) return absl::OkStatus();
  const size_t names_before = RegisteredNameCount();
  dlerror();  // Clears any earlier error.
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (handle == nullptr) {
    const char* error = dlerror();
    return absl::InvalidArgumentError(
        absl::StrCat("cannot load plugin ", path, ": ",
                     error != nullptr ? error : "dlopen failed"));
  }
  if (RegisteredNameCount() == names_before) {
    dlclose(handle);
    return absl::InvalidArgumentError(absl::StrCat(
        path,
        " is not an nfalab plugin: it registered no activation, measure, "
        "optimizer or dataset source"));
  }
  // The handle stays open for the life of the process: the registries hold
  // factories whose code lives in the library.
  LoadedPlugins().insert(canonical);
  return absl::OkStatus();
}

}  // namespace nfalab
