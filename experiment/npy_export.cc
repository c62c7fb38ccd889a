#include "experiment/npy_export.h"

#include "absl/strings/str_cat.h"
#include "core/check.h"
#include "core/file_io.h"
#include "core/npy.h"
#include "core/status_macros.h"

namespace nfalab {

absl::Status ExportNpy(const std::string& dir, const Mlp& model,
                       const std::vector<int>& layers,
                       const std::vector<MatrixD>& ptk, const Matrix& x) {
  NFALAB_CHECK(layers.size() == ptk.size()) << "one K per measured layer";
  NFALAB_RETURN_IF_ERROR(MakeDirectories(dir));
  for (int l = 0; l < model.num_layers(); ++l) {
    NFALAB_RETURN_IF_ERROR(WriteNpy(absl::StrCat(dir, "/W", l + 1, ".npy"),
                                    model.layer(l).weight()));
    NFALAB_RETURN_IF_ERROR(WriteNpy(absl::StrCat(dir, "/W0_", l + 1, ".npy"),
                                    model.initial_weight(l)));
  }
  for (size_t j = 0; j < layers.size(); ++j) {
    NFALAB_RETURN_IF_ERROR(
        WriteNpy(absl::StrCat(dir, "/K", layers[j] + 1, ".npy"), ptk[j]));
  }
  return WriteNpy(dir + "/X.npy", x);
}

}  // namespace nfalab
