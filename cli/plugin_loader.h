// Loads nfalab plugins (shared libraries) at run time:
//
//   nfalab --plugin=path/to/libmy_plugin.so train --config=...
//
// A plugin is a `cc_binary(name = "libmy_plugin.so", linkshared = 1)` that
// depends only on the header-only interface targets (//layers:activation,
// //metrics:alignment_measure, //optimizers:optimizer,
// //datasets:dataset_source) and registers implementations with their
// NFALAB_REGISTER_* macros. Loading it runs those static registrations
// against the registries of the binary (linked with -rdynamic), after which
// its names work in configs like the built-ins'.
//
// Every registration macro embeds the build's ABI fingerprint
// (core/plugin_abi.h). Before dlopen runs any of the plugin's code, the
// loader reads the fingerprints from the file and refuses a plugin built with
// settings that differ from the binary's (e.g. without -march=native, which
// changes Eigen's alignment and makes the process crash later).
#ifndef NFALAB_CLI_PLUGIN_LOADER_H_
#define NFALAB_CLI_PLUGIN_LOADER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace nfalab {

// A plugin in this process.
struct LoadedPlugin {
  // The canonical (absolute, symlink-free) path of the .so.
  std::string path;
  // SHA-256 of the file as it was loaded (64 lowercase hex digits).
  std::string sha256;
  // What it registered, as "<kind> <name>" (e.g. "activation mish"), sorted.
  std::vector<std::string> names;
};

// Loads the plugin at `path` with dlopen(RTLD_NOW | RTLD_GLOBAL). `path` is a
// file path: one without a '/' is taken relative to the current directory,
// never searched on the library path. Errors:
//   NotFound            the file does not exist (naming it);
//   InvalidArgument     the file is not an ELF shared object, carries no
//                       nfalab ABI fingerprint ("<path> is not an nfalab
//                       plugin"), dlopen failed (with dlerror()), or it
//                       registered nothing (it is unloaded again);
//   FailedPrecondition  its ABI fingerprint differs from the binary's: the
//                       message names each differing setting, both values,
//                       and the flags to rebuild with. Nothing of it ran.
// Loading the same file again returns the same LoadedPlugin.
//
// A plugin that registers a name that is already taken (by a built-in or by
// another plugin) does not return: the registration macro's RegisterOrDie
// prints "nfalab: fatal registration error: ... is registered twice: at
// <file:line> (in <object>) and at <file:line> (in <object>)", naming both
// shared objects, and aborts. A duplicate name is a programmer error, and
// the CLI loads every plugin before it writes anything, so the abort happens
// before any run directory is created or written.
absl::StatusOr<LoadedPlugin> LoadPlugin(const std::string& path);

// Every plugin loaded so far, in load order.
std::vector<LoadedPlugin> LoadedPlugins();

// The flags a plugin must be compiled with to match this binary (what
// `nfalab plugin-flags` prints first): kBuildCompileFlags plus -fPIC.
std::string PluginCompileFlags();

// The differences between a plugin's fingerprint and the binary's, as
// "key=plugin_value (nfalab: binary_value)" joined by ", "; empty if they
// agree. Exposed for tests.
std::string DescribeAbiDifferences(const std::string& plugin_fingerprint,
                                   const std::string& binary_fingerprint);

}  // namespace nfalab

#endif  // NFALAB_CLI_PLUGIN_LOADER_H_
