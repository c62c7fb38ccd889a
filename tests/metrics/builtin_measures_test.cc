// The built-in alignment measures through AlignmentMeasureRegistry::Global()
// (paper §2.5-2.8): the registered set, every measure's output names, their
// values against hand-built correlations, the scale invariances of the
// C-NFC, and (ACCEPTANCE, paper §8 oracle 6) a rank-1 weight change gives
// C-NFC = 1. W == W0 gives NaN C-NFC, as documented in metrics/correlation.h.
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "Eigen/Eigenvalues"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "core/random.h"
#include "core/tensor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/alignment_measure.h"
#include "metrics/correlation.h"
#include "metrics/singular_alignment.h"
#include "tests/random_matrix.h"
#include "tests/status_matchers.h"
#include "tests/test_seed.h"

namespace nfalab {
namespace {

using ::nfalab::testing::GaussianMatrix;
using ::nfalab::testing::TestSeed;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

// Values computed by hand from the same double matrices agree with the
// measures to rounding (~1e-15; products summed in another order). 1e-12.
constexpr double kTol = 1e-12;

constexpr Correlation kBothKinds[] = {Correlation::kPearson,
                                      Correlation::kCosine};

MatrixD RandomPsd(int k, Rng* rng) {
  const MatrixD a = GaussianMatrix<float>(k, k, 1.0, rng).cast<double>();
  return a * a.transpose();
}

// The K at initialisation given with K: another PSD matrix, so that a
// measure reading the wrong one is caught.
MatrixD InitialKOf(const MatrixD& k) {
  return k + MatrixD::Identity(k.rows(), k.cols()) * (k.trace() / k.rows());
}

// Runs measure `name` on a layer with weight w, initial weight w0, PTK k
// and K at initialisation InitialKOf(k).
absl::StatusOr<std::vector<MeasureValue>> RunMeasure(const std::string& name,
                                                     const Matrix& w,
                                                     const Matrix& w0,
                                                     const MatrixD& k) {
  absl::StatusOr<std::unique_ptr<AlignmentMeasure>> measure =
      AlignmentMeasureRegistry::Global().Create(name, nullptr);
  if (!measure.ok()) return measure.status();
  const MatrixD k0 = InitialKOf(k);
  const LayerContext context{/*layer=*/1, /*num_layers=*/3, w, w0, k,
                             &k0};
  return (*measure)->Compute(context);
}

std::vector<std::string> NamesOf(const std::vector<MeasureValue>& values) {
  std::vector<std::string> names;
  for (const MeasureValue& value : values) names.push_back(value.name);
  return names;
}

std::map<std::string, double> ByName(const std::vector<MeasureValue>& values) {
  std::map<std::string, double> map;
  for (const MeasureValue& value : values) map[value.name] = value.value;
  return map;
}

// One measure's values by output name (empty, with a test failure, if it
// fails).
std::map<std::string, double> Measure(const std::string& name, const Matrix& w,
                                      const Matrix& w0, const MatrixD& k) {
  absl::StatusOr<std::vector<MeasureValue>> values = RunMeasure(name, w, w0, k);
  EXPECT_TRUE(values.ok()) << name << ": " << values.status();
  return values.ok() ? ByName(*values) : std::map<std::string, double>();
}

// All measures on one layer, by output name.
std::map<std::string, double> AllValues(const Matrix& w, const Matrix& w0,
                                        const MatrixD& k) {
  std::map<std::string, double> all;
  for (const std::string& name : AlignmentMeasureRegistry::Global().Names()) {
    absl::StatusOr<std::vector<MeasureValue>> values =
        RunMeasure(name, w, w0, k);
    EXPECT_TRUE(values.ok()) << name << ": " << values.status();
    if (!values.ok()) continue;
    for (const MeasureValue& value : *values) all[value.name] = value.value;
  }
  return all;
}

std::string Suffixed(const std::string& name, Correlation kind) {
  return absl::StrCat(name, CorrelationSuffix(kind));
}

TEST(BuiltinMeasuresTest, RegisteredSetIsExactlyTheBuiltins) {
  EXPECT_THAT(
      AlignmentMeasureRegistry::Global().Names(),
      ElementsAre("c_nfc", "c_nfc_k0", "c_nfc_sqrt", "c_singular_alignment",
                  "left_gram_alignment", "nfc_sqrt", "singular_alignment",
                  "uc_nfc", "weight_change"));
  for (const std::string& name : AlignmentMeasureRegistry::Global().Names()) {
    EXPECT_FALSE(AlignmentMeasureRegistry::Global().Description(name).empty())
        << name;
  }
}

TEST(BuiltinMeasuresTest, OutputNamesAreAsDocumented) {
  Rng rng(TestSeed(1));
  // min(k_out, k_in) = 8 > 5 directions, then 3 < 5.
  for (const auto& [k_out, k_in] :
       std::vector<std::pair<int, int>>{{8, 10}, {3, 6}}) {
    const Matrix w0 = GaussianMatrix<float>(k_out, k_in, 1.0, &rng);
    const Matrix w = w0 + GaussianMatrix<float>(k_out, k_in, 0.5, &rng);
    const MatrixD k = RandomPsd(k_out, &rng);
    const int directions = std::min({5, k_out, k_in});
    std::vector<std::string> singular, c_singular;
    for (int i = 1; i <= directions; ++i) {
      singular.push_back(absl::StrCat("singular_alignment_", i));
      c_singular.push_back(absl::StrCat("c_singular_alignment_", i));
    }
    singular.push_back("svd_nfc_cos");
    c_singular.push_back("svd_c_nfc_cos");
    const std::map<std::string, std::vector<std::string>> expected = {
        {"uc_nfc", {"uc_nfc", "uc_nfc_cos"}},
        {"c_nfc", {"c_nfc", "c_nfc_cos"}},
        {"c_nfc_k0", {"c_nfc_k0", "c_nfc_k0_cos"}},
        {"c_nfc_sqrt", {"c_nfc_sqrt", "c_nfc_sqrt_cos"}},
        {"nfc_sqrt", {"nfc_sqrt", "nfc_sqrt_cos"}},
        {"weight_change", {"weight_change"}},
        {"singular_alignment", singular},
        {"c_singular_alignment", c_singular},
        {"left_gram_alignment",
         {"left_gram_alignment", "left_gram_alignment_cos",
          "c_left_gram_alignment", "c_left_gram_alignment_cos"}},
    };
    for (const auto& [measure, names] : expected) {
      NFALAB_ASSERT_OK_AND_ASSIGN(std::vector<MeasureValue> values,
                                  RunMeasure(measure, w, w0, k));
      EXPECT_THAT(NamesOf(values), ElementsAreArray(names))
          << measure << " on [" << k_out << ", " << k_in << "]";
    }
  }
}

TEST(BuiltinMeasuresTest, NfcValuesEqualHandComputedCorrelations) {
  Rng rng(TestSeed(2));
  // Tall (k_out > k_in) so W^T K W is positive definite and its square root
  // is well conditioned.
  const Matrix w0 = GaussianMatrix<float>(9, 6, 0.3, &rng);
  const Matrix w = w0 + GaussianMatrix<float>(9, 6, 0.2, &rng);
  const MatrixD k = RandomPsd(9, &rng);
  const MatrixD wd = w.cast<double>();
  const MatrixD dw = (w - w0).cast<double>();
  const std::map<std::string, double> values = AllValues(w, w0, k);

  const MatrixD agop = wd.transpose() * k * wd;
  const Eigen::MatrixXd agop_col = agop;
  const MatrixD agop_sqrt =
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(agop_col).operatorSqrt();
  const Eigen::MatrixXd c_agop = dw.transpose() * k * dw;
  const MatrixD c_agop_sqrt =
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(c_agop).operatorSqrt();
  for (Correlation kind : kBothKinds) {
    EXPECT_NEAR(values.at(Suffixed("uc_nfc", kind)),
                Correlate(kind, MatrixD(wd.transpose() * wd), agop), kTol);
    EXPECT_NEAR(values.at(Suffixed("c_nfc", kind)),
                Correlate(kind, MatrixD(dw.transpose() * dw),
                          MatrixD(dw.transpose() * k * dw)),
                kTol);
    EXPECT_NEAR(values.at(Suffixed("c_nfc_k0", kind)),
                Correlate(kind, MatrixD(dw.transpose() * dw),
                          MatrixD(dw.transpose() * InitialKOf(k) * dw)),
                kTol);
    // The square root by another route (Eigen's operatorSqrt): 1e-9.
    EXPECT_NEAR(values.at(Suffixed("nfc_sqrt", kind)),
                Correlate(kind, MatrixD(wd.transpose() * wd), agop_sqrt), 1e-9);
    EXPECT_NEAR(values.at(Suffixed("c_nfc_sqrt", kind)),
                Correlate(kind, MatrixD(dw.transpose() * dw), c_agop_sqrt),
                1e-9);
    EXPECT_NEAR(values.at(Suffixed("left_gram_alignment", kind)),
                Correlate(kind, MatrixD(wd * wd.transpose()), k), kTol);
    EXPECT_NEAR(values.at(Suffixed("c_left_gram_alignment", kind)),
                Correlate(kind, MatrixD(dw * dw.transpose()), k), kTol);
  }
  // Random K is anisotropic: the values are not trivially 1.
  EXPECT_LT(values.at("uc_nfc"), 0.999);
  EXPECT_LT(values.at("c_nfc"), 0.999);
  EXPECT_GT(std::abs(values.at("c_nfc_k0") - values.at("c_nfc")), 1e-6);
}

TEST(BuiltinMeasuresTest, SingularAlignmentValuesMatchTheDecomposition) {
  Rng rng(TestSeed(3));
  const Matrix w0 = GaussianMatrix<float>(7, 8, 0.3, &rng);
  const Matrix w = w0 + GaussianMatrix<float>(7, 8, 0.2, &rng);
  const MatrixD k = RandomPsd(7, &rng);
  const std::map<std::string, double> values = AllValues(w, w0, k);
  const SingularAlignment full = ComputeSingularAlignment(w.cast<double>(), k);
  const SingularAlignment change =
      ComputeSingularAlignment((w - w0).cast<double>(), k);
  for (int i = 0; i < 5; ++i) {
    EXPECT_NEAR(values.at(absl::StrCat("singular_alignment_", i + 1)),
                full.direction_alignment[i], kTol);
    EXPECT_NEAR(values.at(absl::StrCat("c_singular_alignment_", i + 1)),
                change.direction_alignment[i], kTol);
  }
  // The SVD form of the cosine NFC equals the direct one (§2.8): 1e-10.
  EXPECT_NEAR(values.at("svd_nfc_cos"), values.at("uc_nfc_cos"), 1e-10);
  EXPECT_NEAR(values.at("svd_c_nfc_cos"), values.at("c_nfc_cos"), 1e-10);
}

TEST(BuiltinMeasuresTest, WeightChangeIsRelativeFrobeniusNorm) {
  Rng rng(TestSeed(4));
  const Matrix w0 = GaussianMatrix<float>(5, 4, 1.0, &rng);
  const Matrix w = w0 + GaussianMatrix<float>(5, 4, 0.1, &rng);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      std::vector<MeasureValue> values,
      RunMeasure("weight_change", w, w0, MatrixD::Identity(5, 5)));
  ASSERT_EQ(values.size(), 1u);
  double change = 0, norm = 0;
  for (Eigen::Index i = 0; i < w.size(); ++i) {
    const double d = static_cast<double>(w.data()[i]) - w0.data()[i];
    change += d * d;
    norm += static_cast<double>(w.data()[i]) * w.data()[i];
  }
  EXPECT_NEAR(values[0].value, std::sqrt(change / norm),
              1e-6 * std::sqrt(change / norm));
  NFALAB_ASSERT_OK_AND_ASSIGN(
      std::vector<MeasureValue> unchanged,
      RunMeasure("weight_change", w0, w0, MatrixD::Identity(5, 5)));
  EXPECT_EQ(unchanged[0].value, 0.0);
}

// C-NFC = rho(dW^T dW, dW^T K dW) is invariant to dW -> s dW and K -> 7 K
// (rho is scale invariant in each argument). The weights are float: W0 +
// s dW is rounded to ~6e-8 |W0|, i.e. up to ~1e-6 of the smaller change
// (s = 0.1, |dW| ~ |W0|), which moves the correlation by ~1e-6; tolerance
// 1e-5. Scaling K (double) is exact up to rounding: 1e-12.
TEST(BuiltinMeasuresTest, CNfcIsInvariantToScalingTheChangeAndTheKernel) {
  Rng rng(TestSeed(5));
  const Matrix w0 = GaussianMatrix<float>(6, 5, 1.0, &rng);
  const Matrix dw = GaussianMatrix<float>(6, 5, 1.0, &rng);
  const MatrixD k = RandomPsd(6, &rng);
  const std::map<std::string, double> reference =
      Measure("c_nfc", w0 + dw, w0, k);
  for (const float s : {0.1f, 10.0f}) {
    const Matrix w = w0 + s * dw;
    const std::map<std::string, double> scaled = Measure("c_nfc", w, w0, k);
    for (Correlation kind : kBothKinds) {
      const std::string name = Suffixed("c_nfc", kind);
      EXPECT_NEAR(scaled.at(name), reference.at(name), 1e-5)
          << name << ", s = " << s;
    }
  }
  for (const std::string measure : {"c_nfc", "uc_nfc"}) {
    const std::map<std::string, double> base = Measure(measure, w0 + dw, w0, k);
    const std::map<std::string, double> scaled_k =
        Measure(measure, w0 + dw, w0, MatrixD(7.0 * k));
    for (const auto& [name, value] : base) {
      EXPECT_NEAR(scaled_k.at(name), value, kTol) << name << ", K * 7";
    }
  }
}

// Every built-in declares IsScaleInvariant() and the declaration holds: W and
// W0 scaled by a in {1/4, 8} (powers of two: the float scaling is exact) and
// K by c in {7, 1e-3} leave every value unchanged up to double rounding in
// the products, eigen- and singular-value solvers (~1e-13); tolerance 1e-9
// relative to max(1, |value|).
TEST(BuiltinMeasuresTest, EveryBuiltinIsScaleInvariantAsDeclared) {
  Rng rng(TestSeed(11));
  const Matrix w0 = GaussianMatrix<float>(7, 5, 1.0, &rng);
  const Matrix w = w0 + GaussianMatrix<float>(7, 5, 0.5, &rng);
  const MatrixD k = RandomPsd(7, &rng);
  for (const std::string& name : AlignmentMeasureRegistry::Global().Names()) {
    absl::StatusOr<std::unique_ptr<AlignmentMeasure>> measure =
        AlignmentMeasureRegistry::Global().Create(name, nullptr);
    ASSERT_TRUE(measure.ok()) << measure.status();
    EXPECT_TRUE((*measure)->IsScaleInvariant()) << name;
    const std::map<std::string, double> base = Measure(name, w, w0, k);
    ASSERT_FALSE(base.empty()) << name;
    for (const float a : {0.25f, 8.0f}) {
      for (const double c : {7.0, 1e-3}) {
        const std::map<std::string, double> scaled =
            Measure(name, a * w, a * w0, MatrixD(c * k));
        for (const auto& [value_name, value] : base) {
          ASSERT_EQ(scaled.count(value_name), 1u) << value_name;
          EXPECT_NEAR(scaled.at(value_name), value,
                      1e-9 * std::max(1.0, std::abs(value)))
              << value_name << ", a = " << a << ", c = " << c;
        }
      }
    }
  }
}

// ACCEPTANCE (paper §8 oracle 6): dW = s u v^T gives
// dW^T dW = s^2 |u|^2 v v^T and dW^T K dW = s^2 (u^T K u) v v^T, which are
// proportional, so C-NFC = 1 (both kinds) for any K with u^T K u > 0. In
// float, W0 + s u v^T - W0 differs from a rank-1 matrix by ~6e-8 |W0|;
// rho = 1 is a maximum, so the deficit is second order (~1e-13); tolerance
// 1e-9. A non-rank-1 change on the same K gives C-NFC < 0.999 (checked).
TEST(BuiltinMeasuresTest, RankOneChangeGivesCNfcOne) {
  Rng rng(TestSeed(6));
  const Matrix w0 = GaussianMatrix<float>(7, 5, 1.0, &rng);
  const MatrixD k = RandomPsd(7, &rng);
  for (const double s : {0.01, 1.0, 30.0}) {
    const Matrix u = GaussianMatrix<float>(7, 1, 1.0, &rng);
    const Matrix v = GaussianMatrix<float>(5, 1, 1.0, &rng);
    const Matrix w = w0 + static_cast<float>(s) * u * v.transpose();
    const std::map<std::string, double> values = AllValues(w, w0, k);
    EXPECT_NEAR(values.at("c_nfc"), 1.0, 1e-9) << "s = " << s;
    EXPECT_NEAR(values.at("c_nfc_cos"), 1.0, 1e-9) << "s = " << s;
    EXPECT_NEAR(values.at("svd_c_nfc_cos"), 1.0, 1e-9) << "s = " << s;
  }
  const Matrix w = w0 + GaussianMatrix<float>(7, 5, 1.0, &rng);
  const std::map<std::string, double> full_rank = AllValues(w, w0, k);
  EXPECT_LT(full_rank.at("c_nfc"), 0.999);
  EXPECT_LT(full_rank.at("c_nfc_cos"), 0.999);
}

// dW = 0: both correlations are undefined and reported as NaN
// (metrics/correlation.h: a zero matrix for cosine, a constant one for
// Pearson); so is the SVD form.
TEST(BuiltinMeasuresTest, CNfcOfUnchangedWeightsIsNan) {
  Rng rng(TestSeed(7));
  const Matrix w0 = GaussianMatrix<float>(4, 6, 1.0, &rng);
  const MatrixD k = RandomPsd(4, &rng);
  const std::map<std::string, double> values = AllValues(w0, w0, k);
  EXPECT_TRUE(std::isnan(values.at("c_nfc")));
  EXPECT_TRUE(std::isnan(values.at("c_nfc_cos")));
  EXPECT_TRUE(std::isnan(values.at("svd_c_nfc_cos")));
  // The uncentered measures stay defined.
  EXPECT_FALSE(std::isnan(values.at("uc_nfc")));
  EXPECT_FALSE(std::isnan(values.at("uc_nfc_cos")));
}

// A FLOAT64 run's context carries W and W0 in double (weight_f64): the
// measures read dW from them, even where the float roundings are equal.
TEST(BuiltinMeasuresTest, DoubleWeightsAreReadWhenSet) {
  Rng rng(TestSeed(8));
  const Matrix w0 = GaussianMatrix<float>(4, 6, 1.0, &rng);
  const MatrixD k = RandomPsd(4, &rng);
  const MatrixD w0_f64 = w0.cast<double>();
  // A change far below a float ulp of W0's entries.
  const MatrixD change =
      1e-10 * GaussianMatrix<float>(4, 6, 1.0, &rng).cast<double>();
  const MatrixD w_f64 = w0_f64 + change;
  const Matrix w = w_f64.cast<float>();
  ASSERT_EQ(w, w0);
  const LayerContext context{1, 3, w, w0, k, nullptr, &w_f64, &w0_f64};
  EXPECT_EQ(WeightOf(context), w_f64);
  EXPECT_EQ(WeightChangeOf(context), w_f64 - w0_f64);
  absl::StatusOr<std::unique_ptr<AlignmentMeasure>> c_nfc =
      AlignmentMeasureRegistry::Global().Create("c_nfc", nullptr);
  ASSERT_TRUE(c_nfc.ok());
  absl::StatusOr<std::vector<MeasureValue>> values = (*c_nfc)->Compute(context);
  ASSERT_TRUE(values.ok()) << values.status();
  EXPECT_NEAR(
      (*values)[0].value,
      NeuralFeatureCorrelation(w_f64 - w0_f64, k, 1.0, Correlation::kPearson),
      1e-12);
  // Without the double weights, dW rounds to 0 and C-NFC is undefined.
  const LayerContext float_only{1, 3, w, w0, k};
  values = (*c_nfc)->Compute(float_only);
  ASSERT_TRUE(values.ok()) << values.status();
  EXPECT_TRUE(std::isnan((*values)[0].value));
}

}  // namespace
}  // namespace nfalab
