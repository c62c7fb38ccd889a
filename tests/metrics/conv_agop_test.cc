// The patch AGOP of conv nets (layers/layer.h, metrics/feature_matrices.h):
// for conv(3x3, pad 1) -> relu -> conv(2x2, stride 2, pad 0) -> relu ->
// flatten -> linear, with and without bias, in double,
//
//   W^T K W (K from ComputePtk)  ==  BruteForceAgop  ==  the AGOP of
//   finite-difference patch Jacobians J_{icq} = d f_c(x_i) / d X_i[q, :]
//
// at both conv layers and the readout. The finite differences are the
// test's own: moving patch row X_i[q, :] along e_a moves h_i[:, q] along
// W[:, a], so the test perturbs the layer's output at position q and runs
// the rest of the network (no OutputVectors, no Backward). Also: a rank-1
// weight change gives C-NFC = 1 on a conv layer, and a rank-2 one does not.
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/random.h"
#include "core/sample_shape.h"
#include "core/tensor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "layers/model_config.pb.h"
#include "layers/sequential.h"
#include "metrics/alignment_measure.h"
#include "metrics/feature_matrices.h"
#include "metrics/ptk.h"
#include "tests/matrix_matchers.h"
#include "tests/metrics/brute_force_agop.h"
#include "tests/random_matrix.h"
#include "tests/status_matchers.h"
#include "tests/test_seed.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ApproxEq;
using ::nfalab::testing::GaussianMatrix;
using ::nfalab::testing::TestSeed;

constexpr int kSamples = 6;
constexpr int kOutputs = 2;
const SampleShape kInput{2, 5, 4};

// As in feature_matrices_test: the same sums in other orders agree to
// ~1e-14 relative in double; 1e-10 has a wide margin, a wrong position or
// channel order is off by O(1).
constexpr double kTol = 1e-10;
// Central differences with step 1e-6 in double: Jacobian entries within
// ~1e-9 of the exact ones (relu is piecewise linear: exact away from kinks).
constexpr double kStep = 1e-6;
constexpr double kFdTol = 1e-6;

// conv 3x3 pad 1 -> relu -> [maxpool 2] -> conv 2x2 -> relu -> flatten ->
// linear. Without the pool the second conv has stride 2 and padding 0; with
// it (on 3 x 2 x 2), stride 1 and padding 1.
ModelConfig ConvNetConfig(bool bias, bool pool) {
  ModelConfig config;
  LayerSpec* conv1 = config.add_layers();
  conv1->set_type("conv2d");
  conv1->set_out_channels(3);
  conv1->set_kernel_size(3);
  conv1->set_padding(1);
  LayerSpec* relu1 = config.add_layers();
  relu1->set_type("activation");
  relu1->set_activation("relu");
  if (pool) config.add_layers()->set_type("maxpool2d");
  LayerSpec* conv2 = config.add_layers();
  conv2->set_type("conv2d");
  conv2->set_out_channels(4);
  conv2->set_kernel_size(2);
  conv2->set_stride(pool ? 1 : 2);
  conv2->set_padding(pool ? 1 : 0);
  *config.add_layers() = *relu1;
  config.add_layers()->set_type("flatten");
  config.add_layers()->set_type("linear");
  config.set_bias(bias);
  config.set_init(ModelConfig::GAUSSIAN);
  return config;
}

// The output of the layers after layer j, from layer j's output rows.
MatrixD ForwardFrom(const ModelD& model, int j, MatrixD h) {
  MatrixD next, kept;
  for (int t = j + 1; t < model.num_layers(); ++t) {
    model.layer(t).Forward(h, &next, &kept);
    h.swap(next);
  }
  return h;
}

// (1/n) sum_{i,c,q} J^T J with J_{icq} from central differences.
MatrixD FiniteDifferenceAgop(const ModelD& model, const MatrixD& x, int l) {
  const BasicWeightedLayer<double>& layer = model.weighted_layer(l);
  const int j = model.weighted_position(l);
  const int k = layer.units(), p = layer.fan_in(),
            positions = layer.positions();
  const MatrixD& w = layer.weight();
  BasicModelCache<double> cache;
  model.Forward(x, &cache);
  MatrixD agop = MatrixD::Zero(p, p);
  for (int i = 0; i < x.rows(); ++i) {
    // Rows 2 (q p + a) and 2 (q p + a) + 1: h_i -+ step W[:, a] at q.
    MatrixD h = cache.outputs[j].row(i).replicate(2 * positions * p, 1);
    for (int q = 0; q < positions; ++q) {
      for (int a = 0; a < p; ++a) {
        for (int c = 0; c < k; ++c) {
          h(2 * (q * p + a), c * positions + q) += kStep * w(c, a);
          h(2 * (q * p + a) + 1, c * positions + q) -= kStep * w(c, a);
        }
      }
    }
    const MatrixD f = ForwardFrom(model, j, h);
    for (int c = 0; c < f.cols(); ++c) {
      MatrixD jacobian(positions, p);
      for (int q = 0; q < positions; ++q) {
        for (int a = 0; a < p; ++a) {
          const int r = 2 * (q * p + a);
          jacobian(q, a) = (f(r, c) - f(r + 1, c)) / (2 * kStep);
        }
      }
      agop += jacobian.transpose() * jacobian;
    }
  }
  return agop / static_cast<double>(x.rows());
}

// (bias, a maxpool between the convs).
class ConvAgopTest
    : public ::testing::TestWithParam<std::tuple<bool, bool>> {};

TEST_P(ConvAgopTest, WtKWEqualsPatchJacobianAgopAtEveryLayer) {
  const auto [bias, pool] = GetParam();
  Rng rng(TestSeed((bias ? 11 : 12) + (pool ? 10 : 0)));
  NFALAB_ASSERT_OK_AND_ASSIGN(
      ModelD model,
      ModelD::Create(ConvNetConfig(bias, pool), kInput, kOutputs, &rng));
  ASSERT_EQ(model.num_weighted_layers(), 3);
  ASSERT_EQ(model.weighted_layer(0).positions(), 20);
  // 5 x 4 -> (pool) 2 x 2 -> 3 x 3, or 5 x 4 -> 2 x 2.
  ASSERT_EQ(model.weighted_layer(1).positions(), pool ? 9 : 4);
  ASSERT_EQ(model.weighted_layer(1).has_bias(), bias);
  const MatrixD x =
      GaussianMatrix(kSamples, static_cast<int>(kInput.size()), &rng);
  NFALAB_ASSERT_OK_AND_ASSIGN(std::vector<MatrixD> k,
                              ComputePtk(model, x, {0, 1, 2}, PtkOptions()));
  for (int l = 0; l < 3; ++l) {
    SCOPED_TRACE(
        absl::StrCat("weighted layer ", l, ", bias ", bias, ", pool ", pool));
    const MatrixD wkw =
        AverageGradientOuterProduct(model.weighted_layer(l).weight(), k[l]);
    const MatrixD brute = BruteForceAgop(model, x, l);
    const double scale = brute.cwiseAbs().maxCoeff();
    ASSERT_GT(scale, 0);
    EXPECT_THAT(wkw, ApproxEq(brute, kTol, kTol * scale));
    EXPECT_THAT(FiniteDifferenceAgop(model, x, l),
                ApproxEq(brute, kFdTol, kFdTol * scale));
  }
}

INSTANTIATE_TEST_SUITE_P(BiasAndPool, ConvAgopTest,
                         ::testing::Combine(::testing::Bool(),
                                            ::testing::Bool()));

// Small dyadic entries (multiples of 1/64 below 8), so W0, W0 + dW and
// W - W0 are exact in float as in double and dW stays exactly rank 1 or 2
// after the LayerContext's float copies.
MatrixD Dyadic(int rows, int cols, double denominator, Rng* rng) {
  return (GaussianMatrix(rows, cols, rng) * denominator)
             .array()
             .round()
             .matrix() /
         denominator;
}

// c_nfc and c_nfc_cos of conv layer l after W = W0 + dW.
std::vector<MeasureValue> CenteredNfcAfter(ModelD model, int l,
                                           const MatrixD& w0, const MatrixD& dw,
                                           const MatrixD& x) {
  BasicWeightedLayer<double>& layer = model.weighted_layer(l);
  layer.weight() = w0 + dw;
  EXPECT_TRUE(layer.SetInitialWeight(w0, "W0").ok());
  absl::StatusOr<std::vector<MatrixD>> k =
      ComputePtk(model, x, {l}, PtkOptions());
  EXPECT_TRUE(k.ok()) << k.status();
  absl::StatusOr<std::unique_ptr<AlignmentMeasure>> c_nfc =
      AlignmentMeasureRegistry::Global().Create("c_nfc", nullptr);
  EXPECT_TRUE(c_nfc.ok()) << c_nfc.status();
  const Matrix weight = layer.weight().cast<float>();
  const Matrix initial = layer.initial_weight().cast<float>();
  const LayerContext context{l + 1, model.num_weighted_layers(), weight,
                             initial, (*k)[0]};
  absl::StatusOr<std::vector<MeasureValue>> values = (*c_nfc)->Compute(context);
  EXPECT_TRUE(values.ok()) << values.status();
  return *values;
}

TEST(ConvCenteredNfcTest, RankOneWeightChangeGivesOne) {
  Rng rng(TestSeed(13));
  NFALAB_ASSERT_OK_AND_ASSIGN(
      ModelD model,
      ModelD::Create(ConvNetConfig(true, false), kInput, kOutputs, &rng));
  const MatrixD x =
      GaussianMatrix(kSamples, static_cast<int>(kInput.size()), &rng);
  for (int l : {0, 1}) {
    SCOPED_TRACE(absl::StrCat("conv layer ", l));
    const BasicWeightedLayer<double>& layer = model.weighted_layer(l);
    const MatrixD w0 = Dyadic(layer.units(), layer.fan_in(), 64, &rng);
    const MatrixD u = Dyadic(layer.units(), 1, 4, &rng);
    const MatrixD v = Dyadic(layer.fan_in(), 1, 8, &rng);
    ASSERT_GT(u.norm(), 0);
    ASSERT_GT(v.norm(), 0);
    // dW = u v^T: C-NFM = dW^T dW = |u|^2 v v^T and C-AGOP = dW^T K dW =
    // (u^T K u) v v^T are both positive multiples of v v^T (K is PSD, and
    // u^T K u > 0 for a u not in its null space), so their Pearson and
    // cosine correlations are exactly 1 whatever K is.
    const std::vector<MeasureValue> values =
        CenteredNfcAfter(model, l, w0, u * v.transpose(), x);
    ASSERT_EQ(values.size(), 2u);
    for (const MeasureValue& value : values) {
      EXPECT_NEAR(value.value, 1.0, 1e-9) << value.name;
    }
    // Control: a rank-2 change mixes two directions with K-dependent
    // weights, so the correlation drops below 1 (the check above can fail).
    // Only a K close to a multiple of I would give ~1 here too.
    const MatrixD u2 = Dyadic(layer.units(), 1, 4, &rng);
    const MatrixD v2 = Dyadic(layer.fan_in(), 1, 8, &rng);
    const std::vector<MeasureValue> rank_two = CenteredNfcAfter(
        model, l, w0, u * v.transpose() + u2 * v2.transpose(), x);
    EXPECT_LT(rank_two[0].value, 1.0 - 1e-6) << rank_two[0].name;
  }
}

}  // namespace
}  // namespace nfalab
