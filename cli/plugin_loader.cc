#include "cli/plugin_loader.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "core/build_flags.h"
#include "core/elf_section.h"
#include "core/plugin_abi.h"
#include "core/sha256.h"
#include "core/status_macros.h"
#include "datasets/dataset_source.h"
#include "layers/activation.h"
#include "layers/layer.h"
#include "metrics/alignment_measure.h"
#include "optimizers/optimizer.h"

namespace nfalab {
namespace {

// Every registered name as "<kind> <name>".
std::set<std::string> RegisteredNames() {
  std::set<std::string> names;
  auto add = [&names](const auto& registry) {
    for (const std::string& name : registry.Names()) {
      names.insert(absl::StrCat(registry.kind(), " ", name));
    }
  };
  add(LayerRegistry::Global());
  add(ActivationRegistry::Global());
  add(AlignmentMeasureRegistry::Global());
  add(OptimizerRegistry::Global());
  add(DatasetSourceRegistry::Global());
  return names;
}

absl::Mutex loader_mutex(absl::kConstInit);

std::vector<LoadedPlugin>& Loaded() ABSL_EXCLUSIVE_LOCKS_REQUIRED(loader_mutex) {
  static auto* loaded = new std::vector<LoadedPlugin>();
  return *loaded;
}

// "key=value ..." after the leading tag, as a map.
std::map<std::string, std::string> FingerprintSettings(
    const std::string& fingerprint) {
  std::map<std::string, std::string> settings;
  for (absl::string_view item :
       absl::StrSplit(fingerprint, ' ', absl::SkipEmpty())) {
    const size_t equals = item.find('=');
    if (equals == absl::string_view::npos) continue;
    settings[std::string(item.substr(0, equals))] =
        std::string(item.substr(equals + 1));
  }
  return settings;
}

// The distinct fingerprints in a .nfalab_abi section (NUL-separated strings;
// sanitizers may pad them with more NULs).
std::set<std::string> SectionFingerprints(const std::string& section) {
  std::set<std::string> fingerprints;
  for (absl::string_view item : absl::StrSplit(section, '\0')) {
    if (!item.empty()) fingerprints.insert(std::string(item));
  }
  return fingerprints;
}

// OK if every fingerprint the plugin in `file` carries is the binary's.
// Messages name `path`, as the user gave it.
absl::Status CheckAbi(const std::string& file, const std::string& path) {
  NFALAB_ASSIGN_OR_RETURN(const std::optional<std::string> section,
                          ReadElfSection(file, NFALAB_ABI_SECTION));
  const std::set<std::string> fingerprints =
      section.has_value() ? SectionFingerprints(*section)
                          : std::set<std::string>();
  if (fingerprints.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path,
        " is not an nfalab plugin: it registers nothing with nfalab's "
        "NFALAB_REGISTER_* macros (no ",
        NFALAB_ABI_SECTION, " section)"));
  }
  std::vector<std::string> differences;
  for (const std::string& fingerprint : fingerprints) {
    const std::string difference =
        DescribeAbiDifferences(fingerprint, NFALAB_ABI_FINGERPRINT);
    if (!difference.empty()) differences.push_back(difference);
  }
  if (differences.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "plugin ", path,
      " was built with settings that differ from this nfalab binary's: ",
      absl::StrJoin(differences, "; "),
      ". Loading it would corrupt memory; rebuild it with the binary's flags: ",
      PluginCompileFlags(), " (`nfalab plugin-flags` prints the whole command)"));
}

}  // namespace

std::string PluginCompileFlags() {
  return absl::StrCat(kBuildCompileFlags, " -fPIC");
}

std::string DescribeAbiDifferences(const std::string& plugin_fingerprint,
                                   const std::string& binary_fingerprint) {
  const auto plugin = FingerprintSettings(plugin_fingerprint);
  const auto binary = FingerprintSettings(binary_fingerprint);
  std::set<std::string> keys;
  for (const auto& [key, value] : plugin) keys.insert(key);
  for (const auto& [key, value] : binary) keys.insert(key);
  std::vector<std::string> differences;
  for (const std::string& key : keys) {
    const auto in_plugin = plugin.find(key);
    const auto in_binary = binary.find(key);
    const std::string plugin_value =
        in_plugin == plugin.end() ? "(absent)" : in_plugin->second;
    const std::string binary_value =
        in_binary == binary.end() ? "(absent)" : in_binary->second;
    if (plugin_value != binary_value) {
      differences.push_back(
          absl::StrCat(key, "=", plugin_value, " (nfalab: ", binary_value, ")"));
    }
  }
  return absl::StrJoin(differences, ", ");
}

absl::StatusOr<LoadedPlugin> LoadPlugin(const std::string& path) {
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
  for (const LoadedPlugin& loaded : Loaded()) {
    if (loaded.path == canonical) return loaded;
  }
  // Before dlopen: nothing of a mis-built plugin may run.
  NFALAB_RETURN_IF_ERROR(CheckAbi(file, path));
  LoadedPlugin plugin;
  plugin.path = canonical;
  NFALAB_ASSIGN_OR_RETURN(plugin.sha256, Sha256HexOfFile(file));
  const std::set<std::string> names_before = RegisteredNames();
  dlerror();  // Clears any earlier error.
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (handle == nullptr) {
    const char* error = dlerror();
    return absl::InvalidArgumentError(
        absl::StrCat("cannot load plugin ", path, ": ",
                     error != nullptr ? error : "dlopen failed"));
  }
  const std::set<std::string> names_after = RegisteredNames();
  std::set_difference(names_after.begin(), names_after.end(),
                      names_before.begin(), names_before.end(),
                      std::back_inserter(plugin.names));
  if (plugin.names.empty()) {
    dlclose(handle);
    return absl::InvalidArgumentError(absl::StrCat(
        path,
        " is not an nfalab plugin: it registered no layer, activation, "
        "measure, optimizer or dataset source"));
  }
  // The handle stays open for the life of the process: the registries hold
  // factories whose code lives in the library.
  Loaded().push_back(plugin);
  return plugin;
}

std::vector<LoadedPlugin> LoadedPlugins() {
  absl::MutexLock lock(&loader_mutex);
  return Loaded();
}

}  // namespace nfalab
