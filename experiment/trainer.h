// RunExperiment: one training run of an ExperimentConfig, end to end.
//
//   1. ValidateConfig (nothing is written if it fails);
//   2. load the data, build the model (seeded) and the optimizer;
//   3. for every epoch: shuffle, minibatch steps, then evaluate the loss
//      (and accuracy, for classification) on the full train and test splits;
//   4. after every epoch, rewrite <out_dir>/metrics.csv and nfc.svg
//      atomically; at the end (completed, failed or interrupted) write
//      summary.json and nfc.svg.
//
// <out_dir>/config.pbtxt holds the resolved config, so the run can be
// repeated. With checkpoint_every, <out_dir>/checkpoint.pb is rewritten
// every that many epochs, and a run resumed from it produces the same
// metrics.csv as an uninterrupted one. A loss that becomes NaN or infinite
// stops the run with an
// Aborted error naming the epoch and step; the table up to that point stays
// on disk.
//
// training.precision FLOAT64 runs all of it in double (the data cast once
// after loading; the model drawn in float, then cast), FLOAT32 in float.
//
// One directory holds one run (experiment/run_directory.h): a fresh run
// needs a missing or empty out_dir, or `overwrite`, which empties a
// directory holding an earlier run; so no checkpoint of another run can be
// resumed by mistake. Stale temporary files of crashed writes in out_dir
// are removed when a run starts or resumes.
#ifndef NFALAB_EXPERIMENT_TRAINER_H_
#define NFALAB_EXPERIMENT_TRAINER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "experiment/experiment_config.pb.h"
#include "layers/sequential.h"
#include "report/metrics_table.h"

namespace nfalab {

struct RunOptions {
  // Results directory (created if needed).
  std::string out_dir;
  // Receives one line per epoch; null for silence.
  std::ostream* log = nullptr;
  // `log` is a terminal: show a self-updating progress line during epochs.
  bool interactive = false;
  // Continue the run saved in <out_dir>/checkpoint.pb (the config must be
  // the checkpoint's; see LoadResumeConfig).
  bool resume = false;
  // Start afresh in an out_dir that holds an earlier run, emptying it first
  // (only if it looks like a run directory). Not with `resume`.
  bool overwrite = false;
  // Stop after this many epochs in total, as if interrupted (0: no limit).
  // With checkpoint_every the run can then be resumed.
  int stop_after_epochs = 0;
  // Polled before every epoch and after every optimizer step with the steps
  // taken so far; a non-zero result (the signal, e.g. SIGINT) stops the run
  // there: metrics.csv, summary.json ("status": "interrupted"), nfc.svg and
  // a checkpoint (whatever checkpoint_every says, with the position inside
  // the epoch) are written, and RunExperiment returns Cancelled. Resuming
  // then gives the metrics.csv of an uninterrupted run. The CLI passes
  // PendingInterruptSignal (experiment/interrupt.h).
  std::function<int(int64_t step)> interrupt_signal;
};

struct RunResult {
  MetricsTable metrics;
  // The trained model; for a FLOAT64 run (training.precision) its float
  // rounding, with the model itself in model_f64.
  Model model;
  double final_train_loss = 0;
  double final_test_loss = 0;
  std::optional<ModelD> model_f64;
};

absl::StatusOr<RunResult> RunExperiment(const ExperimentConfig& config,
                                        const RunOptions& options);

// The config saved in <dir>/checkpoint.pb. Overrides may be applied on top
// (e.g. a larger training.epochs to extend a finished run).
absl::StatusOr<ExperimentConfig> LoadResumeConfig(const std::string& dir);

}  // namespace nfalab

#endif  // NFALAB_EXPERIMENT_TRAINER_H_
