// The closed-form early C-NFC (metrics/early_closed_form.h): the ReLU
// tangent-feature kernel against hand-computed values, finite differences
// and a wide random network; the closed-form matrices against the kernel
// sums they stand for, in naive loops.
#include "metrics/early_closed_form.h"

#include <cmath>
#include <vector>

#include "core/random.h"
#include "core/tensor.h"
#include "gtest/gtest.h"
#include "metrics/correlation.h"

namespace nfalab {
namespace {

constexpr double kPi = 3.14159265358979323846;

TEST(ReluPtkKernelTest, OneLayerIsTheReluDerivativeKernel) {
  // F(rho) = (pi - arccos rho) / pi: F(0) = 1/2, F'(0) = 1/pi, F(1) = 1.
  EXPECT_NEAR(ReluPtkKernel(0.0, 1).value, 0.5, 1e-15);
  EXPECT_NEAR(ReluPtkKernel(0.0, 1).derivative, 1 / kPi, 1e-15);
  EXPECT_NEAR(ReluPtkKernel(1.0, 1).value, 1.0, 1e-15);
  EXPECT_NEAR(ReluPtkKernel(-1.0, 1).value, 0.0, 1e-15);
  const ReluKernelLinearization k = LinearizeReluPtkKernel(1);
  EXPECT_NEAR(k.a, 0.5, 1e-15);
  EXPECT_NEAR(k.b_prime, 1 / kPi, 1e-15);
  EXPECT_NEAR(k.b, 0.5 - 1 / kPi, 1e-15);
}

TEST(ReluPtkKernelTest, TwoLayersCarryTheCorrelationUpByTheArcCosineMap) {
  // rho = 0.5: layer 1 factor (pi - pi/3) / pi = 2/3; rho_2 = (sqrt(3)/2 +
  // (2 pi / 3) / 2) / pi; layer 2 factor (pi - arccos rho_2) / pi.
  const double rho2 = (std::sqrt(3.0) / 2 + kPi / 3) / kPi;
  const double expected = 2.0 / 3 * (kPi - std::acos(rho2)) / kPi;
  EXPECT_NEAR(ReluPtkKernel(0.5, 2).value, expected, 1e-14);
  EXPECT_NEAR(expected, 0.4723, 1e-4);
}

TEST(ReluPtkKernelTest, DerivativeMatchesFiniteDifferences) {
  for (int layers : {1, 2, 3, 5}) {
    for (double rho : {-0.5, 0.0, 0.3, 0.8}) {
      const double h = 1e-6;
      const double fd = (ReluPtkKernel(rho + h, layers).value -
                         ReluPtkKernel(rho - h, layers).value) /
                        (2 * h);
      EXPECT_NEAR(ReluPtkKernel(rho, layers).derivative, fd, 1e-7)
          << layers << " layers, rho " << rho;
    }
  }
}

// g(x) = D1(x) W2^T D2(x) ... W_L^T D_L(x) w for a random bias-free ReLU
// network of width `width` (the first-layer tangent feature of one output).
VectorD FirstLayerFeature(const std::vector<MatrixD>& weights,
                          const VectorD& readout, const VectorD& x) {
  std::vector<VectorD> masks;
  VectorD h = weights[0] * x;
  for (size_t m = 0; m < weights.size(); ++m) {
    if (m > 0) h = weights[m] * h.cwiseMax(0.0);
    masks.push_back((h.array() > 0).cast<double>().matrix());
  }
  VectorD g = masks.back().cwiseProduct(readout);
  for (size_t m = weights.size() - 1; m > 0; --m) {
    g = masks[m - 1].cwiseProduct(weights[m].transpose() * g);
  }
  return g;
}

TEST(ReluPtkKernelTest, MatchesAWideRandomNetwork) {
  // The normalised inner product of two inputs' first-layer features in a
  // network of width 2000 against F(rho), averaged over 4 networks: the
  // spread is about 1/sqrt(2000 * 4) = 0.011, and F at one layer fewer or
  // more differs by more than 0.1 at these rho.
  const int d = 64, width = 2000, layers = 2;
  Rng rng(7);
  for (double rho : {0.0, 0.5, 0.9}) {
    VectorD x = VectorD::Zero(d), y = VectorD::Zero(d);
    x(0) = 1;
    y(0) = rho;
    y(1) = std::sqrt(1 - rho * rho);
    double mean = 0;
    for (int trial = 0; trial < 4; ++trial) {
      std::vector<MatrixD> weights;
      for (int m = 0; m < layers; ++m) {
        MatrixD w(width, m == 0 ? d : width);
        for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = rng.Normal();
        weights.push_back(w);
      }
      VectorD readout(width);
      for (int i = 0; i < width; ++i) readout(i) = rng.Normal();
      const VectorD gx = FirstLayerFeature(weights, readout, x);
      const VectorD gy = FirstLayerFeature(weights, readout, y);
      mean += gx.dot(gy) / (gx.norm() * gy.norm()) / 4;
    }
    EXPECT_NEAR(mean, ReluPtkKernel(rho, layers).value, 0.04) << rho;
    EXPECT_GT(std::abs(mean - ReluPtkKernel(rho, layers + 1).value), 0.04)
        << rho;
  }
}

// Centred one-hot labels (s = 1 - 1/C for every row) and Gaussian inputs.
void SmallData(int n, int d, int classes, MatrixD* x, MatrixD* y) {
  Rng rng(3);
  x->resize(n, d);
  y->setConstant(n, classes, -1.0 / classes);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < d; ++j) (*x)(i, j) = rng.Normal();
    (*y)(i, rng.UniformInt(classes)) += 1.0;
  }
}

TEST(EarlyClosedFormTest, MatricesEqualTheLinearisedKernelSums) {
  // X^T (kappa o Y Y^T) X and X^T (kappa kappa o Y Y^T) X with
  // kappa = a 11^T + b I, summed entry by entry.
  const int n = 7, d = 3, classes = 3;
  MatrixD x, y;
  SmallData(n, d, classes, &x, &y);
  const ReluKernelLinearization k = LinearizeReluPtkKernel(3);
  MatrixD kappa = MatrixD::Constant(n, n, k.a);
  kappa.diagonal().array() += k.b;
  MatrixD kappa2 = MatrixD::Zero(n, n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      for (int l = 0; l < n; ++l) kappa2(i, j) += kappa(i, l) * kappa(l, j);
    }
  }
  MatrixD nfm = MatrixD::Zero(d, d), agop = MatrixD::Zero(d, d);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      const double label = y.row(i).dot(y.row(j));
      for (int p = 0; p < d; ++p) {
        for (int q = 0; q < d; ++q) {
          nfm(p, q) += x(i, p) * kappa(i, j) * label * x(j, q);
          agop(p, q) += x(i, p) * kappa2(i, j) * label * x(j, q);
        }
      }
    }
  }
  const ClosedFormMatrices m = EarlyClosedFormMatrices(x, y, k);
  for (int p = 0; p < d; ++p) {
    for (int q = 0; q < d; ++q) {
      EXPECT_NEAR(m.c_nfm(p, q), nfm(p, q), 1e-12 * nfm.norm());
      EXPECT_NEAR(m.c_agop(p, q), agop(p, q), 1e-12 * agop.norm());
    }
  }
  EXPECT_NEAR(ClosedFormEarlyCNfc(x, y, k, Correlation::kPearson),
              PearsonCorrelation(nfm, agop), 1e-12);
}

TEST(EarlyClosedFormTest, LabelIrrelevantVarianceLowersIt) {
  // X = [X_relevant, scale Z] with arg-max labels of a linear teacher on
  // X_relevant: the input moment's share grows with the scale, so the C-NFC
  // falls.
  const int n = 400, d = 8, extra = 8, classes = 4;
  MatrixD relevant, unused;
  SmallData(n, d, classes, &relevant, &unused);
  Rng rng(11);
  MatrixD teacher(d, classes);
  for (Eigen::Index i = 0; i < teacher.size(); ++i) {
    teacher.data()[i] = rng.Normal();
  }
  MatrixD y = MatrixD::Constant(n, classes, -1.0 / classes);
  for (int i = 0; i < n; ++i) {
    Eigen::Index label;
    (relevant.row(i) * teacher).maxCoeff(&label);
    y(i, label) += 1.0;
  }
  MatrixD noise(n, extra);
  for (Eigen::Index i = 0; i < noise.size(); ++i)
    noise.data()[i] = rng.Normal();
  const ReluKernelLinearization k = LinearizeReluPtkKernel(3);
  double previous = 2;
  for (double scale : {0.0, 0.5, 1.0, 2.0, 4.0}) {
    MatrixD x(n, d + extra);
    x << relevant, scale * noise;
    const double c_nfc = ClosedFormEarlyCNfc(x, y, k, Correlation::kPearson);
    EXPECT_LT(c_nfc, previous) << scale;
    previous = c_nfc;
  }
  EXPECT_LT(previous, 0.9);
}

}  // namespace
}  // namespace nfalab
