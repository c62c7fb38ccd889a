// Reading, overriding and writing ExperimentConfig text protos.
//
//   NFALAB_ASSIGN_OR_RETURN(ExperimentConfig config, LoadConfig("run.pbtxt"));
//   NFALAB_RETURN_IF_ERROR(ApplyOverride("model.width=128", &config));
//   NFALAB_RETURN_IF_ERROR(ApplyOverride("model.widths=[64,32]", &config));
//   std::string text = ConfigToText(config);
//
// Unknown fields and malformed values are InvalidArgument errors that name
// the file, line and column (or the override) and the field.
#ifndef NFALAB_EXPERIMENT_CONFIG_IO_H_
#define NFALAB_EXPERIMENT_CONFIG_IO_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "experiment/experiment_config.pb.h"
#include "google/protobuf/message.h"

namespace nfalab {

// Parses any text-format message; InvalidArgument with
// "source:line:column: message" for the first error.
absl::Status ParseTextProto(absl::string_view text, absl::string_view source,
                            google::protobuf::Message* message);

// Parses text format; `source` names the input in error messages.
absl::StatusOr<ExperimentConfig> ParseConfig(absl::string_view text,
                                             absl::string_view source);

// Reads and parses a .pbtxt file (NotFound if it cannot be read).
absl::StatusOr<ExperimentConfig> LoadConfig(const std::string& path);

// Applies "dotted.field.path=value". Scalars and enums take their text-format
// value; strings may be quoted or bare; repeated fields take a
// comma-separated list, optionally in brackets, and replace the old values.
absl::Status ApplyOverride(absl::string_view assignment,
                           ExperimentConfig* config);

// The config in text format, with every field that is set.
std::string ConfigToText(const ExperimentConfig& config);

}  // namespace nfalab

#endif  // NFALAB_EXPERIMENT_CONFIG_IO_H_
