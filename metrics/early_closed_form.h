// The early-time first-layer C-NFC in closed form from the data alone
// (paper.md §3.2): no network is built.
//
// For a bias-free ReLU MLP with L hidden layers at wide i.i.d.
// initialisation, the first-layer tangent features have the kernel
//
//   kappa(x, x') = F(rho),  rho = x.x' / (|x| |x'|),
//   F(rho) = prod_{m=1..L} (pi - arccos rho_m) / pi,
//   rho_1 = rho,  rho_{m+1} = (sqrt(1 - rho_m^2) + (pi - arccos rho_m) rho_m) /
//   pi
//
// (the ReLU derivative kernel at each layer, with the arc-cosine map carrying
// the pre-activation correlation up; F(1) = 1, the scale cancels in every
// correlation). The El Karoui linearisation of the n x n kernel matrix is
//
//   kappa ≈ a 11^T + b' X~X~^T + b I,   a = F(0), b' = F'(0),
//   b = F(1) - F(0) - F'(0).
//
// Dropping b' and with label rows of constant squared norm s (R ≈ -Y at
// small initial outputs):
//
//   C-NFM  ∝ a X^T Y Y^T X + b s X^T X
//   C-AGOP ∝ (a^2 n + 2 a b) X^T Y Y^T X + b^2 s X^T X
//
// and the predicted early C-NFC is rho(C-NFM, C-AGOP). Here s is the mean of
// |y_i|^2 (exact for centred one-hot labels, s = 1 - 1/C).
//
//   const ReluKernelLinearization k =
//   LinearizeReluPtkKernel(/*relu_layers=*/3); const double c_nfc =
//       ClosedFormEarlyCNfc(x, y, k, Correlation::kPearson);
#ifndef NFALAB_METRICS_EARLY_CLOSED_FORM_H_
#define NFALAB_METRICS_EARLY_CLOSED_FORM_H_

#include "core/tensor.h"
#include "metrics/correlation.h"

namespace nfalab {

// F and F' at rho in [-1, 1] for `relu_layers` >= 1 hidden ReLU layers.
struct KernelValue {
  double value;
  double derivative;
};
KernelValue ReluPtkKernel(double rho, int relu_layers);

struct ReluKernelLinearization {
  double a;        // F(0)
  double b_prime;  // F'(0), dropped by the closed form
  double b;        // F(1) - F(0) - F'(0)
};
ReluKernelLinearization LinearizeReluPtkKernel(int relu_layers);

// The two matrices above (d x d) for inputs x (n x d) and label rows y
// (n x C).
struct ClosedFormMatrices {
  MatrixD c_nfm;
  MatrixD c_agop;
};
ClosedFormMatrices EarlyClosedFormMatrices(const MatrixD& x, const MatrixD& y,
                                           const ReluKernelLinearization& k);

// rho(C-NFM, C-AGOP) of the matrices above.
double ClosedFormEarlyCNfc(const MatrixD& x, const MatrixD& y,
                           const ReluKernelLinearization& k, Correlation kind);

}  // namespace nfalab

#endif  // NFALAB_METRICS_EARLY_CLOSED_FORM_H_
