// The memory estimate against the sizes of a small run's real matrices, and
// the refusal message.
#include "experiment/memory_estimate.h"

#include <stdlib.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/check.h"
#include "core/random.h"
#include "core/tensor.h"
#include "datasets/load_dataset.h"
#include "experiment/config_io.h"
#include "experiment/measurement.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "layers/loss.h"
#include "layers/sequential.h"
#include "layers/tangent_features.h"
#include "optimizers/optimizer.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::IsOk;
using ::nfalab::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

// d = 3 inputs, hidden widths 7 and 5, C = 4 classes, biases; batches of 6;
// K of all three layers on 11 samples in chunks of 4.
ExperimentConfig SmallConfig() {
  absl::StatusOr<ExperimentConfig> config = ParseConfig(
      R"pb(
        data {
          source: "synthetic"
          n_train: 20
          n_test: 9
          synthetic { input_dim: 3 num_outputs: 4 classify: true }
        }
        model {
          depth: 2
          widths: [ 7, 5 ]
          bias: true
        }
        optimizer { name: "sgd" learning_rate: 0.1 momentum: 0.9 }
        training { batch_size: 6 }
        measurement {
          measure_samples: 11
          chunk_size: 4
          include_readout: true
          early_predictor: false
        }
      )pb",
      "small");
  NFALAB_CHECK(config.ok()) << config.status();
  return *config;
}

template <typename T>
double Bytes(const std::vector<T>& matrices) {
  double bytes = 0;
  for (const T& m : matrices) {
    bytes += static_cast<double>(m.size()) * sizeof(typename T::Scalar);
  }
  return bytes;
}

double DatasetBytes(const Dataset& data) {
  return sizeof(float) * static_cast<double>(data.x.size() + data.y.size()) +
         sizeof(int) * static_cast<double>(data.labels.size());
}

// A small run's objects, built as the trainer builds them.
class SmallRun : public ::testing::Test {
 protected:
  void SetUp() override {
    // K's 11 samples make 3 chunks of 4, two at a time.
    ASSERT_EQ(setenv("NFALAB_THREADS", "2", /*overwrite=*/1), 0);
    NFALAB_ASSERT_OK_AND_ASSIGN(data_, LoadDataset(config_.data()));
    Rng rng(1);
    NFALAB_ASSERT_OK_AND_ASSIGN(
        model_, Model::Create(config_.model(), data_.train.input_dim(),
                              data_.train.output_dim(), &rng));
    estimate_ = EstimateRunMemory(config_, DataShapeOf(data_));
  }

  const ExperimentConfig config_ = SmallConfig();
  DatasetSplits data_;
  std::optional<Model> model_;  // Model has no default constructor.
  MemoryEstimate estimate_;
};

TEST_F(SmallRun, ParametersAreWW0AndBiasesExactly) {
  double bytes = 0;
  for (int l = 0; l < model_->num_weighted_layers(); ++l) {
    bytes +=
        sizeof(float) *
        static_cast<double>(model_->weighted_layer(l).weight().size() +
                            model_->weighted_layer(l).initial_weight().size() +
                            model_->weighted_layer(l).bias().size());
  }
  EXPECT_EQ(estimate_.parameters, bytes);
  EXPECT_EQ(bytes, 4 * (2 * (21 + 35 + 20) + (7 + 5 + 4)));
}

TEST_F(SmallRun, GradientsAndOptimizerStateMatchABackwardPassAndSgdsState) {
  const Dataset batch = SelectRows(data_.train, {0, 1, 2, 3, 4, 5});
  ModelCache cache;
  model_->Forward(batch.x, &cache);
  Matrix d_output;
  MseLoss(cache.output(), batch.y, &d_output);
  Gradients gradients;
  model_->Backward(cache, d_output, &gradients);
  EXPECT_EQ(estimate_.gradients,
            Bytes(gradients.weight) + Bytes(gradients.bias));

  NFALAB_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Optimizer> sgd,
      OptimizerRegistry::Global().Create("sgd", config_.optimizer()));
  NFALAB_ASSERT_OK(sgd->Step(gradients, model_->ParameterBlocks()));
  OptimizerState state;
  NFALAB_ASSERT_OK(sgd->SaveState(&state));
  double saved = 0;
  for (const OptimizerState::NamedTensor& tensor : state.tensors()) {
    saved += sizeof(float) * tensor.tensor().values_size();
  }
  EXPECT_EQ(estimate_.optimizer_state, saved);
  EXPECT_GT(saved, 0);
}

TEST(MemoryEstimateTest, OptimizerStateDependsOnTheRuleAndMomentum) {
  ExperimentConfig config = SmallConfig();
  const double per_copy = 4 * (21 + 35 + 20 + 7 + 5 + 4);
  DataShape shape{3, 4, 20, 9, true};
  EXPECT_EQ(EstimateRunMemory(config, shape).optimizer_state, per_copy);
  config.mutable_optimizer()->set_momentum(0);
  EXPECT_EQ(EstimateRunMemory(config, shape).optimizer_state, 0);
  config.mutable_optimizer()->set_name("slo");
  EXPECT_EQ(EstimateRunMemory(config, shape).optimizer_state, 0);
  config.mutable_optimizer()->set_momentum(0.5);
  EXPECT_EQ(EstimateRunMemory(config, shape).optimizer_state, per_copy);
  // Anything else is assumed to keep two moments per parameter, as Adam.
  config.mutable_optimizer()->set_name("layerwise_adam");
  EXPECT_EQ(EstimateRunMemory(config, shape).optimizer_state, 2 * per_copy);
}

TEST_F(SmallRun, BatchIsTheStepsBuffersPlusThreeBackwardTemporaries) {
  const std::vector<int> rows = {0, 1, 2, 3, 4, 5};
  const Dataset batch = SelectRows(data_.train, rows);
  ModelCache cache;
  model_->Forward(batch.x, &cache);
  Matrix d_output;
  MseLoss(cache.output(), batch.y, &d_output);
  const double held = sizeof(float) * cache.input.size() +
                      Bytes(cache.outputs) + DatasetBytes(batch) +
                      sizeof(float) * d_output.size();
  // dL/dh, dL/dx and phi'(h): [6, k] each, k <= k_max = 7.
  const double temporaries = 3 * sizeof(float) * 6 * 7;
  EXPECT_EQ(estimate_.batch, held + temporaries);
  EXPECT_EQ(estimate_.batch, 1536);
}

TEST_F(SmallRun, DataAndKernelsAreTheSplitsTheSubsetAndK) {
  EXPECT_EQ(estimate_.data,
            DatasetBytes(data_.train) + DatasetBytes(data_.test));
  NFALAB_ASSERT_OK_AND_ASSIGN(
      Measurement measurement,
      Measurement::Create(config_.measurement(), 3, data_.train));
  NFALAB_ASSERT_OK_AND_ASSIGN(std::vector<MatrixD> ptk,
                              measurement.ComputeKernels(*model_));
  EXPECT_EQ(estimate_.kernels, DatasetBytes(measurement.subset()) + Bytes(ptk));
}

TEST_F(SmallRun, MeasuringIsTheTangentFeatureChunkAndK) {
  const Matrix chunk = data_.train.x.topRows(4);
  std::vector<Matrix> features;
  ModelCache cache;
  ComputeTangentFeatures(*model_, chunk, &features, &cache);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      Measurement measurement,
      Measurement::Create(config_.measurement(), 3, data_.train));
  NFALAB_ASSERT_OK_AND_ASSIGN(std::vector<MatrixD> ptk,
                              measurement.ComputeKernels(*model_));
  // K in double and, for each of the two workers, its chunk sums in
  // float, the chunk, its features and forward pass, phi'(h) of the chunk
  // ([4, k] with k <= 7) and the cotangents between two weighted layers
  // ([4 C, k]).
  const double c = data_.train.output_dim();
  const double per_worker =
      Bytes(ptk) * 0.5 + sizeof(float) * chunk.size() + Bytes(features) +
      sizeof(float) * cache.input.size() + Bytes(cache.outputs) +
      sizeof(float) * 4 * 7 + sizeof(float) * 4 * c * 7;
  const double expected = Bytes(ptk) + 2 * per_worker;
  EXPECT_EQ(estimate_.measurement, expected);
}

TEST_F(SmallRun, EvaluationIsThePredictOutputAndTwoChunkBuffers) {
  const Matrix output = model_->Predict(data_.train.x);
  // Predict's input and output buffers: [20, k] each, k <= 7.
  EXPECT_EQ(estimate_.evaluation, sizeof(float) * (output.size() + 2 * 20 * 7));
}

TEST_F(SmallRun, PeakIsEverythingHeldPlusTheLargestPhase) {
  const double runtime = 64 << 20;
  EXPECT_EQ(estimate_.runtime, runtime);
  EXPECT_EQ(estimate_.AlwaysHeld(),
            672 + 368 + 368 + 1536 + 928 + 1072 + runtime);
  // Measuring: K in double (90 entries, 720 bytes) and two workers' float
  // sums (360) and chunk buffers (2128) each.
  EXPECT_EQ(estimate_.LargestHeldInTurn(), 720 + 2 * (360 + 2128));
  EXPECT_EQ(estimate_.Peak(),
            672 + 368 + 368 + 1536 + 928 + 1072 + runtime + 5696);
}

// The Checkpoint proto, its payload and the CheckpointFile bytes.
TEST(MemoryEstimateTest, CheckpointingTriplesParametersAndOptimizerState) {
  ExperimentConfig config = SmallConfig();
  const DataShape shape{3, 4, 20, 9, true};
  EXPECT_EQ(EstimateRunMemory(config, shape).checkpoint, 0);
  config.set_checkpoint_every(1);
  const MemoryEstimate estimate = EstimateRunMemory(config, shape);
  EXPECT_EQ(estimate.checkpoint,
            3 * (estimate.parameters + estimate.optimizer_state));
}

TEST(MemoryEstimateTest, NothingMeasuredNeedsNoKOrMeasuringMemory) {
  ExperimentConfig config = SmallConfig();
  config.mutable_measurement()->set_measure_every(0);
  const MemoryEstimate estimate =
      EstimateRunMemory(config, DataShape{3, 4, 20, 9, true});
  EXPECT_EQ(estimate.measurement, 0);
  EXPECT_EQ(estimate.kernels, (4 * (3 + 4) + 4) * 11);  // The subset only.
}

TEST(MemoryEstimateTest, SyntheticShapeFromTheConfigIsExact) {
  const ExperimentConfig config = SmallConfig();
  NFALAB_ASSERT_OK_AND_ASSIGN(DatasetSplits data, LoadDataset(config.data()));
  const DataShape from_config = DataShapeFromConfig(config);
  const DataShape loaded = DataShapeOf(data);
  EXPECT_EQ(from_config.input_dim, loaded.input_dim);
  EXPECT_EQ(from_config.output_dim, loaded.output_dim);
  EXPECT_EQ(from_config.train_size, loaded.train_size);
  EXPECT_EQ(from_config.test_size, loaded.test_size);
  EXPECT_EQ(from_config.classification, loaded.classification);
}

TEST(MemoryEstimateTest, FileSourceShapeFromTheConfigIsALowerBound) {
  ExperimentConfig config = SmallConfig();
  config.mutable_data()->set_source("csv");
  const DataShape shape = DataShapeFromConfig(config);
  EXPECT_EQ(shape.input_dim, 1);
  EXPECT_EQ(shape.output_dim, 1);
  EXPECT_EQ(shape.train_size, 1);
  EXPECT_EQ(shape.test_size, 0);
}

TEST(MemoryEstimateTest, RefusalNamesTheNeedThePartsTheAvailableAndTheFields) {
  MemoryEstimate estimate;
  estimate.parameters = 10 * kGiB;
  estimate.gradients = 5 * kGiB;
  estimate.batch = 1 * kGiB;
  estimate.evaluation = 0.5 * kGiB;
  estimate.measurement = 2 * kGiB;
  estimate.peak_by_lever[static_cast<int>(MemoryLever::kWidth)] = 17 * kGiB;
  estimate.peak_by_lever[static_cast<int>(MemoryLever::kBatch)] = 1 * kGiB;
  EXPECT_THAT(
      CheckEstimateFits(estimate, 8 * kGiB, /*data_loaded=*/false),
      StatusIs(absl::StatusCode::kResourceExhausted,
               "this run needs about 18.0 GiB (parameters W, W0 10.0 GiB, "
               "gradients 5.0 GiB, batch activations 1.0 GiB, and 2.0 GiB "
               "while measuring) but 8.0 GiB is available; reduce "
               "model.width / model.widths / model.depth"));
  EXPECT_THAT(CheckEstimateFits(estimate, 18 * kGiB, false), IsOk());
}

// Levers under a fifth of the peak (the width here) are not suggested.
TEST(MemoryEstimateTest, RefusalNamesTheLeversBehindAFifthOfThePeak) {
  MemoryEstimate estimate;
  estimate.parameters = 1 * kGiB;
  estimate.batch = 3 * kGiB;
  estimate.data = 2 * kGiB;
  estimate.peak_by_lever[static_cast<int>(MemoryLever::kWidth)] = 1 * kGiB;
  estimate.peak_by_lever[static_cast<int>(MemoryLever::kBatch)] = 3 * kGiB;
  estimate.peak_by_lever[static_cast<int>(MemoryLever::kData)] = 2 * kGiB;
  EXPECT_THAT(CheckEstimateFits(estimate, 1 * kGiB, false),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("; reduce training.batch_size, or "
                                 "data.n_train / data.n_test")));
}

TEST(MemoryEstimateTest, LoadedDataCountsAsAvailable) {
  MemoryEstimate estimate;
  estimate.parameters = 3 * kGiB;
  estimate.data = 2 * kGiB;
  EXPECT_THAT(CheckEstimateFits(estimate, 3 * kGiB, /*data_loaded=*/true),
              IsOk());
  EXPECT_THAT(CheckEstimateFits(estimate, 3 * kGiB, /*data_loaded=*/false),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("but 3.0 GiB is available")));
  EXPECT_THAT(CheckEstimateFits(estimate, 2.5 * kGiB, /*data_loaded=*/true),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("but 4.5 GiB is available (counting the "
                                 "loaded data)")));
}

TEST(MemoryEstimateTest, HugeWidthIsRefusedBeforeLoading) {
  ExperimentConfig config = SmallConfig();
  config.mutable_model()->clear_widths();
  config.mutable_model()->set_width(100000000);
  // W2 alone is 10^16 floats.
  const MemoryEstimate estimate =
      EstimateRunMemory(config, DataShapeFromConfig(config));
  EXPECT_GT(estimate.parameters, 2 * 4 * 1e16);
  EXPECT_THAT(CheckEstimateFits(estimate, 22.9 * kGiB, false),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("this run needs about "),
                             HasSubstr("PiB (parameters W, W0 "),
                             HasSubstr("but 22.9 GiB is available; reduce "
                                       "model.width / model.widths / "
                                       "model.depth"))));
}

// The readout's tangent features are [chunk * C, C]: a million classes
// cannot be measured in any chunk size.
TEST(MemoryEstimateTest, AMillionOutputsAreBlamedOnTheClassCount) {
  const MemoryEstimate estimate =
      EstimateRunMemory(SmallConfig(), DataShape{3, 1000001, 20, 9, true});
  EXPECT_THAT(CheckEstimateFits(estimate, 22.9 * kGiB, false),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("TiB while measuring)"),
                             HasSubstr("; reduce the data's 1000001 outputs "
                                       "(its class count)"))));
}

TEST(MemoryEstimateTest, FormatsBytesInBinaryUnits) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(1023), "1023 B");
  EXPECT_EQ(FormatBytes(1024), "1.0 KiB");
  EXPECT_EQ(FormatBytes(1.5 * 1024 * 1024), "1.5 MiB");
  EXPECT_EQ(FormatBytes(74.5 * kGiB), "74.5 GiB");
  EXPECT_EQ(FormatBytes(3 * kGiB * 1024 * 1024), "3.0 PiB");
}

}  // namespace
}  // namespace nfalab
