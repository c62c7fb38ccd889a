// MeasureModels: the alignment measures of networks trained elsewhere
// (`nfalab measure`): one or more checkpoints in the export format
// (experiment/model_import.h) of one architecture, measured on the samples
// of an .npy file as a training run measures itself (experiment/
// measurement.h), written as that run's metrics.csv and nfc.svg would be.
//
// Rows: checkpoint j (in the given order) is measured at its model.json
// "epoch" and "step" when it records them, else at step j and epoch j (j - 1
// when the first checkpoint is the initialisation, which then sits at epoch
// -1 as a run's "before training" rows). Two checkpoints at the same
// (epoch, step) are an error.
//
// The early predictor rho(G0^T G0, G0^T K0 G0) (paper.md §3.2) is added at
// epoch -1 when labels are given and the first checkpoint is marked
// "at_initialisation": G0 is the full-batch gradient of the loss over all
// the samples given (not only the first measure_samples), K0 the PTK of the
// first checkpoint.
#ifndef NFALAB_EXPERIMENT_MEASURE_MODELS_H_
#define NFALAB_EXPERIMENT_MEASURE_MODELS_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "datasets/dataset_config.pb.h"
#include "experiment/experiment_config.pb.h"
#include "experiment/model_import.h"
#include "report/metrics_table.h"

namespace nfalab {

struct MeasureModelsOptions {
  std::vector<std::string> model_dirs;  // >= 1, each with a model.json
  std::string data_path;                // X.npy: [m, C, H, W] or [m, d]
  // Optional y.npy: [m] integer class labels in [0, C) (made target rows
  // as `class_targets` says), or [m, C] real targets (MSE only).
  std::string labels_path;
  PreprocessOptions::ClassTargets class_targets = PreprocessOptions::ONE_HOT;
  TrainingConfig::Loss loss = TrainingConfig::MSE;
  // What and where to measure: measures, measure_options, layers,
  // include_readout, include_classifier, drop_bias, chunk_size, plain_sum,
  // measure_samples (the first that many samples; 0 = all). measure_every,
  // early_predictor and closed_form_predictor are not used.
  MeasurementConfig measurement;
  std::string out_dir;  // receives metrics.csv and nfc.svg
  // Replace metrics.csv / nfc.svg already in out_dir (else an error).
  bool overwrite = false;
};

// Reads and checks every input, measures, and only then writes
// out_dir/metrics.csv and out_dir/nfc.svg (atomically). On any error nothing
// is written. `log` (may be null) receives one line per checkpoint.
absl::Status MeasureModels(const MeasureModelsOptions& options,
                           std::ostream* log);

// The measuring part alone, on checkpoints and data already read: the
// table MeasureModels writes. `data` holds the samples and, if has_targets,
// their targets (and labels, for cross-entropy) for the early predictor;
// otherwise its y is ignored (but must have a row per sample).
absl::StatusOr<MetricsTable> MeasureCheckpoints(
    const std::vector<ImportedModel>& checkpoints, const Dataset& data,
    bool has_targets, const MeasurementConfig& measurement,
    TrainingConfig::Loss loss, std::ostream* log);

}  // namespace nfalab

#endif  // NFALAB_EXPERIMENT_MEASURE_MODELS_H_
