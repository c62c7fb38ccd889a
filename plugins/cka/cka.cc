// Centered kernel alignment (Kornblith et al. 2019) of a layer's left Gram
// matrix with its PTK covariance, registered as "cka". For two symmetric
// [k, k] matrices A and B, with the centring matrix H = I - 11^T / k:
//
//   CKA(A, B) = <HAH, HBH>_F / (|HAH|_F |HBH|_F).
//
// The measure writes two rows:
//   cka    CKA(W W^T, K)           W: [k_l, k_{l-1}], K: [k_l, k_l]
//   c_cka  CKA(dW dW^T, K)         dW = W - W0
// CKA(sA, tB) = CKA(A, B) for s, t > 0, so the values do not change when W
// and W0 are scaled together or K is scaled (IsScaleInvariant() is true).
// Computed in double; NaN when HAH or HBH is zero (e.g. dW = 0, or k = 1).
//
// Config:
//   measurement { measures: "uc_nfc" measures: "cka" }
#include <cmath>
#include <limits>
#include <vector>

#include "absl/status/statusor.h"
#include "core/tensor.h"
#include "metrics/alignment_measure.h"

namespace nfalab {
namespace {

// H A H: subtracts the row means, then the column means (of the result).
MatrixD DoubleCentre(const MatrixD& a) {
  MatrixD centred = a;
  centred.colwise() -= centred.rowwise().mean();
  centred.rowwise() -= centred.colwise().mean();
  return centred;
}

double Cka(const MatrixD& a, const MatrixD& b) {
  const MatrixD ca = DoubleCentre(a);
  const MatrixD cb = DoubleCentre(b);
  const double norms = ca.norm() * cb.norm();
  const double inner = ca.cwiseProduct(cb).sum();
  if (!(norms > 0) || !std::isfinite(norms) || !std::isfinite(inner)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  return inner / norms;
}

class CenteredKernelAlignment : public AlignmentMeasure {
 public:
  absl::StatusOr<std::vector<MeasureValue>> Compute(
      const LayerContext& layer) const override {
    const MatrixD w = WeightOf(layer);
    const MatrixD dw = WeightChangeOf(layer);
    return std::vector<MeasureValue>{
        {"cka", Cka(w * w.transpose(), layer.ptk)},
        {"c_cka", Cka(dw * dw.transpose(), layer.ptk)}};
  }
  bool IsScaleInvariant() const override { return true; }
};

}  // namespace

NFALAB_REGISTER_ALIGNMENT_MEASURE(
    "cka", CenteredKernelAlignment,
    "centered kernel alignment CKA(W W^T, K) and c_cka = CKA(dW dW^T, K)");

}  // namespace nfalab
