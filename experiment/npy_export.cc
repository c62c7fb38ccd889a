#include "experiment/npy_export.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/check.h"
#include "core/file_io.h"
#include "core/npy.h"
#include "core/status_macros.h"
#include "google/protobuf/util/json_util.h"

namespace nfalab {
namespace {

// The JSON form of an Any ({"@type": ..., fields}); its type is linked in
// (the layer was built with it).
std::string AnyJson(const google::protobuf::Any& any) {
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(any, &json);
  NFALAB_CHECK(status.ok()) << "options of type " << any.type_url()
                            << " cannot be written as JSON: "
                            << status.ToString();
  return json;
}

}  // namespace

std::string ModelJson(const Model& model, const ExportPosition& position) {
  std::vector<std::string> layers;
  int weighted = 0;
  for (int j = 0; j < model.num_layers(); ++j) {
    const BasicLayer<float>& layer = model.layer(j);
    std::vector<std::string> fields = {
        absl::StrCat("\"type\": \"", layer.type(), "\"")};
    for (const ExportField& field : layer.ExportFields()) {
      fields.push_back(absl::StrCat("\"", field.key, "\": ", field.json));
    }
    const LayerSpec& spec = model.spec(j);
    if (spec.has_options()) {
      fields.push_back(absl::StrCat("\"options\": ", AnyJson(spec.options())));
    }
    if (spec.has_activation_options()) {
      fields.push_back(absl::StrCat("\"activation_options\": ",
                                    AnyJson(spec.activation_options())));
    }
    if (const BasicWeightedLayer<float>* w = layer.AsWeighted()) {
      ++weighted;
      fields.push_back(absl::StrCat("\"weight\": \"W", weighted, ".npy\""));
      fields.push_back(
          absl::StrCat("\"initial_weight\": \"W0_", weighted, ".npy\""));
      if (w->has_bias()) {
        fields.push_back(absl::StrCat("\"bias\": \"b", weighted, ".npy\""));
      }
    }
    layers.push_back(absl::StrCat("    {", absl::StrJoin(fields, ", "), "}"));
  }
  return absl::StrCat("{\"input_shape\": ", model.input_shape().ToString(),
                      ", \"epoch\": ", position.epoch, ", \"step\": ",
                      position.step, ",\n \"layers\": [\n",
                      absl::StrJoin(layers, ",\n"), "]}\n");
}

absl::Status ExportNpy(const std::string& dir, const Model& model,
                       const std::vector<int>& layers,
                       const std::vector<MatrixD>& ptk, const Matrix& x,
                       const ExportPosition& position) {
  NFALAB_CHECK(layers.size() == ptk.size()) << "one K per measured layer";
  NFALAB_RETURN_IF_ERROR(MakeDirectories(dir));
  for (int l = 0; l < model.num_weighted_layers(); ++l) {
    const BasicWeightedLayer<float>& layer = model.weighted_layer(l);
    const std::vector<int64_t> shape = layer.ExportWeightShape();
    NFALAB_RETURN_IF_ERROR(WriteNpy(absl::StrCat(dir, "/W", l + 1, ".npy"),
                                    layer.weight(), shape));
    NFALAB_RETURN_IF_ERROR(WriteNpy(absl::StrCat(dir, "/W0_", l + 1, ".npy"),
                                    layer.initial_weight(), shape));
    if (layer.has_bias()) {
      NFALAB_RETURN_IF_ERROR(
          WriteNpy(absl::StrCat(dir, "/b", l + 1, ".npy"), layer.bias()));
    }
  }
  for (size_t j = 0; j < layers.size(); ++j) {
    NFALAB_RETURN_IF_ERROR(
        WriteNpy(absl::StrCat(dir, "/K", layers[j] + 1, ".npy"), ptk[j]));
  }
  const SampleShape& input = model.input_shape();
  if (input.is_flat()) {
    NFALAB_RETURN_IF_ERROR(WriteNpy(dir + "/X.npy", x));
  } else {
    const int64_t shape[] = {x.rows(), input.channels, input.height,
                             input.width};
    NFALAB_RETURN_IF_ERROR(WriteNpy(dir + "/X.npy", x, shape));
  }
  return WriteFileAtomically(dir + "/model.json", ModelJson(model, position));
}

}  // namespace nfalab
