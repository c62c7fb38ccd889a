// Measurement: the per-layer alignment measures of a run, on its schedule.
//
// At each measurement the PTK covariance K_l of every selected layer is
// computed at the current weights on the measurement subset (the first
// measure_samples training examples), each registered measure is evaluated
// on the layer's LayerContext, and the values are appended to the run's
// MetricsTable as (epoch, step, layer, measure, value) rows.
//
// A measure that comes out NaN or infinite on a layer is recorded as it is,
// and warned about once per (layer, measure) for the run, with what K and W
// say about the cause, e.g.
//   c_nfc is nan on layers 1-1000 at epoch 0: K = 0, the tangent features
//   vanished (depth 1000, activation relu)
// (layers with the same measure, value and cause share one line).
//
// BasicMeasurement<Scalar> measures a model in that scalar type (double for
// training.precision FLOAT64) on a subset of its training split; K is in
// double either way.
#ifndef NFALAB_EXPERIMENT_MEASUREMENT_H_
#define NFALAB_EXPERIMENT_MEASUREMENT_H_

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "experiment/experiment_config.pb.h"
#include "layers/sequential.h"
#include "metrics/alignment_measure.h"
#include "report/metrics_table.h"

namespace nfalab {

// InvalidArgument / NotFound naming the measurement.* field (also for a
// measure or layer listed twice); `weighted_layers` is the model's number of
// weighted layers, or -1 if it is not known yet (measurement.layers are then
// only checked to be >= 1).
absl::Status ValidateMeasurementConfig(const MeasurementConfig& config,
                                       int weighted_layers);

// 0-based indices of the weighted layers `config` measures in a model of
// `weighted_layers` of them: measurement.layers, or the hidden layers (all
// but the last; in a network with layers on image input, those, and the
// rest with include_classifier), and the last (the readout) with
// include_readout. image_input[l]: layer l's input is an image (may be
// empty: none is).
std::vector<int> MeasuredLayers(const MeasurementConfig& config,
                                int weighted_layers,
                                const std::vector<bool>& image_input = {});

// image_input for MeasuredLayers: which weighted layers take image input.
template <typename Scalar>
std::vector<bool> ImageInputLayers(const BasicSequential<Scalar>& model);

template <typename Scalar>
class BasicMeasurement {
 public:
  // Checks `config` for a model of `weighted_layers` weighted layers, of
  // which image_input (ImageInputLayers) take images.
  static absl::StatusOr<BasicMeasurement> Create(
      const MeasurementConfig& config, int weighted_layers,
      const BasicDataset<Scalar>& train,
      const std::vector<bool>& image_input = {});

  bool enabled() const { return config_.measure_every() > 0; }
  // After `epoch` (0-based) of `epochs`?
  bool IsDue(int epoch, int epochs) const;

  // 0-based indices of the measured layers.
  const std::vector<int>& layers() const { return layers_; }
  // The measurement subset (inputs, targets and labels).
  const BasicDataset<Scalar>& subset() const { return subset_; }

  // K_l of every measured layer at the model's current weights.
  absl::StatusOr<std::vector<MatrixD>> ComputeKernels(
      const BasicSequential<Scalar>& model) const;

  // Evaluates every measure on every measured layer and appends the rows.
  // `ptk` comes from ComputeKernels on the same weights. `summary` (if not
  // null) receives a short "uc/c-nfc 1:0.41/0.93 ..." text for the console.
  // `initial_ptk`: ComputeKernels at the initial weights, needed (and
  // checked) when NeedsInitialKernels().
  // A double model's measures see its double W and W0
  // (LayerContext::weight_f64).
  absl::Status Record(const BasicSequential<Scalar>& model,
                      const std::vector<MatrixD>& ptk, int epoch, int64_t step,
                      MetricsTable* table, std::string* summary,
                      const std::vector<MatrixD>* initial_ptk = nullptr);

  // A selected measure reads K at initialisation (NeedsInitialPtk()).
  bool NeedsInitialKernels() const;

  // The one-step C-NFC predictor rho(G0^T G0, G0^T K0 G0) per measured layer
  // (paper.md §3.2), at the model's (initial) weights: G0 the full-batch
  // gradient of `loss` over all of `train` (the training split, whatever
  // measure_samples is; computed in chunks of at most the subset's size,
  // each weighted by its share of the rows), K0 on the measurement subset.
  // Appends predicted_c_nfc{,_cos} rows at epoch -1. `initial_ptk`:
  // ComputeKernels at these weights if the caller has it (else computed).
  absl::Status RecordEarlyPredictor(
      const BasicSequential<Scalar>& model, const BasicDataset<Scalar>& train,
      TrainingConfig::Loss loss, MetricsTable* table,
      const std::vector<MatrixD>* initial_ptk = nullptr);

  // Every warning of the run so far (without a "warning: " prefix).
  const std::vector<std::string>& warnings() const { return warnings_; }
  // The warnings added since the last call, for the run's log.
  std::vector<std::string> TakeNewWarnings();

 private:
  // A NaN or infinite value of a measure on a (1-based) layer.
  struct NonFinite {
    std::string measure;
    int layer;
    bool nan;           // Else infinite.
    std::string cause;  // What K and W say.
  };

  BasicMeasurement(MeasurementConfig config, std::vector<int> layers,
                   std::vector<std::string> measure_names,
                   std::vector<std::unique_ptr<AlignmentMeasure>> measures,
                   BasicDataset<Scalar> subset)
      : config_(std::move(config)),
        layers_(std::move(layers)),
        measure_names_(std::move(measure_names)),
        measures_(std::move(measures)),
        subset_(std::move(subset)) {}

  // Adds the warnings of `found` at `epoch` not given before;
  // `model_description` is Describe() of the model.
  void Warn(const std::vector<NonFinite>& found, int epoch,
            const std::string& model_description);

  MeasurementConfig config_;
  std::vector<int> layers_;
  std::vector<std::string> measure_names_;  // Parallel to measures_.
  std::vector<std::unique_ptr<AlignmentMeasure>> measures_;
  BasicDataset<Scalar> subset_;
  std::set<std::pair<int, std::string>> warned_;  // (layer, measure).
  std::vector<std::string> warnings_;
  size_t warnings_taken_ = 0;
};

using Measurement = BasicMeasurement<float>;
using MeasurementD = BasicMeasurement<double>;

extern template class BasicMeasurement<float>;
extern template class BasicMeasurement<double>;
extern template std::vector<bool> ImageInputLayers(const Model&);
extern template std::vector<bool> ImageInputLayers(const ModelD&);

}  // namespace nfalab

#endif  // NFALAB_EXPERIMENT_MEASUREMENT_H_
