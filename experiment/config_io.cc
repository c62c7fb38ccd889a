#include "experiment/config_io.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/file_io.h"
#include "core/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace nfalab {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::TextFormat;

// Keeps the first parse error as "source:line:column: message".
class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  explicit FirstErrorCollector(absl::string_view source) : source_(source) {}

  void AddError(int line, int column, const std::string& message) override {
    if (!error_.empty()) return;
    // The parser counts from 0; editors count from 1.
    error_ = line >= 0 ? absl::StrCat(source_, ":", line + 1, ":", column + 1,
                                      ": ", message)
                       : absl::StrCat(source_, ": ", message);
  }
  void AddWarning(int, int, const std::string&) override {}

  const std::string& error() const { return error_; }

 private:
  std::string source_;
  std::string error_;
};

std::string FieldNames(const Descriptor& descriptor) {
  std::vector<std::string> names;
  for (int i = 0; i < descriptor.field_count(); ++i) {
    names.push_back(descriptor.field(i)->name());
  }
  return absl::StrJoin(names, ", ");
}

// Quotes a bare string value so the text-format parser accepts it.
std::string QuoteIfBare(absl::string_view value) {
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
      value.back() == value.front()) {
    return std::string(value);
  }
  return absl::StrCat("\"", absl::CEscape(value), "\"");
}

}  // namespace

absl::Status ParseTextProto(absl::string_view text, absl::string_view source,
                            google::protobuf::Message* message) {
  FirstErrorCollector errors(source);
  TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), message)) {
    return absl::InvalidArgumentError(
        errors.error().empty()
            ? absl::StrCat(source, ": cannot parse ",
                           message->GetDescriptor()->full_name())
            : errors.error());
  }
  return absl::OkStatus();
}

absl::StatusOr<ExperimentConfig> ParseConfig(absl::string_view text,
                                             absl::string_view source) {
  ExperimentConfig config;
  NFALAB_RETURN_IF_ERROR(ParseTextProto(text, source, &config));
  return config;
}

absl::StatusOr<ExperimentConfig> LoadConfig(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        absl::StrCat("config file: ", text.status().message()));
  }
  return ParseConfig(*text, path);
}

absl::Status ApplyOverride(absl::string_view assignment,
                           ExperimentConfig* config) {
  const size_t equals = assignment.find('=');
  if (equals == absl::string_view::npos || equals == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "override \"", assignment, "\" is not of the form field.path=value"));
  }
  const absl::string_view path = assignment.substr(0, equals);
  const absl::string_view value =
      absl::StripAsciiWhitespace(assignment.substr(equals + 1));
  const std::vector<absl::string_view> parts = absl::StrSplit(path, '.');

  Message* message = config;
  const FieldDescriptor* field = nullptr;
  for (size_t i = 0; i < parts.size(); ++i) {
    const Descriptor& descriptor = *message->GetDescriptor();
    field = descriptor.FindFieldByName(std::string(parts[i]));
    if (field == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown config field \"", path, "\" in override \"", assignment,
          "\": ", descriptor.full_name(), " has no field \"", parts[i],
          "\" (fields: ", FieldNames(descriptor), ")"));
    }
    if (i + 1 == parts.size()) break;
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
        field->is_repeated()) {
      return absl::InvalidArgumentError(
          absl::StrCat("override \"", assignment, "\": \"", parts[i],
                       "\" is not a message field, so it has no subfields"));
    }
    message = message->GetReflection()->MutableMessage(message, field);
  }

  const Reflection& reflection = *message->GetReflection();
  const bool is_string = field->cpp_type() == FieldDescriptor::CPPTYPE_STRING;
  std::vector<std::string> values;
  if (field->is_repeated()) {
    absl::string_view list = value;
    if (absl::ConsumePrefix(&list, "[")) {
      if (!absl::ConsumeSuffix(&list, "]")) {
        return absl::InvalidArgumentError(absl::StrCat(
            "override \"", assignment, "\": unbalanced '[' in the list"));
      }
    }
    for (absl::string_view item :
         absl::StrSplit(list, ',', absl::SkipEmpty())) {
      values.emplace_back(absl::StripAsciiWhitespace(item));
    }
    reflection.ClearField(message, field);
  } else {
    values.emplace_back(value);
  }

  FirstErrorCollector errors(absl::StrCat("override \"", assignment, "\""));
  TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  for (const std::string& item : values) {
    const std::string text = is_string ? QuoteIfBare(item) : item;
    if (!parser.ParseFieldValueFromString(text, field, message)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "bad value \"", item, "\" for config field ", path, " (",
          field->type_name(), ")",
          errors.error().empty() ? "" : absl::StrCat(": ", errors.error())));
    }
  }
  return absl::OkStatus();
}

std::string ConfigToText(const ExperimentConfig& config) {
  std::string text;
  TextFormat::Printer printer;
  // Options as `[type.googleapis.com/T] { ... }`, not as raw bytes (the
  // type is in the pool: it is linked, or a loaded plugin's).
  printer.SetExpandAny(true);
  printer.PrintToString(config, &text);
  return text;
}

}  // namespace nfalab
