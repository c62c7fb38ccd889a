#include "cli/plugin_records.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "cli/plugin_loader.h"
#include "core/sha256.h"
#include "core/status_macros.h"

namespace nfalab {

absl::Status LoadRecordedPlugins(const ExperimentConfig& config,
                                 absl::string_view source) {
  for (const PluginRecord& record : config.plugins()) {
    const std::string where = absl::StrCat("plugin ", record.path(),
                                           " (recorded in ", source, ")");
    if (record.path().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": a plugins entry has no path"));
    }
    if (!record.sha256().empty()) {
      absl::StatusOr<std::string> digest = Sha256HexOfFile(record.path());
      if (!digest.ok()) {
        return AnnotateStatus(digest.status(), where);
      }
      if (*digest != record.sha256()) {
        return absl::FailedPreconditionError(absl::StrCat(
            where, " has changed since the run: its SHA-256 is now ", *digest,
            " but the config records ", record.sha256(),
            ". Rebuild the recorded version, or remove the entry's sha256 to "
            "accept this build (results may differ)"));
      }
    }
    NFALAB_RETURN_IF_ERROR(
        AnnotateStatus(LoadPlugin(record.path()).status(), where));
  }
  return absl::OkStatus();
}

void RecordLoadedPlugins(ExperimentConfig* config) {
  config->clear_plugins();
  for (const LoadedPlugin& plugin : LoadedPlugins()) {
    PluginRecord* record = config->add_plugins();
    record->set_path(plugin.path);
    record->set_sha256(plugin.sha256);
    for (const std::string& name : plugin.names) record->add_registered(name);
  }
}

}  // namespace nfalab
