// NFC_alpha (paper §2.6), registered as "nfc_alpha": the correlation of the
// NFM with a power of the AGOP, for any alpha > 0 (NfcAlphaOptions):
//
//   nfc_alpha      Pearson(W^T W, (W^T K W)^alpha)
//   nfc_alpha_cos  cosine(W^T W, (W^T K W)^alpha)
//
// alpha = 1 is uc_nfc, alpha = 1/2 (the default) is nfc_sqrt; both come
// from metrics/correlation.h's NeuralFeatureCorrelation, as here. W^T W and
// (W^T K W)^alpha scale by positive factors when W and K do, so the values
// are scale-invariant.
//
// Config:
//   measurement {
//     measures: "nfc_alpha"
//     measure_options {
//       [type.googleapis.com/nfalab.NfcAlphaOptions] { alpha: 0.25 }
//     }
//   }
#include <cmath>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "core/plugin_options.h"
#include "core/status_macros.h"
#include "core/tensor.h"
#include "metrics/alignment_measure.h"
#include "metrics/correlation.h"
#include "plugins/nfc_alpha/nfc_alpha_options.pb.h"

namespace nfalab {
namespace {

class NfcAlpha : public AlignmentMeasure {
 public:
  explicit NfcAlpha(double alpha) : alpha_(alpha) {}

  absl::StatusOr<std::vector<MeasureValue>> Compute(
      const LayerContext& layer) const override {
    const MatrixD w = WeightOf(layer);
    std::vector<MeasureValue> values;
    for (Correlation kind : {Correlation::kPearson, Correlation::kCosine}) {
      values.push_back({absl::StrCat("nfc_alpha", CorrelationSuffix(kind)),
                        NeuralFeatureCorrelation(w, layer.ptk, alpha_, kind)});
    }
    return values;
  }
  bool IsScaleInvariant() const override { return true; }

 private:
  double alpha_;
};

absl::StatusOr<std::unique_ptr<AlignmentMeasure>> CreateNfcAlpha(
    const google::protobuf::Any* options) {
  NFALAB_ASSIGN_OR_RETURN(
      const NfcAlphaOptions nfc,
      UnpackOptions<NfcAlphaOptions>(options, "measure_options"));
  if (!(std::isfinite(nfc.alpha()) && nfc.alpha() > 0)) {
    return OptionsError(
        "measure_options", nfc, "alpha",
        absl::StrCat("must be finite and > 0, got ", nfc.alpha()));
  }
  return std::unique_ptr<AlignmentMeasure>(
      std::make_unique<NfcAlpha>(nfc.alpha()));
}

NfcAlphaOptions NfcAlphaExample() {
  NfcAlphaOptions example;
  example.set_alpha(0.25);  // Not the default, so the checks exercise alpha.
  return example;
}

}  // namespace

NFALAB_REGISTER_ALIGNMENT_MEASURE_WITH_OPTIONS(
    "nfc_alpha", CreateNfcAlpha,
    "NFC_alpha: rho(W^T W, (W^T K W)^alpha), alpha from NfcAlphaOptions "
    "(default 1/2)",
    NfcAlphaExample());

}  // namespace nfalab
