#include "experiment/model_import.h"

#include <algorithm>
#include <exception>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/file_io.h"
#include "core/npy.h"
#include "core/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "json/json.h"

namespace nfalab {
namespace {

using ::google::protobuf::FieldDescriptor;

// Keys every layer entry may have besides its LayerSpec fields and the
// layer's exported fields.
constexpr const char* kFileKeys[] = {"weight", "initial_weight", "bias"};
// model.json is a flat list of layers; deeper nesting is an error (JsonCpp
// throws past its limit, which ParseJson catches).
constexpr int kMaxJsonDepth = 64;
constexpr const char* kTopKeys[] = {"input_shape", "layers", "epoch", "step",
                                    "at_initialisation"};

std::string Compact(const Json::Value& value) {
  Json::StreamWriterBuilder writer;
  writer["indentation"] = "";
  return Json::writeString(writer, value);
}

// jsoncpp's first error, "* Line 3, Column 5\n  Syntax error: ...", as
// "line 3, column 5: syntax error: ...".
std::string FirstJsonError(const std::string& errors) {
  std::vector<std::string> parts;
  for (absl::string_view line : absl::StrSplit(errors, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    absl::ConsumePrefix(&line, "* ");
    if (!line.empty()) parts.push_back(absl::AsciiStrToLower(line));
    if (parts.size() == 2) break;
  }
  return absl::StrJoin(parts, ": ");
}

absl::StatusOr<Json::Value> ParseJson(absl::string_view text,
                                      absl::string_view name) {
  Json::CharReaderBuilder builder;
  Json::CharReaderBuilder::strictMode(&builder.settings_);
  builder["stackLimit"] = kMaxJsonDepth;
  const std::unique_ptr<Json::CharReader> reader(builder.newCharReader());
  Json::Value root;
  std::string errors;
  bool parsed = false;
  // jsoncpp throws (rather than reporting) past its nesting limit.
  try {
    parsed = reader->parse(text.data(), text.data() + text.size(), &root,
                           &errors);
  } catch (const std::exception&) {
    errors = absl::StrCat("nested more than ", kMaxJsonDepth, " levels deep");
  }
  if (!parsed) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, " is not valid JSON: ", FirstJsonError(errors)));
  }
  if (!root.isObject()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " must hold one JSON object"));
  }
  return root;
}

std::string KeysOf(const Json::Value& object) {
  return absl::StrJoin(object.getMemberNames(), ", ");
}

absl::StatusOr<SampleShape> ParseInputShape(const Json::Value& value) {
  std::vector<int> dims;
  if (value.isArray()) {
    for (const Json::Value& dim : value) {
      if (!dim.isInt() || dim.asInt() < 1) {
        dims.clear();
        break;
      }
      dims.push_back(dim.asInt());
    }
  }
  if (dims.size() == 1) return SampleShape::Flat(dims[0]);
  if (dims.size() == 3) return SampleShape::Image(dims[0], dims[1], dims[2]);
  return absl::InvalidArgumentError(absl::StrCat(
      "input_shape must be [d] or [C, H, W] of positive integers, got ",
      Compact(value)));
}

// Sets the LayerSpec field `field` from a JSON value of the matching type.
absl::Status SetSpecField(const FieldDescriptor& field,
                          const Json::Value& value, LayerSpec* spec) {
  const auto* reflection = spec->GetReflection();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      if (value.isInt()) {
        reflection->SetInt32(spec, &field, value.asInt());
        return absl::OkStatus();
      }
      return absl::InvalidArgumentError(absl::StrCat(
          field.name(), " must be an integer, got ", Compact(value)));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      if (value.isNumeric() && !value.isBool()) {
        reflection->SetDouble(spec, &field, value.asDouble());
        return absl::OkStatus();
      }
      return absl::InvalidArgumentError(absl::StrCat(
          field.name(), " must be a number, got ", Compact(value)));
    case FieldDescriptor::CPPTYPE_STRING:
      if (value.isString()) {
        reflection->SetString(spec, &field, value.asString());
        return absl::OkStatus();
      }
      return absl::InvalidArgumentError(absl::StrCat(
          field.name(), " must be a string, got ", Compact(value)));
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(field.name(), " cannot be set in model.json"));
  }
}

// "options" / "activation_options": the JSON form of a google.protobuf.Any
// ({"@type": "type.googleapis.com/pkg.Message", ...fields}).
absl::Status SetAny(const std::string& key, const Json::Value& value,
                    google::protobuf::Any* any) {
  if (!value.isObject() || !value.isMember("@type")) {
    return absl::InvalidArgumentError(absl::StrCat(
        key, " must be an object with \"@type\" (the JSON form of the "
        "options message, e.g. {\"@type\": \"type.googleapis.com/my.Options\", "
        "\"scale\": 2}), got ", Compact(value)));
  }
  const auto status =
      google::protobuf::util::JsonStringToMessage(Compact(value), any);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(key, ": ", std::string(status.message())));
  }
  return absl::OkStatus();
}

// One layer entry: its spec, and the keys to check against the built
// layer's exported fields.
struct LayerEntry {
  LayerSpec spec;
  // Keys that must be among the layer's exported fields, with their values.
  std::map<std::string, Json::Value> exported;
  // LayerSpec fields given: checked against the exported field of the same
  // name when the layer exports one.
  std::map<std::string, Json::Value> spec_fields;
  std::map<std::string, std::string> files;  // kFileKeys present
};

absl::StatusOr<LayerEntry> ParseLayer(const Json::Value& entry) {
  if (!entry.isObject()) {
    return absl::InvalidArgumentError(
        absl::StrCat("must be a JSON object, got ", Compact(entry)));
  }
  if (!entry["type"].isString()) {
    return absl::InvalidArgumentError(
        absl::StrCat("needs \"type\" (a registered layer type, as a string); "
                     "its keys: ",
                     KeysOf(entry)));
  }
  LayerEntry parsed;
  parsed.spec.set_type(entry["type"].asString());
  const auto* descriptor = LayerSpec::descriptor();
  for (const std::string& key : entry.getMemberNames()) {
    const Json::Value& value = entry[key];
    if (key == "type") continue;
    if (std::find(std::begin(kFileKeys), std::end(kFileKeys), key) !=
        std::end(kFileKeys)) {
      if (!value.isString() || value.asString().empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            key, " must name an .npy file, got ", Compact(value)));
      }
      parsed.files[key] = value.asString();
    } else if (key == "options") {
      NFALAB_RETURN_IF_ERROR(SetAny(key, value, parsed.spec.mutable_options()));
    } else if (key == "activation_options") {
      NFALAB_RETURN_IF_ERROR(
          SetAny(key, value, parsed.spec.mutable_activation_options()));
    } else if (key == "name" && value.isString()) {
      // An activation layer's entry names its activation.
      parsed.spec.set_activation(value.asString());
      parsed.spec_fields[key] = value;
    } else if (const FieldDescriptor* field = descriptor->FindFieldByName(key);
               field != nullptr && !field->is_repeated() &&
               field->cpp_type() != FieldDescriptor::CPPTYPE_BOOL &&
               field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      NFALAB_RETURN_IF_ERROR(SetSpecField(*field, value, &parsed.spec));
      parsed.spec_fields[key] = value;
    } else {
      parsed.exported[key] = value;
    }
  }
  // A weighted layer's bias is on exactly when it names a bias file.
  if (parsed.files.count("weight") > 0) {
    parsed.spec.set_bias(parsed.files.count("bias") > 0);
  }
  return parsed;
}

// True if JSON `a` and `b` hold the same value (numbers compared as
// numbers, so 2 equals 2.0).
bool SameJson(const Json::Value& a, const Json::Value& b) {
  if (a.isNumeric() && b.isNumeric() && !a.isBool() && !b.isBool()) {
    return a.asDouble() == b.asDouble();
  }
  return a == b;
}

// `json`, one exported field's value, parsed.
absl::StatusOr<Json::Value> ParseExported(const BasicLayer<float>& layer,
                                          const ExportField& field) {
  Json::CharReaderBuilder builder;
  const std::unique_ptr<Json::CharReader> reader(builder.newCharReader());
  Json::Value parsed;
  std::string errors;
  const std::string text = absl::StrCat("[", field.json, "]");
  if (!reader->parse(text.data(), text.data() + text.size(), &parsed,
                     &errors)) {
    return absl::InternalError(absl::StrCat(layer.type(), " exports ",
                                            field.key,
                                            " as invalid JSON: ", field.json));
  }
  return parsed[0];
}

// Checks the entry's keys against what the built layer exports.
absl::Status CheckExported(const LayerEntry& entry,
                           const BasicLayer<float>& layer) {
  std::map<std::string, ExportField> exported;
  for (const ExportField& field : layer.ExportFields()) {
    exported[field.key] = field;
  }
  for (const auto& [key, value] : entry.exported) {
    if (exported.count(key) == 0) {
      std::vector<std::string> known = {"type"};
      for (const auto& [name, field] : exported) known.push_back(name);
      if (layer.AsWeighted() != nullptr) {
        known.insert(known.end(), std::begin(kFileKeys), std::end(kFileKeys));
      }
      return absl::InvalidArgumentError(
          absl::StrCat("unknown key \"", key, "\" (the keys of a ",
                       layer.type(), " layer: ", absl::StrJoin(known, ", "),
                       ")"));
    }
  }
  for (const auto* given : {&entry.exported, &entry.spec_fields}) {
    for (const auto& [key, value] : *given) {
      const auto found = exported.find(key);
      if (found == exported.end()) continue;
      NFALAB_ASSIGN_OR_RETURN(const Json::Value built,
                              ParseExported(layer, found->second));
      if (!SameJson(value, built)) {
        return absl::InvalidArgumentError(absl::StrCat(
            key, " is ", Compact(value), " in model.json, but the layer built ",
            "from it, on input ", layer.input_shape().ToString(), ", has ",
            found->second.json));
      }
    }
  }
  return absl::OkStatus();
}

// An .npy file of float values of exactly `shape`, as float32 values in
// row-major order ([shape[0], rest]).
absl::StatusOr<MatrixD> ReadWeightFile(const std::string& path,
                                       absl::Span<const int64_t> shape,
                                       absl::string_view what) {
  NFALAB_ASSIGN_OR_RETURN(NpyArray array, ReadNpy(path));
  if (array.dtype != "<f4" && array.dtype != "<f8") {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": ", what, " must be float32 or float64, got dtype ",
        array.dtype));
  }
  if (array.shape != std::vector<int64_t>(shape.begin(), shape.end())) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", what, " has shape ", ShapeList(array.shape),
                     ", but model.json's layer needs ", ShapeList(shape)));
  }
  NFALAB_RETURN_IF_ERROR(
      CheckFitsFloat(array, absl::StrCat(path, " (", what, ")")));
  return std::move(array.values);
}

std::string JoinPath(const std::string& dir, const std::string& file) {
  if (!file.empty() && file.front() == '/') return file;
  return absl::StrCat(dir, "/", file);
}

// The architecture of one layer, for comparing checkpoints.
std::string LayerSignature(const BasicLayer<float>& layer) {
  std::vector<std::string> fields = {layer.type()};
  for (const ExportField& field : layer.ExportFields()) {
    fields.push_back(absl::StrCat(field.key, " ", field.json));
  }
  if (const BasicWeightedLayer<float>* weighted = layer.AsWeighted()) {
    fields.push_back(weighted->has_bias() ? "with a bias" : "without a bias");
  }
  return absl::StrJoin(fields, ", ");
}

}  // namespace

namespace {

// ParseModelJson, keeping each layer's entry for the checks after building.
absl::StatusOr<ModelDescription> ParseModelText(
    absl::string_view text, absl::string_view name,
    std::vector<LayerEntry>* entries) {
  NFALAB_ASSIGN_OR_RETURN(const Json::Value root, ParseJson(text, name));
  for (const std::string& key : root.getMemberNames()) {
    if (std::find(std::begin(kTopKeys), std::end(kTopKeys), key) ==
        std::end(kTopKeys)) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": unknown key \"", key, "\" (known: ",
                       absl::StrJoin(kTopKeys, ", "), ")"));
    }
  }
  ModelDescription description;
  if (!root.isMember("input_shape")) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " needs \"input_shape\" ([d] or [C, H, W])"));
  }
  absl::StatusOr<SampleShape> input_shape =
      ParseInputShape(root["input_shape"]);
  if (!input_shape.ok()) return AnnotateStatus(input_shape.status(), name);
  description.input_shape = *input_shape;
  if (root.isMember("epoch")) {
    if (!root["epoch"].isInt() || root["epoch"].asInt() < -1) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": epoch must be an integer >= -1, got ",
                       Compact(root["epoch"])));
    }
    description.epoch = root["epoch"].asInt();
  }
  if (root.isMember("step")) {
    if (!root["step"].isInt64() || root["step"].asInt64() < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": step must be an integer >= 0, got ",
                       Compact(root["step"])));
    }
    description.step = root["step"].asInt64();
  }
  if (description.epoch.has_value() != description.step.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": \"epoch\" and \"step\" go together; give both or neither"));
  }
  if (root.isMember("at_initialisation")) {
    if (!root["at_initialisation"].isBool()) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": at_initialisation must be true or false, got ",
                       Compact(root["at_initialisation"])));
    }
    description.at_initialisation = root["at_initialisation"].asBool();
  }
  const Json::Value& layers = root["layers"];
  if (!layers.isArray() || layers.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, " needs \"layers\", a non-empty list of layer entries"));
  }
  for (Json::ArrayIndex j = 0; j < layers.size(); ++j) {
    absl::StatusOr<LayerEntry> entry = ParseLayer(layers[j]);
    if (!entry.ok()) {
      return AnnotateStatus(entry.status(),
                            absl::StrCat(name, ": layers[", j, "]"));
    }
    description.specs.push_back(entry->spec);
    entries->push_back(*std::move(entry));
  }
  return description;
}

}  // namespace

absl::StatusOr<ModelDescription> ParseModelJson(absl::string_view text,
                                                absl::string_view name) {
  std::vector<LayerEntry> entries;
  return ParseModelText(text, name, &entries);
}

absl::StatusOr<ImportedModel> ImportModel(const std::string& dir) {
  const std::string path = dir + "/model.json";
  NFALAB_ASSIGN_OR_RETURN(const std::string text, ReadFile(path));
  std::vector<LayerEntry> entries;
  NFALAB_ASSIGN_OR_RETURN(ModelDescription description,
                          ParseModelText(text, path, &entries));
  absl::StatusOr<Model> built =
      Model::FromSpecs(description.specs, description.input_shape, "layers");
  if (!built.ok()) return AnnotateStatus(built.status(), path);
  ImportedModel imported{dir, std::move(built).value(), description.epoch,
                         description.step, description.at_initialisation};
  Model& model = imported.model;
  int weighted = 0;
  for (int j = 0; j < model.num_layers(); ++j) {
    BasicLayer<float>& layer = model.layer(j);
    const std::string where =
        absl::StrCat(path, ": layers[", j, "] (", layer.type(), ")");
    LayerEntry& entry = entries[j];
    NFALAB_RETURN_IF_ERROR(AnnotateStatus(CheckExported(entry, layer), where));
    BasicWeightedLayer<float>* w = layer.AsWeighted();
    if (w == nullptr) {
      if (!entry.files.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, " has no weight, but names \"",
                         entry.files.begin()->first, "\""));
      }
      continue;
    }
    ++weighted;
    for (const char* key : {"weight", "initial_weight"}) {
      if (entry.files.count(key) == 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, " is weighted layer ", weighted, " and needs \"", key,
            "\" (an .npy file", key == std::string("weight") ? "" : " of W0",
            ")"));
      }
    }
    const std::vector<int64_t> shape = w->ExportWeightShape();
    NFALAB_ASSIGN_OR_RETURN(
        const MatrixD weight,
        ReadWeightFile(JoinPath(dir, entry.files["weight"]), shape,
                       absl::StrCat("the weight of layers[", j, "]")));
    NFALAB_ASSIGN_OR_RETURN(
        const MatrixD initial,
        ReadWeightFile(JoinPath(dir, entry.files["initial_weight"]), shape,
                       absl::StrCat("the initial_weight of layers[", j, "]")));
    w->weight() = weight.cast<float>();
    NFALAB_RETURN_IF_ERROR(w->SetInitialWeight(initial.cast<float>(), where));
    if (w->has_bias()) {
      const int64_t bias_shape[] = {w->units()};
      NFALAB_ASSIGN_OR_RETURN(
          const MatrixD bias,
          ReadWeightFile(JoinPath(dir, entry.files["bias"]), bias_shape,
                         absl::StrCat("the bias of layers[", j, "]")));
      w->bias() = bias.col(0).cast<float>();
    }
    if (imported.at_initialisation && w->weight() != w->initial_weight()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, " says at_initialisation, but the weight of layers[", j,
          "] (", entry.files["weight"], ") differs from its initial_weight (",
          entry.files["initial_weight"], ") by up to ",
          (w->weight() - w->initial_weight()).cwiseAbs().maxCoeff()));
    }
  }
  return imported;
}

absl::Status CheckSameArchitecture(const ImportedModel& a,
                                   const ImportedModel& b) {
  const auto differ = [&](const std::string& what, const std::string& in_a,
                          const std::string& in_b) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the checkpoints are of different architectures: ", what, " is ",
        in_a, " in ", a.dir, "/model.json but ", in_b, " in ", b.dir,
        "/model.json"));
  };
  if (a.model.input_shape().ToString() != b.model.input_shape().ToString()) {
    return differ("input_shape", a.model.input_shape().ToString(),
                  b.model.input_shape().ToString());
  }
  if (a.model.num_layers() != b.model.num_layers()) {
    return differ("the number of layers", absl::StrCat(a.model.num_layers()),
                  absl::StrCat(b.model.num_layers()));
  }
  for (int j = 0; j < a.model.num_layers(); ++j) {
    const std::string in_a = LayerSignature(a.model.layer(j));
    const std::string in_b = LayerSignature(b.model.layer(j));
    if (in_a != in_b) {
      return differ(absl::StrCat("layers[", j, "]"), absl::StrCat("(", in_a, ")"),
                    absl::StrCat("(", in_b, ")"));
    }
  }
  return absl::OkStatus();
}

std::string ShapeList(absl::Span<const int64_t> shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

}  // namespace nfalab
