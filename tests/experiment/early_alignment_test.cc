// ACCEPTANCE, paper §3.1, §3.2 and §8 items 4, 5 and 7: the early-time
// C-NFC.
//
// With G0 the full-batch MSE gradient of a layer at initialisation (from
// Model::Backward) and K0 its PTK covariance (ComputePtk), the one-step
// predictor is rho(G0^T G0, G0^T K0 G0) = NeuralFeatureCorrelation(G0, K0).
//   a. A linear network with one output has rank-1 G0 at every layer, so
//      the predictor is exactly 1, and so is the C-NFC measured after one
//      tiny GD step (§8 item 4). With C = 3 outputs or a relu it is not.
//   b. A relu MLP: the C-NFC after one full-batch GD step of size eta
//      approaches the predictor with error O(eta) (§8 item 5).
//   c. One tiny epoch of minibatch SGD (lr 1e-4, batch 32) gives a C-NFC
//      close to the predictor (§8 item 7), measured both by hand and through
//      experiment/measurement (predicted_c_nfc at epoch -1, c_nfc after).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/random.h"
#include "core/tensor.h"
#include "datasets/dataset.h"
#include "experiment/experiment_config.pb.h"
#include "experiment/measurement.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "layers/loss.h"
#include "layers/model_config.pb.h"
#include "layers/sequential.h"
#include "metrics/alignment_measure.h"
#include "metrics/correlation.h"
#include "metrics/ptk.h"
#include "optimizers/optimizer.h"
#include "optimizers/optimizer_config.pb.h"
#include "report/metrics_table.h"
#include "tests/mlp_test_util.h"
#include "tests/random_matrix.h"
#include "tests/status_matchers.h"
#include "tests/test_seed.h"

namespace nfalab {
namespace {

using ::nfalab::testing::GaussianMatrix;
using ::nfalab::testing::PreactivationOf;
using ::nfalab::testing::TestSeed;

constexpr Correlation kBothKinds[] = {Correlation::kPearson,
                                      Correlation::kCosine};

const char* KindName(Correlation kind) {
  return kind == Correlation::kPearson ? "pearson" : "cosine";
}

// A regression task: x ~ N(0, I_d), y = tanh(x B) with B ~ N(0, 1/d).
// Values are rounded through float so the float and double paths see the
// same data.
struct Task {
  MatrixD x;
  MatrixD y;
  MatrixD teacher;  // B: [d, C].

  // Redraws row i.
  void DrawRow(int i, Rng* rng) {
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
      x(i, j) = static_cast<float>(rng->Normal());
    }
    y.row(i) = (x.row(i) * teacher).array().tanh().matrix();
    y.row(i) = y.row(i).cast<float>().cast<double>();
  }
};

Task MakeTask(int n, int d, int outputs, Rng* rng) {
  Task task;
  task.teacher = GaussianMatrix<double>(d, outputs, 1.0 / std::sqrt(d), rng);
  task.x.resize(n, d);
  task.y.resize(n, outputs);
  for (int i = 0; i < n; ++i) task.DrawRow(i, rng);
  return task;
}

Model MakeMlp(const std::string& activation, int depth, int width,
              int input_dim, int outputs, Rng* rng) {
  ModelConfig config;
  config.set_depth(depth);
  config.set_width(width);
  config.set_activation(activation);
  // The paper's initialisation: PyTorch's uniform, no bias.
  absl::StatusOr<Model> mlp = Model::Create(config, input_dim, outputs, rng);
  EXPECT_TRUE(mlp.ok()) << mlp.status();
  return std::move(mlp).value();
}

// G0 = dL/dW_l of every layer for the full-batch MSE loss.
template <typename Scalar>
std::vector<MatrixD> FullBatchGradients(const BasicSequential<Scalar>& mlp,
                                        const MatrixT<Scalar>& x,
                                        const MatrixT<Scalar>& y) {
  BasicModelCache<Scalar> cache;
  mlp.Forward(x, &cache);
  MatrixT<Scalar> d_output;
  MseLoss(cache.output(), y, &d_output);
  BasicGradients<Scalar> gradients;
  mlp.Backward(cache, d_output, &gradients);
  std::vector<MatrixD> result;
  for (const MatrixT<Scalar>& g : gradients.weight) {
    result.push_back(g.template cast<double>());
  }
  return result;
}

// K_l of every layer.
template <typename Scalar>
std::vector<MatrixD> Kernels(const BasicSequential<Scalar>& mlp,
                             const MatrixT<Scalar>& x) {
  std::vector<int> layers(mlp.num_weighted_layers());
  std::iota(layers.begin(), layers.end(), 0);
  absl::StatusOr<std::vector<MatrixD>> k =
      ComputePtk(mlp, x, layers, PtkOptions());
  EXPECT_TRUE(k.ok()) << k.status();
  return k.ok() ? *k : std::vector<MatrixD>();
}

// W_l - W_l^(0) in double.
template <typename Scalar>
MatrixD WeightChange(const BasicSequential<Scalar>& mlp, int layer) {
  return (mlp.weighted_layer(layer).weight().template cast<double>() -
          mlp.weighted_layer(layer).initial_weight().template cast<double>());
}

// One full-batch GD step W <- W - eta G on every layer.
ModelD GradientStep(const ModelD& mlp, const std::vector<MatrixD>& gradients,
                    double eta) {
  ModelD stepped = mlp;
  for (int l = 0; l < stepped.num_weighted_layers(); ++l) {
    stepped.weighted_layer(l).weight() -= eta * gradients[l];
  }
  return stepped;
}

// ---------------------------------------------------------------------------
// a. Linear network, one output (§3.2, §8 item 4).
//
// With phi = id and C = 1 the PTF of layer l is the same vector a_l for
// every sample, so G0 = a_l e^T has rank 1 and G0^T K G0 = (a^T K a) e e^T
// is proportional to G0^T G0 = |a|^2 e e^T: the predictor is exactly 1 for
// both correlations. Computed in double the deficit is rounding only
// (~1e-15); tolerance 1e-9.
//
// After one GD step W1 = W0 - eta G0 (eta = 1e-6), dW = W1 - W0 is rank 1
// up to the rounding of the subtraction (~1e-16 |W0| / (eta |G0|) ~ 1e-10
// relative), and K(W1) is again a rank-1 a a^T, so the measured C-NFC is 1
// up to a second-order rounding deficit; tolerance 1e-6.
// ---------------------------------------------------------------------------
TEST(EarlyAlignmentTest, LinearSingleOutputPredictorIsOneAtEveryHiddenLayer) {
  constexpr int kInputDim = 6, kSamples = 40, kWidth = 8;
  for (int depth = 1; depth <= 4; ++depth) {
    Rng rng(TestSeed(100 + depth));
    const Task task = MakeTask(kSamples, kInputDim, 1, &rng);
    const ModelD mlp =
        MakeMlp("identity", depth, kWidth, kInputDim, 1, &rng).Cast<double>();
    const std::vector<MatrixD> g0 = FullBatchGradients(mlp, task.x, task.y);
    const std::vector<MatrixD> k0 = Kernels(mlp, task.x);
    const ModelD stepped = GradientStep(mlp, g0, 1e-6);
    const std::vector<MatrixD> k1 = Kernels(stepped, task.x);
    for (int l = 0; l < depth; ++l) {
      for (Correlation kind : kBothKinds) {
        EXPECT_NEAR(NeuralFeatureCorrelation(g0[l], k0[l], 1.0, kind), 1.0,
                    1e-9)
            << "predictor, depth " << depth << ", layer " << l + 1 << ", "
            << KindName(kind);
        EXPECT_NEAR(NeuralFeatureCorrelation(WeightChange(stepped, l), k1[l],
                                             1.0, kind),
                    1.0, 1e-6)
            << "one step, depth " << depth << ", layer " << l + 1 << ", "
            << KindName(kind);
      }
    }
  }
}

// The oracle above can fail: with C = 3 outputs the linear network's G0 has
// rank 3 and A^T A is not proportional to I for a narrow random network,
// and with a relu the PTFs depend on the sample; in both cases the
// predictor at the first layer is below 1 by far more than the 1e-9
// tolerance above (required: > 1e-5; the smallest deficit seen over
// --gtest_random_seed=0..40 was 7e-4).
TEST(EarlyAlignmentTest, PredictorIsBelowOneWithSeveralOutputsOrRelu) {
  constexpr int kInputDim = 6, kSamples = 40, kWidth = 8;
  for (const auto& [activation, outputs] :
       std::vector<std::pair<std::string, int>>{{"identity", 3}, {"relu", 1}}) {
    Rng rng(TestSeed(200 + outputs));
    const Task task = MakeTask(kSamples, kInputDim, outputs, &rng);
    const ModelD mlp =
        MakeMlp(activation, 2, kWidth, kInputDim, outputs, &rng).Cast<double>();
    const std::vector<MatrixD> g0 = FullBatchGradients(mlp, task.x, task.y);
    const std::vector<MatrixD> k0 = Kernels(mlp, task.x);
    for (Correlation kind : kBothKinds) {
      EXPECT_LT(NeuralFeatureCorrelation(g0[0], k0[0], 1.0, kind), 1 - 1e-5)
          << activation << ", C = " << outputs << ", " << KindName(kind);
    }
  }
}

// The relu problem of parts b and c: depth 3, width 32, d = 10, C = 2,
// n = 192 = 6 minibatches of 32 (so one SGD epoch sums equally weighted
// minibatch gradients, exactly (n / 32) G0 at theta_0).
constexpr int kReluDepth = 3, kReluWidth = 32, kReluInputDim = 10;
constexpr int kReluOutputs = 2, kReluSamples = 192, kBatchSize = 32;
// The GD step sizes of part b.
constexpr double kEtas[] = {1e-3, 1e-4, 1e-5};

// The rows of x for which some hidden relu changes its on/off state between
// the networks `a` and `b`.
std::vector<int> RowsWithFlippedRelus(const ModelD& a, const ModelD& b,
                                      const MatrixD& x) {
  BasicModelCache<double> cache_a, cache_b;
  a.Forward(x, &cache_a);
  b.Forward(x, &cache_b);
  std::vector<int> rows;
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    bool flipped = false;
    for (int l = 0; l + 1 < a.num_weighted_layers(); ++l) {
      const auto on_a = (PreactivationOf(a, cache_a, l).row(i).array() > 0);
      const auto on_b = (PreactivationOf(b, cache_b, l).row(i).array() > 0);
      flipped = flipped || (on_a != on_b).any();
    }
    if (flipped) rows.push_back(static_cast<int>(i));
  }
  return rows;
}

class ReluEarlyAlignmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Rng rng(TestSeed(300));
    task_ = MakeTask(kReluSamples, kReluInputDim, kReluOutputs, &rng);
    mlp_ = std::make_unique<Model>(MakeMlp("relu", kReluDepth, kReluWidth,
                                           kReluInputDim, kReluOutputs, &rng));
    order_seed_ = rng.NextU64();
    // K is piecewise smooth in W: when a step turns a relu on or off for
    // some sample, K jumps by that sample's share (measured: up to ~3e-4 in
    // the C-NFC here), which hides the O(eta) rate of part b behind a
    // step function of eta. Redraw the rows whose relu pattern changes
    // under any of the GD steps of part b, until no row does.
    const ModelD mlp = mlp_->Cast<double>();
    for (int round = 0;; ++round) {
      ASSERT_LT(round, 50) << "could not find data without relu flips";
      const std::vector<MatrixD> g0 = FullBatchGradients(mlp, task_.x, task_.y);
      std::vector<int> flipped;
      for (double eta : kEtas) {
        for (int i :
             RowsWithFlippedRelus(mlp, GradientStep(mlp, g0, eta), task_.x)) {
          flipped.push_back(i);
        }
      }
      if (flipped.empty()) break;
      for (int i : flipped) task_.DrawRow(i, &rng);
    }
  }

  Task task_;
  std::unique_ptr<Model> mlp_;
  uint64_t order_seed_ = 0;
};

// ---------------------------------------------------------------------------
// b. One full-batch GD step (§3.1, §8 item 5), in double.
//
// dW = -eta G0 exactly, so the measured C-NFC rho(dW^T dW, dW^T K(W1) dW)
// differs from the predictor only through K(W1) - K0, which is O(eta) while
// no relu changes state (ensured by the fixture). The error must shrink
// about 10x per decade of eta: we require a factor between 4 and 25 per
// decade (first order gives 10, up to the O(eta^2) term; measured 6.2..19
// over --gtest_random_seed=0..100), and |error| < 1e-3 at eta = 1e-5
// (measured: 5e-11..7e-7).
// ---------------------------------------------------------------------------
TEST_F(ReluEarlyAlignmentTest, OneStepCNfcApproachesPredictorAtRateEta) {
  const ModelD mlp = mlp_->Cast<double>();
  const std::vector<MatrixD> g0 = FullBatchGradients(mlp, task_.x, task_.y);
  const std::vector<MatrixD> k0 = Kernels(mlp, task_.x);
  const std::vector<double> etas(std::begin(kEtas), std::end(kEtas));
  // errors[layer][kind][eta]
  std::vector<std::vector<std::vector<double>>> errors(
      kReluDepth, std::vector<std::vector<double>>(2));
  for (double eta : etas) {
    const ModelD stepped = GradientStep(mlp, g0, eta);
    ASSERT_TRUE(RowsWithFlippedRelus(mlp, stepped, task_.x).empty());
    const std::vector<MatrixD> k1 = Kernels(stepped, task_.x);
    for (int l = 0; l < kReluDepth; ++l) {
      for (int kind = 0; kind < 2; ++kind) {
        const double predicted =
            NeuralFeatureCorrelation(g0[l], k0[l], 1.0, kBothKinds[kind]);
        const double measured = NeuralFeatureCorrelation(
            WeightChange(stepped, l), k1[l], 1.0, kBothKinds[kind]);
        errors[l][kind].push_back(std::abs(measured - predicted));
        if (eta == etas.front()) {
          // Non-trivial: the relu predictor is not 1.
          EXPECT_LT(predicted, 0.999) << "layer " << l + 1;
        }
      }
    }
  }
  for (int l = 0; l < kReluDepth; ++l) {
    for (int kind = 0; kind < 2; ++kind) {
      const std::vector<double>& e = errors[l][kind];
      std::printf(
          "layer %d %-7s |measured - predicted| at eta 1e-3/-4/-5: "
          "%.3g %.3g %.3g\n",
          l + 1, KindName(kBothKinds[kind]), e[0], e[1], e[2]);
      for (size_t i = 0; i + 1 < e.size(); ++i) {
        const double ratio = e[i] / e[i + 1];
        EXPECT_GT(ratio, 4)
            << "layer " << l + 1 << ", " << KindName(kBothKinds[kind])
            << ", eta " << etas[i] << " -> " << etas[i + 1];
        EXPECT_LT(ratio, 25)
            << "layer " << l + 1 << ", " << KindName(kBothKinds[kind])
            << ", eta " << etas[i] << " -> " << etas[i + 1];
      }
      EXPECT_LT(e.back(), 1e-3) << "layer " << l + 1;
    }
  }
}

// ---------------------------------------------------------------------------
// c. One tiny SGD epoch (§3.2, §8 item 7), in float as in training.
//
// Six minibatch steps at lr 1e-4 move W by lr (n / b) G0 = 6e-4 G0 plus
// O(lr^2) terms (the minibatch gradients drift as the weights move). The
// C-NFC then differs from the predictor by
//   - the drift of K over the epoch: the O(eta) error of part b at an
//     effective eta of 6e-4, i.e. up to ~3e-5 (0.043 eta, the largest
//     slope seen in part b);
//   - relus that change state during the epoch (part b removes them for
//     the full-batch steps only): jumps of up to ~3e-4 (seen in part b
//     before they were removed);
//   - float rounding: W0 + dW is stored in float, so dW carries an error
//     ~6e-8 |W0| ~ 1e-8 per entry, ~1e-4 of its typical entry.
// Measured |C-NFC - predictor| <= 6e-4 over --gtest_random_seed=0..100.
// Tolerance 5e-3: about 10x that, while a wrong measure fails by far (the
// UC-NFC in place of the C-NFC differs from the predictor by 0.07..0.56
// here).
// ---------------------------------------------------------------------------
constexpr double kEpochTolerance = 5e-3;

TEST_F(ReluEarlyAlignmentTest, TinySgdEpochMatchesOneStepPredictor) {
  const Matrix x = task_.x.cast<float>();
  const Matrix y = task_.y.cast<float>();
  // The predictor, as RecordEarlyPredictor computes it (float model).
  const std::vector<MatrixD> g0 = FullBatchGradients(*mlp_, x, y);
  const std::vector<MatrixD> k0 = Kernels(*mlp_, x);

  OptimizerConfig optimizer_config;
  optimizer_config.set_name("sgd");
  optimizer_config.set_learning_rate(1e-4);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Optimizer> sgd,
      OptimizerRegistry::Global().Create("sgd", optimizer_config));
  Model trained = *mlp_;
  std::vector<int> order(kReluSamples);
  std::iota(order.begin(), order.end(), 0);
  Rng order_rng(order_seed_);
  order_rng.Shuffle(&order);
  ModelCache cache;
  Gradients gradients;
  Matrix d_output;
  for (int begin = 0; begin < kReluSamples; begin += kBatchSize) {
    const int end = std::min(kReluSamples, begin + kBatchSize);
    Matrix batch_x(end - begin, kReluInputDim);
    Matrix batch_y(end - begin, kReluOutputs);
    for (int i = begin; i < end; ++i) {
      batch_x.row(i - begin) = x.row(order[i]);
      batch_y.row(i - begin) = y.row(order[i]);
    }
    trained.Forward(batch_x, &cache);
    MseLoss(cache.output(), batch_y, &d_output);
    trained.Backward(cache, d_output, &gradients);
    NFALAB_ASSERT_OK(sgd->Step(gradients, trained.ParameterBlocks()));
  }

  // The measured C-NFC through the c_nfc measure, K at the new weights.
  const std::vector<MatrixD> k1 = Kernels(trained, x);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<AlignmentMeasure> c_nfc,
      AlignmentMeasureRegistry::Global().Create("c_nfc", nullptr));
  trained.Forward(x, &cache);
  for (int l = 0; l < kReluDepth; ++l) {
    const LayerContext context{l + 1, trained.num_weighted_layers(),
                               trained.weighted_layer(l).weight(),
                               trained.weighted_layer(l).initial_weight(),
                               k1[l]};
    NFALAB_ASSERT_OK_AND_ASSIGN(std::vector<MeasureValue> values,
                                c_nfc->Compute(context));
    ASSERT_EQ(values.size(), 2u);
    for (int kind = 0; kind < 2; ++kind) {
      const double predicted =
          NeuralFeatureCorrelation(g0[l], k0[l], 1.0, kBothKinds[kind]);
      std::printf(
          "layer %d %-7s predicted %.6f, after one SGD epoch %.6f "
          "(|diff| %.3g)\n",
          l + 1, KindName(kBothKinds[kind]), predicted, values[kind].value,
          std::abs(values[kind].value - predicted));
      EXPECT_NEAR(values[kind].value, predicted, kEpochTolerance)
          << values[kind].name << ", layer " << l + 1;
    }
  }
}

// paper.md §3.2 defines G0 over the whole training set: with a measurement
// subset of 40 of the 192 rows, predicted_c_nfc still takes G0 over all 192
// (in chunks of 40, the last one of 32, each weighted by its share) and K0
// on the subset. G0 over the subset alone gives other values.
TEST_F(ReluEarlyAlignmentTest, PredictorTakesTheFullBatchGradientAndSubsetK) {
  Dataset train;
  train.x = task_.x.cast<float>();
  train.y = task_.y.cast<float>();
  MeasurementConfig config;
  config.set_measure_samples(40);
  config.add_measures("c_nfc");
  NFALAB_ASSERT_OK_AND_ASSIGN(
      Measurement measurement,
      Measurement::Create(config, kReluDepth + 1, train));
  ASSERT_EQ(measurement.subset().size(), 40);
  MetricsTable table;
  NFALAB_ASSERT_OK(measurement.RecordEarlyPredictor(
      *mlp_, train, TrainingConfig::MSE, &table));
  const std::vector<MatrixD> full_g0 =
      FullBatchGradients(*mlp_, train.x, train.y);
  const std::vector<MatrixD> subset_g0 =
      FullBatchGradients(*mlp_, measurement.subset().x, measurement.subset().y);
  const std::vector<MatrixD> subset_k0 = Kernels(*mlp_, measurement.subset().x);
  int checked = 0;
  for (const MetricsTable::Row& row : table.rows()) {
    if (row.measure != "predicted_c_nfc") continue;
    const int l = row.layer - 1;
    const double full = NeuralFeatureCorrelation(full_g0[l], subset_k0[l], 1.0,
                                                 Correlation::kPearson);
    const double subset_only = NeuralFeatureCorrelation(
        subset_g0[l], subset_k0[l], 1.0, Correlation::kPearson);
    std::printf("layer %d predicted %.6f: full-batch G0 %.6f, subset G0 %.6f\n",
                row.layer, row.value, full, subset_only);
    EXPECT_NEAR(row.value, full, 1e-6) << "layer " << row.layer;
    EXPECT_GT(std::abs(row.value - subset_only), 1e-3) << "layer " << row.layer;
    ++checked;
  }
  EXPECT_EQ(checked, kReluDepth);
}

// c_nfc_k0 = rho(dW^T dW, dW^T K0 dW) with K0 at initialisation: after one
// full-batch GD step dW = -eta G0, so it equals the predictor
// rho(G0^T G0, G0^T K0 G0) for every eta. In float, dW = W1 - W0 carries
// the rounding of W1: about ulp(W0) / (eta |G0|) relative. eta = 1 keeps it
// near 1e-7 (tolerance 1e-5); the paper's tiny lr 1e-4 loses about four
// digits of dW (tolerance 1e-2, the float artefact of the "init" C-NFC).
// c_nfc, which takes K at W1, differs from it.
TEST_F(ReluEarlyAlignmentTest, CNfcWithInitialKEqualsThePredictorAfterOneStep) {
  Dataset train;
  train.x = task_.x.cast<float>();
  train.y = task_.y.cast<float>();
  MeasurementConfig config;
  config.set_measure_samples(kReluSamples);
  config.add_measures("c_nfc_k0");
  config.add_measures("c_nfc");
  NFALAB_ASSERT_OK_AND_ASSIGN(
      Measurement measurement,
      Measurement::Create(config, kReluDepth + 1, train));
  ASSERT_TRUE(measurement.NeedsInitialKernels());
  NFALAB_ASSERT_OK_AND_ASSIGN(const std::vector<MatrixD> k0,
                              measurement.ComputeKernels(*mlp_));
  const std::vector<MatrixD> g0 = FullBatchGradients(*mlp_, train.x, train.y);
  for (const double eta : {1.0, 1e-4}) {
    Model stepped = *mlp_;
    for (int l = 0; l < stepped.num_weighted_layers(); ++l) {
      stepped.weighted_layer(l).weight() -= (eta * g0[l]).cast<float>();
    }
    NFALAB_ASSERT_OK_AND_ASSIGN(const std::vector<MatrixD> k1,
                                measurement.ComputeKernels(stepped));
    MetricsTable table;
    NFALAB_ASSERT_OK(
        measurement.Record(stepped, k1, 0, 1, &table, nullptr, &k0));
    std::map<std::pair<int, std::string>, double> values;
    for (const MetricsTable::Row& row : table.rows()) {
      values[{row.layer, row.measure}] = row.value;
    }
    const double tolerance = eta == 1.0 ? 1e-5 : 1e-2;
    for (int l = 0; l < kReluDepth; ++l) {
      const double predicted =
          NeuralFeatureCorrelation(g0[l], k0[l], 1.0, Correlation::kPearson);
      const double k0_value = values[{l + 1, "c_nfc_k0"}];
      const double k1_value = values[{l + 1, "c_nfc"}];
      std::printf(
          "eta %g layer %d: predictor %.7f, c_nfc_k0 %.7f, c_nfc (K at W1) "
          "%.7f\n",
          eta, l + 1, predicted, k0_value, k1_value);
      EXPECT_NEAR(k0_value, predicted, tolerance) << "layer " << l + 1;
      if (eta == 1.0) {
        EXPECT_GT(std::abs(k1_value - predicted), 1e-4);
      }
    }
  }
  // Without K0 the measure cannot be computed, and says why.
  MetricsTable table;
  EXPECT_THAT(measurement.Record(*mlp_, k0, 0, 0, &table, nullptr),
              nfalab::testing::StatusIs(absl::StatusCode::kFailedPrecondition,
                                        ::testing::HasSubstr("c_nfc_k0")));
}

// The same through experiment/measurement: RecordEarlyPredictor's
// predicted_c_nfc rows (epoch -1) equal the predictor above (same float
// computation: 1e-9), and Record's c_nfc rows after the epoch agree with
// them within kEpochTolerance. measure_samples = n, so both use all the
// data.
TEST_F(ReluEarlyAlignmentTest, MeasurementPredictorRowsMatch) {
  Dataset train;
  train.x = task_.x.cast<float>();
  train.y = task_.y.cast<float>();
  MeasurementConfig config;
  config.set_measure_samples(kReluSamples);
  config.add_measures("c_nfc");
  NFALAB_ASSERT_OK_AND_ASSIGN(
      Measurement measurement,
      Measurement::Create(config, kReluDepth + 1, train));
  MetricsTable table;
  NFALAB_ASSERT_OK(measurement.RecordEarlyPredictor(
      *mlp_, train, TrainingConfig::MSE, &table));
  const std::vector<MatrixD> g0 = FullBatchGradients(*mlp_, train.x, train.y);
  const std::vector<MatrixD> k0 = Kernels(*mlp_, train.x);
  int predicted_rows = 0;
  for (const MetricsTable::Row& row : table.rows()) {
    ASSERT_EQ(row.epoch, -1);
    ASSERT_GE(row.layer, 1);
    ASSERT_LE(row.layer, kReluDepth);
    for (Correlation kind : kBothKinds) {
      if (row.measure ==
          absl::StrCat("predicted_c_nfc", CorrelationSuffix(kind))) {
        ++predicted_rows;
        EXPECT_NEAR(row.value,
                    NeuralFeatureCorrelation(g0[row.layer - 1],
                                             k0[row.layer - 1], 1.0, kind),
                    1e-9)
            << row.measure << ", layer " << row.layer;
      }
    }
  }
  EXPECT_EQ(predicted_rows, 2 * kReluDepth);

  // One SGD epoch, then Record.
  OptimizerConfig optimizer_config;
  optimizer_config.set_learning_rate(1e-4);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Optimizer> sgd,
      OptimizerRegistry::Global().Create("sgd", optimizer_config));
  Model trained = *mlp_;
  ModelCache cache;
  Gradients gradients;
  Matrix d_output;
  for (int begin = 0; begin < kReluSamples; begin += kBatchSize) {
    const Matrix batch_x = train.x.middleRows(begin, kBatchSize);
    const Matrix batch_y = train.y.middleRows(begin, kBatchSize);
    trained.Forward(batch_x, &cache);
    MseLoss(cache.output(), batch_y, &d_output);
    trained.Backward(cache, d_output, &gradients);
    NFALAB_ASSERT_OK(sgd->Step(gradients, trained.ParameterBlocks()));
  }
  NFALAB_ASSERT_OK_AND_ASSIGN(std::vector<MatrixD> k1,
                              measurement.ComputeKernels(trained));
  MetricsTable after;
  NFALAB_ASSERT_OK(measurement.Record(trained, k1, /*epoch=*/0,
                                      /*step=*/kReluSamples / kBatchSize,
                                      &after, nullptr));
  int measured_rows = 0;
  for (const MetricsTable::Row& row : after.rows()) {
    for (const MetricsTable::Row& predicted : table.rows()) {
      if (row.layer == predicted.layer &&
          absl::StrCat("predicted_", row.measure) == predicted.measure) {
        ++measured_rows;
        EXPECT_NEAR(row.value, predicted.value, kEpochTolerance)
            << row.measure << ", layer " << row.layer;
      }
    }
  }
  EXPECT_EQ(measured_rows, 2 * kReluDepth);
}

}  // namespace
}  // namespace nfalab
