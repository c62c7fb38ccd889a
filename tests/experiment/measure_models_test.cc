// ACCEPTANCE (issue 17): the round-trip guarantee of `nfalab measure`.
// nfalab trains a small MLP (with biases, readout measured) and a small
// conv net (conv, pools, dropout, classifier measured) and exports them at
// every measurement; MeasureModels on the exports reproduces the run's own
// metrics.csv rows for the same (epoch, step) to 1e-6, every one of them,
// and writes no row the run does not have. The early predictor: an export
// of the initial weights (at_initialisation) with the training targets
// reproduces the run's predicted_c_nfc rows at epoch -1. Layer options
// (swish's beta) survive the trip through model.json.
#include "experiment/measure_models.h"

#include <cmath>
#include <iterator>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/check.h"
#include "core/file_io.h"
#include "core/npy.h"
#include "core/random.h"
#include "datasets/load_dataset.h"
#include "experiment/config_io.h"
#include "experiment/npy_export.h"
#include "experiment/trainer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "report/metrics_csv_reader.h"
#include "tests/experiment/small_run.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::IsOk;

constexpr double kTolerance = 1e-6;

using Key = std::tuple<int, int64_t, int, std::string>;

std::map<Key, double> PerLayerRows(const std::string& csv_path) {
  absl::StatusOr<MetricsTable> table = ReadMetricsCsv(csv_path);
  NFALAB_CHECK(table.ok()) << table.status();
  std::map<Key, double> rows;
  for (const MetricsTable::Row& row : table->rows()) {
    if (row.layer == 0) continue;  // Losses: the run's own, not measured.
    rows[{row.epoch, row.step, row.layer, row.measure}] = row.value;
  }
  return rows;
}

std::string KeyText(const Key& key) {
  return absl::StrCat("epoch ", std::get<0>(key), " step ", std::get<1>(key),
                      " layer ", std::get<2>(key), " ", std::get<3>(key));
}

// Every row of `measured` is the run's, to kTolerance; returns how many.
int ExpectRowsOfRun(const std::map<Key, double>& measured,
                    const std::map<Key, double>& run) {
  int compared = 0;
  for (const auto& [key, value] : measured) {
    const auto found = run.find(key);
    if (found == run.end()) {
      ADD_FAILURE() << "measure wrote a row the run does not have: "
                    << KeyText(key);
      continue;
    }
    if (std::isnan(found->second)) {
      EXPECT_TRUE(std::isnan(value)) << KeyText(key);
    } else {
      EXPECT_NEAR(value, found->second, kTolerance) << KeyText(key);
    }
    ++compared;
  }
  return compared;
}

absl::StatusOr<RunResult> TrainInto(const ExperimentConfig& config,
                              const std::string& dir) {
  RunOptions options;
  options.out_dir = dir;
  options.overwrite = true;
  return RunExperiment(config, options);
}

// The run's rows at the epochs it exported (epoch_<e>/), its measure rows.
void ExpectRoundTrip(const ExperimentConfig& config, const std::string& name,
                     int expected_layers) {
  const std::string dir = testing::SmallRunDir("measure_models", name);
  ExperimentConfig exported = config;
  exported.set_export_dir(dir + "/export");
  exported.set_export_every_measurement(true);
  ASSERT_THAT(TrainInto(exported, dir + "/run"), IsOk());

  MeasureModelsOptions options;
  for (int epoch = 0; epoch < config.training().epochs(); ++epoch) {
    options.model_dirs.push_back(
        absl::StrCat(dir, "/export/epoch_", epoch));
  }
  options.data_path = dir + "/export/epoch_0/X.npy";
  options.measurement = config.measurement();
  options.measurement.set_measure_samples(0);
  options.out_dir = dir + "/measured";
  ASSERT_THAT(MeasureModels(options, nullptr), IsOk());

  std::map<Key, double> run = PerLayerRows(dir + "/run/metrics.csv");
  // The predictor's rows, before training, need the targets: another test.
  for (auto it = run.begin(); it != run.end();) {
    it = std::get<0>(it->first) < 0 ? run.erase(it) : std::next(it);
  }
  const std::map<Key, double> measured =
      PerLayerRows(dir + "/measured/metrics.csv");
  // Every per-layer row of the run is measured (the run measures every
  // epoch here, and exports each).
  EXPECT_EQ(measured.size(), run.size());
  const int compared = ExpectRowsOfRun(measured, run);
  // 5 values (uc_nfc, uc_nfc_cos, c_nfc, c_nfc_cos, weight_change) per layer
  // and epoch.
  EXPECT_EQ(compared, 5 * expected_layers * config.training().epochs());
  EXPECT_TRUE(ReadFile(dir + "/measured/nfc.svg").ok());
}

TEST(MeasureModelsTest, MlpExportReproducesTheRunsRows) {
  ExperimentConfig config = testing::SmallRunConfig();
  config.mutable_model()->set_bias(true);
  config.mutable_measurement()->set_include_readout(true);
  config.mutable_measurement()->set_measure_samples(100);  // Of 256.
  // depth 2: two hidden layers and the readout.
  ExpectRoundTrip(config, "mlp", 3);
}

TEST(MeasureModelsTest, ConvNetExportReproducesTheRunsRows) {
  absl::StatusOr<ExperimentConfig> config = ParseConfig(
      R"pb(
        name: "conv"
        seed: 4
        data { source: "npy" }
        model {
          bias: true
          layers { type: "conv2d" out_channels: 4 }
          layers { type: "activation" activation: "relu" }
          layers { type: "maxpool2d" }
          layers { type: "conv2d" out_channels: 3 stride: 2 }
          layers { type: "activation" activation: "tanh" }
          layers { type: "avgpool2d" kernel_size: 2 }
          layers { type: "global_avgpool" }
          layers { type: "linear" out_features: 6 }
          layers { type: "activation" activation: "relu" }
          layers { type: "dropout" rate: 0.3 }
          layers { type: "linear" }
        }
        optimizer { learning_rate: 0.05 }
        training { epochs: 3 batch_size: 16 }
        measurement { include_classifier: true include_readout: true }
      )pb",
      "conv");
  ASSERT_THAT(config, IsOk());
  const std::string data = testing::SmallRunDir("measure_models", "conv_data");
  testing::WriteImageRegressionNpy(data, /*seed=*/11, 48, 8);
  config->mutable_data()->set_path(data);
  // Two convs, the hidden classifier layer and the readout.
  ExpectRoundTrip(*config, "conv", 4);
}

// An activation with options (the swish plugin's beta): model.json carries
// them as "activation_options", and the import applies them (with swish's
// default beta = 1 the rows would differ).
TEST(MeasureModelsTest, LayerOptionsSurviveTheRoundTrip) {
  absl::StatusOr<ExperimentConfig> config = ParseConfig(
      R"pb(
        model {
          layers { type: "linear" out_features: 12 }
          layers {
            type: "activation"
            activation: "swish"
            activation_options {
              [type.googleapis.com/nfalab.SwishOptions] { beta: 2.5 }
            }
          }
          layers { type: "linear" }
        }
      )pb",
      "swish");
  ASSERT_THAT(config, IsOk());
  ExperimentConfig small = testing::SmallRunConfig();
  *small.mutable_model() = config->model();
  ExpectRoundTrip(small, "swish", 1);
  const absl::StatusOr<std::string> json = ReadFile(
      testing::SmallRunDir("measure_models", "swish") + "/export/model.json");
  ASSERT_THAT(json, IsOk());
  EXPECT_THAT(*json, ::testing::HasSubstr(
                         R"("activation_options": {"@type":"type.googleapis.com/nfalab.SwishOptions","beta":2.5})"));
}

TEST(MeasureModelsTest, InitialExportWithTargetsReproducesThePredictor) {
  ExperimentConfig config = testing::SmallRunConfig();
  config.mutable_measurement()->set_measure_samples(0);  // K0 on all 256.
  const std::string dir = testing::SmallRunDir("measure_models", "predictor");
  config.set_export_dir(dir + "/final");
  absl::StatusOr<RunResult> run = TrainInto(config, dir + "/run");
  ASSERT_THAT(run, IsOk());

  // The initial network: the final one with W = W0 (it has no biases).
  Model initial = run->model;
  for (int l = 0; l < initial.num_weighted_layers(); ++l) {
    ASSERT_FALSE(initial.weighted_layer(l).has_bias());
    initial.weighted_layer(l).weight() =
        initial.weighted_layer(l).initial_weight();
  }
  absl::StatusOr<DatasetSplits> data = LoadDataset(config.data());
  ASSERT_THAT(data, IsOk());
  ASSERT_THAT(ExportNpy(dir + "/initial", initial, {}, {}, data->train.x,
                        {-1, 0}),
              IsOk());
  ASSERT_THAT(WriteNpy(dir + "/y.npy", data->train.y), IsOk());
  // The run's export holds the same samples (measure_samples 0: all).
  absl::StatusOr<NpyArray> exported_x = ReadNpy(dir + "/final/X.npy");
  ASSERT_THAT(exported_x, IsOk());
  ASSERT_TRUE(exported_x->values.cast<float>() == data->train.x);

  MeasureModelsOptions options;
  options.model_dirs = {dir + "/initial", dir + "/final"};
  options.data_path = dir + "/final/X.npy";
  options.labels_path = dir + "/y.npy";
  options.measurement.set_measure_samples(0);
  options.out_dir = dir + "/measured";
  ASSERT_THAT(MeasureModels(options, nullptr), IsOk());

  const std::map<Key, double> run_rows = PerLayerRows(dir + "/run/metrics.csv");
  std::map<Key, double> predicted, last;
  for (const auto& [key, value] :
       PerLayerRows(dir + "/measured/metrics.csv")) {
    const std::string& measure = std::get<3>(key);
    if (measure.rfind("predicted_c_nfc", 0) == 0) {
      predicted[key] = value;
    } else if (std::get<0>(key) >= 0) {
      last[key] = value;
    } else {
      // The initial checkpoint's own measures sit at epoch -1, step 0.
      EXPECT_EQ(std::get<1>(key), 0);
    }
  }
  // Layers 1 and 2, Pearson and cosine.
  EXPECT_EQ(ExpectRowsOfRun(predicted, run_rows), 4);
  // The final export is measured at the run's last epoch and step.
  EXPECT_EQ(ExpectRowsOfRun(last, run_rows), 2 * 5);
}

}  // namespace
}  // namespace nfalab
