// ExportNpy: a run's network, PTKs and measurement inputs as NumPy .npy files
// and a model.json that rebuilds the network anywhere (README, "Export for
// Python"; tools/check_export.py). For weighted layers l = 1, 2, ... (the metrics.csv
// numbering):
//
//   model.json             the layer sequence in PyTorch's terms (below)
//   W{l}.npy, W0_{l}.npy   float32, PyTorch's layout ([out, in] for linear)
//   b{l}.npy               float32 [out], only for layers with a bias
//   K{l}.npy               float64 [k_l, k_l], each measured layer
//   X.npy                  float32, the measurement subset: [m, C, H, W] for
//                          images, [m, d] otherwise
//
// model.json (experiment/model_import.h reads it back: `nfalab measure`):
//   {"input_shape": [1, 28, 28], "epoch": 9, "step": 4690,
//    "layers": [
//      {"type": "flatten"},
//      {"type": "linear", "in_features": 784, "out_features": 256,
//       "weight": "W1.npy", "initial_weight": "W0_1.npy", "bias": "b1.npy"},
//      {"type": "activation", "name": "relu"}, ...]}
// Each layer type adds its own keys (layers/layer.h, ExportFields); "bias"
// appears only when the layer has one; "options" / "activation_options"
// (the JSON form of the google.protobuf.Any) only when the layer's spec has
// them; "input_shape" is [d] for flat inputs; "epoch" and "step" say when the
// weights were exported.
//
//   >>> import json, numpy as np
//   >>> model = json.load(open("export/model.json"))
//   >>> W1, K1 = np.load("export/W1.npy"), np.load("export/K1.npy")
//
// Every file is written atomically.
#ifndef NFALAB_EXPERIMENT_NPY_EXPORT_H_
#define NFALAB_EXPERIMENT_NPY_EXPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/tensor.h"
#include "layers/sequential.h"

namespace nfalab {

// When the weights were exported: after `epoch` (0-based), at `step`.
struct ExportPosition {
  int epoch = 0;
  int64_t step = 0;
};

// The model.json text of `model`.
std::string ModelJson(const Model& model, const ExportPosition& position);

// `layers` are 0-based weighted-layer indices and `ptk[j]` is the K of
// layers[j]; `x` holds samples of the model's input shape. Creates `dir`.
absl::Status ExportNpy(const std::string& dir, const Model& model,
                       const std::vector<int>& layers,
                       const std::vector<MatrixD>& ptk, const Matrix& x,
                       const ExportPosition& position);

}  // namespace nfalab

#endif  // NFALAB_EXPERIMENT_NPY_EXPORT_H_
