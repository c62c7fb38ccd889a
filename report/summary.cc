#include "report/summary.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/version.h"

namespace nfalab {
namespace {

std::string Quote(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string Number(double value) {
  return std::isfinite(value) ? absl::StrFormat("%.9g", value) : "null";
}

std::string NumberList(const std::vector<double>& values) {
  std::vector<std::string> parts;
  for (double value : values) parts.push_back(Number(value));
  return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
}

// {"1": {"c_nfc": ..., ...}, ...} for the rows of `epoch`.
std::string LayerValues(const MetricsTable& table, int epoch) {
  std::map<int, std::map<std::string, double>> layers;
  for (const MetricsTable::Row& row : table.rows()) {
    if (row.layer > 0 && row.epoch == epoch) {
      layers[row.layer][row.measure] = row.value;
    }
  }
  std::vector<std::string> entries;
  for (const auto& [layer, values] : layers) {
    std::vector<std::string> fields;
    for (const auto& [measure, value] : values) {
      fields.push_back(absl::StrCat(Quote(measure), ": ", Number(value)));
    }
    entries.push_back(
        absl::StrCat("\"", layer, "\": {", absl::StrJoin(fields, ", "), "}"));
  }
  return absl::StrCat("{", absl::StrJoin(entries, ",\n      "), "}");
}

}  // namespace

std::string SummaryJson(const SummaryInputs& inputs) {
  const MetricsTable& table = *inputs.table;
  // The last value of every run-level measure, and the measured epochs.
  std::map<std::string, double> final_values;
  int final_epoch = -1, first_measured = -2, last_measured = -2;
  for (const MetricsTable::Row& row : table.rows()) {
    if (row.layer == 0) {
      final_values[row.measure] = row.value;
      final_epoch = std::max(final_epoch, row.epoch);
    } else if (row.epoch >= 0) {
      if (first_measured == -2) first_measured = row.epoch;
      last_measured = row.epoch;
    }
  }
  std::vector<std::string> final_fields = {
      absl::StrCat("\"epoch\": ", final_epoch)};
  for (const auto& [measure, value] : final_values) {
    final_fields.push_back(absl::StrCat(Quote(measure), ": ", Number(value)));
  }
  const DataProvenance& data = *inputs.data;
  std::vector<std::string> notes;
  for (const std::string& note : data.notes) notes.push_back(Quote(note));
  std::string json = "{\n";
  absl::StrAppend(&json, "  \"name\": ", Quote(inputs.name), ",\n");
  absl::StrAppend(&json, "  \"seed\": ", inputs.seed, ",\n");
  const bool completed = inputs.error.empty() &&
                         inputs.interrupted_by.empty() &&
                         inputs.epochs_done == inputs.planned_epochs;
  absl::StrAppend(&json, "  \"completed\": ", completed ? "true" : "false",
                  ",\n");
  absl::StrAppend(&json, "  \"status\": ",
                  !inputs.error.empty()            ? "\"failed\""
                  : !inputs.interrupted_by.empty() ? "\"interrupted\""
                  : completed                      ? "\"completed\""
                                                   : "\"incomplete\"",
                  ",\n");
  if (!inputs.error.empty()) {
    absl::StrAppend(&json, "  \"error\": ", Quote(inputs.error), ",\n");
  }
  if (!inputs.interrupted_by.empty()) {
    absl::StrAppend(
        &json, "  \"interrupted_by\": ", Quote(inputs.interrupted_by), ",\n");
  }
  if (!inputs.warnings.empty()) {
    std::vector<std::string> warnings;
    for (const std::string& warning : inputs.warnings) {
      warnings.push_back(Quote(warning));
    }
    absl::StrAppend(&json, "  \"warnings\": [",
                    absl::StrJoin(warnings, ",\n    "), "],\n");
  }
  absl::StrAppend(&json, "  \"epochs_done\": ", inputs.epochs_done, ",\n");
  absl::StrAppend(&json, "  \"steps\": ", inputs.steps, ",\n");
  absl::StrAppend(&json, "  \"wall_clock_seconds\": ",
                  Number(inputs.wall_clock_seconds), ",\n");
  absl::StrAppend(&json, "  \"nfalab_version\": ", Quote(kNfalabVersion),
                  ",\n");
  absl::StrAppend(&json, "  \"git_commit\": ",
                  inputs.git_commit.empty() ? "null" : Quote(inputs.git_commit),
                  ",\n");
  absl::StrAppend(&json, "  \"final\": {", absl::StrJoin(final_fields, ", "),
                  "},\n");
  absl::StrAppend(&json,
                  "  \"first_measurement\": {\"epoch\": ", first_measured,
                  ", \"layers\": ", LayerValues(table, first_measured), "},\n");
  absl::StrAppend(&json, "  \"last_measurement\": {\"epoch\": ", last_measured,
                  ", \"layers\": ", LayerValues(table, last_measured), "},\n");
  absl::StrAppend(&json, "  \"data\": {\n");
  absl::StrAppend(&json, "    \"source\": ", Quote(data.source), ",\n");
  absl::StrAppend(&json, "    \"path\": ", Quote(data.path), ",\n");
  absl::StrAppend(&json, "    \"train_available\": ", data.train_available,
                  ", \"test_available\": ", data.test_available, ",\n");
  absl::StrAppend(&json, "    \"train_used\": ", data.train_used,
                  ", \"test_used\": ", data.test_used, ",\n");
  absl::StrAppend(&json, "    \"random_subset\": ",
                  data.random_subset ? "true" : "false", ",\n");
  absl::StrAppend(&json, "    \"channels\": ", data.channels, ",\n");
  absl::StrAppend(&json, "    \"standardized\": ",
                  data.standardized ? "true" : "false", ",\n");
  absl::StrAppend(
      &json, "    \"channel_mean\": ", NumberList(data.channel_mean), ",\n");
  absl::StrAppend(&json, "    \"channel_std\": ", NumberList(data.channel_std),
                  ",\n");
  absl::StrAppend(&json, "    \"targets\": ", Quote(data.targets), ",\n");
  absl::StrAppend(&json, "    \"notes\": [", absl::StrJoin(notes, ", "), "]\n");
  absl::StrAppend(&json, "  }\n}\n");
  return json;
}

std::string DetectGitCommit() {
  const char* workspace = std::getenv("BUILD_WORKSPACE_DIRECTORY");
  const std::string dir =
      workspace != nullptr && *workspace != '\0' ? workspace : ".";
  const std::string command = absl::StrCat(
      "git -C '", dir,
      "' describe --always --dirty --abbrev=40 --match=NONE 2>/dev/null");
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  char buffer[128] = {0};
  std::string output;
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  pclose(pipe);
  return std::string(absl::StripAsciiWhitespace(output));
}

}  // namespace nfalab
