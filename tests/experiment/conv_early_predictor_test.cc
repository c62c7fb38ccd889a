// ACCEPTANCE (issue 11), paper §3.2 and §6: the early-time C-NFC predictor
// on a conv net.
//
// The net: input 2 x 5 x 5 -> conv2d(3, 3x3, pad 1) -> relu ->
// conv2d(4, 3x3, stride 2, pad 1) -> relu -> flatten -> linear (C = 2),
// with biases (the conv default), PyTorch's uniform initialisation, MSE on
// m = 12 samples. For each conv layer l, with G0 the full-batch gradient of
// W_l at initialisation and K0 its patch PTK there (ComputePtk), the
// predictor is rho(G0^T G0, G0^T K0 G0) = NeuralFeatureCorrelation(G0, K0),
// as Measurement::RecordEarlyPredictor computes it. One plain full-batch GD
// step of size eta (every weight and bias) gives W1 = W0 - eta G0, and the
// C-NFC measured there, rho(dW^T dW, dW^T K(W1) dW) with dW = W1 - W0 and K
// at the current weights (the c_nfc measure), must approach the predictor
// with error O(eta).
//   a. In double: the gap at eta = 1e-3, 1e-4, 1e-5 is below kSlope eta and
//      shrinks about 10x per decade.
//   b. Through experiment/measurement in float (the training path): the
//      predicted_c_nfc rows equal the double predictor, and the c_nfc rows
//      after a float step of eta = 1e-2 equal the double measured C-NFC.
#include <cmath>
#include <cstdio>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/random.h"
#include "core/sample_shape.h"
#include "core/tensor.h"
#include "datasets/dataset.h"
#include "experiment/experiment_config.pb.h"
#include "experiment/measurement.h"
#include "gtest/gtest.h"
#include "layers/loss.h"
#include "layers/model_config.pb.h"
#include "layers/sequential.h"
#include "metrics/correlation.h"
#include "metrics/ptk.h"
#include "report/metrics_table.h"
#include "tests/random_matrix.h"
#include "tests/status_matchers.h"
#include "tests/test_seed.h"

namespace nfalab {
namespace {

using ::nfalab::testing::GaussianMatrix;
using ::nfalab::testing::TestSeed;

constexpr int kSamples = 12;
constexpr int kOutputs = 2;
const SampleShape kInput{2, 5, 5};
// The weighted layers: conv, conv, readout. The convs are the measured
// (hidden) layers.
constexpr int kConvLayers = 2;
// The GD step sizes of part a. From eta = 1e-2 the O(eta^2) term can still
// dominate where the first-order coefficient happens to be small (seen for
// 1 of 101 seeds: gaps 2.5e-6, 5.4e-8, 3.4e-9 at 1e-2, 1e-3, 1e-4), so the
// rate is checked one decade lower, as in early_alignment_test.
constexpr double kEtas[] = {1e-3, 1e-4, 1e-5};
// Part b's step: float rounding of W1 - W0 grows as 1 / eta.
constexpr double kFloatEta = 1e-2;

constexpr Correlation kBothKinds[] = {Correlation::kPearson,
                                      Correlation::kCosine};

const char* KindName(Correlation kind) {
  return kind == Correlation::kPearson ? "pearson" : "cosine";
}

ModelConfig ConvNetConfig() {
  ModelConfig config;
  LayerSpec* conv1 = config.add_layers();
  conv1->set_type("conv2d");
  conv1->set_out_channels(3);
  conv1->set_kernel_size(3);
  conv1->set_padding(1);
  LayerSpec* relu = config.add_layers();
  relu->set_type("activation");
  relu->set_activation("relu");
  LayerSpec* conv2 = config.add_layers();
  conv2->set_type("conv2d");
  conv2->set_out_channels(4);
  conv2->set_kernel_size(3);
  conv2->set_stride(2);
  conv2->set_padding(1);
  *config.add_layers() = *relu;
  config.add_layers()->set_type("flatten");
  config.add_layers()->set_type("linear");
  config.set_bias(true);
  return config;
}

// dL/dW and dL/db of every weighted layer for the full-batch MSE loss.
BasicGradients<double> FullBatchGradients(const ModelD& model, const MatrixD& x,
                                          const MatrixD& y) {
  BasicModelCache<double> cache;
  model.Forward(x, &cache);
  MatrixD d_output;
  MseLoss(cache.output(), y, &d_output);
  BasicGradients<double> gradients;
  model.Backward(cache, d_output, &gradients);
  return gradients;
}

// One plain full-batch GD step on every weight and bias; W0 is kept, so
// weight() - initial_weight() = -eta G0.
ModelD GradientStep(const ModelD& model,
                    const BasicGradients<double>& gradients, double eta) {
  ModelD stepped = model;
  for (int l = 0; l < stepped.num_weighted_layers(); ++l) {
    BasicWeightedLayer<double>& layer = stepped.weighted_layer(l);
    layer.weight() -= eta * gradients.weight[l];
    if (layer.has_bias()) layer.bias() -= eta * gradients.bias[l];
  }
  return stepped;
}

// K of the conv layers at the model's current weights.
std::vector<MatrixD> ConvKernels(const ModelD& model, const MatrixD& x) {
  absl::StatusOr<std::vector<MatrixD>> k =
      ComputePtk(model, x, {0, 1}, PtkOptions());
  EXPECT_TRUE(k.ok()) << k.status();
  return k.ok() ? *k : std::vector<MatrixD>(kConvLayers);
}

// The rows of x for which some conv pre-activation (any channel, any
// position) changes sign between the networks `a` and `b`.
std::vector<int> RowsWithFlippedRelus(const ModelD& a, const ModelD& b,
                                      const MatrixD& x) {
  BasicModelCache<double> cache_a, cache_b;
  a.Forward(x, &cache_a);
  b.Forward(x, &cache_b);
  std::vector<int> rows;
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    bool flipped = false;
    for (int l = 0; l < kConvLayers; ++l) {
      const int j = a.weighted_position(l);
      const auto on_a = (cache_a.outputs[j].row(i).array() > 0);
      const auto on_b = (cache_b.outputs[j].row(i).array() > 0);
      flipped = flipped || (on_a != on_b).any();
    }
    if (flipped) rows.push_back(static_cast<int>(i));
  }
  return rows;
}

class ConvEarlyPredictorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Rng rng(TestSeed(400));
    // Built in float and cast, so that part b's float model is the same
    // network; inputs and targets are float values for the same reason.
    NFALAB_ASSERT_OK_AND_ASSIGN(
        Model model, Model::Create(ConvNetConfig(), kInput, kOutputs, &rng));
    model_ = std::make_unique<ModelD>(model.Cast<double>());
    ASSERT_EQ(model_->num_weighted_layers(), kConvLayers + 1);
    ASSERT_EQ(model_->weighted_layer(0).positions(), 25);
    ASSERT_EQ(model_->weighted_layer(1).positions(), 9);
    const int d = static_cast<int>(kInput.size());
    teacher_ = GaussianMatrix(d, kOutputs, 1.0 / std::sqrt(d), &rng);
    x_.resize(kSamples, d);
    y_.resize(kSamples, kOutputs);
    for (int i = 0; i < kSamples; ++i) DrawRow(i, &rng);
    // As in early_alignment_test: K jumps when a step turns a relu on or off
    // at some position of some sample, which would hide the O(eta) rate
    // behind a step function of eta. Redraw such samples until no step of
    // parts a and b flips any relu (at most 3 redraws over
    // --gtest_random_seed=0..200).
    std::vector<double> etas(std::begin(kEtas), std::end(kEtas));
    etas.push_back(kFloatEta);
    for (int round = 0;; ++round) {
      ASSERT_LT(round, 50) << "could not find data without relu flips";
      const BasicGradients<double> g0 = FullBatchGradients(*model_, x_, y_);
      std::set<int> flipped;
      for (double eta : etas) {
        for (int i : RowsWithFlippedRelus(*model_,
                                          GradientStep(*model_, g0, eta), x_)) {
          flipped.insert(i);
        }
      }
      if (flipped.empty()) break;
      for (int i : flipped) DrawRow(i, &rng);
    }
  }

  // x_i ~ N(0, I), y_i = tanh(x_i B), both rounded through float.
  void DrawRow(int i, Rng* rng) {
    for (Eigen::Index j = 0; j < x_.cols(); ++j) {
      x_(i, j) = static_cast<float>(rng->Normal());
    }
    y_.row(i) = (x_.row(i) * teacher_).array().tanh().matrix();
    y_.row(i) = y_.row(i).cast<float>().cast<double>();
  }

  std::unique_ptr<ModelD> model_;
  MatrixD teacher_, x_, y_;
};

// ---------------------------------------------------------------------------
// a. dW = -eta G0 exactly, so the measured C-NFC differs from the predictor
// only through K(W1) - K0 = O(eta) (no relu changes state: the fixture), and
// the gap is a eta + O(eta^2) with a = |d rho / d eta| at 0. We require per
// layer and correlation kind
//   - gap(eta) <= kSlope eta at each eta;
//   - gap(eta / 10) / gap(eta) in [0.05, 0.2] (first order: 0.1);
//   - a predictor below 0.9999, so that it is not the trivial rank-1 value
//     1 (largest seen: 0.99925).
// kSlope: rho(A, B) moves by at most 2 |dB|_F / |B|_F when B moves by dB
// (for the cosine; after centring for Pearson), and here B = G0^T K G0 with
// |K(W1) - K0| / |K0| = O(eta |G0| |dK/dW| / |K0|), so a is a ratio of
// O(1) network quantities times |G0| (~0.1 here). Over
// --gtest_random_seed=0..200 the slopes gap / eta are 1.6e-5..0.14 and the
// ratios 0.064..0.111; kSlope = 0.5 leaves a 3.5x margin.
// The checks can fail (tried at the default seed, not kept): K at W1 of the
// other conv layer (its 3 x 3 block) gives a gap of 0.18 at every eta; K at
// W1 on half the samples, 1.6e-3..2.3e-3 at every eta; a step along the
// gradient of half the batch, 1.5e-4..7.9e-3 at every eta; K0 in place of
// K(W1), gaps of 1e-16..3e-12 (rounding) that grow as eta shrinks.
// ---------------------------------------------------------------------------
constexpr double kSlope = 0.5;

TEST_F(ConvEarlyPredictorTest, OneStepGapIsLinearInEta) {
  const BasicGradients<double> g0 = FullBatchGradients(*model_, x_, y_);
  const std::vector<MatrixD> k0 = ConvKernels(*model_, x_);
  // gaps[l][kind][eta]
  std::vector<std::vector<std::vector<double>>> gaps(
      kConvLayers, std::vector<std::vector<double>>(2));
  double predictors[kConvLayers][2];
  for (double eta : kEtas) {
    const ModelD stepped = GradientStep(*model_, g0, eta);
    ASSERT_TRUE(RowsWithFlippedRelus(*model_, stepped, x_).empty());
    const std::vector<MatrixD> k1 = ConvKernels(stepped, x_);
    for (int l = 0; l < kConvLayers; ++l) {
      const BasicWeightedLayer<double>& layer = stepped.weighted_layer(l);
      const MatrixD dw = layer.weight() - layer.initial_weight();
      for (int kind = 0; kind < 2; ++kind) {
        const double predicted = NeuralFeatureCorrelation(
            g0.weight[l], k0[l], 1.0, kBothKinds[kind]);
        // What the c_nfc measure computes from (W, W0, K).
        const double measured =
            NeuralFeatureCorrelation(dw, k1[l], 1.0, kBothKinds[kind]);
        gaps[l][kind].push_back(std::abs(measured - predicted));
        predictors[l][kind] = predicted;
        if (eta == kEtas[0]) {
          EXPECT_LT(predicted, 0.9999)
              << "conv layer " << l + 1 << ", " << KindName(kBothKinds[kind]);
        }
      }
    }
  }
  for (int l = 0; l < kConvLayers; ++l) {
    for (int kind = 0; kind < 2; ++kind) {
      const std::vector<double>& gap = gaps[l][kind];
      const std::string label =
          absl::StrCat("conv layer ", l + 1, " ", KindName(kBothKinds[kind]));
      const std::string line = absl::StrFormat(
          "predicted %.6f, |measured - predicted| at eta 1e-3/1e-4/1e-5: "
          "%.3g %.3g %.3g",
          predictors[l][kind], gap[0], gap[1], gap[2]);
      std::printf("%s %s\n", label.c_str(), line.c_str());
      RecordProperty(
          absl::StrCat("gap_layer", l + 1, "_", KindName(kBothKinds[kind])),
          absl::StrFormat("%.3g %.3g %.3g", gap[0], gap[1], gap[2]));
      for (size_t i = 0; i < gap.size(); ++i) {
        EXPECT_LE(gap[i], kSlope * kEtas[i]) << label << ", eta " << kEtas[i];
      }
      for (size_t i = 0; i + 1 < gap.size(); ++i) {
        const double ratio = gap[i + 1] / gap[i];
        EXPECT_GE(ratio, 0.05)
            << label << ", eta " << kEtas[i] << " -> " << kEtas[i + 1];
        EXPECT_LE(ratio, 0.2)
            << label << ", eta " << kEtas[i] << " -> " << kEtas[i + 1];
      }
    }
  }
}

// ---------------------------------------------------------------------------
// b. The same numbers through experiment/measurement on the float model, as
// in training. The predictor rows come from a float forward/backward pass and
// a float PTK (accumulated in double): they agree with the double predictor
// to kFloatTol (measured: <= 6e-8). After the step of eta = 1e-2 in float,
// dW = W1 - W0 carries a rounding error ~6e-8 |W0| per entry, ~1e-5 of its
// typical entry (|dW| ~ 1e-2 |G0|), so the c_nfc rows agree with the double
// C-NFC at the same W1 to ~1e-6 (measured: <= 1.8e-6 over
// --gtest_random_seed=0..100). kFloatTol = 2e-5; a K of another layer or on
// other samples is off by >= 1.6e-3 (part a's sabotage).
// ---------------------------------------------------------------------------
constexpr double kFloatTol = 2e-5;

TEST_F(ConvEarlyPredictorTest, MeasurementRowsMatchDoubleComputation) {
  const BasicGradients<double> g0 = FullBatchGradients(*model_, x_, y_);
  const std::vector<MatrixD> k0 = ConvKernels(*model_, x_);
  const ModelD stepped = GradientStep(*model_, g0, kFloatEta);
  const std::vector<MatrixD> k1 = ConvKernels(stepped, x_);

  Dataset train;
  train.x = x_.cast<float>();
  train.y = y_.cast<float>();
  train.shape = kInput;
  MeasurementConfig config;
  config.set_measure_every(1);
  config.set_measure_samples(kSamples);
  config.add_measures("c_nfc");
  NFALAB_ASSERT_OK_AND_ASSIGN(
      Measurement measurement,
      Measurement::Create(config, model_->num_weighted_layers(), train));
  ASSERT_EQ(measurement.layers(), (std::vector<int>{0, 1}));
  const Model model = model_->Cast<float>();
  MetricsTable predicted_table;
  NFALAB_ASSERT_OK(measurement.RecordEarlyPredictor(
      model, train, TrainingConfig::MSE, &predicted_table));
  // Record at W1 rounded to float, W0 as trained (float).
  const Model stepped_float = stepped.Cast<float>();
  NFALAB_ASSERT_OK_AND_ASSIGN(std::vector<MatrixD> k1_float,
                              measurement.ComputeKernels(stepped_float));
  MetricsTable measured_table;
  NFALAB_ASSERT_OK(measurement.Record(stepped_float, k1_float, /*epoch=*/0,
                                      /*step=*/1, &measured_table, nullptr));

  int predicted_rows = 0, measured_rows = 0;
  for (int kind = 0; kind < 2; ++kind) {
    const std::string suffix(CorrelationSuffix(kBothKinds[kind]));
    for (const MetricsTable::Row& row : predicted_table.rows()) {
      if (row.measure != absl::StrCat("predicted_c_nfc", suffix)) continue;
      ++predicted_rows;
      const int l = row.layer - 1;
      EXPECT_NEAR(
          row.value,
          NeuralFeatureCorrelation(g0.weight[l], k0[l], 1.0, kBothKinds[kind]),
          kFloatTol)
          << row.measure << ", layer " << row.layer;
    }
    for (const MetricsTable::Row& row : measured_table.rows()) {
      if (row.measure != absl::StrCat("c_nfc", suffix)) continue;
      ++measured_rows;
      const int l = row.layer - 1;
      const BasicWeightedLayer<double>& layer = stepped.weighted_layer(l);
      EXPECT_NEAR(row.value,
                  NeuralFeatureCorrelation(
                      MatrixD(layer.weight() - layer.initial_weight()), k1[l],
                      1.0, kBothKinds[kind]),
                  kFloatTol)
          << row.measure << ", layer " << row.layer;
    }
  }
  EXPECT_EQ(predicted_rows, 2 * kConvLayers);
  EXPECT_EQ(measured_rows, 2 * kConvLayers);
}

}  // namespace
}  // namespace nfalab
