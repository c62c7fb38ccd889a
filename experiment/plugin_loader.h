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
#ifndef NFALAB_EXPERIMENT_PLUGIN_LOADER_H_
#define NFALAB_EXPERIMENT_PLUGIN_LOADER_H_

#include <string>

#include "absl/status/status.h"

namespace nfalab {

// Loads the plugin at `path` with dlopen(RTLD_NOW | RTLD_GLOBAL). `path` is a
// file path: one without a '/' is taken relative to the current directory,
// never searched on the library path. Errors:
//   NotFound         the file does not exist (naming it);
//   InvalidArgument  dlopen failed (the path and dlerror(), e.g. not a
//                    shared library or an unresolved symbol), or the library
//                    registered no activation, alignment measure, optimizer
//                    or dataset source ("<path> is not an nfalab plugin";
//                    it is unloaded again).
// Loading the same file again is a no-op returning OK.
//
// A plugin that registers a name that is already taken (by a built-in or by
// another plugin) does not return: the registration macro's RegisterOrDie
// prints "nfalab: fatal registration error: ... is registered twice: at
// <site> and at <site>" and aborts the process. That is deliberate: a
// duplicate name is a programmer error, not a user error, and the CLI loads
// every plugin before it reads the config, so the abort happens before any
// run directory is created or written.
absl::Status LoadPlugin(const std::string& path);

}  // namespace nfalab

#endif  // NFALAB_EXPERIMENT_PLUGIN_LOADER_H_
