// Matrix correlations and the neural feature correlation (NFC), paper §2.5 and
// §2.6.
//
// Two correlations of equally shaped matrices A and B, both treated as flat
// vectors of their entries (the framework reports both):
//
//   cosine   rho_cos(A, B) = <A, B>_F / (|A|_F |B|_F),   <A, B>_F = sum A_ij
//   B_ij Pearson  rho_P(A, B)   = rho_cos(A - a 11^T, B - b 11^T),
//            a, b = the means over all entries of A and B.
//
// Pearson is what the authors' released code reports for every NFC
// (`utils.mat_cov`), so it is the default and gets the bare column name;
// cosine is the form of `aradha/deep_neural_feature_ansatz::correlate` and
// gets the suffix "_cos" (CorrelationSuffix).
//
// Invariances (paper §8, oracle 2; tests/metrics/correlation_test.cc):
//   - both: rho(s A, t B) = sign(s t) rho(A, B) for nonzero scalars s, t, so
//     the normalisation of the AGOP or of K (1/n or a plain sum) never matters;
//   - Pearson only: rho_P(A + c 11^T, B) = rho_P(A, B) for any constant c;
//   - cosine only: rho_cos(Q A Q^T, Q B Q^T) = rho_cos(A, B) for orthogonal Q
//     (the Frobenius inner product is invariant). Pearson is NOT invariant to
//     an orthogonal change of basis, because the all-ones matrix 11^T is not,
//     so the SVD formulas of paper §2.8 hold exactly only for the cosine.
//
// The neural feature correlation of a layer with weight W: [k_out, k_in] and
// PTK covariance K: [k_out, k_out] (paper §2.6):
//
//   NFC_alpha(W, K) = rho(W^T W, (W^T K W)^alpha),
//
// the correlation of the NFM W^T W with a power of the AGOP W^T K W. The
// authors' code uses alpha = 1 (nfalab's default); the original NFA uses 1/2.
//
//   const double uc_nfc = NeuralFeatureCorrelation(w, k, 1.0,
//                                                  Correlation::kPearson);
//   const double rho = Correlate(Correlation::kCosine, a, b);
//
// Numerics: everything is accumulated in double whatever the input scalar
// type. Pearson is two-pass (means first, then the sums of the deviations,
// with the corrected two-pass formula of Chan, Golub & LeVeque 1983). Sums of
// squares that would underflow or overflow are recomputed on entries rescaled
// by a power of two, so any finite input works. Expression arguments (e.g.
// `w.transpose() * w`) are evaluated once; plain matrices, maps and blocks
// are read in place without a copy.
//
// Undefined cases return NaN (never abort): an empty matrix, a zero matrix
// (cosine), a constant matrix, whose centred version is zero (Pearson), and
// any NaN or infinite entry. Results are clamped to [-1, 1].
#ifndef NFALAB_METRICS_CORRELATION_H_
#define NFALAB_METRICS_CORRELATION_H_

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "Eigen/Core"
#include "absl/strings/string_view.h"
#include "core/check.h"
#include "core/tensor.h"

namespace nfalab {

enum class Correlation { kPearson, kCosine };

// Suffix for output column names: "" for kPearson (the default, what the
// paper's code reports), "_cos" for kCosine.
absl::string_view CorrelationSuffix(Correlation kind);

namespace internal {

// Calls visit(row, col) for every entry of `a`, in its storage order.
template <typename A, typename Visit>
void VisitEntries(const A& a, Visit&& visit) {
  if (std::decay_t<A>::IsRowMajor) {
    for (Eigen::Index r = 0; r < a.rows(); ++r) {
      for (Eigen::Index c = 0; c < a.cols(); ++c) visit(r, c);
    }
  } else {
    for (Eigen::Index c = 0; c < a.cols(); ++c) {
      for (Eigen::Index r = 0; r < a.rows(); ++r) visit(r, c);
    }
  }
}

// True if every entry equals the first (false for an empty matrix or a NaN
// entry). Stops at the first differing entry.
template <typename A>
bool IsConstant(const A& a) {
  if (a.size() == 0) return false;
  const double first = static_cast<double>(a.coeff(0, 0));
  for (Eigen::Index r = 0; r < a.rows(); ++r) {
    for (Eigen::Index c = 0; c < a.cols(); ++c) {
      if (!(static_cast<double>(a.coeff(r, c)) == first)) return false;
    }
  }
  return true;
}

// Mean of the entries, summed in double. `a` must not be empty.
template <typename A>
double EntryMean(const A& a) {
  double sum = 0;
  VisitEntries(a, [&](Eigen::Index r, Eigen::Index c) {
    sum += static_cast<double>(a.coeff(r, c));
  });
  return sum / static_cast<double>(a.size());
}

// max |a_ij - shift| in double (NaN if an entry is NaN).
template <typename A>
double MaxAbsDeviation(const A& a, double shift) {
  double max_abs = 0;
  VisitEntries(a, [&](Eigen::Index r, Eigen::Index c) {
    const double d = std::abs(static_cast<double>(a.coeff(r, c)) - shift);
    if (!(d <= max_abs)) max_abs = d;  // Also picks up NaN.
  });
  return max_abs;
}

// A power of two p with p * max_abs in [1, 2) (clamped so p stays finite);
// multiplying by it is exact.
inline double PowerOfTwoScale(double max_abs) {
  const int exponent = std::ilogb(max_abs);
  return std::ldexp(1.0, std::min(-exponent, 1000));
}

// Sums over the entries of x = (a - shift_a) * scale_a and
// y = (b - shift_b) * scale_b, all in double.
struct CrossMoments {
  double x = 0, y = 0, xy = 0, xx = 0, yy = 0;
};

template <typename A, typename B>
CrossMoments AccumulateCrossMoments(const A& a, const B& b, double shift_a,
                                    double shift_b, double scale_a,
                                    double scale_b) {
  CrossMoments m;
  VisitEntries(a, [&](Eigen::Index r, Eigen::Index c) {
    const double x = (static_cast<double>(a.coeff(r, c)) - shift_a) * scale_a;
    const double y = (static_cast<double>(b.coeff(r, c)) - shift_b) * scale_b;
    m.x += x;
    m.y += y;
    m.xy += x * y;
    m.xx += x * x;
    m.yy += y * y;
  });
  return m;
}

// rho_cos(A - shift_a, B - shift_b). With `centred`, shift_a and shift_b are
// the (rounded) entry means and the corrected two-pass formula removes the
// rounding error of the means: S_xy = sum x y - (sum x)(sum y) / n.
template <typename A, typename B>
double ShiftedCosine(const A& a, const B& b, double shift_a, double shift_b,
                     bool centred) {
  const double n = static_cast<double>(a.size());
  // Squared norms below kMinSquares may have lost digits to underflow.
  constexpr double kMinSquares = 1e-200;
  double scale_a = 1, scale_b = 1;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const CrossMoments m =
        AccumulateCrossMoments(a, b, shift_a, shift_b, scale_a, scale_b);
    double sxy = m.xy, sxx = m.xx, syy = m.yy;
    if (centred) {
      sxy -= m.x * m.y / n;
      sxx -= m.x * m.x / n;
      syy -= m.y * m.y / n;
    }
    const bool in_range = std::isfinite(m.xx) && std::isfinite(m.yy) &&
                          m.xx >= kMinSquares && m.yy >= kMinSquares;
    if (in_range || attempt == 1) {
      if (!(sxx > 0 && syy > 0) || !std::isfinite(sxy)) {
        return std::numeric_limits<double>::quiet_NaN();
      }
      const double rho = sxy / (std::sqrt(sxx) * std::sqrt(syy));
      return std::clamp(rho, -1.0, 1.0);
    }
    // Rescale by powers of two (rho is scale invariant) and try once more.
    const double max_a = MaxAbsDeviation(a, shift_a);
    const double max_b = MaxAbsDeviation(b, shift_b);
    if (!(max_a > 0 && max_b > 0 && std::isfinite(max_a) &&
          std::isfinite(max_b))) {
      return std::numeric_limits<double>::quiet_NaN();  // Zero or non-finite.
    }
    scale_a = PowerOfTwoScale(max_a);
    scale_b = PowerOfTwoScale(max_b);
  }
  return std::numeric_limits<double>::quiet_NaN();  // Not reached.
}

// Evaluates expensive expressions (products) once; plain matrices, maps and
// blocks are nested by reference, without a copy.
template <typename Derived>
using NestedOperand = typename Eigen::internal::nested_eval<Derived, 4>::type;

}  // namespace internal

// rho_cos(A, B) = <A, B>_F / (|A|_F |B|_F), accumulated in double. Shapes
// must match (checked: a mismatch is a programmer error). NaN if either
// matrix is exactly zero (the cosine is undefined), if they are empty or if
// an entry is not finite.
template <typename DerivedA, typename DerivedB>
double CosineSimilarity(const Eigen::MatrixBase<DerivedA>& a,
                        const Eigen::MatrixBase<DerivedB>& b) {
  NFALAB_CHECK(a.rows() == b.rows() && a.cols() == b.cols())
      << "CosineSimilarity: shapes [" << a.rows() << ", " << a.cols()
      << "] and [" << b.rows() << ", " << b.cols() << "] differ";
  if (a.size() == 0) return std::numeric_limits<double>::quiet_NaN();
  const internal::NestedOperand<DerivedA> a_nested(a.derived());
  const internal::NestedOperand<DerivedB> b_nested(b.derived());
  return internal::ShiftedCosine(a_nested, b_nested, 0.0, 0.0,
                                 /*centred=*/false);
}

// rho_P(A, B): the cosine similarity of the mean-centred entries (the Pearson
// correlation of the flattened matrices), two-pass in double. Shapes must
// match (checked). NaN if either matrix is constant (its centred version is
// exactly zero: the correlation is undefined), if they are empty or if an
// entry is not finite.
template <typename DerivedA, typename DerivedB>
double PearsonCorrelation(const Eigen::MatrixBase<DerivedA>& a,
                          const Eigen::MatrixBase<DerivedB>& b) {
  NFALAB_CHECK(a.rows() == b.rows() && a.cols() == b.cols())
      << "PearsonCorrelation: shapes [" << a.rows() << ", " << a.cols()
      << "] and [" << b.rows() << ", " << b.cols() << "] differ";
  if (a.size() == 0) return std::numeric_limits<double>::quiet_NaN();
  const internal::NestedOperand<DerivedA> a_nested(a.derived());
  const internal::NestedOperand<DerivedB> b_nested(b.derived());
  // A constant matrix is centred to exactly zero. Its rounded double mean may
  // differ from the entries by an ulp; the corrected formula cancels that
  // too, but this check makes the NaN a guarantee (and stops early, at the
  // first differing entry, for any other matrix).
  if (internal::IsConstant(a_nested) || internal::IsConstant(b_nested)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  return internal::ShiftedCosine(a_nested, b_nested,
                                 internal::EntryMean(a_nested),
                                 internal::EntryMean(b_nested),
                                 /*centred=*/true);
}

// PearsonCorrelation or CosineSimilarity.
template <typename DerivedA, typename DerivedB>
double Correlate(Correlation kind, const Eigen::MatrixBase<DerivedA>& a,
                 const Eigen::MatrixBase<DerivedB>& b) {
  switch (kind) {
    case Correlation::kPearson:
      return PearsonCorrelation(a, b);
    case Correlation::kCosine:
      return CosineSimilarity(a, b);
  }
  NFALAB_CHECK(false) << "unknown Correlation " << static_cast<int>(kind);
  return std::numeric_limits<double>::quiet_NaN();
}

// A^alpha for a symmetric positive semi-definite A: [p, p]. A is symmetrised
// first as (A + A^T) / 2 and decomposed with Eigen's SelfAdjointEigenSolver
// in double, A = V diag(lambda) V^T; negative eigenvalues (round-off, or a
// matrix that is not quite PSD) are clipped to 0, and the result is
// V diag(max(lambda, 0)^alpha) V^T, symmetric PSD. alpha = 1 returns A itself
// unchanged (no symmetrisation, no decomposition). alpha must be > 0 and A
// square (checked). A NaN or infinite entry gives a matrix of NaNs.
MatrixD SymmetricMatrixPower(const MatrixD& a, double alpha);

// NFC_alpha(W, K) = rho(W^T W, (W^T K W)^alpha) (paper §2.6), computed in
// double; the power uses SymmetricMatrixPower. W: [k_out, k_in], K:
// [k_out, k_out] (K.rows() == W.rows() is checked). For the UC-NFC pass W,
// for the C-NFC pass Delta W = W - W0 (paper §2.7). NaN when rho is
// undefined (e.g. W = 0).
double NeuralFeatureCorrelation(const MatrixD& w, const MatrixD& k,
                                double alpha, Correlation kind);

// Both kinds from one NFM and one AGOP (half the products of two calls):
// {Pearson, cosine}, each equal to NeuralFeatureCorrelation's.
struct NfcPair {
  double pearson;
  double cosine;
  double of(Correlation kind) const {
    return kind == Correlation::kPearson ? pearson : cosine;
  }
};
NfcPair NeuralFeatureCorrelations(const MatrixD& w, const MatrixD& k,
                                  double alpha);

// The same for a float W (or any Eigen expression): W is converted to double
// first. A MatrixD argument takes the overload above.
template <typename DerivedW>
double NeuralFeatureCorrelation(const Eigen::MatrixBase<DerivedW>& w,
                                const MatrixD& k, double alpha,
                                Correlation kind) {
  return NeuralFeatureCorrelation(MatrixD(w.template cast<double>()), k, alpha,
                                  kind);
}

}  // namespace nfalab

#endif  // NFALAB_METRICS_CORRELATION_H_
