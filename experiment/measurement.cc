#include "experiment/measurement.h"

#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/status_macros.h"
#include "layers/loss.h"
#include "metrics/correlation.h"
#include "metrics/ptk.h"

namespace nfalab {
namespace {

const char* const kDefaultMeasures[] = {"uc_nfc", "c_nfc", "weight_change"};

std::vector<std::string> MeasureNames(const MeasurementConfig& config) {
  if (config.measures_size() == 0) {
    return std::vector<std::string>(std::begin(kDefaultMeasures),
                                    std::end(kDefaultMeasures));
  }
  return std::vector<std::string>(config.measures().begin(),
                                  config.measures().end());
}

double ValueOf(const std::vector<MeasureValue>& values, absl::string_view name,
               bool* found) {
  for (const MeasureValue& value : values) {
    if (value.name == name) {
      *found = true;
      return value.value;
    }
  }
  return 0;
}

}  // namespace

std::vector<int> MeasuredLayers(const MeasurementConfig& config, int depth) {
  std::vector<int> layers;
  if (config.layers_size() > 0) {
    for (int layer : config.layers()) layers.push_back(layer - 1);
    return layers;
  }
  for (int l = 0; l < depth; ++l) layers.push_back(l);
  if (config.include_readout()) layers.push_back(depth);
  return layers;
}

absl::Status ValidateMeasurementConfig(const MeasurementConfig& config,
                                       int depth) {
  if (config.measure_every() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("measurement.measure_every must be >= 0, got ",
                     config.measure_every()));
  }
  if (config.measure_samples() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("measurement.measure_samples must be >= 0, got ",
                     config.measure_samples()));
  }
  if (config.chunk_size() < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "measurement.chunk_size must be >= 1, got ", config.chunk_size()));
  }
  for (int i = 0; i < config.measures_size(); ++i) {
    NFALAB_RETURN_IF_ERROR(AnnotateStatus(
        AlignmentMeasureRegistry::Global().CheckKnown(config.measures(i)),
        absl::StrCat("measurement.measures[", i, "]")));
    // A repeat would write every row twice.
    for (int j = 0; j < i; ++j) {
      if (config.measures(j) == config.measures(i)) {
        return absl::InvalidArgumentError(
            absl::StrCat("measurement.measures lists \"", config.measures(i),
                         "\" twice (entries ", j, " and ", i, ")"));
      }
    }
  }
  for (int i = 0; i < config.layers_size(); ++i) {
    if (config.layers(i) < 1 || config.layers(i) > depth + 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("measurement.layers[", i, "] is ", config.layers(i),
                       "; layers are numbered 1..", depth + 1, " (", depth + 1,
                       " is the readout)"));
    }
    for (int j = 0; j < i; ++j) {
      if (config.layers(j) == config.layers(i)) {
        return absl::InvalidArgumentError(
            absl::StrCat("measurement.layers lists layer ", config.layers(i),
                         " twice (entries ", j, " and ", i, ")"));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Measurement> Measurement::Create(const MeasurementConfig& config,
                                                int depth,
                                                const Dataset& train) {
  NFALAB_RETURN_IF_ERROR(ValidateMeasurementConfig(config, depth));
  std::vector<std::unique_ptr<AlignmentMeasure>> measures;
  for (const std::string& name : MeasureNames(config)) {
    NFALAB_ASSIGN_OR_RETURN(std::unique_ptr<AlignmentMeasure> measure,
                            AlignmentMeasureRegistry::Global().Create(name));
    measures.push_back(std::move(measure));
  }
  const int samples = config.measure_samples() == 0
                          ? train.size()
                          : std::min(config.measure_samples(), train.size());
  std::vector<int> rows(samples);
  std::iota(rows.begin(), rows.end(), 0);
  return Measurement(config, MeasuredLayers(config, depth), std::move(measures),
                     SelectRows(train, rows));
}

bool Measurement::IsDue(int epoch, int epochs) const {
  if (!enabled()) return false;
  return epoch % config_.measure_every() == 0 || epoch == epochs - 1;
}

absl::StatusOr<std::vector<MatrixD>> Measurement::ComputeKernels(
    const Mlp& model) const {
  PtkOptions options;
  options.chunk_size = config_.chunk_size();
  options.normalize_by_n = !config_.plain_sum();
  return ComputePtk(model, subset_.x, layers_, options);
}

absl::Status Measurement::Record(const Mlp& model,
                                 const std::vector<MatrixD>& ptk, int epoch,
                                 int64_t step, MetricsTable* table,
                                 std::string* summary) const {
  MlpCache cache;
  model.Forward(subset_.x, &cache);
  std::string uc_c;
  for (size_t j = 0; j < layers_.size(); ++j) {
    const int l = layers_[j];
    const LayerContext context{l + 1,
                               model.num_layers(),
                               model.layer(l).weight(),
                               model.initial_weight(l),
                               ptk[j],
                               cache.inputs[l]};
    std::vector<MeasureValue> layer_values;
    for (const std::unique_ptr<AlignmentMeasure>& measure : measures_) {
      absl::StatusOr<std::vector<MeasureValue>> values =
          measure->Compute(context);
      if (!values.ok()) {
        return AnnotateStatus(values.status(),
                              absl::StrCat("measuring layer ", l + 1));
      }
      for (const MeasureValue& value : *values) {
        table->AddForLayer(epoch, step, l + 1, value.name, value.value);
        layer_values.push_back(value);
      }
    }
    bool has_uc = false, has_c = false;
    const double uc = ValueOf(layer_values, "uc_nfc", &has_uc);
    const double c = ValueOf(layer_values, "c_nfc", &has_c);
    if (has_uc && has_c) {
      absl::StrAppendFormat(&uc_c, " %d:%.3f/%.3f", l + 1, uc, c);
    }
  }
  if (summary != nullptr) {
    *summary = uc_c.empty() ? "" : absl::StrCat("uc/c-nfc", uc_c);
  }
  return absl::OkStatus();
}

absl::Status Measurement::RecordEarlyPredictor(const Mlp& model,
                                               TrainingConfig::Loss loss,
                                               MetricsTable* table) const {
  MlpCache cache;
  model.Forward(subset_.x, &cache);
  Matrix d_output;
  if (loss == TrainingConfig::CROSS_ENTROPY) {
    SoftmaxCrossEntropyLoss(cache.output(), absl::MakeConstSpan(subset_.labels),
                            &d_output);
  } else {
    MseLoss(cache.output(), subset_.y, &d_output);
  }
  Gradients gradients;
  model.Backward(cache, d_output, &gradients);
  NFALAB_ASSIGN_OR_RETURN(std::vector<MatrixD> ptk, ComputeKernels(model));
  for (size_t j = 0; j < layers_.size(); ++j) {
    const int l = layers_[j];
    const MatrixD g0 = gradients.weight[l].cast<double>();
    for (Correlation kind : {Correlation::kPearson, Correlation::kCosine}) {
      table->AddForLayer(
          -1, 0, l + 1,
          absl::StrCat("predicted_c_nfc", CorrelationSuffix(kind)),
          NeuralFeatureCorrelation(g0, ptk[j], 1.0, kind));
    }
  }
  return absl::OkStatus();
}

}  // namespace nfalab
