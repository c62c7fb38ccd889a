// training.precision FLOAT64: a run computes in double end to end (checked
// against a hand-written double SGD step), agrees with its FLOAT32 twin to
// float tolerance, resumes exactly from a double checkpoint, and is refused
// up front when the optimizer has no float64 step or export_dir is set.
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/check.h"
#include "core/file_io.h"
#include "datasets/load_dataset.h"
#include "experiment/checkpoint.h"
#include "experiment/config_io.h"
#include "experiment/trainer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "layers/sequential.h"
#include "optimizers/optimizer.h"
#include "tests/experiment/small_run.h"
#include "tests/matrix_matchers.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ApproxEq;
using ::nfalab::testing::IsOk;
using ::nfalab::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

// Knows only the float step, as a plugin written before FLOAT64.
class FloatOnlyOptimizer : public Optimizer {
 public:
  static absl::StatusOr<std::unique_ptr<Optimizer>> Create(
      const OptimizerConfig& config) {
    return std::unique_ptr<Optimizer>(
        new FloatOnlyOptimizer(config.learning_rate()));
  }
  absl::Status Step(const Gradients&,
                    const std::vector<ParameterBlock>&) override {
    return absl::OkStatus();
  }

 private:
  explicit FloatOnlyOptimizer(double learning_rate)
      : Optimizer(learning_rate) {}
};
NFALAB_REGISTER_OPTIMIZER("float_only_for_test", FloatOnlyOptimizer::Create,
                          "a float-only optimizer (precision_test)");

ExperimentConfig Config(const std::string& text) {
  absl::StatusOr<ExperimentConfig> config = ParseConfig(text, "test");
  NFALAB_CHECK(config.ok()) << config.status();
  return *config;
}

// The trainer tests' small regression run with momentum, measured every
// epoch, in FLOAT64.
ExperimentConfig SmallFloat64Config() {
  ExperimentConfig config = testing::SmallRunConfig();
  config.mutable_optimizer()->set_momentum(0.9);
  config.mutable_training()->set_precision(TrainingConfig::FLOAT64);
  config.mutable_measurement()->set_measure_every(1);
  return config;
}

std::string OutDir(const std::string& name) {
  return ::testing::TempDir() + "/precision_test_" + name;
}

absl::StatusOr<RunResult> RunInDir(const ExperimentConfig& config,
                                   const std::string& name) {
  RunOptions options;
  options.out_dir = OutDir(name);
  options.overwrite = true;
  return RunExperiment(config, options);
}

std::string MetricsCsv(const std::string& dir) {
  absl::StatusOr<std::string> csv = ReadFile(dir + "/metrics.csv");
  EXPECT_THAT(csv, IsOk());
  return csv.value_or("");
}

// The value of `measure` at `epoch` for `layer`; NaN if absent.
double Value(const MetricsTable& table, int epoch, int layer,
             const std::string& measure) {
  for (const MetricsTable::Row& row : table.rows()) {
    if (row.epoch == epoch && row.layer == layer && row.measure == measure) {
      return row.value;
    }
  }
  return std::nan("");
}

// One full-batch step of plain SGD on the MSE of f(x) = W2 relu(W1 x) (no
// bias), written out with loops in double:
//   dL/df_ic = 2 (f_ic - y_ic) / (n C),
//   G2 = sum_i dL/df_i a_i^T,  a_i = relu(W1 x_i),
//   G1 = sum_i (W2^T dL/df_i . 1[W1 x_i > 0]) x_i^T,
//   W <- W - lr G.
void NaiveSgdStep(const MatrixD& x, const MatrixD& y, double lr, MatrixD* w1,
                  MatrixD* w2) {
  const int n = x.rows(), d = x.cols(), k = w1->rows(), c = w2->rows();
  MatrixD g1 = MatrixD::Zero(k, d), g2 = MatrixD::Zero(c, k);
  for (int i = 0; i < n; ++i) {
    std::vector<double> h(k), a(k), df(c), da(k, 0.0);
    for (int j = 0; j < k; ++j) {
      h[j] = 0;
      for (int p = 0; p < d; ++p) h[j] += (*w1)(j, p) * x(i, p);
      a[j] = std::max(h[j], 0.0);
    }
    for (int o = 0; o < c; ++o) {
      double f = 0;
      for (int j = 0; j < k; ++j) f += (*w2)(o, j) * a[j];
      df[o] = 2.0 * (f - y(i, o)) / (static_cast<double>(n) * c);
      for (int j = 0; j < k; ++j) {
        g2(o, j) += df[o] * a[j];
        da[j] += (*w2)(o, j) * df[o];
      }
    }
    for (int j = 0; j < k; ++j) {
      const double dh = h[j] > 0 ? da[j] : 0.0;
      for (int p = 0; p < d; ++p) g1(j, p) += dh * x(i, p);
    }
  }
  *w1 -= lr * g1;
  *w2 -= lr * g2;
}

TEST(PrecisionTest, Float64StepMatchesNaiveDoubleComputation) {
  const ExperimentConfig config = Config(R"pb(
    name: "naive"
    seed: 3
    data {
      source: "synthetic"
      n_train: 40
      n_test: 0
      synthetic { input_dim: 5 teacher_width: 7 }
    }
    model { depth: 1 width: 6 }
    optimizer { learning_rate: 0.3 }
    training { epochs: 1 batch_size: 40 shuffle: false precision: FLOAT64 }
    measurement { measure_every: 0 }
  )pb");
  absl::StatusOr<RunResult> run = RunInDir(config, "naive");
  ASSERT_THAT(run, IsOk());
  ASSERT_TRUE(run->model_f64.has_value());
  const ModelD& trained = *run->model_f64;
  ASSERT_EQ(trained.num_weighted_layers(), 2);

  absl::StatusOr<DatasetSplits> data = LoadDataset(config.data());
  ASSERT_THAT(data, IsOk());
  MatrixD w1 = trained.weighted_layer(0).initial_weight();
  MatrixD w2 = trained.weighted_layer(1).initial_weight();
  NaiveSgdStep(data->train.x.cast<double>(), data->train.y.cast<double>(), 0.3,
               &w1, &w2);
  // Float arithmetic anywhere would be off by ~1e-8.
  EXPECT_THAT(trained.weighted_layer(0).weight(), ApproxEq(w1, 1e-12, 1e-14));
  EXPECT_THAT(trained.weighted_layer(1).weight(), ApproxEq(w2, 1e-12, 1e-14));
  // The step moved the weights by far more than the tolerance.
  EXPECT_GT((w1 - trained.weighted_layer(0).initial_weight()).norm(), 1e-4);
}

TEST(PrecisionTest, Float64AndFloat32AgreeToFloatTolerance) {
  const ExperimentConfig f64 = SmallFloat64Config();
  ExperimentConfig f32 = f64;
  f32.mutable_training()->set_precision(TrainingConfig::FLOAT32);
  absl::StatusOr<RunResult> a = RunInDir(f64, "agree_f64");
  absl::StatusOr<RunResult> b = RunInDir(f32, "agree_f32");
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  ASSERT_TRUE(a->model_f64.has_value());
  EXPECT_FALSE(b->model_f64.has_value());

  bool differs = false;
  for (int l = 0; l < b->model.num_weighted_layers(); ++l) {
    const MatrixD& w64 = a->model_f64->weighted_layer(l).weight();
    const MatrixD w32 = b->model.weighted_layer(l).weight().cast<double>();
    // The same W0: drawn in float in both precisions.
    EXPECT_THAT(
        a->model_f64->weighted_layer(l).initial_weight(),
        ApproxEq(
            MatrixD(b->model.weighted_layer(l).initial_weight().cast<double>()),
            0.0, 0.0));
    EXPECT_LT((w64 - w32).norm(), 1e-4 * w64.norm()) << "layer " << l + 1;
    differs |= (w64 - w32).cwiseAbs().maxCoeff() > 0;
    // RunResult::model is the float rounding of the double model.
    EXPECT_THAT(a->model.weighted_layer(l).weight(),
                ApproxEq(Matrix(w64.cast<float>()), 0.0, 0.0));
  }
  // Float and double arithmetic round differently after 32 steps.
  EXPECT_TRUE(differs);
  EXPECT_NEAR(a->final_train_loss, b->final_train_loss,
              1e-4 * b->final_train_loss);
  for (int layer = 1; layer <= 2; ++layer) {
    for (const char* measure : {"uc_nfc", "c_nfc"}) {
      EXPECT_NEAR(Value(a->metrics, 3, layer, measure),
                  Value(b->metrics, 3, layer, measure), 1e-3)
          << measure << " layer " << layer;
    }
  }
}

TEST(PrecisionTest, Float64ResumesExactlyFromDoubleCheckpoint) {
  const ExperimentConfig config = SmallFloat64Config();
  absl::StatusOr<RunResult> whole = RunInDir(config, "resume_whole");
  ASSERT_THAT(whole, IsOk());

  ExperimentConfig stopped = config;
  stopped.set_checkpoint_every(1);
  RunOptions options;
  options.out_dir = OutDir("resume_parts");
  options.overwrite = true;
  options.stop_after_epochs = 2;
  ASSERT_THAT(RunExperiment(stopped, options), IsOk());

  absl::StatusOr<Checkpoint> checkpoint =
      ReadCheckpoint(options.out_dir + "/" + kCheckpointFile);
  ASSERT_THAT(checkpoint, IsOk());
  EXPECT_GT(checkpoint->weights(0).values_f64_size(), 0);
  EXPECT_EQ(checkpoint->weights(0).values_size(), 0);
  // Momentum 0.9: the velocities are saved, in double.
  ASSERT_GT(checkpoint->optimizer().tensors_size(), 0);
  EXPECT_GT(checkpoint->optimizer().tensors(0).tensor().values_f64_size(), 0);

  options.overwrite = false;
  options.stop_after_epochs = 0;
  options.resume = true;
  absl::StatusOr<RunResult> resumed = RunExperiment(stopped, options);
  ASSERT_THAT(resumed, IsOk());
  EXPECT_EQ(MetricsCsv(options.out_dir), MetricsCsv(OutDir("resume_whole")));
  for (int l = 0; l < whole->model_f64->num_weighted_layers(); ++l) {
    EXPECT_THAT(
        resumed->model_f64->weighted_layer(l).weight(),
        ApproxEq(whole->model_f64->weighted_layer(l).weight(), 0.0, 0.0));
  }
}

TEST(PrecisionTest, ResumeInAnotherPrecisionIsRefused) {
  ExperimentConfig config = SmallFloat64Config();
  config.set_checkpoint_every(1);
  RunOptions options;
  options.out_dir = OutDir("resume_other");
  options.overwrite = true;
  options.stop_after_epochs = 1;
  ASSERT_THAT(RunExperiment(config, options), IsOk());
  config.mutable_training()->set_precision(TrainingConfig::FLOAT32);
  options.overwrite = false;
  options.stop_after_epochs = 0;
  options.resume = true;
  EXPECT_THAT(RunExperiment(config, options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("training.precision is FLOAT32"),
                             HasSubstr("trained in FLOAT64"))));
}

TEST(PrecisionTest, OptimizerWithoutFloat64StepIsRefusedBeforeTheRun) {
  ExperimentConfig config = SmallFloat64Config();
  config.mutable_optimizer()->set_name("float_only_for_test");
  config.mutable_optimizer()->set_momentum(0);
  RunOptions options;
  options.out_dir = OutDir("float_only");
  EXPECT_THAT(
      RunExperiment(config, options),
      StatusIs(
          absl::StatusCode::kInvalidArgument,
          AllOf(HasSubstr("training.precision is FLOAT64"),
                HasSubstr("\"float_only_for_test\" has no float64 step"))));
  struct stat info;
  EXPECT_NE(stat(options.out_dir.c_str(), &info), 0) << "nothing is written";

  // In FLOAT32 it runs.
  config.mutable_training()->set_precision(TrainingConfig::FLOAT32);
  EXPECT_THAT(RunExperiment(config, options), IsOk());
}

TEST(PrecisionTest, DefaultDoubleStepSaysItIsUnimplemented) {
  OptimizerConfig config;
  config.set_learning_rate(0.1);
  absl::StatusOr<std::unique_ptr<Optimizer>> optimizer =
      FloatOnlyOptimizer::Create(config);
  ASSERT_THAT(optimizer, IsOk());
  EXPECT_FALSE((*optimizer)->SupportsFloat64());
  EXPECT_THAT(
      (*optimizer)->Step(GradientsD(), std::vector<ParameterBlockD>()),
      StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("no float64 step")));
}

TEST(PrecisionTest, ExportDirIsRefusedInFloat64) {
  ExperimentConfig config = SmallFloat64Config();
  config.set_export_dir(OutDir("export_npy"));
  EXPECT_THAT(RunInDir(config, "export"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("training.precision is FLOAT64"),
                             HasSubstr("export_dir"))));
}

}  // namespace
}  // namespace nfalab
