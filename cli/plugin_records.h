// Plugins recorded in a config (ExperimentConfig.plugins), so that a run's
// config.pbtxt, checkpoint and a study's study.pbtxt reproduce it without
// the --plugin flags:
//
//   NFALAB_RETURN_IF_ERROR(LoadRecordedPlugins(config, "run/config.pbtxt"));
//   RecordLoadedPlugins(&config);  // Before writing it out.
#ifndef NFALAB_CLI_PLUGIN_RECORDS_H_
#define NFALAB_CLI_PLUGIN_RECORDS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "experiment/experiment_config.pb.h"

namespace nfalab {

// Loads every plugin `config` records (paths as given: resolve relative ones
// first), after checking that each file's SHA-256 is the recorded one.
// Errors name `source` (where the config came from): FailedPrecondition for
// a file that changed since it was recorded (both digests), and LoadPlugin's
// errors otherwise (a missing file, an ABI mismatch, ...).
absl::Status LoadRecordedPlugins(const ExperimentConfig& config,
                                 absl::string_view source);

// Replaces config->plugins with every plugin loaded in this process: path,
// SHA-256 and registered names.
void RecordLoadedPlugins(ExperimentConfig* config);

}  // namespace nfalab

#endif  // NFALAB_CLI_PLUGIN_RECORDS_H_
