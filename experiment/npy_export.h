// ExportNpy: a run's weights, PTKs and measurement inputs as NumPy .npy
// files, for analysis in Python:
//
//   W{l}.npy, W0_{l}.npy   float32 [k_l, k_{l-1}], l = 1..L+1
//   K{l}.npy               float64 [k_l, k_l], each measured layer
//   X.npy                  float32 [m, d], the measurement subset
//
//   >>> import numpy as np
//   >>> W1, K1 = np.load("export/W1.npy"), np.load("export/K1.npy")
//
// Every file is written atomically.
#ifndef NFALAB_EXPERIMENT_NPY_EXPORT_H_
#define NFALAB_EXPERIMENT_NPY_EXPORT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/tensor.h"
#include "layers/mlp.h"

namespace nfalab {

// `layers` are 0-based and `ptk[j]` is the K of layers[j]. Creates `dir`.
absl::Status ExportNpy(const std::string& dir, const Mlp& model,
                       const std::vector<int>& layers,
                       const std::vector<MatrixD>& ptk, const Matrix& x);

}  // namespace nfalab

#endif  // NFALAB_EXPERIMENT_NPY_EXPORT_H_
