#include "experiment/trainer.h"

#include <chrono>
#include <cmath>
#include <numeric>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/file_io.h"
#include "core/random.h"
#include "core/status_macros.h"
#include "datasets/dataset.h"
#include "datasets/load_dataset.h"
#include "experiment/config_io.h"
#include "experiment/measurement.h"
#include "experiment/npy_export.h"
#include "experiment/validate.h"
#include "layers/loss.h"
#include "optimizers/learning_rate_schedule.h"
#include "optimizers/optimizer.h"

namespace nfalab {
namespace {

struct Evaluation {
  double loss = 0;
  double accuracy = -1;  // -1 when the task has no labels.
};

double Loss(TrainingConfig::Loss kind, const Matrix& output,
            const Dataset& data, Matrix* d_output) {
  if (kind == TrainingConfig::CROSS_ENTROPY) {
    return SoftmaxCrossEntropyLoss(output, absl::MakeConstSpan(data.labels),
                                   d_output);
  }
  return MseLoss(output, data.y, d_output);
}

Evaluation Evaluate(const Mlp& model, const Dataset& data,
                    TrainingConfig::Loss kind) {
  Evaluation result;
  if (data.size() == 0) return result;
  const Matrix output = model.Predict(data.x);
  result.loss = Loss(kind, output, data, nullptr);
  if (data.is_classification()) {
    result.accuracy = static_cast<double>(CountCorrect(
                          output, absl::MakeConstSpan(data.labels))) /
                      data.size();
  }
  return result;
}

absl::Status CheckLossFits(const ExperimentConfig& config,
                           const DatasetSplits& data) {
  if (config.training().loss() == TrainingConfig::CROSS_ENTROPY &&
      !data.train.is_classification()) {
    return absl::InvalidArgumentError(
        "training.loss CROSS_ENTROPY needs class labels, but the data is a "
        "regression task (for synthetic data set data.synthetic.classify)");
  }
  return absl::OkStatus();
}

void RecordEvaluation(int epoch, int64_t step, const Evaluation& train,
                      const Evaluation& test, bool has_test,
                      MetricsTable* table) {
  table->Add(epoch, step, "train_loss", train.loss);
  if (train.accuracy >= 0)
    table->Add(epoch, step, "train_accuracy", train.accuracy);
  if (has_test) {
    table->Add(epoch, step, "test_loss", test.loss);
    if (test.accuracy >= 0)
      table->Add(epoch, step, "test_accuracy", test.accuracy);
  }
}

std::string FormatEvaluation(const Evaluation& train, const Evaluation& test,
                             bool has_test) {
  std::string line = absl::StrFormat("train_loss %.6g", train.loss);
  if (has_test) absl::StrAppendFormat(&line, "  test_loss %.6g", test.loss);
  if (train.accuracy >= 0) {
    absl::StrAppendFormat(&line, "  train_acc %.4f", train.accuracy);
  }
  if (has_test && test.accuracy >= 0) {
    absl::StrAppendFormat(&line, "  test_acc %.4f", test.accuracy);
  }
  return line;
}

}  // namespace

absl::StatusOr<RunResult> RunExperiment(const ExperimentConfig& config,
                                        const RunOptions& options) {
  NFALAB_RETURN_IF_ERROR(ValidateConfig(config));
  if (options.out_dir.empty()) {
    return absl::InvalidArgumentError("no output directory given (--out)");
  }
  NFALAB_ASSIGN_OR_RETURN(DatasetSplits data, LoadDataset(config.data()));
  NFALAB_RETURN_IF_ERROR(CheckLossFits(config, data));

  Rng rng(config.seed());
  Rng init_rng = rng.Fork();
  Rng order_rng = rng.Fork();
  NFALAB_ASSIGN_OR_RETURN(Mlp model,
                          Mlp::Create(config.model(), data.train.input_dim(),
                                      data.train.output_dim(), &init_rng));
  NFALAB_ASSIGN_OR_RETURN(std::unique_ptr<Optimizer> optimizer,
                          OptimizerRegistry::Global().Create(
                              config.optimizer().name(), config.optimizer()));

  NFALAB_ASSIGN_OR_RETURN(
      Measurement measurement,
      Measurement::Create(config.measurement(), model.depth(), data.train));

  // Everything the run depends on is valid: only now touch the disk.
  NFALAB_RETURN_IF_ERROR(MakeDirectories(options.out_dir));
  const std::string metrics_path = options.out_dir + "/metrics.csv";
  NFALAB_RETURN_IF_ERROR(WriteFileAtomically(options.out_dir + "/config.pbtxt",
                                             ConfigToText(config)));

  const TrainingConfig& training = config.training();
  const TrainingConfig::Loss loss_kind = training.loss();
  const bool has_test = data.test.size() > 0;
  const int n = data.train.size();
  const int epochs = training.epochs();
  std::ostream* log = options.log;

  MetricsTable table;
  double final_train_loss = 0, final_test_loss = 0;
  int64_t step = 0;
  {
    const Evaluation train = Evaluate(model, data.train, loss_kind);
    const Evaluation test = Evaluate(model, data.test, loss_kind);
    RecordEvaluation(-1, step, train, test, has_test, &table);
    if (measurement.enabled() && config.measurement().early_predictor()) {
      NFALAB_RETURN_IF_ERROR(
          measurement.RecordEarlyPredictor(model, loss_kind, &table));
    }
    if (log != nullptr) {
      *log << absl::StrFormat("%-14s %s\n", "init",
                              FormatEvaluation(train, test, has_test));
    }
  }

  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::vector<MatrixD> ptk;  // K of the measured layers, last measurement.
  int ptk_epoch = -2;
  MlpCache cache;
  Gradients gradients;
  Matrix d_output;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    const double learning_rate =
        LearningRateForEpoch(config.optimizer(), epoch);
    optimizer->set_learning_rate(learning_rate);
    if (training.shuffle()) order_rng.Shuffle(&order);
    for (int begin = 0; begin < n; begin += training.batch_size()) {
      const int end = std::min(n, begin + training.batch_size());
      const Dataset batch = SelectRows(
          data.train, absl::MakeConstSpan(order.data() + begin,
                                          static_cast<size_t>(end - begin)));
      model.Forward(batch.x, &cache);
      const double loss = Loss(loss_kind, cache.output(), batch, &d_output);
      if (!std::isfinite(loss)) {
        NFALAB_RETURN_IF_ERROR(table.WriteCsv(metrics_path));
        return absl::AbortedError(absl::StrFormat(
            "training diverged at epoch %d, step %d: the minibatch loss is "
            "%s (learning rate %g); try a smaller optimizer.learning_rate",
            epoch, step + 1, std::isnan(loss) ? "NaN" : "infinite",
            learning_rate));
      }
      model.Backward(cache, d_output, &gradients);
      NFALAB_RETURN_IF_ERROR(optimizer->Step(gradients, &model));
      ++step;
    }
    const Evaluation train = Evaluate(model, data.train, loss_kind);
    const Evaluation test = Evaluate(model, data.test, loss_kind);
    table.Add(epoch, step, "learning_rate", learning_rate);
    RecordEvaluation(epoch, step, train, test, has_test, &table);
    if (!std::isfinite(train.loss)) {
      NFALAB_RETURN_IF_ERROR(table.WriteCsv(metrics_path));
      return absl::AbortedError(absl::StrFormat(
          "training diverged in epoch %d: the training loss is %s; try a "
          "smaller optimizer.learning_rate",
          epoch, std::isnan(train.loss) ? "NaN" : "infinite"));
    }
    std::string alignment_summary;
    if (measurement.IsDue(epoch, epochs)) {
      NFALAB_ASSIGN_OR_RETURN(ptk, measurement.ComputeKernels(model));
      ptk_epoch = epoch;
      NFALAB_RETURN_IF_ERROR(measurement.Record(model, ptk, epoch, step, &table,
                                                &alignment_summary));
      if (!config.export_dir().empty() && config.export_every_measurement()) {
        NFALAB_RETURN_IF_ERROR(ExportNpy(
            absl::StrCat(config.export_dir(), "/epoch_", epoch), model,
            measurement.layers(), ptk, measurement.subset().x));
      }
    }
    NFALAB_RETURN_IF_ERROR(table.WriteCsv(metrics_path));
    final_train_loss = train.loss;
    final_test_loss = test.loss;
    if (log != nullptr) {
      const double seconds = std::chrono::duration<double>(
                                 std::chrono::steady_clock::now() - start)
                                 .count();
      *log << absl::StrFormat(
          "epoch %4d/%-4d %s  lr %g  (%.2fs)%s\n", epoch, epochs - 1,
          FormatEvaluation(train, test, has_test), learning_rate, seconds,
          alignment_summary.empty() ? "" : "  " + alignment_summary);
      log->flush();
    }
  }
  if (!config.export_dir().empty()) {
    if (ptk_epoch != epochs - 1) {
      NFALAB_ASSIGN_OR_RETURN(ptk, measurement.ComputeKernels(model));
    }
    NFALAB_RETURN_IF_ERROR(ExportNpy(config.export_dir(), model,
                                     measurement.layers(), ptk,
                                     measurement.subset().x));
  }
  return RunResult{std::move(table), std::move(model), final_train_loss,
                   final_test_loss};
}

}  // namespace nfalab
