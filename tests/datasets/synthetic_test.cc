// Tests for the "synthetic" dataset source, always loaded through
// LoadDataset(config) so the registration is exercised too.
//
// Closed-form checks (targets are evaluated in double from the stored float
// inputs and rounded once to float, so "exact" means up to a relative error
// of ~6e-8 per target):
//  - p(z) = z: Y = X w with w = beta (single index) or sum_j beta_j / sqrt(r)
//    (multi index, orthonormal beta_j), so |w| = 1 in both cases.
//  - p(z) = z^2 - 1 (default): Y + 1 = x^T (beta beta^T) x, a quadratic form
//    whose matrix has eigenvalues {1, 0, ..., 0}.
//  - p(z) = z^2, r directions: Y = x^T (B B^T / sqrt(r)) x, eigenvalues
//    1/sqrt(r) (r times) and 0; with r = d, Y = |x|^2 / sqrt(d).
// Statistical checks use 5-sigma bounds of the sample statistic under the
// stated distribution (seeded, so they are deterministic).
#include "datasets/synthetic.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "Eigen/Dense"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/random.h"
#include "core/tensor.h"
#include "datasets/dataset.h"
#include "datasets/dataset_config.pb.h"
#include "datasets/dataset_source.h"
#include "datasets/load_dataset.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "layers/sequential.h"
#include "layers/model_config.pb.h"
#include "tests/matrix_matchers.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ApproxEq;
using ::nfalab::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

DatasetConfig ParseConfig(const std::string& text) {
  DatasetConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config))
      << text;
  return config;
}

bool BitwiseEqual(const Matrix& a, const Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(float) * a.size()) == 0;
}

Eigen::MatrixXd ToDouble(const Matrix& m) { return m.cast<double>(); }

struct LinearFit {
  Eigen::VectorXd w;         // y ~ X w (no intercept).
  double relative_residual;  // |X w - y| / |y|.
};

LinearFit FitLinear(const Matrix& x, const Matrix& y) {
  const Eigen::MatrixXd xd = ToDouble(x);
  const Eigen::VectorXd yd = ToDouble(y).col(0);
  LinearFit fit;
  fit.w = xd.colPivHouseholderQr().solve(yd);
  fit.relative_residual = (xd * fit.w - yd).norm() / yd.norm();
  return fit;
}

struct QuadraticFit {
  double intercept;   // y ~ intercept + x^T m x.
  Eigen::MatrixXd m;  // [d, d], symmetric.
  double relative_residual;
};

// Least squares on the features [1, x_i^2, 2 x_i x_j (i < j)].
QuadraticFit FitQuadratic(const Matrix& x, const Matrix& y) {
  const int n = static_cast<int>(x.rows());
  const int d = static_cast<int>(x.cols());
  const int p = 1 + d * (d + 1) / 2;
  Eigen::MatrixXd features(n, p);
  for (int s = 0; s < n; ++s) {
    int k = 0;
    features(s, k++) = 1.0;
    for (int i = 0; i < d; ++i) {
      for (int j = i; j < d; ++j) {
        features(s, k++) = (i == j ? 1.0 : 2.0) * static_cast<double>(x(s, i)) *
                           static_cast<double>(x(s, j));
      }
    }
  }
  const Eigen::VectorXd yd = ToDouble(y).col(0);
  const Eigen::VectorXd c = features.colPivHouseholderQr().solve(yd);
  QuadraticFit fit;
  fit.intercept = c[0];
  fit.m.resize(d, d);
  int k = 1;
  for (int i = 0; i < d; ++i) {
    for (int j = i; j < d; ++j) fit.m(i, j) = fit.m(j, i) = c[k++];
  }
  fit.relative_residual = (features * c - yd).norm() / yd.norm();
  return fit;
}

// Eigenvalues in increasing order.
Eigen::VectorXd Eigenvalues(const Eigen::MatrixXd& m) {
  return Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(m).eigenvalues();
}

// ---------------------------------------------------------------------------
// Registration, determinism, shapes.

TEST(SyntheticSourceTest, IsRegisteredUnderSyntheticWithADescription) {
  EXPECT_TRUE(DatasetSourceRegistry::Global().Contains("synthetic"));
  EXPECT_FALSE(
      DatasetSourceRegistry::Global().Description("synthetic").empty());
}

TEST(SyntheticSourceTest, DefaultConfigLoadsTheDocumentedShapes) {
  // Defaults: n_train 4000, n_test 1000, d = 32, relu teacher, C = 1.
  NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits data, LoadDataset(DatasetConfig()));
  EXPECT_EQ(data.train.x.rows(), 4000);
  EXPECT_EQ(data.train.x.cols(), 32);
  EXPECT_EQ(data.train.y.cols(), 1);
  EXPECT_EQ(data.test.size(), 1000);
  EXPECT_FALSE(data.train.is_classification());
}

// One config of each kind (teacher regression, classification, single and
// multi index with noise).
std::vector<std::string> AllKindsOfConfig() {
  return {
      "n_train: 50 n_test: 20 seed: 3 synthetic { input_dim: 7 "
      "teacher_depth: 2 teacher_width: 9 num_outputs: 3 }",
      "n_train: 50 n_test: 20 seed: 3 synthetic { input_dim: 7 "
      "inputs: SPHERE num_outputs: 4 classify: true }",
      "n_train: 50 n_test: 20 seed: 3 synthetic { input_dim: 7 "
      "target: SINGLE_INDEX label_noise: 0.5 }",
      "n_train: 50 n_test: 20 seed: 3 synthetic { input_dim: 7 "
      "target: MULTI_INDEX num_directions: 3 "
      "polynomial_coefficients: [1, 2, 3] label_noise: 0.1 }",
  };
}

TEST(SyntheticSourceTest, TheHeaderExamplesLoad) {
  // The two `data { ... }` examples of synthetic.h (their inner fields).
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits classification,
      LoadDataset(ParseConfig(
          "source: 'synthetic' n_train: 4000 n_test: 1000 seed: 7 "
          "synthetic { input_dim: 32 inputs: SPHERE target: TEACHER_MLP "
          "teacher_depth: 2 teacher_width: 64 teacher_activation: 'relu' "
          "num_outputs: 10 classify: true }")));
  EXPECT_EQ(classification.train.num_classes, 10);
  EXPECT_EQ(classification.train.input_dim(), 32);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits index,
      LoadDataset(ParseConfig(
          "source: 'synthetic' synthetic { input_dim: 64 target: SINGLE_INDEX "
          "polynomial_coefficients: [0, -3, 0, 1] label_noise: 0.1 }")));
  EXPECT_EQ(index.train.input_dim(), 64);
}

TEST(SyntheticSourceTest, SameConfigGivesBitIdenticalData) {
  for (const std::string& text : AllKindsOfConfig()) {
    SCOPED_TRACE(text);
    const DatasetConfig config = ParseConfig(text);
    NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits a, LoadDataset(config));
    NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits b, LoadDataset(config));
    EXPECT_TRUE(BitwiseEqual(a.train.x, b.train.x));
    EXPECT_TRUE(BitwiseEqual(a.train.y, b.train.y));
    EXPECT_TRUE(BitwiseEqual(a.test.x, b.test.x));
    EXPECT_TRUE(BitwiseEqual(a.test.y, b.test.y));
    EXPECT_EQ(a.train.labels, b.train.labels);
    EXPECT_EQ(a.test.labels, b.test.labels);
  }
}

TEST(SyntheticSourceTest, DifferentSeedGivesDifferentInputsAndTargets) {
  for (const std::string& text : AllKindsOfConfig()) {
    SCOPED_TRACE(text);
    DatasetConfig config = ParseConfig(text);
    NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits a, LoadDataset(config));
    config.set_seed(4);
    NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits b, LoadDataset(config));
    // Continuous draws: no entry should coincide.
    EXPECT_TRUE((a.train.x.array() != b.train.x.array()).all());
    EXPECT_TRUE((a.test.x.array() != b.test.x.array()).all());
    if (!a.train.is_classification()) {
      EXPECT_TRUE((a.train.y.array() != b.train.y.array()).all());
    }
  }
}

TEST(SyntheticSourceTest, ProducesTheConfiguredShapesAndSplitSizes) {
  NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits data,
                              LoadDataset(ParseConfig(R"pb(n_train: 37
                                                           n_test: 11
                                                           synthetic {
                                                             input_dim: 5
                                                             num_outputs: 3
                                                           })pb")));
  EXPECT_EQ(data.train.x.rows(), 37);
  EXPECT_EQ(data.train.x.cols(), 5);
  EXPECT_EQ(data.train.y.rows(), 37);
  EXPECT_EQ(data.train.y.cols(), 3);
  EXPECT_EQ(data.test.x.rows(), 11);
  EXPECT_EQ(data.test.x.cols(), 5);
  EXPECT_EQ(data.test.y.rows(), 11);
  EXPECT_EQ(data.test.y.cols(), 3);
  EXPECT_EQ(data.train.num_classes, 0);
  EXPECT_TRUE(data.train.labels.empty());
  EXPECT_TRUE(data.test.labels.empty());

  for (const char* target : {"SINGLE_INDEX", "MULTI_INDEX"}) {
    NFALAB_ASSERT_OK_AND_ASSIGN(
        DatasetSplits index,
        LoadDataset(ParseConfig(absl::StrCat(
            "n_train: 8 n_test: 3 synthetic { input_dim: 4 target: ", target,
            " }"))));
    EXPECT_EQ(index.train.y.rows(), 8);
    EXPECT_EQ(index.train.y.cols(), 1);
    EXPECT_EQ(index.test.y.rows(), 3);
    EXPECT_EQ(index.test.y.cols(), 1);
  }
}

TEST(SyntheticSourceTest, EmptyTestSplitIsAllowed) {
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(ParseConfig("n_train: 5 n_test: 0 synthetic { input_dim: 3 "
                              "num_outputs: 2 classify: true }")));
  EXPECT_EQ(data.train.size(), 5);
  EXPECT_EQ(data.test.size(), 0);
  EXPECT_EQ(data.test.x.cols(), 3);
  EXPECT_EQ(data.test.y.cols(), 2);
}

TEST(SyntheticSourceTest, TrainingSplitDoesNotDependOnNTest) {
  for (const std::string& text : AllKindsOfConfig()) {
    SCOPED_TRACE(text);
    DatasetConfig config = ParseConfig(text);
    NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits small, LoadDataset(config));
    config.set_n_test(2 * config.n_test());
    NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits large, LoadDataset(config));
    EXPECT_TRUE(BitwiseEqual(small.train.x, large.train.x));
    EXPECT_TRUE(BitwiseEqual(small.train.y, large.train.y));
    EXPECT_EQ(small.train.labels, large.train.labels);
    // The test inputs continue the same stream.
    EXPECT_TRUE(
        BitwiseEqual(small.test.x, large.test.x.topRows(small.test.size())));
  }
}

TEST(SyntheticSourceTest, TestSplitContinuesTheTrainingStream) {
  // One stream: n_train = 30, n_test = 10 gives the same 40 inputs as
  // n_train = 40, n_test = 0.
  DatasetConfig config = ParseConfig(
      "n_train: 30 n_test: 10 synthetic { input_dim: 6 inputs: SPHERE }");
  NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits split, LoadDataset(config));
  config.set_n_train(40);
  config.set_n_test(0);
  NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits whole, LoadDataset(config));
  EXPECT_TRUE(BitwiseEqual(split.train.x, whole.train.x.topRows(30)));
  EXPECT_TRUE(BitwiseEqual(split.test.x, whole.train.x.bottomRows(10)));
  // Same teacher on both splits. Not bitwise: the float GEMM may round
  // differently for a different number of rows.
  const Matrix whole_tail = whole.train.y.bottomRows(10);
  EXPECT_THAT(split.test.y, ApproxEq(whole_tail, 1e-5, 1e-6));
}

// ---------------------------------------------------------------------------
// Input distributions.

TEST(SyntheticSourceTest, SphereInputsHaveNormSqrtD) {
  for (int d : {1, 2, 17}) {
    NFALAB_ASSERT_OK_AND_ASSIGN(
        DatasetSplits data,
        LoadDataset(ParseConfig(absl::StrCat(
            "n_train: 300 n_test: 100 synthetic { inputs: SPHERE input_dim: ",
            d, " }"))));
    for (const Dataset* split : {&data.train, &data.test}) {
      const Eigen::VectorXd norms = ToDouble(split->x).rowwise().norm();
      // Float rounding of d entries of size ~1: error ~ 1e-7 * sqrt(d).
      EXPECT_THAT(norms, ApproxEq(Eigen::VectorXd::Constant(
                                      norms.size(), std::sqrt(double(d))),
                                  0.0, 1e-4))
          << "d = " << d;
    }
  }
}

// Sample mean and second moment E[x x^T] of the rows.
void ExpectMeanZeroAndIdentitySecondMoment(const Matrix& x) {
  const Eigen::MatrixXd xd = ToDouble(x);
  const double n = static_cast<double>(xd.rows());
  const int d = static_cast<int>(xd.cols());
  // Each coordinate has variance 1: the sample mean has sd 1/sqrt(n).
  const Eigen::VectorXd mean = xd.colwise().mean().transpose();
  EXPECT_THAT(mean,
              ApproxEq(Eigen::VectorXd::Zero(d), 0.0, 5.0 / std::sqrt(n)));
  // x_i x_j has variance 1 (i != j) or at most 2 (i == j, Gaussian), so each
  // entry of the sample second moment has sd <= sqrt(2 / n).
  const Eigen::MatrixXd second = xd.transpose() * xd / n;
  EXPECT_THAT(second, ApproxEq(Eigen::MatrixXd::Identity(d, d), 0.0,
                               5.0 * std::sqrt(2.0 / n)));
}

TEST(SyntheticSourceTest, GaussianInputsHaveStandardNormalMoments) {
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(ParseConfig(
          "n_train: 4000 n_test: 0 seed: 11 synthetic { input_dim: 8 }")));
  ExpectMeanZeroAndIdentitySecondMoment(data.train.x);
  // Fourth moment E[x^4] = 3 (distinguishes N(0,1) from other unit-variance
  // laws, e.g. uniform: 1.8); Var[x^4] = 105 - 9 = 96.
  const Eigen::ArrayXXd x = ToDouble(data.train.x).array();
  const double m = static_cast<double>(x.size());
  EXPECT_NEAR(x.pow(4).mean(), 3.0, 5.0 * std::sqrt(96.0 / m));
  // Overall mean and variance over all n*d entries.
  EXPECT_NEAR(x.mean(), 0.0, 5.0 / std::sqrt(m));
  EXPECT_NEAR(x.square().mean(), 1.0, 5.0 * std::sqrt(2.0 / m));
}

TEST(SyntheticSourceTest, SphereInputsHaveMeanZeroAndIdentitySecondMoment) {
  // Uniform on the sphere of radius sqrt(d): E[x] = 0, E[x x^T] = I.
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(ParseConfig("n_train: 4000 n_test: 0 seed: 5 "
                              "synthetic { input_dim: 6 inputs: SPHERE }")));
  ExpectMeanZeroAndIdentitySecondMoment(data.train.x);
}

// ---------------------------------------------------------------------------
// Index models.

DatasetConfig IndexConfig(absl::string_view target, int d, int n,
                          absl::string_view extra) {
  return ParseConfig(absl::StrCat("n_train: ", n, " n_test: ", n / 4,
                                  " seed: 21 synthetic { input_dim: ", d,
                                  " target: ", target, " ", extra, " }"));
}

TEST(SyntheticSourceTest,
     SingleIndexWithIdentityPolynomialIsLinearWithUnitNorm) {
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(IndexConfig("SINGLE_INDEX", 10, 200,
                              "polynomial_coefficients: [0, 1]")));
  const LinearFit fit = FitLinear(data.train.x, data.train.y);
  // Y is X beta rounded to float: relative residual ~6e-8.
  EXPECT_LT(fit.relative_residual, 1e-6);
  EXPECT_NEAR(fit.w.norm(), 1.0, 1e-5);
  // The test split has the same beta.
  const Eigen::VectorXd expected = ToDouble(data.test.x) * fit.w;
  EXPECT_THAT(ToDouble(data.test.y), ApproxEq(expected, 1e-5, 1e-5));
}

TEST(SyntheticSourceTest, SingleIndexDefaultIsSecondHermiteOfAUnitDirection) {
  const int d = 6;
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data, LoadDataset(IndexConfig("SINGLE_INDEX", d, 300, "")));
  // Y = (x.beta)^2 - 1 = -1 + x^T (beta beta^T) x exactly.
  const QuadraticFit fit = FitQuadratic(data.train.x, data.train.y);
  EXPECT_LT(fit.relative_residual, 1e-6);
  EXPECT_NEAR(fit.intercept, -1.0, 1e-5);
  Eigen::VectorXd expected = Eigen::VectorXd::Zero(d);
  expected[d - 1] = 1.0;  // beta beta^T with |beta| = 1.
  EXPECT_THAT(Eigenvalues(fit.m), ApproxEq(expected, 0.0, 1e-5));

  // beta_hat = the top eigenvector reproduces Y + 1 = (X beta_hat)^2 on both
  // splits.
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(fit.m);
  const Eigen::VectorXd beta = solver.eigenvectors().col(d - 1);
  for (const Dataset* split : {&data.train, &data.test}) {
    const Eigen::VectorXd z = ToDouble(split->x) * beta;
    const Eigen::VectorXd expected = (z.array().square() - 1.0).matrix();
    EXPECT_THAT(ToDouble(split->y), ApproxEq(expected, 1e-5, 1e-5));
  }
}

TEST(SyntheticSourceTest, SingleIndexEvaluatesTheGivenPolynomialAlongBeta) {
  // beta does not depend on the polynomial, so the p(z) = z run reveals it.
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits linear,
      LoadDataset(IndexConfig("SINGLE_INDEX", 5, 100,
                              "polynomial_coefficients: [0, 1]")));
  const Eigen::VectorXd beta = FitLinear(linear.train.x, linear.train.y).w;
  // p(z) = 0.5 - z + 2 z^3.
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits cubic,
      LoadDataset(IndexConfig("SINGLE_INDEX", 5, 100,
                              "polynomial_coefficients: [0.5, -1, 0, 2]")));
  EXPECT_TRUE(BitwiseEqual(linear.train.x, cubic.train.x));
  const Eigen::ArrayXd z = (ToDouble(cubic.train.x) * beta).array();
  const Eigen::VectorXd expected = (0.5 - z + 2.0 * z.cube()).matrix();
  EXPECT_THAT(ToDouble(cubic.train.y), ApproxEq(expected, 1e-5, 1e-5));
}

TEST(SyntheticSourceTest, SingleIndexInOneDimensionIgnoresNumDirections) {
  // num_directions (default 2) only applies to MULTI_INDEX. With d = 1,
  // beta = +-1 so Y = x^2 - 1 exactly (up to the float rounding of Y).
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data, LoadDataset(IndexConfig("SINGLE_INDEX", 1, 40, "")));
  const Eigen::VectorXd x = ToDouble(data.train.x);
  const Eigen::VectorXd expected = (x.array().square() - 1.0).matrix();
  EXPECT_THAT(ToDouble(data.train.y), ApproxEq(expected, 1e-6, 1e-6));
}

TEST(SyntheticSourceTest,
     MultiIndexWithIdentityPolynomialIsLinearWithUnitNorm) {
  // Y = sum_j <beta_j, x> / sqrt(r) = <w, x>, w = sum_j beta_j / sqrt(r),
  // |w|^2 = r / r = 1 because the beta_j are orthonormal.
  for (int r : {1, 3, 8}) {
    NFALAB_ASSERT_OK_AND_ASSIGN(
        DatasetSplits data,
        LoadDataset(
            IndexConfig("MULTI_INDEX", 8, 200,
                        absl::StrCat("num_directions: ", r,
                                     " polynomial_coefficients: [0, 1]"))));
    const LinearFit fit = FitLinear(data.train.x, data.train.y);
    EXPECT_LT(fit.relative_residual, 1e-6) << "r = " << r;
    EXPECT_NEAR(fit.w.norm(), 1.0, 1e-5) << "r = " << r;
  }
}

TEST(SyntheticSourceTest, MultiIndexQuadraticRevealsOrthonormalDirections) {
  // p(z) = z^2: Y = x^T (B B^T / sqrt(r)) x with B^T B = I_r, so the fitted
  // matrix has eigenvalue 1/sqrt(r) r times and 0 otherwise.
  const int d = 6;
  const int r = 3;
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(
          IndexConfig("MULTI_INDEX", d, 300,
                      "num_directions: 3 polynomial_coefficients: [0, 0, 1]")));
  const QuadraticFit fit = FitQuadratic(data.train.x, data.train.y);
  EXPECT_LT(fit.relative_residual, 1e-6);
  EXPECT_NEAR(fit.intercept, 0.0, 1e-5);
  Eigen::VectorXd expected = Eigen::VectorXd::Zero(d);
  expected.tail(r).setConstant(1.0 / std::sqrt(double(r)));
  EXPECT_THAT(Eigenvalues(fit.m), ApproxEq(expected, 0.0, 1e-5));
}

TEST(SyntheticSourceTest, MultiIndexWithAllDirectionsGivesScaledSquaredNorm) {
  // r = d orthonormal directions span R^d: sum_j <beta_j, x>^2 = |x|^2, so
  // with p(z) = z^2 - 1, Y = (|x|^2 - d) / sqrt(d); on the sphere that is 0
  // up to rounding.
  const int d = 5;
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(IndexConfig("MULTI_INDEX", d, 100, "num_directions: 5")));
  const Eigen::VectorXd sq = ToDouble(data.train.x).rowwise().squaredNorm();
  const Eigen::VectorXd expected =
      ((sq.array() - double(d)) / std::sqrt(double(d))).matrix();
  EXPECT_THAT(ToDouble(data.train.y), ApproxEq(expected, 1e-5, 1e-5));

  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits sphere,
      LoadDataset(IndexConfig("MULTI_INDEX", d, 100,
                              "num_directions: 5 inputs: SPHERE")));
  EXPECT_THAT(ToDouble(sphere.train.y),
              ApproxEq(Eigen::VectorXd::Zero(sphere.train.size()), 0.0, 1e-5));
}

// ---------------------------------------------------------------------------
// Teacher MLP.

// The teacher as documented in synthetic.h: Model::Create with the first Fork()
// of Rng(seed).
Model ReconstructTeacher(const DatasetConfig& config) {
  const SyntheticOptions& options = config.synthetic();
  ModelConfig model;
  model.set_depth(options.teacher_depth());
  model.set_width(options.teacher_width());
  model.set_activation(options.teacher_activation());
  model.set_init(ModelConfig::GAUSSIAN);
  model.set_init_scale(1.0);
  Rng root(config.seed());
  Rng model_rng = root.Fork();
  absl::StatusOr<Model> teacher = Model::Create(model, options.input_dim(),
                                            options.num_outputs(), &model_rng);
  EXPECT_TRUE(teacher.ok()) << teacher.status();
  return std::move(teacher).value();
}

// f(x) = W_3 relu(W_2 relu(W_1 x)) by hand, in double.
Eigen::MatrixXd ReluForwardInDouble(const Model& teacher, const Matrix& x) {
  Eigen::MatrixXd a = ToDouble(x);
  for (int i = 0; i < teacher.num_weighted_layers(); ++i) {
    EXPECT_FALSE(teacher.weighted_layer(i).has_bias());
    const Eigen::MatrixXd w = teacher.weighted_layer(i).weight().cast<double>();
    Eigen::MatrixXd h = a * w.transpose();
    a = i + 1 < teacher.num_weighted_layers() ? Eigen::MatrixXd(h.cwiseMax(0.0)) : h;
  }
  return a;
}

TEST(SyntheticSourceTest, TeacherTargetsAreTheDocumentedReluTeacher) {
  const DatasetConfig config = ParseConfig(
      R"pb(n_train: 64
           n_test: 16
           seed: 9
           synthetic {
             input_dim: 5
             teacher_depth: 2
             teacher_width: 7
             num_outputs: 3
           })pb");
  NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits data, LoadDataset(config));
  const Model teacher = ReconstructTeacher(config);
  ASSERT_EQ(teacher.num_weighted_layers(), 3);
  ASSERT_EQ(teacher.weighted_layer(0).units(), 7);
  for (const Dataset* split : {&data.train, &data.test}) {
    // Float teacher vs double reference: relative error ~1e-6.
    EXPECT_THAT(ToDouble(split->y),
                ApproxEq(ReluForwardInDouble(teacher, split->x), 1e-5, 1e-6));
  }
}

TEST(SyntheticSourceTest, TeacherWeightsAreGaussianWithVarianceOneOverFanIn) {
  // Checks the documented teacher initialisation on the reconstructed
  // teacher: sample variance of d_out * d_in entries within 5 sd
  // (sd of a sample variance of m normals = sigma^2 sqrt(2 / m)).
  const DatasetConfig config = ParseConfig(
      "synthetic { input_dim: 100 teacher_width: 200 teacher_depth: 2 }");
  const Model teacher = ReconstructTeacher(config);
  for (int i = 0; i < teacher.num_weighted_layers(); ++i) {
    const Eigen::ArrayXXd w = teacher.weighted_layer(i).weight().cast<double>().array();
    const double expected = 1.0 / teacher.weighted_layer(i).fan_in();
    const double m = static_cast<double>(w.size());
    EXPECT_NEAR(w.square().mean(), expected,
                5.0 * expected * std::sqrt(2.0 / m))
        << "layer " << i;
  }
}

TEST(SyntheticSourceTest, ReluTeacherOutputsAreNotRescaled) {
  // Documented scale: averaged over teachers and inputs, a relu teacher with
  // N(0, 1/fan_in) weights has E[y^2] = 2^-depth (each relu halves the
  // second moment). The per-seed means vary mostly through the teacher, so
  // the tolerance is 5 standard errors estimated from the seeds themselves.
  for (int depth : {1, 2}) {
    const int kSeeds = 200;
    std::vector<double> means;
    for (int seed = 0; seed < kSeeds; ++seed) {
      NFALAB_ASSERT_OK_AND_ASSIGN(
          DatasetSplits data,
          LoadDataset(ParseConfig(absl::StrCat(
              "n_train: 100 n_test: 0 seed: ", seed,
              " synthetic { input_dim: 4 teacher_width: 32 teacher_depth: ",
              depth, " }"))));
      means.push_back(ToDouble(data.train.y).array().square().mean());
    }
    const Eigen::Map<const Eigen::ArrayXd> m(means.data(), kSeeds);
    const double mean = m.mean();
    const double stderr_of_mean =
        std::sqrt((m - mean).square().sum() / (kSeeds - 1) / kSeeds);
    EXPECT_NEAR(mean, std::pow(0.5, depth), 5.0 * stderr_of_mean)
        << "depth " << depth << ", standard error " << stderr_of_mean;
  }
}

TEST(SyntheticSourceTest, IdentityActivationTeacherIsLinear) {
  // A linear teacher: every output column is exactly linear in x.
  NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits data,
                              LoadDataset(ParseConfig(
                                  R"pb(n_train: 100
                                       n_test: 0
                                       synthetic {
                                         input_dim: 6
                                         teacher_depth: 3
                                         teacher_activation: "identity"
                                         num_outputs: 2
                                       })pb")));
  for (int c = 0; c < 2; ++c) {
    const LinearFit fit = FitLinear(data.train.x, Matrix(data.train.y.col(c)));
    EXPECT_LT(fit.relative_residual, 1e-5) << "output " << c;
  }
}

TEST(SyntheticSourceTest, ClassificationLabelsAreTheTeacherArgMax) {
  const DatasetConfig config = ParseConfig(
      R"pb(n_train: 300
           n_test: 100
           seed: 2
           synthetic {
             input_dim: 4
             teacher_width: 16
             num_outputs: 4
             classify: true
           })pb");
  NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits data, LoadDataset(config));
  const Model teacher = ReconstructTeacher(config);
  int checked = 0;
  for (const Dataset* split : {&data.train, &data.test}) {
    EXPECT_EQ(split->num_classes, 4);
    ASSERT_EQ(static_cast<int>(split->labels.size()), split->size());
    const Eigen::MatrixXd outputs = ReluForwardInDouble(teacher, split->x);
    for (int i = 0; i < split->size(); ++i) {
      // Skip near-ties, where float vs double rounding may pick either.
      Eigen::VectorXd row = outputs.row(i).transpose();
      Eigen::Index best;
      const double top = row.maxCoeff(&best);
      row[best] = -1e300;
      if (top - row.maxCoeff() < 1e-4) continue;
      EXPECT_EQ(split->labels[i], best) << "row " << i;
      ++checked;
    }
  }
  EXPECT_GT(checked, 350);
}

TEST(SyntheticSourceTest, ClassificationTargetsAreOneHotMinusOneOverC) {
  for (int c : {2, 3, 7}) {
    NFALAB_ASSERT_OK_AND_ASSIGN(
        DatasetSplits data,
        LoadDataset(ParseConfig(absl::StrCat(
            "n_train: 50 n_test: 20 synthetic { input_dim: 3 num_outputs: ", c,
            " classify: true }"))));
    const float on = static_cast<float>(1.0 - 1.0 / c);
    const float off = static_cast<float>(-1.0 / c);
    for (const Dataset* split : {&data.train, &data.test}) {
      EXPECT_EQ(split->num_classes, c);
      ASSERT_EQ(split->y.cols(), c);
      for (int i = 0; i < split->size(); ++i) {
        const int label = split->labels[i];
        ASSERT_GE(label, 0);
        ASSERT_LT(label, c);
        for (int k = 0; k < c; ++k) {
          EXPECT_EQ(split->y(i, k), k == label ? on : off)
              << "C = " << c << ", row " << i << ", column " << k;
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Label noise.

TEST(SyntheticSourceTest, LabelNoiseAddsIndependentGaussianWithTheGivenStd) {
  const double sigma = 0.3;
  for (const char* target : {"TEACHER_MLP", "SINGLE_INDEX"}) {
    SCOPED_TRACE(target);
    DatasetConfig config = ParseConfig(absl::StrCat(
        "n_train: 4000 n_test: 1000 seed: 8 synthetic { input_dim: 5 "
        "target: ",
        target, " }"));
    NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits clean, LoadDataset(config));
    config.mutable_synthetic()->set_label_noise(sigma);
    NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits noisy, LoadDataset(config));
    // Noise has its own stream: inputs are unchanged.
    EXPECT_TRUE(BitwiseEqual(clean.train.x, noisy.train.x));
    EXPECT_TRUE(BitwiseEqual(clean.test.x, noisy.test.x));
    for (auto [a, b] : {std::make_pair(&clean.train, &noisy.train),
                        std::make_pair(&clean.test, &noisy.test)}) {
      const Eigen::ArrayXd noise = (ToDouble(b->y) - ToDouble(a->y)).array();
      const double m = static_cast<double>(noise.size());
      // Mean: sd sigma / sqrt(m). Sample std: sd ~ sigma / sqrt(2 m).
      EXPECT_NEAR(noise.mean(), 0.0, 5.0 * sigma / std::sqrt(m));
      const double std = std::sqrt(noise.square().mean());
      EXPECT_NEAR(std, sigma, 5.0 * sigma / std::sqrt(2.0 * m));
      // Independent across rows: lag-1 correlation ~ N(0, 1/m).
      const double lag1 =
          (noise.head(noise.size() - 1) * noise.tail(noise.size() - 1)).mean() /
          (sigma * sigma);
      EXPECT_NEAR(lag1, 0.0, 5.0 / std::sqrt(m));
      // Independent of the inputs (its own stream): the correlation with the
      // first m input draws and with the first input column is ~N(0, 1/m).
      const Eigen::Map<const Eigen::ArrayXf> draws(b->x.data(), noise.size());
      EXPECT_NEAR((noise * draws.cast<double>()).mean() / sigma, 0.0,
                  5.0 / std::sqrt(m));
      EXPECT_NEAR((noise * ToDouble(b->x).col(0).array()).mean() / sigma, 0.0,
                  5.0 / std::sqrt(m));
    }
  }
}

// ---------------------------------------------------------------------------
// Config errors: one test per field, through LoadDataset.

void ExpectError(const std::string& text, absl::StatusCode code,
                 absl::string_view field, absl::string_view detail = "") {
  const DatasetConfig config = ParseConfig(text);
  EXPECT_THAT(LoadDataset(config),
              StatusIs(code, AllOf(HasSubstr(std::string(field)),
                                   HasSubstr(std::string(detail)))));
  // The same error from the up-front validation.
  EXPECT_THAT(SyntheticSource::Validate(config),
              StatusIs(code, HasSubstr(std::string(field))));
}

TEST(SyntheticSourceTest, RecordsItsProvenance) {
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(ParseConfig("n_train: 30 n_test: 7 seed: 2 synthetic { "
                              "input_dim: 3 num_outputs: 4 classify: true }")));
  const DataProvenance& p = data.provenance;
  EXPECT_EQ(p.source, "synthetic");
  EXPECT_EQ(p.path, "");
  EXPECT_EQ(p.train_available, 30);
  EXPECT_EQ(p.test_available, 7);
  EXPECT_EQ(p.train_used, 30);
  EXPECT_EQ(p.test_used, 7);
  EXPECT_FALSE(p.standardized);
  EXPECT_FALSE(p.random_subset);
  EXPECT_EQ(p.targets, "one-hot minus 1/C");
  EXPECT_THAT(p.notes, ::testing::ElementsAre(AllOf(
                           HasSubstr("TEACHER_MLP"), HasSubstr("GAUSSIAN"),
                           HasSubstr("d = 3"), HasSubstr("seed 2"))));
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits regression,
      LoadDataset(ParseConfig("n_train: 5 synthetic { input_dim: 2 }")));
  EXPECT_EQ(regression.provenance.targets, "regression");
}

TEST(SyntheticSourceTest, RejectsPreprocessOptions) {
  ExpectError("preprocess { standardize: false }",
              absl::StatusCode::kInvalidArgument, "data.preprocess",
              "file sources only");
}

TEST(SyntheticSourceTest, RejectsNonPositiveNTrain) {
  ExpectError("n_train: 0", absl::StatusCode::kInvalidArgument, "data.n_train",
              "got 0");
}

TEST(SyntheticSourceTest, RejectsNegativeNTest) {
  ExpectError("n_test: -1", absl::StatusCode::kInvalidArgument, "data.n_test",
              "got -1");
}

TEST(SyntheticSourceTest, RejectsNonPositiveInputDim) {
  ExpectError("synthetic { input_dim: 0 }", absl::StatusCode::kInvalidArgument,
              "data.synthetic.input_dim must be >= 1, got 0");
}

TEST(SyntheticSourceTest, RejectsNumDirectionsBelowOne) {
  ExpectError("synthetic { target: MULTI_INDEX num_directions: 0 }",
              absl::StatusCode::kInvalidArgument,
              "data.synthetic.num_directions", "got 0");
}

TEST(SyntheticSourceTest, RejectsNumDirectionsAboveInputDim) {
  ExpectError(
      "synthetic { target: MULTI_INDEX input_dim: 4 num_directions: 5 }",
      absl::StatusCode::kInvalidArgument, "data.synthetic.num_directions",
      "got 5");
}

TEST(SyntheticSourceTest, RejectsNonPositiveNumOutputs) {
  ExpectError("synthetic { num_outputs: 0 }",
              absl::StatusCode::kInvalidArgument, "data.synthetic.num_outputs",
              "got 0");
}

TEST(SyntheticSourceTest, RejectsSeveralOutputsForIndexTargets) {
  ExpectError("synthetic { target: SINGLE_INDEX num_outputs: 2 }",
              absl::StatusCode::kInvalidArgument, "data.synthetic.num_outputs",
              "SINGLE_INDEX");
}

TEST(SyntheticSourceTest, RejectsNonPositiveTeacherDepth) {
  ExpectError("synthetic { teacher_depth: 0 }",
              absl::StatusCode::kInvalidArgument,
              "data.synthetic.teacher_depth", "got 0");
}

TEST(SyntheticSourceTest, RejectsNonPositiveTeacherWidth) {
  ExpectError("synthetic { teacher_width: -3 }",
              absl::StatusCode::kInvalidArgument,
              "data.synthetic.teacher_width", "got -3");
}

TEST(SyntheticSourceTest, UnknownTeacherActivationIsNotFound) {
  ExpectError(R"pb(synthetic { teacher_activation: "gleu" })pb",
              absl::StatusCode::kNotFound, "data.synthetic.teacher_activation",
              "gleu");
  // The registry's message lists the known names.
  EXPECT_THAT(LoadDataset(ParseConfig(R"pb(synthetic {
                                             teacher_activation: "gleu"
                                           })pb")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("relu")));
}

TEST(SyntheticSourceTest, RejectsClassificationWithOneOutput) {
  ExpectError("synthetic { classify: true num_outputs: 1 }",
              absl::StatusCode::kInvalidArgument, "data.synthetic.num_outputs",
              "data.synthetic.classify");
}

TEST(SyntheticSourceTest, RejectsNegativeLabelNoise) {
  ExpectError("synthetic { label_noise: -0.1 }",
              absl::StatusCode::kInvalidArgument, "data.synthetic.label_noise",
              "-0.1");
}

TEST(SyntheticSourceTest, RejectsNonFiniteLabelNoise) {
  ExpectError("synthetic { label_noise: nan }",
              absl::StatusCode::kInvalidArgument, "data.synthetic.label_noise");
  ExpectError("synthetic { label_noise: inf }",
              absl::StatusCode::kInvalidArgument, "data.synthetic.label_noise");
}

TEST(SyntheticSourceTest, RejectsLabelNoiseForClassification) {
  ExpectError("synthetic { classify: true num_outputs: 3 label_noise: 0.5 }",
              absl::StatusCode::kInvalidArgument, "data.synthetic.label_noise",
              "data.synthetic.classify");
}

TEST(SyntheticSourceTest, RejectsClassificationOfIndexTargets) {
  ExpectError("synthetic { target: MULTI_INDEX classify: true }",
              absl::StatusCode::kInvalidArgument, "data.synthetic.classify",
              "MULTI_INDEX");
}

TEST(SyntheticSourceTest, RejectsNonFinitePolynomialCoefficient) {
  ExpectError(
      "synthetic { target: SINGLE_INDEX "
      "polynomial_coefficients: [1, inf] }",
      absl::StatusCode::kInvalidArgument,
      "data.synthetic.polynomial_coefficients[1]");
}

TEST(SyntheticSourceTest, RejectsInputsLargerThanTheFloatLimit) {
  // 2^30 rows * 4 columns = 2^32 floats: rejected before allocating.
  ExpectError("n_train: 1073741824 n_test: 0 synthetic { input_dim: 4 }",
              absl::StatusCode::kInvalidArgument, "data.synthetic.input_dim",
              "2^31");
  // The two split sizes add up: 2^31 - 1 + 1 rows of one column (2^31 rows
  // would also overflow Dataset::size()).
  ExpectError("n_train: 2147483647 n_test: 1 synthetic { input_dim: 1 }",
              absl::StatusCode::kInvalidArgument, "data.n_test", "2^31");
}

TEST(SyntheticSourceTest, RejectsTargetsLargerThanTheFloatLimit) {
  ExpectError("n_train: 1048576 synthetic { input_dim: 1 num_outputs: 4096 }",
              absl::StatusCode::kInvalidArgument, "data.synthetic.num_outputs",
              "2^31");
}

TEST(SyntheticSourceTest, RejectsTeachersLargerThanTheFloatLimit) {
  // 2 * 100000^2 = 2e10 hidden-to-hidden weights.
  ExpectError("synthetic { teacher_depth: 3 teacher_width: 100000 }",
              absl::StatusCode::kInvalidArgument,
              "data.synthetic.teacher_width", "2^31");
}

// ---------------------------------------------------------------------------
// Label-irrelevant input directions (irrelevant_dims, irrelevant_scale).

TEST(SyntheticSourceTest, TheIrrelevantDimsHeaderExampleLoads) {
  // The third `data { ... }` example of synthetic.h.
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(ParseConfig(
          "source: 'synthetic' seed: 3 synthetic { input_dim: 16 "
          "inputs: SPHERE num_outputs: 4 classify: true irrelevant_dims: 48 "
          "irrelevant_scale: 2.0 }")));
  EXPECT_EQ(data.train.input_dim(), 64);
  EXPECT_EQ(data.test.input_dim(), 64);
  EXPECT_EQ(data.train.num_classes, 4);
}

TEST(SyntheticSourceTest, IrrelevantDimsAppendColumnsToBothSplits) {
  for (const std::string& text : AllKindsOfConfig()) {
    SCOPED_TRACE(text);
    DatasetConfig config = ParseConfig(text);
    const int d = config.synthetic().input_dim();
    NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits base, LoadDataset(config));
    config.mutable_synthetic()->set_irrelevant_dims(5);
    NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits data, LoadDataset(config));
    EXPECT_EQ(data.train.x.rows(), 50);
    EXPECT_EQ(data.train.x.cols(), d + 5);
    EXPECT_EQ(data.test.x.rows(), 20);
    EXPECT_EQ(data.test.x.cols(), d + 5);
    // The targets keep their shape.
    EXPECT_EQ(data.train.y.rows(), base.train.y.rows());
    EXPECT_EQ(data.train.y.cols(), base.train.y.cols());
    EXPECT_EQ(data.test.y.cols(), base.test.y.cols());
    EXPECT_EQ(data.train.num_classes, base.train.num_classes);
  }
}

TEST(SyntheticSourceTest, ZeroIrrelevantDimsIsBitIdenticalToUnsetFields) {
  for (const std::string& text : AllKindsOfConfig()) {
    SCOPED_TRACE(text);
    DatasetConfig config = ParseConfig(text);
    ASSERT_FALSE(config.synthetic().has_irrelevant_dims());
    ASSERT_FALSE(config.synthetic().has_irrelevant_scale());
    NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits unset, LoadDataset(config));
    config.mutable_synthetic()->set_irrelevant_dims(0);
    config.mutable_synthetic()->set_irrelevant_scale(3.0);  // Unused at k = 0.
    NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits zero, LoadDataset(config));
    EXPECT_TRUE(BitwiseEqual(unset.train.x, zero.train.x));
    EXPECT_TRUE(BitwiseEqual(unset.train.y, zero.train.y));
    EXPECT_TRUE(BitwiseEqual(unset.test.x, zero.test.x));
    EXPECT_TRUE(BitwiseEqual(unset.test.y, zero.test.y));
    EXPECT_EQ(unset.train.labels, zero.train.labels);
    EXPECT_EQ(unset.test.labels, zero.test.labels);
    EXPECT_EQ(unset.provenance.notes, zero.provenance.notes);
  }
}

TEST(SyntheticSourceTest, RelevantBlockAndTargetsDoNotDependOnIrrelevantDims) {
  // All kinds (teacher regression and classification, SPHERE inputs, index
  // targets, label noise): k = 5 keeps the first d columns, the targets and
  // the labels bit for bit, so the targets cannot depend on the extra columns.
  for (const std::string& text : AllKindsOfConfig()) {
    SCOPED_TRACE(text);
    DatasetConfig config = ParseConfig(text);
    const int d = config.synthetic().input_dim();
    NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits base, LoadDataset(config));
    config.mutable_synthetic()->set_irrelevant_dims(5);
    NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits a, LoadDataset(config));
    // A different scale changes the extra columns but nothing else.
    config.mutable_synthetic()->set_irrelevant_scale(10.0);
    NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits b, LoadDataset(config));
    for (const DatasetSplits* with : {&a, &b}) {
      for (auto [plain, extended] : {std::make_pair(&base.train, &with->train),
                                     std::make_pair(&base.test, &with->test)}) {
        const Matrix relevant = extended->x.leftCols(d);
        EXPECT_TRUE(BitwiseEqual(plain->x, relevant));
        EXPECT_TRUE(BitwiseEqual(plain->y, extended->y));
        EXPECT_EQ(plain->labels, extended->labels);
      }
    }
    // Same stream, scaled: b's extra columns are 10 x a's (up to the float
    // rounding of each, relative 2^-24 each).
    const Matrix a_extra = a.train.x.rightCols(5);
    const Matrix b_extra = b.train.x.rightCols(5);
    const Matrix a_extra_times_10 = 10.0f * a_extra;
    EXPECT_THAT(b_extra, ApproxEq(a_extra_times_10, 1e-6, 1e-6));
    EXPECT_FALSE(BitwiseEqual(a_extra, b_extra));
  }
}

TEST(SyntheticSourceTest, IrrelevantColumnsDoNotDependOnInputDimOrNTest) {
  // Their own stream, drawn row by row, train rows then test rows.
  DatasetConfig config = ParseConfig(
      "n_train: 40 n_test: 10 seed: 9 synthetic { input_dim: 3 "
      "irrelevant_dims: 4 irrelevant_scale: 0.5 }");
  NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits a, LoadDataset(config));
  config.mutable_synthetic()->set_input_dim(7);
  config.mutable_synthetic()->set_inputs(SyntheticOptions::SPHERE);
  config.set_n_test(25);
  NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits b, LoadDataset(config));
  const Matrix a_train = a.train.x.rightCols(4);
  const Matrix b_train = b.train.x.rightCols(4);
  EXPECT_TRUE(BitwiseEqual(a_train, b_train));
  const Matrix a_test = a.test.x.rightCols(4);
  const Matrix b_test_head = b.test.x.rightCols(4).topRows(10);
  EXPECT_TRUE(BitwiseEqual(a_test, b_test_head));
}

TEST(SyntheticSourceTest, IrrelevantColumnsAreGaussianWithTheGivenStd) {
  // n = 4000 rows, k = 6 columns of N(0, s^2), s = 2.5, next to d = 5
  // SPHERE inputs and a 2-output relu teacher. Bounds are 5 standard errors.
  const double s = 2.5;
  const int d = 5;
  const int k = 6;
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(ParseConfig(absl::StrCat(
          "n_train: 4000 n_test: 0 seed: 13 synthetic { input_dim: ", d,
          " inputs: SPHERE num_outputs: 2 irrelevant_dims: ", k,
          " irrelevant_scale: ", s, " }"))));
  const Eigen::MatrixXd x = ToDouble(data.train.x);
  const double n = static_cast<double>(x.rows());
  ASSERT_EQ(x.cols(), d + k);
  const Eigen::MatrixXd relevant = x.leftCols(d);
  const Eigen::MatrixXd z = x.rightCols(k);

  // The sphere constrains the relevant block only: its rows have norm
  // sqrt(d), while the irrelevant rows do not have a fixed norm.
  const Eigen::VectorXd norms = relevant.rowwise().norm();
  EXPECT_THAT(norms, ApproxEq(Eigen::VectorXd::Constant(norms.size(),
                                                        std::sqrt(double(d))),
                              0.0, 1e-4));
  const Eigen::VectorXd z_norms = z.rowwise().norm();
  EXPECT_GT(z_norms.maxCoeff() - z_norms.minCoeff(), 1.0);

  // Per column: mean has sd s / sqrt(n); the sample std has sd ~ s /
  // sqrt(2 n) (Gaussian).
  const Eigen::VectorXd mean = z.colwise().mean().transpose();
  EXPECT_THAT(mean,
              ApproxEq(Eigen::VectorXd::Zero(k), 0.0, 5.0 * s / std::sqrt(n)));
  for (int j = 0; j < k; ++j) {
    const double std = std::sqrt(z.col(j).squaredNorm() / n);
    EXPECT_NEAR(std, s, 5.0 * s / std::sqrt(2.0 * n)) << "column " << j;
  }
  // Gaussian shape over all n k entries: E[z^4] = 3 s^4, Var[z^4] = 96 s^8.
  const double m = n * k;
  const double s4 = s * s * s * s;
  EXPECT_NEAR(z.array().pow(4).mean(), 3.0 * s4,
              5.0 * std::sqrt(96.0 / m) * s4);
  // Independent columns and independent of the relevant block: every
  // normalised cross moment E[a b] / (sd_a sd_b) is ~N(0, 1/n).
  const Eigen::MatrixXd zz = z.transpose() * z / (n * s * s);
  EXPECT_THAT(zz, ApproxEq(Eigen::MatrixXd::Identity(k, k), 0.0,
                           5.0 * std::sqrt(2.0 / n)));
  const Eigen::MatrixXd zx = z.transpose() * relevant / (n * s);
  EXPECT_THAT(zx,
              ApproxEq(Eigen::MatrixXd::Zero(k, d), 0.0, 5.0 / std::sqrt(n)));

  // ~Zero Pearson correlation with each target: sd ~ 1 / sqrt(n) for
  // independent variables.
  const Eigen::MatrixXd y = ToDouble(data.train.y);
  const Eigen::MatrixXd zc = z.rowwise() - z.colwise().mean();
  const Eigen::MatrixXd yc = y.rowwise() - y.colwise().mean();
  Eigen::MatrixXd correlation = zc.transpose() * yc;  // [k, C]
  for (int j = 0; j < k; ++j) {
    for (int c = 0; c < y.cols(); ++c) {
      correlation(j, c) /= zc.col(j).norm() * yc.col(c).norm();
    }
  }
  EXPECT_THAT(correlation, ApproxEq(Eigen::MatrixXd::Zero(k, y.cols()), 0.0,
                                    5.0 / std::sqrt(n)));
  // The same statistic does see the relevant inputs: a linear teacher
  // (identity activation) correlates with them, so the check can fail.
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits linear,
      LoadDataset(ParseConfig(absl::StrCat(
          "n_train: 4000 n_test: 0 seed: 13 synthetic { input_dim: ", d,
          " teacher_activation: 'identity' irrelevant_dims: ", k, " }"))));
  const Eigen::MatrixXd lx = ToDouble(linear.train.x);
  const Eigen::VectorXd ly = ToDouble(linear.train.y).col(0);
  double largest_relevant = 0;
  for (int j = 0; j < d; ++j) {
    const Eigen::VectorXd a = lx.col(j).array() - lx.col(j).mean();
    const Eigen::VectorXd b = ly.array() - ly.mean();
    largest_relevant =
        std::max(largest_relevant, std::abs(a.dot(b)) / (a.norm() * b.norm()));
  }
  EXPECT_GT(largest_relevant, 10.0 / std::sqrt(n));
}

TEST(SyntheticSourceTest, ZeroIrrelevantScaleGivesExactZeros) {
  DatasetConfig config = ParseConfig(
      "n_train: 30 n_test: 10 seed: 4 synthetic { input_dim: 3 "
      "target: SINGLE_INDEX irrelevant_dims: 4 irrelevant_scale: 0 }");
  NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits data, LoadDataset(config));
  for (const Dataset* split : {&data.train, &data.test}) {
    ASSERT_EQ(split->x.cols(), 7);
    // Bitwise +0.0f (not -0.0f): compare bytes against a zero matrix.
    const Matrix extra = split->x.rightCols(4);
    EXPECT_TRUE(BitwiseEqual(extra, Matrix::Zero(split->size(), 4)));
    // The relevant block is still random.
    EXPECT_TRUE((split->x.leftCols(3).array() != 0.0f).all());
  }
}

TEST(SyntheticSourceTest, RecordsTheIrrelevantColumnsInTheProvenance) {
  NFALAB_ASSERT_OK_AND_ASSIGN(
      DatasetSplits data,
      LoadDataset(ParseConfig("n_train: 5 seed: 2 synthetic { input_dim: 3 "
                              "irrelevant_dims: 5 irrelevant_scale: 0.5 }")));
  EXPECT_THAT(data.provenance.notes,
              ::testing::ElementsAre(
                  AllOf(HasSubstr("TEACHER_MLP"), HasSubstr("d = 3")),
                  AllOf(HasSubstr("k = 5"), HasSubstr("irrelevant"),
                        HasSubstr("0.5"), HasSubstr("columns 3 to 7"))));
}

TEST(SyntheticSourceTest, RejectsNegativeIrrelevantDims) {
  ExpectError("synthetic { irrelevant_dims: -1 }",
              absl::StatusCode::kInvalidArgument,
              "data.synthetic.irrelevant_dims", "got -1");
}

TEST(SyntheticSourceTest, RejectsNegativeOrNonFiniteIrrelevantScale) {
  // Validated whether or not irrelevant_dims is set.
  ExpectError("synthetic { irrelevant_dims: 2 irrelevant_scale: -0.5 }",
              absl::StatusCode::kInvalidArgument,
              "data.synthetic.irrelevant_scale", "-0.5");
  ExpectError("synthetic { irrelevant_scale: -1 }",
              absl::StatusCode::kInvalidArgument,
              "data.synthetic.irrelevant_scale", "got -1");
  ExpectError("synthetic { irrelevant_dims: 2 irrelevant_scale: nan }",
              absl::StatusCode::kInvalidArgument,
              "data.synthetic.irrelevant_scale");
  ExpectError("synthetic { irrelevant_dims: 2 irrelevant_scale: inf }",
              absl::StatusCode::kInvalidArgument,
              "data.synthetic.irrelevant_scale");
}

TEST(SyntheticSourceTest, SizeLimitCountsTheIrrelevantColumns) {
  // 2^29 rows * 3 columns fit (1.6e9 floats); with one irrelevant column
  // the inputs need 2^31 floats: rejected before allocating.
  EXPECT_TRUE(SyntheticSource::Validate(
                  ParseConfig("n_train: 536870912 n_test: 0 synthetic { "
                              "input_dim: 3 num_outputs: 1 }"))
                  .ok());
  ExpectError(
      "n_train: 536870912 n_test: 0 synthetic { input_dim: 3 "
      "irrelevant_dims: 1 }",
      absl::StatusCode::kInvalidArgument, "data.synthetic.irrelevant_dims",
      "2^31");
  // d + k itself beyond int32 (one row).
  ExpectError(
      "n_train: 1 n_test: 0 synthetic { input_dim: 2 "
      "irrelevant_dims: 2147483647 }",
      absl::StatusCode::kInvalidArgument, "data.synthetic.irrelevant_dims",
      "2^31");
}

}  // namespace
}  // namespace nfalab
