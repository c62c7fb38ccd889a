#include "metrics/early_closed_form.h"

#include <algorithm>
#include <cmath>

#include "core/tensor.h"
#include "metrics/correlation.h"

namespace nfalab {
namespace {

constexpr double kPi = 3.14159265358979323846;

}  // namespace

KernelValue ReluPtkKernel(double rho, int relu_layers) {
  // Forward-mode derivative through the layers: (rho_m, d rho_m / d rho).
  double r = std::clamp(rho, -1.0, 1.0), dr = 1.0;
  double value = 1.0, derivative = 0.0;
  for (int m = 0; m < relu_layers; ++m) {
    const double angle = std::acos(r);
    const double sine = std::sqrt(std::max(0.0, 1.0 - r * r));
    // Derivative factor (pi - arccos r) / pi; d/dr = 1 / (pi sqrt(1 - r^2)).
    const double factor = (kPi - angle) / kPi;
    const double d_factor = sine > 0 ? dr / (kPi * sine) : 0.0;
    derivative = derivative * factor + value * d_factor;
    value *= factor;
    // The arc-cosine map's derivative is the derivative factor itself.
    const double next = (sine + (kPi - angle) * r) / kPi;
    dr *= factor;
    r = std::min(1.0, next);
  }
  return {value, derivative};
}

ReluKernelLinearization LinearizeReluPtkKernel(int relu_layers) {
  const KernelValue at_zero = ReluPtkKernel(0.0, relu_layers);
  const double at_one = ReluPtkKernel(1.0, relu_layers).value;
  return {at_zero.value, at_zero.derivative,
          at_one - at_zero.value - at_zero.derivative};
}

ClosedFormMatrices EarlyClosedFormMatrices(const MatrixD& x, const MatrixD& y,
                                           const ReluKernelLinearization& k) {
  const double n = static_cast<double>(x.rows());
  const double s = y.rowwise().squaredNorm().mean();
  const MatrixD cross = x.transpose() * y;  // d x C
  MatrixD label_moment = MatrixD::Zero(x.cols(), x.cols());
  label_moment.selfadjointView<Eigen::Lower>().rankUpdate(cross);
  label_moment.triangularView<Eigen::StrictlyUpper>() =
      label_moment.transpose();
  MatrixD input_moment = MatrixD::Zero(x.cols(), x.cols());
  input_moment.selfadjointView<Eigen::Lower>().rankUpdate(x.transpose());
  input_moment.triangularView<Eigen::StrictlyUpper>() =
      input_moment.transpose();
  ClosedFormMatrices out;
  out.c_nfm = k.a * label_moment + k.b * s * input_moment;
  out.c_agop = (k.a * k.a * n + 2 * k.a * k.b) * label_moment +
               k.b * k.b * s * input_moment;
  return out;
}

double ClosedFormEarlyCNfc(const MatrixD& x, const MatrixD& y,
                           const ReluKernelLinearization& k, Correlation kind) {
  const ClosedFormMatrices m = EarlyClosedFormMatrices(x, y, k);
  return Correlate(kind, m.c_nfm, m.c_agop);
}

}  // namespace nfalab
