#include "experiment/trainer.h"

#include <chrono>
#include <cmath>
#include <numeric>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/file_io.h"
#include "core/parallel.h"
#include "core/random.h"
#include "core/status_macros.h"
#include "datasets/dataset.h"
#include "datasets/load_dataset.h"
#include "experiment/checkpoint.h"
#include "experiment/config_io.h"
#include "experiment/interrupt.h"
#include "experiment/measurement.h"
#include "experiment/memory_estimate.h"
#include "experiment/npy_export.h"
#include "experiment/progress.h"
#include "experiment/run_directory.h"
#include "experiment/validate.h"
#include "layers/loss.h"
#include "metrics/correlation.h"
#include "metrics/early_closed_form.h"
#include "optimizers/learning_rate_schedule.h"
#include "optimizers/optimizer.h"
#include "report/nfc_figure.h"
#include "report/summary.h"

namespace nfalab {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Evaluation {
  double loss = 0;
  double accuracy = -1;  // -1 when the task has no labels.
};

template <typename Scalar>
double Loss(TrainingConfig::Loss kind, const MatrixT<Scalar>& output,
            const BasicDataset<Scalar>& data, MatrixT<Scalar>* d_output) {
  if (kind == TrainingConfig::CROSS_ENTROPY) {
    return SoftmaxCrossEntropyLoss(output, absl::MakeConstSpan(data.labels),
                                   d_output);
  }
  return MseLoss(output, data.y, d_output);
}

template <typename Scalar>
Evaluation Evaluate(const BasicSequential<Scalar>& model,
                    const BasicDataset<Scalar>& data,
                    TrainingConfig::Loss kind) {
  Evaluation result;
  if (data.size() == 0) return result;
  const MatrixT<Scalar> output = model.Predict(data.x);
  result.loss = Loss<Scalar>(kind, output, data, nullptr);
  if (data.is_classification()) {
    result.accuracy = static_cast<double>(CountCorrect(
                          output, absl::MakeConstSpan(data.labels))) /
                      data.size();
  }
  return result;
}

absl::Status CheckConfigFitsData(const ExperimentConfig& config,
                                 const DatasetSplits& data) {
  if (config.training().loss() == TrainingConfig::CROSS_ENTROPY &&
      !data.train.is_classification()) {
    return absl::InvalidArgumentError(
        "training.loss CROSS_ENTROPY needs class labels, but the data is a "
        "regression task (for synthetic data set data.synthetic.classify)");
  }
  if (config.optimizer().schedule().scale_by_classes() &&
      !data.train.is_classification()) {
    return absl::InvalidArgumentError(
        "optimizer.schedule.scale_by_classes multiplies the learning rate by "
        "C/10 for C classes, but the data is a regression task (use "
        "optimizer.schedule.scale instead)");
  }
  return absl::OkStatus();
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

absl::Status DivergedError(int epoch, int64_t step, double loss,
                           double learning_rate) {
  return absl::AbortedError(absl::StrFormat(
      "training diverged at epoch %d, step %d: the loss is %s (learning "
      "rate %g); try a smaller optimizer.learning_rate",
      epoch, step, std::isnan(loss) ? "NaN" : "infinite", learning_rate));
}

// The splits in a run's scalar type, and where they came from.
template <typename Scalar>
struct Splits {
  BasicDataset<Scalar> train;
  BasicDataset<Scalar> test;
  DataProvenance provenance;
};

// `data` in the run's scalar type: for double, cast once (the float copy of
// the training split is freed before the test split is cast).
template <typename Scalar>
Splits<Scalar> InPrecision(DatasetSplits data) {
  if constexpr (std::is_same_v<Scalar, float>) {
    return {std::move(data.train), std::move(data.test),
            std::move(data.provenance)};
  } else {
    Splits<Scalar> splits;
    splits.train = data.train.template Cast<Scalar>();
    data.train = Dataset();
    splits.test = data.test.template Cast<Scalar>();
    splits.provenance = std::move(data.provenance);
    return splits;
  }
}

// One training run in float or double (training.precision): its data,
// model, optimizer, measurement and loop state.
template <typename Scalar>
class Run {
 public:
  Run(const ExperimentConfig& config, const RunOptions& options,
      Splits<Scalar> data, BasicSequential<Scalar> model,
      std::unique_ptr<Optimizer> optimizer,
      BasicMeasurement<Scalar> measurement)
      : config_(config),
        options_(options),
        data_(std::move(data)),
        model_(std::move(model)),
        parameters_(model_.ParameterBlocks()),
        optimizer_(std::move(optimizer)),
        measurement_(std::move(measurement)),
        progress_(options.log, options.interactive) {}

  LoopState& state() { return state_; }

  absl::Status RestoreFrom(const Checkpoint& checkpoint) {
    NFALAB_RETURN_IF_ERROR(
        RestoreCheckpoint(checkpoint, &model_, optimizer_.get(), &state_));
    if (static_cast<int>(state_.order.size()) != data_.train.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the checkpoint's example order has ", state_.order.size(),
          " entries but the training split has ", data_.train.size()));
    }
    for (const MetricsTable::Row& row : state_.table.rows()) {
      if (row.layer != 0) continue;
      if (row.measure == "train_loss") final_train_loss_ = row.value;
      if (row.measure == "test_loss") final_test_loss_ = row.value;
    }
    return absl::OkStatus();
  }

  // The epoch -1 rows: losses (and the early predictor) at initialisation.
  absl::Status RecordInitialState() {
    const Evaluation train = Evaluate(model_, data_.train, loss_kind());
    const Evaluation test = Evaluate(model_, data_.test, loss_kind());
    RecordEvaluation(-1, train, test);
    if (measurement_.enabled() && measurement_.NeedsInitialKernels()) {
      NFALAB_ASSIGN_OR_RETURN(state_.initial_ptks,
                              measurement_.ComputeKernels(model_));
    }
    if (measurement_.enabled() && config_.measurement().early_predictor()) {
      NFALAB_RETURN_IF_ERROR(measurement_.RecordEarlyPredictor(
          model_, data_.train, loss_kind(), &state_.table));
      LogWarnings();
    }
    if (config_.measurement().closed_form_predictor()) {
      RecordClosedFormPredictor();
    }
    Log(absl::StrFormat("%-14s %s\n", "init",
                        FormatEvaluation(train, test, has_test())));
    return absl::OkStatus();
  }

  // closed_form_c_nfc{,_cos} at epoch -1, layer 1, from the training data
  // (ValidateConfig has checked that the model is a bias-free ReLU MLP).
  void RecordClosedFormPredictor() {
    const MatrixD x = data_.train.x.template cast<double>();
    const MatrixD y = data_.train.y.template cast<double>();
    const ReluKernelLinearization kernel =
        LinearizeReluPtkKernel(config_.model().depth());
    for (Correlation kind : {Correlation::kPearson, Correlation::kCosine}) {
      state_.table.AddForLayer(
          -1, 0, 1, absl::StrCat("closed_form_c_nfc", CorrelationSuffix(kind)),
          ClosedFormEarlyCNfc(x, y, kernel, kind));
    }
  }

  // Trains up to `end_epoch`; whatever happens, summary.json and nfc.svg
  // describe the run as far as it got.
  absl::Status Train(int end_epoch) {
    const absl::Status status = TrainEpochs(end_epoch);
    const absl::Status reports = WriteReports(
        status.ok() || interrupted_by_ != 0 ? ""
                                            : std::string(status.message()));
    return status.ok() ? reports : status;
  }

 private:
  // Epochs state_.epochs_done .. end-1, then the final exports.
  absl::Status TrainEpochs(int end_epoch) {
    const int epochs = config_.training().epochs();
    while (state_.epochs_done < end_epoch) {
      const Clock::time_point start = Clock::now();
      if (InterruptRequested()) return Interrupt(start);
      const int epoch = state_.epochs_done;
      NFALAB_RETURN_IF_ERROR(TrainEpoch(epoch));
      if (interrupted_by_ != 0) return Interrupt(start);
      const Evaluation train = Evaluate(model_, data_.train, loss_kind());
      const Evaluation test = Evaluate(model_, data_.test, loss_kind());
      state_.table.Add(epoch, state_.step, "learning_rate", learning_rate_);
      RecordEvaluation(epoch, train, test);
      if (!std::isfinite(train.loss)) {
        NFALAB_RETURN_IF_ERROR(state_.table.WriteCsv(metrics_path()));
        return DivergedError(epoch, state_.step, train.loss, learning_rate_);
      }
      const double train_seconds = SecondsSince(start);
      std::string alignment;
      if (measurement_.IsDue(epoch, epochs)) {
        NFALAB_RETURN_IF_ERROR(Measure(epoch, &alignment));
      }
      state_.epochs_done = epoch + 1;
      state_.elapsed_seconds += SecondsSince(start);
      NFALAB_RETURN_IF_ERROR(state_.table.WriteCsv(metrics_path()));
      NFALAB_RETURN_IF_ERROR(WriteNfcFigure());
      NFALAB_RETURN_IF_ERROR(MaybeCheckpoint(epochs));
      final_train_loss_ = train.loss;
      final_test_loss_ = test.loss;
      Log(absl::StrFormat(
          "epoch %4d/%-4d %s  lr %g  (%.2fs%s)%s\n", epoch, epochs - 1,
          FormatEvaluation(train, test, has_test()), learning_rate_,
          train_seconds,
          alignment.empty()
              ? ""
              : absl::StrFormat(" + %.2fs measuring",
                                SecondsSince(start) - train_seconds),
          alignment.empty() ? "" : "  " + alignment));
    }
    if (state_.epochs_done == epochs && !config_.export_dir().empty()) {
      if (ptk_epoch_ != epochs - 1) {
        NFALAB_ASSIGN_OR_RETURN(ptk_, measurement_.ComputeKernels(model_));
      }
      NFALAB_RETURN_IF_ERROR(Export(config_.export_dir(), epochs - 1));
    }
    return absl::OkStatus();
  }

  // Stopped by a signal after the current step: saves everything a resume
  // needs (the position inside the epoch too), whatever checkpoint_every.
  absl::Status Interrupt(Clock::time_point epoch_start) {
    progress_.Clear();
    state_.elapsed_seconds += SecondsSince(epoch_start);
    NFALAB_RETURN_IF_ERROR(state_.table.WriteCsv(metrics_path()));
    NFALAB_RETURN_IF_ERROR(SaveCheckpoint());
    const std::string where =
        state_.epoch_position >= 0
            ? absl::StrFormat("during epoch %d (%d of %d examples done)",
                              state_.epochs_done, state_.epoch_position,
                              data_.train.size())
            : absl::StrFormat("before epoch %d", state_.epochs_done);
    return absl::CancelledError(absl::StrFormat(
        "interrupted by %s %s, step %d; its state is saved in %s/%s",
        SignalName(interrupted_by_), where, state_.step, options_.out_dir,
        kCheckpointFile));
  }

  // Polls RunOptions::interrupt_signal; remembers the signal.
  bool InterruptRequested() {
    if (interrupted_by_ == 0 && options_.interrupt_signal) {
      interrupted_by_ = options_.interrupt_signal(state_.step);
    }
    return interrupted_by_ != 0;
  }

  absl::Status WriteNfcFigure() {
    return WriteFileAtomically(options_.out_dir + "/nfc.svg",
                               RenderNfcFigure(state_.table, config_.name()));
  }

  absl::Status WriteReports(const std::string& error) {
    SummaryInputs inputs;
    inputs.name = config_.name();
    inputs.seed = config_.seed();
    inputs.planned_epochs = config_.training().epochs();
    inputs.data = &data_.provenance;
    inputs.table = &state_.table;
    inputs.epochs_done = state_.epochs_done;
    inputs.steps = state_.step;
    inputs.wall_clock_seconds = state_.elapsed_seconds;
    inputs.git_commit = git_commit_;
    inputs.error = error;
    if (interrupted_by_ != 0)
      inputs.interrupted_by = SignalName(interrupted_by_);
    inputs.warnings = measurement_.warnings();
    NFALAB_RETURN_IF_ERROR(WriteFileAtomically(
        options_.out_dir + "/summary.json", SummaryJson(inputs)));
    return WriteNfcFigure();
  }

 public:
  RunResult Result() && {
    if constexpr (std::is_same_v<Scalar, float>) {
      return RunResult{std::move(state_.table), std::move(model_),
                       final_train_loss_, final_test_loss_};
    } else {
      RunResult result{std::move(state_.table), model_.template Cast<float>(),
                       final_train_loss_, final_test_loss_};
      result.model_f64 = std::move(model_);
      return result;
    }
  }

 private:
  TrainingConfig::Loss loss_kind() const { return config_.training().loss(); }
  bool has_test() const { return data_.test.size() > 0; }
  std::string metrics_path() const { return options_.out_dir + "/metrics.csv"; }

  void Log(const std::string& line) {
    if (options_.log == nullptr) return;
    progress_.Clear();
    *options_.log << line;
    options_.log->flush();
  }

  // NaN or infinite measures (experiment/measurement.h).
  void LogWarnings() {
    for (const std::string& warning : measurement_.TakeNewWarnings()) {
      Log(absl::StrCat("warning: ", warning, "\n"));
    }
  }

  void RecordEvaluation(int epoch, const Evaluation& train,
                        const Evaluation& test) {
    MetricsTable& table = state_.table;
    table.Add(epoch, state_.step, "train_loss", train.loss);
    if (train.accuracy >= 0) {
      table.Add(epoch, state_.step, "train_accuracy", train.accuracy);
    }
    if (has_test()) {
      table.Add(epoch, state_.step, "test_loss", test.loss);
      if (test.accuracy >= 0) {
        table.Add(epoch, state_.step, "test_accuracy", test.accuracy);
      }
    }
  }

  absl::Status TrainEpoch(int epoch) {
    const TrainingConfig& training = config_.training();
    // A resumed interrupted epoch continues where it stopped, in its order
    // and with its optimizer state.
    if (state_.epoch_position < 0) {
      if (training.shuffle()) state_.order_rng.Shuffle(&state_.order);
      state_.epoch_position = 0;
      if (config_.optimizer().reset_every_epoch() && epoch > 0) {
        NFALAB_ASSIGN_OR_RETURN(optimizer_,
                                CreateOptimizer(config_.optimizer()));
      }
    }
    learning_rate_ = LearningRateForEpoch(config_.optimizer(), epoch,
                                          data_.train.num_classes);
    optimizer_->set_learning_rate(learning_rate_);
    const int n = data_.train.size();
    // A model whose layers run their own workers trains on a
    // single-threaded BLAS: OpenBLAS's idle threads would otherwise spin
    // on the cores those workers need (benchmarks/README.md).
    ScopedSingleThreadedBlas single_threaded_blas(model_.uses_worker_threads());
    progress_.Start(absl::StrCat("epoch ", epoch), n, "samples");
    for (int begin = state_.epoch_position; begin < n;
         begin += training.batch_size()) {
      const int end = std::min(n, begin + training.batch_size());
      const BasicDataset<Scalar> batch = SelectRows(
          data_.train, absl::MakeConstSpan(state_.order.data() + begin,
                                           static_cast<size_t>(end - begin)));
      model_.ForwardTraining(batch.x, &cache_, &state_.training_rng);
      const double loss = Loss(loss_kind(), cache_.output(), batch, &d_output_);
      if (!std::isfinite(loss)) {
        progress_.Clear();
        NFALAB_RETURN_IF_ERROR(state_.table.WriteCsv(metrics_path()));
        return DivergedError(epoch, state_.step + 1, loss, learning_rate_);
      }
      model_.Backward(cache_, d_output_, &gradients_);
      NFALAB_RETURN_IF_ERROR(optimizer_->Step(gradients_, parameters_));
      ++state_.step;
      state_.epoch_position = end;
      progress_.Update(end);
      if (InterruptRequested()) return absl::OkStatus();
    }
    state_.epoch_position = -1;
    progress_.Clear();
    return absl::OkStatus();
  }

  absl::Status Measure(int epoch, std::string* summary) {
    if (options_.interactive && options_.log != nullptr) {
      *options_.log << "\r  measuring K on " << measurement_.subset().size()
                    << " samples..." << std::flush;
    }
    NFALAB_ASSIGN_OR_RETURN(ptk_, measurement_.ComputeKernels(model_));
    ptk_epoch_ = epoch;
    NFALAB_RETURN_IF_ERROR(measurement_.Record(model_, ptk_, epoch, state_.step,
                                               &state_.table, summary,
                                               &state_.initial_ptks));
    progress_.Clear();
    LogWarnings();
    if (!config_.export_dir().empty() && config_.export_every_measurement()) {
      NFALAB_RETURN_IF_ERROR(
          Export(absl::StrCat(config_.export_dir(), "/epoch_", epoch), epoch));
    }
    return absl::OkStatus();
  }

  // ExportNpy of the last K. ValidateConfig refuses export_dir in a FLOAT64
  // run: the .npy files hold float32 weights.
  absl::Status Export(const std::string& dir, int epoch) {
    if constexpr (std::is_same_v<Scalar, float>) {
      return ExportNpy(dir, model_, measurement_.layers(), ptk_,
                       measurement_.subset().x, {epoch, state_.step});
    } else {
      return absl::InternalError(
          "export_dir is not supported with training.precision FLOAT64");
    }
  }

  absl::Status MaybeCheckpoint(int epochs) {
    const int every = config_.checkpoint_every();
    if (every <= 0) return absl::OkStatus();
    if (state_.epochs_done % every != 0 && state_.epochs_done != epochs) {
      return absl::OkStatus();
    }
    return SaveCheckpoint();
  }

  absl::Status SaveCheckpoint() {
    return WriteCheckpoint(absl::StrCat(options_.out_dir, "/", kCheckpointFile),
                           config_, model_, *optimizer_, state_);
  }

  const ExperimentConfig& config_;
  const RunOptions& options_;
  Splits<Scalar> data_;
  BasicSequential<Scalar> model_;
  // Point into model_'s layers, which stay put when model_ moves.
  std::vector<BasicParameterBlock<Scalar>> parameters_;
  std::unique_ptr<Optimizer> optimizer_;
  BasicMeasurement<Scalar> measurement_;
  ProgressLine progress_;
  LoopState state_;
  double learning_rate_ = 0;
  double final_train_loss_ = 0, final_test_loss_ = 0;
  std::vector<MatrixD> ptk_;  // K of the measured layers, last measurement.
  int ptk_epoch_ = -2;
  int interrupted_by_ = 0;  // The signal that stopped the run, if any.
  const std::string git_commit_ = DetectGitCommit();
  BasicModelCache<Scalar> cache_;
  BasicGradients<Scalar> gradients_;
  MatrixT<Scalar> d_output_;
};

// `model` (drawn in float) in the run's scalar type.
template <typename Scalar>
BasicSequential<Scalar> InPrecision(Model model) {
  if constexpr (std::is_same_v<Scalar, float>) {
    return model;
  } else {
    return model.template Cast<Scalar>();
  }
}

// RunExperiment once the data is loaded, in the run's scalar type.
template <typename Scalar>
absl::StatusOr<RunResult> RunInPrecision(
    const ExperimentConfig& config, const RunOptions& options,
    DatasetSplits loaded, const absl::StatusOr<Checkpoint>& checkpoint) {
  Rng rng(config.seed());
  Rng init_rng = rng.Fork();
  Rng order_rng = rng.Fork();
  // Forked after the others, so runs without dropout keep their streams.
  Rng training_rng = rng.Fork();
  // Drawn in float in either precision: a FLOAT64 run starts where its
  // FLOAT32 twin does.
  NFALAB_ASSIGN_OR_RETURN(
      Model drawn, Model::Create(config.model(), loaded.train.sample_shape(),
                                 loaded.train.output_dim(), &init_rng));
  BasicSequential<Scalar> model = InPrecision<Scalar>(std::move(drawn));
  Splits<Scalar> data = InPrecision<Scalar>(std::move(loaded));
  // measurement.layers were checked against model.depth; a layer list
  // fixes the number of weighted layers only now.
  NFALAB_RETURN_IF_ERROR(
      CheckLayerNumbers(config, model.num_weighted_layers()));
  NFALAB_ASSIGN_OR_RETURN(std::unique_ptr<Optimizer> optimizer,
                          CreateOptimizer(config.optimizer()));
  NFALAB_ASSIGN_OR_RETURN(BasicMeasurement<Scalar> measurement,
                          BasicMeasurement<Scalar>::Create(
                              config.measurement(), model.num_weighted_layers(),
                              data.train, ImageInputLayers(model)));
  const int n = data.train.size();
  Run<Scalar> run(config, options, std::move(data), std::move(model),
                  std::move(optimizer), std::move(measurement));

  // A checkpoint of nfalab before 0.11.0 has no training generator.
  run.state().training_rng = training_rng;
  if (options.resume) {
    // RestoreCheckpoint needs the model and optimizer inside `run`.
    NFALAB_RETURN_IF_ERROR(
        AnnotateStatus(run.RestoreFrom(*checkpoint),
                       absl::StrCat("resuming ", options.out_dir)));
  } else {
    run.state().order_rng = order_rng;
    run.state().order.resize(n);
    std::iota(run.state().order.begin(), run.state().order.end(), 0);
  }

  // Everything the run depends on is valid: only now touch the disk.
  if (options.overwrite) {
    NFALAB_RETURN_IF_ERROR(EmptyRunDirectory(options.out_dir));
  }
  NFALAB_RETURN_IF_ERROR(MakeDirectories(options.out_dir));
  NFALAB_ASSIGN_OR_RETURN(const int stale,
                          RemoveStaleTemporaryFiles(options.out_dir));
  if (stale > 0 && options.log != nullptr) {
    *options.log << "removed " << stale << " stale temporary file"
                 << (stale == 1 ? "" : "s") << " of an earlier crashed write"
                 << " from " << options.out_dir << "\n";
  }
  NFALAB_RETURN_IF_ERROR(WriteFileAtomically(options.out_dir + "/config.pbtxt",
                                             ConfigToText(config)));
  if (!options.resume) NFALAB_RETURN_IF_ERROR(run.RecordInitialState());
  const int epochs = config.training().epochs();
  const int end_epoch = options.stop_after_epochs > 0
                            ? std::min(epochs, options.stop_after_epochs)
                            : epochs;
  NFALAB_RETURN_IF_ERROR(run.Train(end_epoch));
  return std::move(run).Result();
}

}  // namespace

absl::StatusOr<ExperimentConfig> LoadResumeConfig(const std::string& dir) {
  NFALAB_ASSIGN_OR_RETURN(
      Checkpoint checkpoint,
      ReadCheckpoint(absl::StrCat(dir, "/", kCheckpointFile)));
  return checkpoint.config();
}

absl::StatusOr<RunResult> RunExperiment(const ExperimentConfig& config,
                                        const RunOptions& options) {
  NFALAB_RETURN_IF_ERROR(ValidateConfig(config));
  if (options.out_dir.empty()) {
    return absl::InvalidArgumentError("no output directory given (--out)");
  }
  NFALAB_RETURN_IF_ERROR(CheckMemoryBeforeLoading(config));
  absl::StatusOr<Checkpoint> checkpoint;
  if (options.resume) {
    if (options.overwrite) {
      return absl::InvalidArgumentError(
          "overwrite starts a run afresh; it cannot be combined with resume");
    }
    checkpoint =
        ReadCheckpoint(absl::StrCat(options.out_dir, "/", kCheckpointFile));
    if (!checkpoint.ok()) return checkpoint.status();
    NFALAB_RETURN_IF_ERROR(
        CheckResumeDirectory(options.out_dir, checkpoint->config(), config));
    const TrainingConfig::Precision saved =
        checkpoint->config().training().precision();
    if (saved != config.training().precision()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "training.precision is ",
          TrainingConfig::Precision_Name(config.training().precision()),
          " but the checkpoint's run trained in ",
          TrainingConfig::Precision_Name(saved),
          "; a run cannot change precision when resumed"));
    }
  } else {
    NFALAB_RETURN_IF_ERROR(
        CheckFreshRunDirectory(options.out_dir, options.overwrite));
  }
  const Clock::time_point load_start = Clock::now();
  if (options.interactive && options.log != nullptr) {
    *options.log << "loading data (" << config.data().source() << ")..."
                 << std::flush;
  }
  NFALAB_ASSIGN_OR_RETURN(DatasetSplits data, LoadDataset(config.data()));
  if (options.log != nullptr) {
    *options.log << (options.interactive ? "\r" : "")
                 << absl::StrFormat(
                        "data: %s, %d train / %d test, %d inputs, %d outputs "
                        "(%.1fs)\n",
                        config.data().source(), data.train.size(),
                        data.test.size(), data.train.input_dim(),
                        data.train.output_dim(), SecondsSince(load_start));
  }
  NFALAB_RETURN_IF_ERROR(CheckConfigFitsData(config, data));
  NFALAB_RETURN_IF_ERROR(CheckMemoryAfterLoading(config, data));
  if (config.training().precision() == TrainingConfig::FLOAT64) {
    return RunInPrecision<double>(config, options, std::move(data), checkpoint);
  }
  return RunInPrecision<float>(config, options, std::move(data), checkpoint);
}

}  // namespace nfalab
