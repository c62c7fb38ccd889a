// Measurement: the per-layer alignment measures of a run, on its schedule.
//
// At each measurement the PTK covariance K_l of every selected layer is
// computed at the current weights on the measurement subset (the first
// measure_samples training examples), each registered measure is evaluated
// on the layer's LayerContext, and the values are appended to the run's
// MetricsTable as (epoch, step, layer, measure, value) rows.
#ifndef NFALAB_EXPERIMENT_MEASUREMENT_H_
#define NFALAB_EXPERIMENT_MEASUREMENT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "experiment/experiment_config.pb.h"
#include "experiment/metrics_table.h"
#include "layers/mlp.h"
#include "metrics/alignment_measure.h"

namespace nfalab {

// InvalidArgument / NotFound naming the measurement.* field (also for a
// measure or layer listed twice); `depth` is the model's number of hidden
// layers.
absl::Status ValidateMeasurementConfig(const MeasurementConfig& config,
                                       int depth);

// 0-based indices of the layers `config` measures in a model of `depth`
// hidden layers: measurement.layers, or the hidden layers (and the readout
// with include_readout).
std::vector<int> MeasuredLayers(const MeasurementConfig& config, int depth);

class Measurement {
 public:
  // `config` must be valid for the model's depth.
  static absl::StatusOr<Measurement> Create(const MeasurementConfig& config,
                                            int depth, const Dataset& train);

  bool enabled() const { return config_.measure_every() > 0; }
  // After `epoch` (0-based) of `epochs`?
  bool IsDue(int epoch, int epochs) const;

  // 0-based indices of the measured layers.
  const std::vector<int>& layers() const { return layers_; }
  // The measurement subset (inputs, targets and labels).
  const Dataset& subset() const { return subset_; }

  // K_l of every measured layer at the model's current weights.
  absl::StatusOr<std::vector<MatrixD>> ComputeKernels(const Mlp& model) const;

  // Evaluates every measure on every measured layer and appends the rows.
  // `ptk` comes from ComputeKernels on the same weights. `summary` (if not
  // null) receives a short "uc/c-nfc 1:0.41/0.93 ..." text for the console.
  absl::Status Record(const Mlp& model, const std::vector<MatrixD>& ptk,
                      int epoch, int64_t step, MetricsTable* table,
                      std::string* summary) const;

  // The one-step C-NFC predictor rho(G0^T G0, G0^T K0 G0) per measured layer,
  // with G0 the gradient of `loss` over the whole subset at the model's
  // (initial) weights. Appends predicted_c_nfc{,_cos} rows at epoch -1.
  absl::Status RecordEarlyPredictor(const Mlp& model, TrainingConfig::Loss loss,
                                    MetricsTable* table) const;

 private:
  Measurement(MeasurementConfig config, std::vector<int> layers,
              std::vector<std::unique_ptr<AlignmentMeasure>> measures,
              Dataset subset)
      : config_(std::move(config)),
        layers_(std::move(layers)),
        measures_(std::move(measures)),
        subset_(std::move(subset)) {}

  MeasurementConfig config_;
  std::vector<int> layers_;
  std::vector<std::unique_ptr<AlignmentMeasure>> measures_;
  Dataset subset_;
};

}  // namespace nfalab

#endif  // NFALAB_EXPERIMENT_MEASUREMENT_H_
