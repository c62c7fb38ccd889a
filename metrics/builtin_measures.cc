// The built-in alignment measures (paper §2.5-2.8). They use exactly the
// plugin API. Correlations are reported both ways: `<name>` is Pearson (what
// the authors' code reports) and `<name>_cos` the cosine similarity.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "metrics/alignment_measure.h"
#include "metrics/correlation.h"
#include "metrics/singular_alignment.h"

namespace nfalab {
namespace {

// Directions reported by the singular-alignment measures.
constexpr int kTopDirections = 5;

void AppendBothCorrelations(const std::string& name, const MatrixD& a,
                            const MatrixD& b,
                            std::vector<MeasureValue>* values) {
  for (Correlation kind : {Correlation::kPearson, Correlation::kCosine}) {
    values->push_back(
        {absl::StrCat(name, CorrelationSuffix(kind)), Correlate(kind, a, b)});
  }
}

// rho(W^T W, (W^T K W)^alpha) for `w` = W or Delta W.
std::vector<MeasureValue> FeatureCorrelations(const std::string& name,
                                              const MatrixD& w,
                                              const MatrixD& k, double alpha) {
  const NfcPair nfc = NeuralFeatureCorrelations(w, k, alpha);
  std::vector<MeasureValue> values;
  for (Correlation kind : {Correlation::kPearson, Correlation::kCosine}) {
    values.push_back({absl::StrCat(name, CorrelationSuffix(kind)), nfc.of(kind)});
  }
  return values;
}

// UC-NFC = rho(W^T W, W^T K W).
class UncenteredNfc : public AlignmentMeasure {
 public:
  absl::StatusOr<std::vector<MeasureValue>> Compute(
      const LayerContext& layer) const override {
    return FeatureCorrelations("uc_nfc", WeightOf(layer), layer.ptk, 1.0);
  }
  // W^T W and W^T K W scale by a^2 and a^2 c: the correlations do not move.
  bool IsScaleInvariant() const override { return true; }
};

// C-NFC = rho(dW^T dW, dW^T K dW), dW = W - W0, K at the current weights.
class CenteredNfc : public AlignmentMeasure {
 public:
  absl::StatusOr<std::vector<MeasureValue>> Compute(
      const LayerContext& layer) const override {
    return FeatureCorrelations("c_nfc", WeightChangeOf(layer), layer.ptk, 1.0);
  }
  // dW scales with W and W0, so as for uc_nfc.
  bool IsScaleInvariant() const override { return true; }
};

// C-NFC with K fixed at initialisation: rho(dW^T dW, dW^T K0 dW) (paper.md
// §9, for the early-time theory). After one full-batch GD step dW = -eta G0,
// so it equals the one-step predictor rho(G0^T G0, G0^T K0 G0) for any eta.
class CenteredNfcAtInitialK : public AlignmentMeasure {
 public:
  absl::StatusOr<std::vector<MeasureValue>> Compute(
      const LayerContext& layer) const override {
    if (layer.initial_ptk == nullptr) {
      return absl::FailedPreconditionError(
          "c_nfc_k0 needs K at initialisation (LayerContext.initial_ptk), "
          "which this caller did not provide");
    }
    return FeatureCorrelations("c_nfc_k0", WeightChangeOf(layer),
                               *layer.initial_ptk, 1.0);
  }
  // As c_nfc, with K0 in place of K.
  bool IsScaleInvariant() const override { return true; }
  bool NeedsInitialPtk() const override { return true; }
};

// NFC_{1/2} = rho(W^T W, (W^T K W)^{1/2}), the original NFA's power.
class SqrtNfc : public AlignmentMeasure {
 public:
  absl::StatusOr<std::vector<MeasureValue>> Compute(
      const LayerContext& layer) const override {
    return FeatureCorrelations("nfc_sqrt", WeightOf(layer), layer.ptk, 0.5);
  }
  // (W^T K W)^(1/2) scales by a sqrt(c) > 0.
  bool IsScaleInvariant() const override { return true; }
};

// The centred alpha = 1/2 variant: rho(dW^T dW, (dW^T K dW)^{1/2}).
class CenteredSqrtNfc : public AlignmentMeasure {
 public:
  absl::StatusOr<std::vector<MeasureValue>> Compute(
      const LayerContext& layer) const override {
    return FeatureCorrelations("c_nfc_sqrt", WeightChangeOf(layer), layer.ptk,
                               0.5);
  }
  // As nfc_sqrt, with dW in place of W.
  bool IsScaleInvariant() const override { return true; }
};

// |W - W0|_F / |W|_F (infinite or NaN for W = 0).
class WeightChange : public AlignmentMeasure {
 public:
  absl::StatusOr<std::vector<MeasureValue>> Compute(
      const LayerContext& layer) const override {
    const double change = WeightChangeOf(layer).norm();
    const double norm = WeightOf(layer).norm();
    return std::vector<MeasureValue>{{"weight_change", change / norm}};
  }
  // a|dW| / (a|W|); K is not used.
  bool IsScaleInvariant() const override { return true; }
};

std::vector<MeasureValue> SingularAlignmentValues(const std::string& prefix,
                                                  const std::string& nfc_name,
                                                  const MatrixD& w,
                                                  const MatrixD& k) {
  const SingularAlignment alignment = ComputeSingularAlignment(w, k);
  std::vector<MeasureValue> values;
  const int count = std::min<int>(
      kTopDirections, static_cast<int>(alignment.direction_alignment.size()));
  for (int i = 0; i < count; ++i) {
    values.push_back(
        {absl::StrCat(prefix, "_", i + 1), alignment.direction_alignment[i]});
  }
  values.push_back({nfc_name, alignment.nfc_cos});
  return values;
}

// u_i^T K u_i / (tr K / k) for the top singular directions of W, and the
// cosine NFC recomputed from the SVD.
class SingularAlignmentMeasure : public AlignmentMeasure {
 public:
  absl::StatusOr<std::vector<MeasureValue>> Compute(
      const LayerContext& layer) const override {
    return SingularAlignmentValues("singular_alignment", "svd_nfc_cos",
                                   WeightOf(layer), layer.ptk);
  }
  // U is the same for aW; u^T cK u / (tr(cK) / k) = u^T K u / (tr K / k).
  bool IsScaleInvariant() const override { return true; }
};

// The same for dW = W - W0.
class CenteredSingularAlignmentMeasure : public AlignmentMeasure {
 public:
  absl::StatusOr<std::vector<MeasureValue>> Compute(
      const LayerContext& layer) const override {
    return SingularAlignmentValues("c_singular_alignment", "svd_c_nfc_cos",
                                   WeightChangeOf(layer), layer.ptk);
  }
  // As singular_alignment, for dW.
  bool IsScaleInvariant() const override { return true; }
};

// rho(W W^T, K) and rho(dW dW^T, K): the left Gram matrix against the PTK.
class LeftGramAlignment : public AlignmentMeasure {
 public:
  absl::StatusOr<std::vector<MeasureValue>> Compute(
      const LayerContext& layer) const override {
    std::vector<MeasureValue> values;
    const MatrixD w = WeightOf(layer);
    const MatrixD dw = WeightChangeOf(layer);
    AppendBothCorrelations("left_gram_alignment", w * w.transpose(), layer.ptk,
                           &values);
    AppendBothCorrelations("c_left_gram_alignment", dw * dw.transpose(),
                           layer.ptk, &values);
    return values;
  }
  // W W^T scales by a^2 and K by c: the correlations do not move.
  bool IsScaleInvariant() const override { return true; }
};

}  // namespace

NFALAB_REGISTER_ALIGNMENT_MEASURE(
    "uc_nfc", UncenteredNfc,
    "UC-NFC: rho(W^T W, W^T K W) (Pearson; _cos: cosine)");
NFALAB_REGISTER_ALIGNMENT_MEASURE(
    "c_nfc", CenteredNfc,
    "C-NFC: rho(dW^T dW, dW^T K dW), dW = W - W0 (Pearson; _cos: cosine)");
NFALAB_REGISTER_ALIGNMENT_MEASURE(
    "c_nfc_k0", CenteredNfcAtInitialK,
    "C-NFC with K at initialisation: rho(dW^T dW, dW^T K0 dW) (Pearson; "
    "_cos: cosine)");
NFALAB_REGISTER_ALIGNMENT_MEASURE(
    "nfc_sqrt", SqrtNfc, "NFC with alpha = 1/2: rho(W^T W, (W^T K W)^(1/2))");
NFALAB_REGISTER_ALIGNMENT_MEASURE(
    "c_nfc_sqrt", CenteredSqrtNfc,
    "C-NFC with alpha = 1/2: rho(dW^T dW, (dW^T K dW)^(1/2)), dW = W - W0");
NFALAB_REGISTER_ALIGNMENT_MEASURE("weight_change", WeightChange,
                                  "|W - W0|_F / |W|_F");
NFALAB_REGISTER_ALIGNMENT_MEASURE(
    "singular_alignment", SingularAlignmentMeasure,
    "u_i^T K u_i / (tr K / k) for the top 5 left singular vectors of W, and "
    "the cosine NFC from the SVD (svd_nfc_cos)");
NFALAB_REGISTER_ALIGNMENT_MEASURE(
    "c_singular_alignment", CenteredSingularAlignmentMeasure,
    "singular_alignment for dW = W - W0 (and svd_c_nfc_cos)");
NFALAB_REGISTER_ALIGNMENT_MEASURE(
    "left_gram_alignment", LeftGramAlignment,
    "rho(W W^T, K) and rho(dW dW^T, K) (c_left_gram_alignment)");

}  // namespace nfalab
