// End-to-end tests of the training loop on small synthetic tasks, and on
// small images (npy) for a conv net with dropout: exact resume with the
// dropout generator, the conv layers measured by default, and
// optimizer.reset_every_epoch against a hand-driven loop.
#include "experiment/trainer.h"

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/check.h"
#include "core/file_io.h"
#include "core/npy.h"
#include "core/random.h"
#include "datasets/load_dataset.h"
#include "experiment/config_io.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "layers/loss.h"
#include "layers/sequential.h"
#include "metrics/correlation.h"
#include "metrics/early_closed_form.h"
#include "tests/experiment/small_run.h"
#include "tests/matrix_matchers.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ApproxEq;
using ::nfalab::testing::IsOk;
using ::nfalab::testing::StatusIs;
using ::testing::HasSubstr;

ExperimentConfig SmallConfig() { return testing::SmallRunConfig(); }

std::string OutDir(const std::string& name) {
  return ::testing::TempDir() + "/trainer_test_" + name;
}

absl::StatusOr<RunResult> RunInDir(const ExperimentConfig& config,
                                   const std::string& name) {
  RunOptions options;
  options.out_dir = OutDir(name);
  return RunExperiment(config, options);
}

bool Exists(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0;
}

// <dir>/metrics.csv; a test failure and "" if it cannot be read.
std::string MetricsCsv(const std::string& dir) {
  absl::StatusOr<std::string> csv = ReadFile(dir + "/metrics.csv");
  EXPECT_THAT(csv, IsOk());
  return csv.value_or("");
}

// Runs `config` with a checkpoint after every epoch into OutDir(name) and
// stops after `epochs`, as a killed run would; returns the options that
// resume it.
RunOptions RunAndStop(ExperimentConfig config, const std::string& name,
                      int epochs) {
  config.set_checkpoint_every(1);
  RunOptions options;
  options.out_dir = OutDir(name);
  options.stop_after_epochs = epochs;
  const absl::StatusOr<RunResult> run = RunExperiment(config, options);
  NFALAB_CHECK(run.ok()) << run.status();
  options.stop_after_epochs = 0;
  options.resume = true;
  return options;
}

TEST(TrainerTest, SameSeedGivesIdenticalMetricsFiles) {
  const ExperimentConfig config = SmallConfig();
  ASSERT_THAT(RunInDir(config, "det_a"), IsOk());
  ASSERT_THAT(RunInDir(config, "det_b"), IsOk());
  absl::StatusOr<std::string> a = ReadFile(OutDir("det_a") + "/metrics.csv");
  absl::StatusOr<std::string> b = ReadFile(OutDir("det_b") + "/metrics.csv");
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_GT(a->size(), 100u);
  EXPECT_EQ(*a, *b);
}

TEST(TrainerTest, DifferentSeedGivesDifferentRun) {
  ExperimentConfig config = SmallConfig();
  absl::StatusOr<RunResult> first = RunInDir(config, "seed_a");
  config.set_seed(6);
  absl::StatusOr<RunResult> second = RunInDir(config, "seed_b");
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  EXPECT_NE(first->metrics.ToCsv(), second->metrics.ToCsv());
}

TEST(TrainerTest, MetricsTableHasEveryEpochAndTheSchedule) {
  ExperimentConfig config = SmallConfig();
  config.mutable_optimizer()->mutable_schedule()->set_initial_epochs(1);
  config.mutable_optimizer()->mutable_schedule()->set_initial_learning_rate(
      1e-4);
  config.mutable_measurement()->set_measure_every(0);
  absl::StatusOr<RunResult> result = RunInDir(config, "table");
  ASSERT_THAT(result, IsOk());
  absl::StatusOr<std::string> csv = ReadFile(OutDir("table") + "/metrics.csv");
  ASSERT_THAT(csv, IsOk());
  EXPECT_EQ(*csv, result->metrics.ToCsv());
  const std::vector<std::string> lines =
      absl::StrSplit(*csv, '\n', absl::SkipEmpty());
  EXPECT_EQ(lines.front(), "epoch,step,layer,measure,value");
  // init: train+test loss; each epoch: lr, train loss, test loss.
  EXPECT_EQ(lines.size(), 1u + 2u + 4u * 3u);
  EXPECT_THAT(*csv, HasSubstr("-1,0,,train_loss,"));
  // 256 / 32 = 8 steps per epoch; epoch 0 runs at 1e-4, later at 0.2.
  EXPECT_THAT(*csv, HasSubstr("0,8,,learning_rate,0.0001\n"));
  EXPECT_THAT(*csv, HasSubstr("3,32,,learning_rate,0.2\n"));
}

// (epoch, layer) pairs that have a row named `measure`.
std::vector<std::pair<int, int>> RowsOf(const MetricsTable& table,
                                        absl::string_view measure) {
  std::vector<std::pair<int, int>> rows;
  for (const MetricsTable::Row& row : table.rows()) {
    if (row.measure == measure) rows.emplace_back(row.epoch, row.layer);
  }
  return rows;
}

TEST(TrainerTest, MeasuresEveryHiddenLayerOnTheSchedule) {
  ExperimentConfig config = SmallConfig();
  config.mutable_training()->set_epochs(5);
  config.mutable_measurement()->set_measure_every(2);
  absl::StatusOr<RunResult> result = RunInDir(config, "schedule");
  ASSERT_THAT(result, IsOk());
  // Epochs 0, 2 and the last (4); hidden layers 1 and 2 of depth 2.
  const std::vector<std::pair<int, int>> expected = {{0, 1}, {0, 2}, {2, 1},
                                                     {2, 2}, {4, 1}, {4, 2}};
  for (const char* measure :
       {"uc_nfc", "uc_nfc_cos", "c_nfc", "c_nfc_cos", "weight_change"}) {
    SCOPED_TRACE(measure);
    EXPECT_EQ(RowsOf(result->metrics, measure), expected);
  }
  EXPECT_EQ(RowsOf(result->metrics, "predicted_c_nfc"),
            (std::vector<std::pair<int, int>>{{-1, 1}, {-1, 2}}));
  for (const MetricsTable::Row& row : result->metrics.rows()) {
    if (row.layer == 0) continue;
    EXPECT_TRUE(std::isfinite(row.value)) << row.measure << " " << row.layer;
    if (row.measure != "weight_change") {
      EXPECT_LE(std::abs(row.value), 1.0 + 1e-9) << row.measure;
    }
  }
}

TEST(TrainerTest, ClosedFormPredictorIsComputedFromTheTrainingData) {
  ExperimentConfig config = SmallConfig();
  config.mutable_training()->set_epochs(1);
  config.mutable_data()->mutable_synthetic()->set_classify(true);
  config.mutable_data()->mutable_synthetic()->set_num_outputs(3);
  config.mutable_measurement()->set_closed_form_predictor(true);
  absl::StatusOr<RunResult> result = RunInDir(config, "closed_form");
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(RowsOf(result->metrics, "closed_form_c_nfc"),
            (std::vector<std::pair<int, int>>{{-1, 1}}));
  // The same data, loaded again: depth 2 gives two ReLU layers.
  absl::StatusOr<DatasetSplits> data = LoadDataset(config.data());
  ASSERT_THAT(data, IsOk());
  const MatrixD x = data->train.x.cast<double>();
  const MatrixD y = data->train.y.cast<double>();
  const ReluKernelLinearization kernel = LinearizeReluPtkKernel(2);
  for (const MetricsTable::Row& row : result->metrics.rows()) {
    if (row.measure == "closed_form_c_nfc") {
      EXPECT_EQ(row.value,
                ClosedFormEarlyCNfc(x, y, kernel, Correlation::kPearson));
    }
    if (row.measure == "closed_form_c_nfc_cos") {
      EXPECT_EQ(row.value,
                ClosedFormEarlyCNfc(x, y, kernel, Correlation::kCosine));
    }
  }
  EXPECT_EQ(RowsOf(result->metrics, "closed_form_c_nfc_cos").size(), 1u);
}

TEST(TrainerTest, ClosedFormPredictorNeedsABiasFreeReluMlpUnderMse) {
  for (const auto& [change, problem] :
       std::vector<std::pair<std::string, std::string>>{
           {"model { activation: 'tanh' }", "model.activation is \"tanh\""},
           {"model { bias: true }", "model.bias is true"},
           {"training { loss: CROSS_ENTROPY }", "training.loss is not MSE"},
           {"model { layers { type: 'linear' } }", "model.layers is set"}}) {
    ExperimentConfig config = SmallConfig();
    config.mutable_data()->mutable_synthetic()->set_classify(true);
    config.mutable_measurement()->set_closed_form_predictor(true);
    ExperimentConfig overrides;
    ASSERT_TRUE(
        google::protobuf::TextFormat::ParseFromString(change, &overrides));
    // A layer list replaces depth and width.
    if (overrides.model().layers_size() > 0) config.clear_model();
    config.MergeFrom(overrides);
    EXPECT_THAT(RunInDir(config, "closed_form_bad").status(),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr(absl::StrCat(
                             "measurement.closed_form_predictor needs the "
                             "paper's bias-free ReLU MLP (model.layers "
                             "empty, activation \"relu\", no bias) trained "
                             "with MSE, but ",
                             problem))))
        << change;
  }
}

TEST(TrainerTest, MeasuresChosenLayersAndMeasuresOnly) {
  ExperimentConfig config = SmallConfig();
  config.mutable_training()->set_epochs(2);
  MeasurementConfig& measurement = *config.mutable_measurement();
  measurement.add_layers(3);  // The readout of a depth-2 network.
  measurement.add_measures("weight_change");
  measurement.set_early_predictor(false);
  absl::StatusOr<RunResult> result = RunInDir(config, "chosen");
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(RowsOf(result->metrics, "weight_change"),
            (std::vector<std::pair<int, int>>{{0, 3}, {1, 3}}));
  EXPECT_TRUE(RowsOf(result->metrics, "uc_nfc").empty());
  EXPECT_TRUE(RowsOf(result->metrics, "predicted_c_nfc").empty());
}

TEST(TrainerTest, MeasureEveryZeroMeasuresNothing) {
  ExperimentConfig config = SmallConfig();
  config.mutable_measurement()->set_measure_every(0);
  absl::StatusOr<RunResult> result = RunInDir(config, "no_measure");
  ASSERT_THAT(result, IsOk());
  for (const MetricsTable::Row& row : result->metrics.rows()) {
    EXPECT_EQ(row.layer, 0) << row.measure;
  }
}

TEST(TrainerTest, UnknownMeasureAndBadLayerAreRejectedBeforeWriting) {
  ExperimentConfig config = SmallConfig();
  config.mutable_measurement()->add_measures("cka");
  EXPECT_THAT(RunInDir(config, "bad_measure"),
              StatusIs(absl::StatusCode::kNotFound,
                       ::testing::AllOf(HasSubstr("measurement.measures[0]"),
                                        HasSubstr("uc_nfc"))));
  EXPECT_FALSE(Exists(OutDir("bad_measure")));
  config = SmallConfig();
  config.mutable_measurement()->add_layers(4);
  EXPECT_THAT(RunInDir(config, "bad_layer"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("measurement.layers[0] is 4")));
  EXPECT_FALSE(Exists(OutDir("bad_layer")));
}

TEST(TrainerTest, ExportsNpyFilesAtTheEndAndPerMeasurement) {
  ExperimentConfig config = SmallConfig();
  config.mutable_training()->set_epochs(2);
  const std::string export_dir = OutDir("export_npy") + "/npy";
  config.set_export_dir(export_dir);
  config.set_export_every_measurement(true);
  absl::StatusOr<RunResult> result = RunInDir(config, "export_npy");
  ASSERT_THAT(result, IsOk());
  for (const std::string& dir :
       {export_dir, export_dir + "/epoch_0", export_dir + "/epoch_1"}) {
    for (const char* file :
         {"W1.npy", "W2.npy", "W3.npy", "W0_1.npy", "W0_2.npy", "W0_3.npy",
          "K1.npy", "K2.npy", "X.npy"}) {
      EXPECT_TRUE(Exists(dir + "/" + file)) << dir << "/" << file;
    }
    EXPECT_FALSE(Exists(dir + "/K3.npy"));  // The readout is not measured.
  }
  absl::StatusOr<NpyArray> w1 = ReadNpy(export_dir + "/W1.npy");
  ASSERT_THAT(w1, IsOk());
  EXPECT_EQ(w1->dtype, "<f4");
  EXPECT_THAT(w1->values,
              ApproxEq(result->model.weighted_layer(0).weight(), 0.0, 0.0));
  absl::StatusOr<NpyArray> x = ReadNpy(export_dir + "/X.npy");
  ASSERT_THAT(x, IsOk());
  EXPECT_EQ(x->shape, (std::vector<int64_t>{256, 8}));
  absl::StatusOr<NpyArray> k = ReadNpy(export_dir + "/K1.npy");
  ASSERT_THAT(k, IsOk());
  EXPECT_EQ(k->dtype, "<f8");
  EXPECT_EQ(k->shape, (std::vector<int64_t>{24, 24}));
}

// An interrupted run resumed from its checkpoint ends with the same
// metrics.csv and weights as an uninterrupted one: momentum buffers, the
// shuffling RNG and order, the epoch and step all continue exactly.
TEST(TrainerTest, ResumedRunEqualsUninterruptedRun) {
  ExperimentConfig config = SmallConfig();
  config.mutable_training()->set_epochs(6);
  config.mutable_optimizer()->set_momentum(0.9);
  config.mutable_optimizer()->set_learning_rate(0.05);
  config.mutable_measurement()->set_measure_every(2);
  config.set_checkpoint_every(2);
  absl::StatusOr<RunResult> whole = RunInDir(config, "resume_whole");
  ASSERT_THAT(whole, IsOk());

  RunOptions options;
  options.out_dir = OutDir("resume_parts");
  options.stop_after_epochs = 3;  // Interrupted after epoch 2; checkpoint at 2.
  ASSERT_THAT(RunExperiment(config, options), IsOk());
  absl::StatusOr<std::string> partial =
      ReadFile(options.out_dir + "/metrics.csv");
  ASSERT_THAT(partial, IsOk());
  EXPECT_THAT(*partial, HasSubstr("\n2,24,,train_loss,"));
  EXPECT_THAT(*partial, ::testing::Not(HasSubstr("\n3,")));

  absl::StatusOr<ExperimentConfig> saved = LoadResumeConfig(options.out_dir);
  ASSERT_THAT(saved, IsOk());
  EXPECT_EQ(saved->SerializeAsString(), config.SerializeAsString());
  options.stop_after_epochs = 0;
  options.resume = true;
  absl::StatusOr<RunResult> resumed = RunExperiment(*saved, options);
  ASSERT_THAT(resumed, IsOk());

  absl::StatusOr<std::string> expected =
      ReadFile(OutDir("resume_whole") + "/metrics.csv");
  absl::StatusOr<std::string> actual =
      ReadFile(options.out_dir + "/metrics.csv");
  ASSERT_THAT(expected, IsOk());
  ASSERT_THAT(actual, IsOk());
  EXPECT_EQ(*actual, *expected);
  for (int l = 0; l < whole->model.num_weighted_layers(); ++l) {
    EXPECT_THAT(resumed->model.weighted_layer(l).weight(),
                ApproxEq(whole->model.weighted_layer(l).weight(), 0.0, 0.0));
    EXPECT_THAT(
        resumed->model.weighted_layer(l).initial_weight(),
        ApproxEq(whole->model.weighted_layer(l).initial_weight(), 0.0, 0.0));
  }
  EXPECT_EQ(resumed->final_train_loss, whole->final_train_loss);
}

// c_nfc_k0 reads K at initialisation, which the checkpoint carries in
// double: the resumed run's rows equal the uninterrupted run's, and differ
// from c_nfc's (K at the current weights).
TEST(TrainerTest, CNfcWithInitialKResumesExactly) {
  ExperimentConfig config = SmallConfig();
  config.mutable_training()->set_epochs(4);
  config.mutable_measurement()->set_measure_every(1);
  config.mutable_measurement()->add_measures("c_nfc");
  config.mutable_measurement()->add_measures("c_nfc_k0");
  config.set_checkpoint_every(1);
  NFALAB_ASSERT_OK_AND_ASSIGN(const RunResult whole,
                              RunInDir(config, "k0_whole"));
  int k0_rows = 0;
  for (const MetricsTable::Row& row : whole.metrics.rows()) {
    if (row.measure != "c_nfc_k0") continue;
    ++k0_rows;
    EXPECT_TRUE(std::isfinite(row.value));
    for (const MetricsTable::Row& other : whole.metrics.rows()) {
      if (other.measure == "c_nfc" && other.epoch == row.epoch &&
          other.layer == row.layer && row.epoch > 0) {
        EXPECT_NE(other.value, row.value) << "epoch " << row.epoch;
      }
    }
  }
  EXPECT_EQ(k0_rows, 4 * 2);  // 4 epochs x 2 hidden layers
  RunOptions options;
  options.out_dir = OutDir("k0_parts");
  options.stop_after_epochs = 2;
  ASSERT_THAT(RunExperiment(config, options), IsOk());
  options.stop_after_epochs = 0;
  options.resume = true;
  ASSERT_THAT(RunExperiment(config, options), IsOk());
  EXPECT_EQ(ReadFile(options.out_dir + "/metrics.csv").value_or("a"),
            ReadFile(OutDir("k0_whole") + "/metrics.csv").value_or("b"));
}

TEST(TrainerTest, ResumeWithoutCheckpointIsNotFound) {
  RunOptions options;
  options.out_dir = OutDir("resume_missing");
  options.resume = true;
  EXPECT_THAT(RunExperiment(SmallConfig(), options),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("resume_missing/checkpoint.pb")));
  EXPECT_THAT(
      LoadResumeConfig(options.out_dir),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("checkpoint.pb")));
}

TEST(TrainerTest, CorruptCheckpointIsInvalidArgument) {
  const std::string dir = OutDir("resume_corrupt");
  ASSERT_THAT(MakeDirectories(dir), IsOk());
  ASSERT_THAT(WriteFileAtomically(dir + "/checkpoint.pb", "not a checkpoint"),
              IsOk());
  EXPECT_THAT(LoadResumeConfig(dir),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not an nfalab checkpoint")));
}

TEST(TrainerTest, ResumeWithAnotherModelShapeIsRejected) {
  ExperimentConfig config = SmallConfig();
  config.set_checkpoint_every(1);
  RunOptions options;
  options.out_dir = OutDir("resume_reshaped");
  options.stop_after_epochs = 1;
  ASSERT_THAT(RunExperiment(config, options), IsOk());
  config.mutable_model()->set_width(25);
  options.resume = true;
  EXPECT_THAT(
      RunExperiment(config, options),
      StatusIs(absl::StatusCode::kInvalidArgument,
               ::testing::AllOf(HasSubstr("resuming"), HasSubstr("layer 1"))));
}

TEST(TrainerTest, AFreshRunRefusesADirectoryHoldingAnotherRun) {
  ExperimentConfig config = SmallConfig();
  ASSERT_THAT(RunInDir(config, "reused"), IsOk());
  const std::string before = MetricsCsv(OutDir("reused"));
  config.set_seed(6);
  EXPECT_THAT(RunInDir(config, "reused"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr(OutDir("reused") + " already holds a run")));
  EXPECT_EQ(MetricsCsv(OutDir("reused")), before);
}

// --overwrite replaces the earlier run completely: its checkpoint too, so a
// later resume cannot pick up the earlier run.
TEST(TrainerTest, OverwriteReplacesTheEarlierRunAndItsCheckpoint) {
  RunOptions options = RunAndStop(SmallConfig(), "overwritten", 4);
  ASSERT_TRUE(Exists(options.out_dir + "/checkpoint.pb"));
  ExperimentConfig config = SmallConfig();
  config.set_seed(6);
  ASSERT_THAT(RunInDir(config, "overwritten_reference"), IsOk());
  options.resume = false;
  options.overwrite = true;
  ASSERT_THAT(RunExperiment(config, options), IsOk());
  EXPECT_FALSE(Exists(options.out_dir + "/checkpoint.pb"));
  EXPECT_EQ(MetricsCsv(options.out_dir),
            MetricsCsv(OutDir("overwritten_reference")));
  options.resume = true;
  EXPECT_THAT(RunExperiment(config, options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("cannot be combined with resume")));
}

TEST(TrainerTest, ResumeRefusesADirectoryWhoseConfigIsAnotherRuns) {
  ExperimentConfig config = SmallConfig();
  const RunOptions options = RunAndStop(config, "resume_foreign_config", 1);
  config.set_checkpoint_every(1);  // As RunAndStop ran it.
  ExperimentConfig other = config;
  other.set_seed(99);
  ASSERT_THAT(WriteFileAtomically(options.out_dir + "/config.pbtxt",
                                  ConfigToText(other)),
              IsOk());
  EXPECT_THAT(RunExperiment(config, options),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("describe different runs (they differ in "
                                 "seed)")));
}

TEST(TrainerTest, ResumeRemovesStaleTemporaryFilesAndSaysSo) {
  ExperimentConfig config = SmallConfig();
  RunOptions options = RunAndStop(config, "resume_stale_temporaries", 2);
  // What a SIGKILL during two writes leaves (pid 2^22 + 1 is above Linux's
  // pid_max limit, so no such process exists).
  const std::string stale_checkpoint =
      options.out_dir + "/checkpoint.pb.tmp.4194305.7";
  const std::string stale_metrics =
      options.out_dir + "/metrics.csv.tmp.4194305.8";
  ASSERT_THAT(WriteFileAtomically(stale_checkpoint, "partial"), IsOk());
  ASSERT_THAT(WriteFileAtomically(stale_metrics, "partial"), IsOk());
  std::ostringstream log;
  options.log = &log;
  config.set_checkpoint_every(1);  // As RunAndStop ran it.
  ASSERT_THAT(RunExperiment(config, options), IsOk());
  EXPECT_THAT(log.str(),
              HasSubstr("removed 2 stale temporary files of an earlier "
                        "crashed write from " +
                        options.out_dir + "\n"));
  EXPECT_FALSE(Exists(stale_checkpoint));
  EXPECT_FALSE(Exists(stale_metrics));
}

// A run interrupted after `steps` optimizer steps (8 per epoch), then
// resumed, possibly interrupted again, ends exactly as an uninterrupted run.
struct InterruptCase {
  std::string name;
  std::vector<int64_t> interrupt_at_steps;
  std::string first_message;  // After "interrupted by SIGINT ".
  std::string last_epoch_in_partial_csv;
};

void PrintTo(const InterruptCase& test_case, std::ostream* out) {
  *out << test_case.name;
}

class InterruptTest : public ::testing::TestWithParam<InterruptCase> {
 protected:
  static ExperimentConfig Config() {
    ExperimentConfig config = SmallConfig();
    config.mutable_training()->set_epochs(4);
    config.mutable_optimizer()->set_momentum(0.9);
    config.mutable_optimizer()->set_learning_rate(0.05);
    config.mutable_measurement()->set_measure_every(2);
    config.set_checkpoint_every(0);  // An interrupt saves one anyway.
    return config;
  }
  static const RunResult& Uninterrupted() {
    static const RunResult* result = [] {
      absl::StatusOr<RunResult> run = RunInDir(Config(), "interrupt_whole");
      NFALAB_CHECK(run.ok()) << run.status();
      return new RunResult(*std::move(run));
    }();
    return *result;
  }
};

TEST_P(InterruptTest, ResumedRunEqualsUninterruptedRun) {
  const InterruptCase& test_case = GetParam();
  const RunResult& whole = Uninterrupted();
  RunOptions options;
  options.out_dir = OutDir("interrupt_" + test_case.name);
  for (size_t i = 0; i < test_case.interrupt_at_steps.size(); ++i) {
    const int64_t at = test_case.interrupt_at_steps[i];
    options.resume = i > 0;
    options.interrupt_signal = [at](int64_t step) {
      return step >= at ? SIGINT : 0;
    };
    const absl::StatusOr<RunResult> run = RunExperiment(Config(), options);
    ASSERT_EQ(run.status().code(), absl::StatusCode::kCancelled)
        << "interrupt " << i << ": " << run.status();
    if (i == 0) {
      EXPECT_EQ(run.status().message(),
                absl::StrCat("interrupted by SIGINT ", test_case.first_message,
                             "; its state is saved in ", options.out_dir,
                             "/checkpoint.pb"));
      const std::vector<std::string> lines =
          absl::StrSplit(MetricsCsv(options.out_dir), '\n', absl::SkipEmpty());
      EXPECT_EQ(lines.back().substr(0, lines.back().find(',')),
                test_case.last_epoch_in_partial_csv);
    }
    absl::StatusOr<std::string> summary =
        ReadFile(options.out_dir + "/summary.json");
    ASSERT_THAT(summary, IsOk());
    EXPECT_THAT(*summary, HasSubstr("\"completed\": false,\n  \"status\": "
                                    "\"interrupted\",\n  \"interrupted_by\": "
                                    "\"SIGINT\",\n"));
    EXPECT_TRUE(Exists(options.out_dir + "/nfc.svg"));
  }
  options.resume = true;
  options.interrupt_signal = nullptr;
  absl::StatusOr<RunResult> resumed = RunExperiment(Config(), options);
  ASSERT_THAT(resumed, IsOk());

  EXPECT_EQ(MetricsCsv(options.out_dir), MetricsCsv(OutDir("interrupt_whole")));
  for (int l = 0; l < whole.model.num_weighted_layers(); ++l) {
    EXPECT_THAT(resumed->model.weighted_layer(l).weight(),
                ApproxEq(whole.model.weighted_layer(l).weight(), 0.0, 0.0));
  }
  absl::StatusOr<std::string> summary =
      ReadFile(options.out_dir + "/summary.json");
  ASSERT_THAT(summary, IsOk());
  EXPECT_THAT(*summary,
              HasSubstr("\"completed\": true,\n  \"status\": \"completed\""));
  EXPECT_THAT(*summary, ::testing::Not(HasSubstr("interrupted")));
}

INSTANTIATE_TEST_SUITE_P(
    Steps, InterruptTest,
    ::testing::Values(
        InterruptCase{"mid_epoch",
                      {13},
                      "during epoch 1 (160 of 256 examples done), step 13",
                      "0"},
        InterruptCase{"after_last_step",
                      {16},
                      "during epoch 1 (256 of 256 examples done), step 16",
                      "0"},
        InterruptCase{"before_training", {0}, "before epoch 0, step 0", "-1"},
        InterruptCase{"twice",
                      {3, 21},
                      "during epoch 0 (96 of 256 examples done), step 3",
                      "-1"}),
    [](const ::testing::TestParamInfo<InterruptCase>& info) {
      return info.param.name;
    });

// The README promises a current plot during training: nfc.svg is rewritten
// after every epoch, not only at the end.
TEST(TrainerTest, RewritesNfcSvgAfterEveryEpoch) {
  ExperimentConfig config = SmallConfig();  // 4 epochs of 8 steps.
  RunOptions options;
  options.out_dir = OutDir("nfc_every_epoch");
  std::vector<std::string> plots;  // Each new nfc.svg seen during the run.
  options.interrupt_signal = [&options, &plots](int64_t) {
    absl::StatusOr<std::string> plot = ReadFile(options.out_dir + "/nfc.svg");
    if (plot.ok() && (plots.empty() || plots.back() != *plot)) {
      plots.push_back(*plot);
    }
    return 0;
  };
  ASSERT_THAT(RunExperiment(config, options), IsOk());
  // After epochs 0, 1 and 2; the last one is written after the last poll.
  EXPECT_EQ(plots.size(), 3u);
}

TEST(TrainerTest, WritesTheResolvedConfigWhichReloadsEqual) {
  const ExperimentConfig config = SmallConfig();
  ASSERT_THAT(RunInDir(config, "config"), IsOk());
  absl::StatusOr<ExperimentConfig> reloaded =
      LoadConfig(OutDir("config") + "/config.pbtxt");
  ASSERT_THAT(reloaded, IsOk());
  EXPECT_EQ(reloaded->SerializeAsString(), config.SerializeAsString());
}

TEST(TrainerTest, TrainingLossFallsOnATeacherTask) {
  ExperimentConfig config = SmallConfig();
  config.mutable_training()->set_epochs(30);
  absl::StatusOr<RunResult> result = RunInDir(config, "falls");
  ASSERT_THAT(result, IsOk());
  const double initial = result->metrics.rows().front().value;
  ASSERT_EQ(result->metrics.rows().front().measure, "train_loss");
  EXPECT_LT(result->final_train_loss, initial / 10)
      << "initial " << initial << ", final " << result->final_train_loss;
}

// One full-batch epoch without shuffling is exactly one SGD step:
// W1 = W0 - lr * dL/dW(W0) on the whole training split.
TEST(TrainerTest, OneFullBatchEpochIsOneGradientStep) {
  ExperimentConfig config = SmallConfig();
  config.mutable_training()->set_epochs(1);
  config.mutable_training()->set_batch_size(256);
  config.mutable_training()->set_shuffle(false);
  absl::StatusOr<RunResult> result = RunInDir(config, "one_step");
  ASSERT_THAT(result, IsOk());
  absl::StatusOr<DatasetSplits> data = LoadDataset(config.data());
  ASSERT_THAT(data, IsOk());

  Model at_init = result->model;
  for (int i = 0; i < at_init.num_weighted_layers(); ++i) {
    at_init.weighted_layer(i).weight() =
        at_init.weighted_layer(i).initial_weight();
  }
  ModelCache cache;
  at_init.Forward(data->train.x, &cache);
  Matrix d_output;
  MseLoss(cache.output(), data->train.y, &d_output);
  Gradients gradients;
  at_init.Backward(cache, d_output, &gradients);
  for (int i = 0; i < at_init.num_weighted_layers(); ++i) {
    SCOPED_TRACE(i);
    const Matrix expected =
        at_init.weighted_layer(i).initial_weight() - 0.2f * gradients.weight[i];
    EXPECT_THAT(result->model.weighted_layer(i).weight(),
                ApproxEq(expected, 1e-5, 1e-6));
  }
}

TEST(TrainerTest, DivergenceIsAnErrorAndKeepsTheTable) {
  ExperimentConfig config = SmallConfig();
  config.mutable_optimizer()->set_learning_rate(1e8);
  EXPECT_THAT(RunInDir(config, "diverge"),
              StatusIs(absl::StatusCode::kAborted,
                       ::testing::AllOf(HasSubstr("diverged"),
                                        HasSubstr("learning_rate"))));
  absl::StatusOr<std::string> csv =
      ReadFile(OutDir("diverge") + "/metrics.csv");
  ASSERT_THAT(csv, IsOk());
  EXPECT_THAT(*csv, HasSubstr("epoch,step,layer,measure,value\n-1,0,,"));
}

TEST(TrainerTest, WritesSummaryJsonAndNfcPlot) {
  ExperimentConfig config = SmallConfig();
  ASSERT_THAT(RunInDir(config, "reports"), IsOk());
  absl::StatusOr<std::string> summary =
      ReadFile(OutDir("reports") + "/summary.json");
  ASSERT_THAT(summary, IsOk());
  EXPECT_THAT(*summary, HasSubstr("\"completed\": true"));
  EXPECT_THAT(*summary, HasSubstr("\"epochs_done\": 4"));
  EXPECT_THAT(*summary, HasSubstr("\"steps\": 32"));
  EXPECT_THAT(*summary, HasSubstr("\"last_measurement\": {\"epoch\": 3"));
  EXPECT_THAT(*summary, HasSubstr("\"source\": \"synthetic\""));
  absl::StatusOr<std::string> plot = ReadFile(OutDir("reports") + "/nfc.svg");
  ASSERT_THAT(plot, IsOk());
  EXPECT_THAT(*plot, HasSubstr("<svg"));
  // Two hidden layers, the loss and the weight change.
  size_t panels = 0;
  for (size_t at = plot->find("class=\"panel\""); at != std::string::npos;
       at = plot->find("class=\"panel\"", at + 1)) {
    ++panels;
  }
  EXPECT_EQ(panels, 4u);
}

TEST(TrainerTest, DivergedRunSummaryRecordsTheError) {
  ExperimentConfig config = SmallConfig();
  config.mutable_optimizer()->set_learning_rate(1e8);
  EXPECT_FALSE(RunInDir(config, "diverged_summary").ok());
  absl::StatusOr<std::string> summary =
      ReadFile(OutDir("diverged_summary") + "/summary.json");
  ASSERT_THAT(summary, IsOk());
  EXPECT_THAT(*summary, HasSubstr("\"completed\": false"));
  EXPECT_THAT(*summary, HasSubstr("\"error\": \"training diverged"));
}

TEST(TrainerTest, InvalidConfigWritesNothing) {
  ExperimentConfig config = SmallConfig();
  config.mutable_model()->set_width(0);
  EXPECT_THAT(
      RunInDir(config, "invalid"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("model.width")));
  EXPECT_FALSE(Exists(OutDir("invalid")));
}

TEST(TrainerTest, CrossEntropyOnRegressionDataIsRejectedBeforeWriting) {
  ExperimentConfig config = SmallConfig();
  config.mutable_training()->set_loss(TrainingConfig::CROSS_ENTROPY);
  EXPECT_THAT(
      RunInDir(config, "ce_regression"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("CROSS_ENTROPY")));
  EXPECT_FALSE(Exists(OutDir("ce_regression")));
}

// paper.md §5.1: every lr times C/10. On CIFAR-100-shaped data (3 x 32 x 32
// inputs, 100 classes) that is x10, and the run equals one with scale 10.
TEST(TrainerTest, ScaleByClassesMultipliesEveryRateByClassesOverTen) {
  ExperimentConfig config = SmallConfig();
  config.mutable_data()->set_n_train(64);
  config.mutable_data()->set_n_test(16);
  config.mutable_data()->mutable_synthetic()->set_input_dim(3 * 32 * 32);
  config.mutable_data()->mutable_synthetic()->set_num_outputs(100);
  config.mutable_data()->mutable_synthetic()->set_classify(true);
  config.mutable_optimizer()->set_learning_rate(0.01);
  config.mutable_optimizer()->mutable_schedule()->set_initial_epochs(1);
  config.mutable_optimizer()->mutable_schedule()->set_initial_learning_rate(
      1e-4);
  config.mutable_training()->set_epochs(2);
  config.mutable_measurement()->set_measure_every(0);
  ExperimentConfig by_classes = config;
  by_classes.mutable_optimizer()->mutable_schedule()->set_scale_by_classes(
      true);
  NFALAB_ASSERT_OK_AND_ASSIGN(const RunResult scaled,
                              RunInDir(by_classes, "scale_by_classes"));
  const std::string csv = scaled.metrics.ToCsv();
  // 64 / 32 = 2 steps per epoch.
  EXPECT_THAT(csv, HasSubstr("0,2,,learning_rate,0.001\n"));
  EXPECT_THAT(csv, HasSubstr("1,4,,learning_rate,0.1\n"));
  ExperimentConfig times_ten = config;
  times_ten.mutable_optimizer()->mutable_schedule()->set_scale(10);
  NFALAB_ASSERT_OK_AND_ASSIGN(const RunResult explicit_scale,
                              RunInDir(times_ten, "scale_ten"));
  EXPECT_EQ(csv, explicit_scale.metrics.ToCsv());
  // Regression data has no classes to count.
  ExperimentConfig regression = SmallConfig();
  regression.mutable_optimizer()->mutable_schedule()->set_scale_by_classes(
      true);
  EXPECT_THAT(RunInDir(regression, "scale_by_classes_regression"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("scale_by_classes")));
  EXPECT_FALSE(Exists(OutDir("scale_by_classes_regression")));
}

TEST(TrainerTest, ClassificationRunReportsAccuracies) {
  ExperimentConfig config = SmallConfig();
  config.mutable_data()->mutable_synthetic()->set_num_outputs(3);
  config.mutable_data()->mutable_synthetic()->set_classify(true);
  config.mutable_training()->set_loss(TrainingConfig::CROSS_ENTROPY);
  config.mutable_training()->set_epochs(8);
  absl::StatusOr<RunResult> result = RunInDir(config, "classify");
  ASSERT_THAT(result, IsOk());
  double last_train_accuracy = -1;
  for (const MetricsTable::Row& row : result->metrics.rows()) {
    if (row.measure == "train_accuracy" || row.measure == "test_accuracy") {
      EXPECT_GE(row.value, 0.0);
      EXPECT_LE(row.value, 1.0);
    }
    if (row.measure == "train_accuracy") last_train_accuracy = row.value;
  }
  // Three roughly balanced classes: chance is about 1/3.
  EXPECT_GT(last_train_accuracy, 0.6);
}

// Writes 64 training and 16 test images of 2 x 8 x 8 with two regression
// targets (smooth functions of the pixels) as npy files into a directory
// and returns it.
std::string ImageDataDir() {
  static const std::string* dir = [] {
    const std::string path = ::testing::TempDir() + "/trainer_test_images";
    testing::WriteImageRegressionNpy(path, /*seed=*/17, 64, 16);
    return new std::string(path);
  }();
  return *dir;
}

// conv2d(4) relu dropout(0.25) maxpool conv2d(4) relu global_avgpool
// linear(8) relu dropout(0.5) linear, SGD with momentum, 4 steps per epoch.
ExperimentConfig ConvDropoutConfig() {
  absl::StatusOr<ExperimentConfig> config =
      ParseConfig(R"pb(
                    name: "conv_dropout"
                    seed: 3
                    data { source: "npy" n_train: 64 n_test: 16 }
                    model {
                      bias: true
                      layers { type: "conv2d" out_channels: 4 }
                      layers { type: "activation" activation: "relu" }
                      layers { type: "dropout" rate: 0.25 }
                      layers { type: "maxpool2d" }
                      layers { type: "conv2d" out_channels: 4 }
                      layers { type: "activation" activation: "relu" }
                      layers { type: "global_avgpool" }
                      layers { type: "linear" out_features: 8 }
                      layers { type: "activation" activation: "relu" }
                      layers { type: "dropout" rate: 0.5 }
                      layers { type: "linear" }
                    }
                    optimizer { learning_rate: 0.05 momentum: 0.9 }
                    training { epochs: 3 batch_size: 16 }
                    measurement { measures: "uc_nfc" early_predictor: false }
                    checkpoint_every: 1
                  )pb",
                  "conv_dropout");
  NFALAB_CHECK(config.ok()) << config.status();
  config->mutable_data()->set_path(ImageDataDir());
  return *config;
}

void ExpectSameWeights(const Model& actual, const Model& expected) {
  ASSERT_EQ(actual.num_weighted_layers(), expected.num_weighted_layers());
  for (int l = 0; l < expected.num_weighted_layers(); ++l) {
    SCOPED_TRACE(l);
    EXPECT_THAT(actual.weighted_layer(l).weight(),
                ApproxEq(expected.weighted_layer(l).weight(), 0.0, 0.0));
    EXPECT_THAT(actual.weighted_layer(l).bias(),
                ApproxEq(expected.weighted_layer(l).bias(), 0.0, 0.0));
  }
}

const RunResult& WholeConvDropoutRun() {
  static const RunResult* result = [] {
    absl::StatusOr<RunResult> run =
        RunInDir(ConvDropoutConfig(), "conv_dropout_whole");
    NFALAB_CHECK(run.ok()) << run.status();
    return new RunResult(*std::move(run));
  }();
  return *result;
}

// The dropout masks of the epochs after the checkpoint come from the saved
// generator: the resumed run ends as the uninterrupted one, to the bit.
TEST(ConvDropoutRunTest, ResumedAfterAnEpochEqualsTheUninterruptedRun) {
  const RunResult& whole = WholeConvDropoutRun();
  const ExperimentConfig config = ConvDropoutConfig();
  RunOptions options = RunAndStop(config, "conv_dropout_parts", 1);
  EXPECT_THAT(MetricsCsv(options.out_dir), ::testing::Not(HasSubstr("\n1,")));
  absl::StatusOr<RunResult> resumed = RunExperiment(config, options);
  ASSERT_THAT(resumed, IsOk());
  EXPECT_EQ(MetricsCsv(options.out_dir),
            MetricsCsv(OutDir("conv_dropout_whole")));
  ExpectSameWeights(resumed->model, whole.model);
  EXPECT_EQ(resumed->final_train_loss, whole.final_train_loss);
}

// Interrupted in the middle of epoch 1 (after step 6 of 4 per epoch).
TEST(ConvDropoutRunTest, ResumedMidEpochEqualsTheUninterruptedRun) {
  const RunResult& whole = WholeConvDropoutRun();
  const ExperimentConfig config = ConvDropoutConfig();
  RunOptions options;
  options.out_dir = OutDir("conv_dropout_mid_epoch");
  options.interrupt_signal = [](int64_t step) {
    return step >= 6 ? SIGINT : 0;
  };
  ASSERT_EQ(RunExperiment(config, options).status().code(),
            absl::StatusCode::kCancelled);
  options.interrupt_signal = nullptr;
  options.resume = true;
  absl::StatusOr<RunResult> resumed = RunExperiment(config, options);
  ASSERT_THAT(resumed, IsOk());
  EXPECT_EQ(MetricsCsv(options.out_dir),
            MetricsCsv(OutDir("conv_dropout_whole")));
  ExpectSameWeights(resumed->model, whole.model);
}

// The masks matter (rate 0 trains otherwise), and dropout layers of rate 0
// change nothing: no draw, no weight, the same streams as without them.
TEST(ConvDropoutRunTest, DropoutChangesTheRunAndRateZeroIsNoLayerAtAll) {
  const RunResult& whole = WholeConvDropoutRun();
  ExperimentConfig rate_zero = ConvDropoutConfig();
  for (LayerSpec& layer : *rate_zero.mutable_model()->mutable_layers()) {
    if (layer.type() == "dropout") layer.set_rate(0);
  }
  ExperimentConfig without = ConvDropoutConfig();
  auto* layers = without.mutable_model()->mutable_layers();
  layers->erase(std::remove_if(layers->begin(), layers->end(),
                               [](const LayerSpec& layer) {
                                 return layer.type() == "dropout";
                               }),
                layers->end());
  ASSERT_EQ(without.model().layers_size(), 9);
  absl::StatusOr<RunResult> zero = RunInDir(rate_zero, "conv_dropout_rate_0");
  absl::StatusOr<RunResult> none = RunInDir(without, "conv_dropout_none");
  ASSERT_THAT(zero, IsOk());
  ASSERT_THAT(none, IsOk());
  EXPECT_EQ(zero->metrics.ToCsv(), none->metrics.ToCsv());
  ExpectSameWeights(zero->model, none->model);
  EXPECT_NE(zero->metrics.ToCsv(), whole.metrics.ToCsv());
}

// A conv net measures its layers on images (1 and 2), not the classifier.
TEST(ConvDropoutRunTest, MeasuresTheConvLayersByDefault) {
  const RunResult& whole = WholeConvDropoutRun();
  EXPECT_EQ(RowsOf(whole.metrics, "uc_nfc"),
            (std::vector<std::pair<int, int>>{
                {0, 1}, {0, 2}, {1, 1}, {1, 2}, {2, 1}, {2, 2}}));
  ExperimentConfig config = ConvDropoutConfig();
  config.mutable_training()->set_epochs(1);
  config.mutable_measurement()->set_include_classifier(true);
  absl::StatusOr<RunResult> with_classifier =
      RunInDir(config, "conv_dropout_classifier");
  ASSERT_THAT(with_classifier, IsOk());
  EXPECT_EQ(RowsOf(with_classifier->metrics, "uc_nfc"),
            (std::vector<std::pair<int, int>>{{0, 1}, {0, 2}, {0, 3}}));
}

// SGD with momentum by hand on the training split in order (no shuffling):
// v = g on the first step (and on the first of every epoch with `reset`),
// else v = mu v + g; W -= lr v.
std::vector<Matrix> HandDrivenSgd(Model model, const Dataset& train, int epochs,
                                  int batch, float lr, float mu, bool reset) {
  std::vector<Matrix> velocity;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    if (reset) velocity.clear();
    for (int begin = 0; begin < train.size(); begin += batch) {
      const int rows = std::min(batch, train.size() - begin);
      ModelCache cache;
      model.Forward(Matrix(train.x.middleRows(begin, rows)), &cache);
      Matrix d_output;
      MseLoss(cache.output(), Matrix(train.y.middleRows(begin, rows)),
              &d_output);
      Gradients gradients;
      model.Backward(cache, d_output, &gradients);
      const bool first = velocity.empty();
      velocity.resize(model.num_weighted_layers());
      for (int l = 0; l < model.num_weighted_layers(); ++l) {
        if (first) {
          velocity[l] = gradients.weight[l];
        } else {
          velocity[l] = mu * velocity[l] + gradients.weight[l];
        }
        model.weighted_layer(l).weight() -= lr * velocity[l];
      }
    }
  }
  std::vector<Matrix> weights;
  for (int l = 0; l < model.num_weighted_layers(); ++l) {
    weights.push_back(model.weighted_layer(l).weight());
  }
  return weights;
}

// 64 examples in 2 batches per epoch, 3 epochs, momentum 0.9, no bias.
ExperimentConfig ResetConfig(bool reset) {
  ExperimentConfig config = SmallConfig();
  config.mutable_data()->set_n_train(64);
  config.mutable_data()->set_n_test(0);
  config.mutable_training()->set_epochs(3);
  config.mutable_training()->set_shuffle(false);
  config.mutable_optimizer()->set_learning_rate(0.05);
  config.mutable_optimizer()->set_momentum(0.9);
  config.mutable_optimizer()->set_reset_every_epoch(reset);
  config.mutable_measurement()->set_measure_every(0);
  return config;
}

TEST(ResetEveryEpochTest, RunsEqualAHandDrivenLoopWithAndWithoutReset) {
  absl::StatusOr<RunResult> with_reset =
      RunInDir(ResetConfig(true), "reset_on");
  absl::StatusOr<RunResult> without = RunInDir(ResetConfig(false), "reset_off");
  ASSERT_THAT(with_reset, IsOk());
  ASSERT_THAT(without, IsOk());
  absl::StatusOr<DatasetSplits> data = LoadDataset(ResetConfig(true).data());
  ASSERT_THAT(data, IsOk());
  Model at_init = with_reset->model;
  for (int l = 0; l < at_init.num_weighted_layers(); ++l) {
    ASSERT_FALSE(at_init.weighted_layer(l).has_bias());
    ASSERT_EQ(at_init.weighted_layer(l).initial_weight(),
              without->model.weighted_layer(l).initial_weight());
    at_init.weighted_layer(l).weight() =
        at_init.weighted_layer(l).initial_weight();
  }
  const std::vector<Matrix> reset_by_hand =
      HandDrivenSgd(at_init, data->train, 3, 32, 0.05f, 0.9f, true);
  const std::vector<Matrix> kept_by_hand =
      HandDrivenSgd(at_init, data->train, 3, 32, 0.05f, 0.9f, false);
  for (int l = 0; l < at_init.num_weighted_layers(); ++l) {
    SCOPED_TRACE(l);
    EXPECT_THAT(with_reset->model.weighted_layer(l).weight(),
                ApproxEq(reset_by_hand[l], 1e-5, 1e-7));
    EXPECT_THAT(without->model.weighted_layer(l).weight(),
                ApproxEq(kept_by_hand[l], 1e-5, 1e-7));
    // Far apart, next to that tolerance.
    EXPECT_GT((reset_by_hand[l] - kept_by_hand[l]).cwiseAbs().maxCoeff(), 1e-3);
  }
  EXPECT_NE(with_reset->metrics.ToCsv(), without->metrics.ToCsv());
}

// The reset comes at the start of an epoch, not when a run resumes in the
// middle of one: interrupted after the first step of epoch 1 and resumed,
// the run keeps that step's velocity and ends as the uninterrupted one.
TEST(ResetEveryEpochTest, ResumingMidEpochKeepsTheMomentum) {
  const ExperimentConfig config = ResetConfig(true);
  absl::StatusOr<RunResult> whole = RunInDir(config, "reset_whole");
  ASSERT_THAT(whole, IsOk());
  for (const int64_t at : {3, 2}) {  // Mid epoch 1; at its very start.
    SCOPED_TRACE(at);
    RunOptions options;
    options.out_dir = OutDir(absl::StrCat("reset_interrupted_", at));
    options.interrupt_signal = [at](int64_t step) {
      return step >= at ? SIGINT : 0;
    };
    ASSERT_EQ(RunExperiment(config, options).status().code(),
              absl::StatusCode::kCancelled);
    options.interrupt_signal = nullptr;
    options.resume = true;
    absl::StatusOr<RunResult> resumed = RunExperiment(config, options);
    ASSERT_THAT(resumed, IsOk());
    ExpectSameWeights(resumed->model, whole->model);
    EXPECT_EQ(MetricsCsv(options.out_dir), MetricsCsv(OutDir("reset_whole")));
  }
}

}  // namespace
}  // namespace nfalab
