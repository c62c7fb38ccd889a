// Measurement's warnings about NaN or infinite measures: their text, once per
// (layer, measure), and in a run's log and summary.json.
#include "experiment/measurement.h"

#include <cmath>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/check.h"
#include "core/file_io.h"
#include "core/random.h"
#include "experiment/config_io.h"
#include "experiment/trainer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A 3-hidden-layer ReLU MLP (width 5) on 10 random samples, 4 inputs and 2
// outputs.
class MeasurementWarningsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Rng rng(7);
    train_.x = Matrix(10, 4);
    train_.y = Matrix(10, 2);
    for (Eigen::Index i = 0; i < train_.x.size(); ++i) {
      train_.x.data()[i] = static_cast<float>(rng.Normal());
    }
    for (Eigen::Index i = 0; i < train_.y.size(); ++i) {
      train_.y.data()[i] = static_cast<float>(rng.Normal());
    }
    ModelConfig model_config;
    model_config.set_depth(3);
    model_config.set_width(5);
    NFALAB_ASSERT_OK_AND_ASSIGN(model_, Model::Create(model_config, 4, 2, &rng));
    config_.add_measures("uc_nfc");
    config_.add_measures("weight_change");
  }

  // Records epoch `epoch` at the model's weights.
  void Record(Measurement* measurement, int epoch) {
    NFALAB_ASSERT_OK_AND_ASSIGN(std::vector<MatrixD> ptk,
                                measurement->ComputeKernels(*model_));
    NFALAB_ASSERT_OK(
        measurement->Record(*model_, ptk, epoch, 0, &table_, nullptr));
  }

  Dataset train_;
  std::optional<Model> model_;  // Model has no default constructor.
  MeasurementConfig config_;
  MetricsTable table_;
};

TEST_F(MeasurementWarningsTest, FiniteMeasuresGiveNoWarning) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Measurement measurement,
                              Measurement::Create(config_, 4, train_));
  Record(&measurement, 0);
  EXPECT_THAT(measurement.warnings(), IsEmpty());
  EXPECT_THAT(measurement.TakeNewWarnings(), IsEmpty());
}

// W1 = 0 zeroes every later activation, so every hidden K is 0: uc_nfc is
// 0/0 everywhere, and weight_change |W0| / |0| is infinite on layer 1.
TEST_F(MeasurementWarningsTest, ZeroLayerWarnsPerMeasureValueAndCause) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Measurement measurement,
                              Measurement::Create(config_, 4, train_));
  model_->weighted_layer(0).weight().setZero();
  Record(&measurement, 0);
  EXPECT_THAT(
      measurement.TakeNewWarnings(),
      ElementsAre(
          "uc_nfc is nan on layer 1 at epoch 0: K = 0, the tangent features "
          "vanished; W = 0 (depth 3, activation relu)",
          "weight_change is infinite on layer 1 at epoch 0: K = 0, the "
          "tangent features vanished; W = 0 (depth 3, activation relu)",
          "uc_nfc is nan on layers 2-3 at epoch 0: K = 0, the tangent "
          "features vanished; W = W0, the layer has not moved (depth 3, "
          "activation relu)"));
  // The rows are recorded as they are.
  int nan_rows = 0;
  for (const MetricsTable::Row& row : table_.rows()) {
    nan_rows += std::isnan(row.value);
  }
  EXPECT_EQ(nan_rows, 3 * 2);  // uc_nfc and uc_nfc_cos on three layers.
}

TEST_F(MeasurementWarningsTest, EachLayerAndMeasureIsWarnedAboutOnce) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Measurement measurement,
                              Measurement::Create(config_, 4, train_));
  model_->weighted_layer(0).weight().setZero();
  Record(&measurement, 0);
  EXPECT_EQ(measurement.TakeNewWarnings().size(), 3);
  Record(&measurement, 1);
  Record(&measurement, 2);
  EXPECT_THAT(measurement.TakeNewWarnings(), IsEmpty());
  EXPECT_EQ(measurement.warnings().size(), 3);
}

TEST_F(MeasurementWarningsTest, EarlyPredictorWarnsAtInitialisation) {
  config_.set_early_predictor(true);
  NFALAB_ASSERT_OK_AND_ASSIGN(Measurement measurement,
                              Measurement::Create(config_, 4, train_));
  model_->weighted_layer(0).weight().setZero();
  NFALAB_ASSERT_OK(
      measurement.RecordEarlyPredictor(*model_, TrainingConfig::MSE, &table_));
  EXPECT_THAT(measurement.warnings(),
              ElementsAre("predicted_c_nfc is nan on layers 1-3 at "
                          "initialisation: K = 0, the tangent features "
                          "vanished; G0 = 0 (depth 3, activation relu)"));
}

// With weights of 1e-30 the activations underflow to 0 from layer 2 on, so
// no tangent feature survives and nothing trains.
TEST(MeasurementWarningsRunTest, RunLogsEachWarningOnceAndSummarisesThem) {
  absl::StatusOr<ExperimentConfig> config = ParseConfig(
      R"pb(
        data {
          source: "synthetic"
          n_train: 64
          n_test: 0
          synthetic { input_dim: 4 }
        }
        model { depth: 3 width: 8 init: GAUSSIAN init_scale: 1e-30 }
        training { epochs: 3 batch_size: 32 }
        measurement { measures: "uc_nfc" early_predictor: false }
      )pb",
      "underflow");
  ASSERT_TRUE(config.ok()) << config.status();
  std::ostringstream log;
  RunOptions options;
  options.out_dir = ::testing::TempDir() + "/measurement_test_underflow";
  options.log = &log;
  NFALAB_ASSERT_OK(RunExperiment(*config, options).status());
  const std::string warning =
      "uc_nfc is nan on layers 1-3 at epoch 0: K = 0, the tangent features "
      "vanished; W = W0, the layer has not moved (depth 3, activation relu)";
  const std::string text = log.str();
  size_t count = 0;
  for (size_t pos = text.find("warning: "); pos != std::string::npos;
       pos = text.find("warning: ", pos + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 1) << text;
  EXPECT_THAT(text, HasSubstr(absl::StrCat("warning: ", warning, "\n")));
  NFALAB_ASSERT_OK_AND_ASSIGN(std::string summary,
                              ReadFile(options.out_dir + "/summary.json"));
  EXPECT_THAT(summary,
              HasSubstr(absl::StrCat("\"warnings\": [\"", warning, "\"],\n")));
}

}  // namespace
}  // namespace nfalab
