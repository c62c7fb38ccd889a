// ImportModel: reads a network written in the export format (model.json and
// its .npy files; experiment/npy_export.h, tools/python/nfalab_export.py) so
// that `nfalab measure` can measure a network trained anywhere.
//
// model.json, one JSON object (strict: no comments, no trailing commas, no
// duplicate keys):
//
//   {"input_shape": [1, 28, 28],       // one sample: [C, H, W] or [d]
//    "epoch": 3, "step": 1880,          // optional (both or neither)
//    "at_initialisation": false,        // optional: W = W0 in every layer
//    "layers": [
//      {"type": "flatten"},
//      {"type": "linear", "in_features": 784, "out_features": 256,
//       "weight": "W1.npy", "initial_weight": "W0_1.npy", "bias": "b1.npy"},
//      {"type": "activation", "name": "relu"},
//      {"type": "conv2d", "in_channels": 3, "out_channels": 16,
//       "kernel_size": 3, "stride": 1, "padding": 1, "weight": ...},
//      {"type": "maxpool2d", "kernel_size": 2, "stride": 2},
//      {"type": "avgpool2d", "kernel_size": 2, "stride": 2},
//      {"type": "global_avgpool"}, {"type": "dropout", "rate": 0.5}, ...]}
//
// Each layer entry is read into a LayerSpec (layers/model_config.proto):
// "type" names a registered layer (a plugin's too); a key with the name of a
// LayerSpec field (out_features, out_channels, kernel_size, stride, padding,
// rate) sets it; an activation's "name" sets `activation`; "options" and
// "activation_options" are the JSON form of the options message the layer
// type (or activation) registered. Every other key must be one the built
// layer exports (ExportFields, e.g. in_features) and must equal its value
// there, so model.json cannot claim a shape the layers do not have.
//
// Weighted layers name their files, relative to the directory: "weight"
// (PyTorch's layout: [out, in] for linear, [out, in, kh, kw] for conv2d),
// "initial_weight" (W0, the same shape; the centered measures need it) and,
// if the layer has a bias, "bias" ([out]). Files are float32 or float64 .npy
// (read through core/npy.h) and are cast to float32.
//
// Every error names the file and, for model.json, the layer entry
// ("DIR/model.json: layers[3] (conv2d): ..."); a JSON syntax error names the
// line and column.
#ifndef NFALAB_EXPERIMENT_MODEL_IMPORT_H_
#define NFALAB_EXPERIMENT_MODEL_IMPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "layers/sequential.h"

namespace nfalab {

struct ImportedModel {
  std::string dir;
  Model model;  // W, b and W0 as read
  std::optional<int> epoch;
  std::optional<int64_t> step;
  bool at_initialisation = false;
};

// Reads DIR/model.json and the files it names.
absl::StatusOr<ImportedModel> ImportModel(const std::string& dir);

// Parses the text of a model.json (`name` prefixes errors) into the layer
// list and input shape, without reading any weight file.
struct ModelDescription {
  SampleShape input_shape;
  std::vector<LayerSpec> specs;
  std::optional<int> epoch;
  std::optional<int64_t> step;
  bool at_initialisation = false;
};
absl::StatusOr<ModelDescription> ParseModelJson(absl::string_view text,
                                                absl::string_view name);

// "[3, 4]": a shape as model.json writes lists, for messages.
std::string ShapeList(absl::Span<const int64_t> shape);

// OK if `a` and `b` are the same architecture (input shape, layer types,
// their exported fields, weight shapes and biases); otherwise
// InvalidArgument naming both directories and the first difference.
absl::Status CheckSameArchitecture(const ImportedModel& a,
                                   const ImportedModel& b);

}  // namespace nfalab

#endif  // NFALAB_EXPERIMENT_MODEL_IMPORT_H_
