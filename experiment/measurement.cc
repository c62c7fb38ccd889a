#include "experiment/measurement.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/check.h"
#include "core/plugin_options.h"
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

// What K and the layer's matrix W (or the gradient G0) say about why a
// measure of theirs is not finite: every fact that holds, e.g.
// "K = 0, the tangent features vanished; W = W0, the layer has not moved".
std::string NonFiniteCause(const MatrixD& k, const Matrix& w,
                           const Matrix* initial_weight,
                           absl::string_view w_name) {
  std::vector<std::string> facts;
  if (!k.allFinite()) {
    facts.push_back("K is not finite, the tangent features overflowed");
  } else if (k.isZero(0)) {
    facts.push_back("K = 0, the tangent features vanished");
  }
  if (!w.allFinite()) {
    facts.push_back(absl::StrCat(w_name, " is not finite"));
  } else if (w.isZero(0)) {
    facts.push_back(absl::StrCat(w_name, " = 0"));
  } else if (initial_weight != nullptr && w == *initial_weight) {
    facts.push_back("W = W0, the layer has not moved");
  }
  if (facts.empty()) return "its matrices are constant or degenerate";
  return absl::StrJoin(facts, "; ");
}

// `m` as float: itself, or for a double matrix its rounding in `*storage`.
template <typename Scalar>
const Matrix& AsFloat(const MatrixT<Scalar>& m, Matrix* storage) {
  if constexpr (std::is_same_v<Scalar, float>) {
    return m;
  } else {
    *storage = m.template cast<float>();
    return *storage;
  }
}

// `m` if it is a double matrix, else null (LayerContext::weight_f64).
template <typename Scalar>
const MatrixD* IfDouble(const MatrixT<Scalar>& m) {
  if constexpr (std::is_same_v<Scalar, double>) {
    return &m;
  } else {
    return nullptr;
  }
}

// "layer 3" or "layers 1-4, 7" for sorted, distinct layers.
std::string FormatLayers(const std::vector<int>& layers) {
  std::vector<std::string> runs;
  for (size_t i = 0; i < layers.size();) {
    size_t j = i;
    while (j + 1 < layers.size() && layers[j + 1] == layers[j] + 1) ++j;
    runs.push_back(j == i ? absl::StrCat(layers[i])
                          : absl::StrCat(layers[i], "-", layers[j]));
    i = j + 1;
  }
  return absl::StrCat(layers.size() == 1 ? "layer " : "layers ",
                      absl::StrJoin(runs, ", "));
}

}  // namespace

std::vector<int> MeasuredLayers(const MeasurementConfig& config,
                                int weighted_layers,
                                const std::vector<bool>& image_input) {
  std::vector<int> layers;
  if (config.layers_size() > 0) {
    for (int layer : config.layers()) layers.push_back(layer - 1);
    return layers;
  }
  const bool has_image_layers =
      std::find(image_input.begin(), image_input.end(), true) !=
      image_input.end();
  for (int l = 0; l + 1 < weighted_layers; ++l) {
    const bool on_image =
        l < static_cast<int>(image_input.size()) && image_input[l];
    if (!has_image_layers || on_image || config.include_classifier()) {
      layers.push_back(l);
    }
  }
  if (config.include_readout()) layers.push_back(weighted_layers - 1);
  return layers;
}

template <typename Scalar>
std::vector<bool> ImageInputLayers(const BasicSequential<Scalar>& model) {
  std::vector<bool> image_input(model.num_weighted_layers());
  for (int l = 0; l < model.num_weighted_layers(); ++l) {
    image_input[l] = !model.weighted_layer(l).input_shape().is_flat();
  }
  return image_input;
}

namespace {

// For each of `names`, the measure_options entry of the type it declares
// (null if it declares none or none is given). InvalidArgument naming
// measurement.measure_options[i] for a type given twice or taken by no
// selected measure.
absl::StatusOr<std::vector<const google::protobuf::Any*>> MatchMeasureOptions(
    const MeasurementConfig& config, const std::vector<std::string>& names) {
  std::vector<std::string> declared(names.size());
  for (size_t k = 0; k < names.size(); ++k) {
    if (const auto example =
            AlignmentMeasureRegistry::Global().OptionsExample(names[k])) {
      declared[k] = example->GetDescriptor()->full_name();
    }
  }
  std::vector<const google::protobuf::Any*> matched(names.size(), nullptr);
  for (int i = 0; i < config.measure_options_size(); ++i) {
    const google::protobuf::Any& any = config.measure_options(i);
    const std::string type = OptionsTypeName(any);
    for (int j = 0; j < i; ++j) {
      if (OptionsTypeName(config.measure_options(j)) == type) {
        return absl::InvalidArgumentError(absl::StrCat(
            "measurement.measure_options[", i, "] is a second ", type,
            " (entry ", j, " is one too); give each type once"));
      }
    }
    bool taken = false;
    for (size_t k = 0; k < names.size(); ++k) {
      if (declared[k] == type) {
        matched[k] = &any;
        taken = true;
      }
    }
    if (!taken) {
      std::vector<std::string> takers;
      for (size_t k = 0; k < names.size(); ++k) {
        if (!declared[k].empty()) {
          takers.push_back(absl::StrCat(names[k], " (", declared[k], ")"));
        }
      }
      return absl::InvalidArgumentError(absl::StrCat(
          "measurement.measure_options[", i, "] is a ", type,
          ", which no selected measure takes; ",
          takers.empty() ? "none of them takes options"
                         : absl::StrCat("the ones with options: ",
                                        absl::StrJoin(takers, ", "))));
    }
  }
  return matched;
}

// The selected measures, created with their options.
absl::StatusOr<std::vector<std::unique_ptr<AlignmentMeasure>>> CreateMeasures(
    const MeasurementConfig& config) {
  const std::vector<std::string> names = MeasureNames(config);
  NFALAB_ASSIGN_OR_RETURN(
      const std::vector<const google::protobuf::Any*> options,
      MatchMeasureOptions(config, names));
  std::vector<std::unique_ptr<AlignmentMeasure>> measures;
  for (size_t k = 0; k < names.size(); ++k) {
    absl::StatusOr<std::unique_ptr<AlignmentMeasure>> measure =
        AlignmentMeasureRegistry::Global().Create(names[k], options[k]);
    if (!measure.ok()) {
      return AnnotateStatus(measure.status(),
                            absl::StrCat("measurement (\"", names[k], "\")"));
    }
    measures.push_back(*std::move(measure));
  }
  return measures;
}

}  // namespace

absl::Status ValidateMeasurementConfig(const MeasurementConfig& config,
                                       int weighted_layers) {
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
  // Measures are cheap to create, so their options' checks run here.
  if (config.measure_options_size() > 0) {
    NFALAB_RETURN_IF_ERROR(CreateMeasures(config).status());
  }
  for (int i = 0; i < config.layers_size(); ++i) {
    if (config.layers(i) < 1 ||
        (weighted_layers >= 0 && config.layers(i) > weighted_layers)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "measurement.layers[", i, "] is ", config.layers(i),
          weighted_layers < 0
              ? "; layers are numbered from 1"
              : absl::StrCat("; the model's weighted layers are numbered 1..",
                             weighted_layers, " (", weighted_layers,
                             " is the readout)")));
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

template <typename Scalar>
absl::StatusOr<BasicMeasurement<Scalar>> BasicMeasurement<Scalar>::Create(
    const MeasurementConfig& config, int weighted_layers,
    const BasicDataset<Scalar>& train, const std::vector<bool>& image_input) {
  NFALAB_RETURN_IF_ERROR(ValidateMeasurementConfig(config, weighted_layers));
  NFALAB_ASSIGN_OR_RETURN(
      std::vector<std::unique_ptr<AlignmentMeasure>> measures,
      CreateMeasures(config));
  const int samples = config.measure_samples() == 0
                          ? train.size()
                          : std::min(config.measure_samples(), train.size());
  std::vector<int> rows(samples);
  std::iota(rows.begin(), rows.end(), 0);
  return BasicMeasurement(
      config, MeasuredLayers(config, weighted_layers, image_input),
      MeasureNames(config), std::move(measures), SelectRows(train, rows));
}

template <typename Scalar>
bool BasicMeasurement<Scalar>::IsDue(int epoch, int epochs) const {
  if (!enabled()) return false;
  return epoch % config_.measure_every() == 0 || epoch == epochs - 1;
}

template <typename Scalar>
absl::StatusOr<std::vector<MatrixD>> BasicMeasurement<Scalar>::ComputeKernels(
    const BasicSequential<Scalar>& model) const {
  PtkOptions options;
  options.chunk_size = config_.chunk_size();
  options.normalize_by_n = !config_.plain_sum();
  if (!config_.drop_bias()) {
    return ComputePtk(model, subset_.x, layers_, options);
  }
  BasicSequential<Scalar> without_bias = model;
  for (int l = 0; l < without_bias.num_weighted_layers(); ++l) {
    BasicWeightedLayer<Scalar>& layer = without_bias.weighted_layer(l);
    if (!layer.input_shape().is_flat()) layer.bias().setZero();
  }
  return ComputePtk(without_bias, subset_.x, layers_, options);
}

template <typename Scalar>
absl::Status BasicMeasurement<Scalar>::Record(
    const BasicSequential<Scalar>& model, const std::vector<MatrixD>& ptk,
    int epoch, int64_t step, MetricsTable* table, std::string* summary,
    const std::vector<MatrixD>* initial_ptk) {
  if (NeedsInitialKernels() &&
      (initial_ptk == nullptr || initial_ptk->size() != layers_.size())) {
    return absl::FailedPreconditionError(
        "a measure (e.g. c_nfc_k0) needs K at initialisation for every "
        "measured layer, and it is missing (a checkpoint of a run that did "
        "not measure it?)");
  }
  std::string uc_c;
  std::vector<NonFinite> non_finite;
  for (size_t j = 0; j < layers_.size(); ++j) {
    const int l = layers_[j];
    const BasicWeightedLayer<Scalar>& layer = model.weighted_layer(l);
    Matrix weight_storage, initial_weight_storage;
    const LayerContext context{
        l + 1,
        model.num_weighted_layers(),
        AsFloat(layer.weight(), &weight_storage),
        AsFloat(layer.initial_weight(), &initial_weight_storage),
        ptk[j],
        initial_ptk != nullptr && j < initial_ptk->size() ? &(*initial_ptk)[j]
                                                          : nullptr,
        IfDouble(layer.weight()),
        IfDouble(layer.initial_weight())};
    std::vector<MeasureValue> layer_values;
    for (size_t i = 0; i < measures_.size(); ++i) {
      absl::StatusOr<std::vector<MeasureValue>> values =
          measures_[i]->Compute(context);
      if (!values.ok()) {
        return AnnotateStatus(values.status(),
                              absl::StrCat("measuring layer ", l + 1));
      }
      bool nan = false, infinite = false;
      for (const MeasureValue& value : *values) {
        table->AddForLayer(epoch, step, l + 1, value.name, value.value);
        layer_values.push_back(value);
        nan |= std::isnan(value.value);
        infinite |= std::isinf(value.value);
      }
      if (nan || infinite) {
        non_finite.push_back({measure_names_[i], l + 1, nan,
                              NonFiniteCause(ptk[j], context.weight,
                                             &context.initial_weight, "W")});
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
  Warn(non_finite, epoch, model.Describe());
  return absl::OkStatus();
}

template <typename Scalar>
bool BasicMeasurement<Scalar>::NeedsInitialKernels() const {
  return std::any_of(measures_.begin(), measures_.end(),
                     [](const std::unique_ptr<AlignmentMeasure>& measure) {
                       return measure->NeedsInitialPtk();
                     });
}

template <typename Scalar>
absl::Status BasicMeasurement<Scalar>::RecordEarlyPredictor(
    const BasicSequential<Scalar>& model, const BasicDataset<Scalar>& train,
    TrainingConfig::Loss loss, MetricsTable* table,
    const std::vector<MatrixD>* initial_ptk) {
  // G0 of the mean loss over all n rows: the chunks' mean-loss gradients,
  // each weighted by rows / n. Chunks of the subset's size keep the memory
  // of the measurement itself.
  const int n = train.size();
  const int chunk = std::max(1, subset_.size());
  std::vector<MatrixD> g0(layers_.size());
  BasicModelCache<Scalar> cache;
  MatrixT<Scalar> d_output;
  BasicGradients<Scalar> gradients;
  for (int begin = 0; begin < n; begin += chunk) {
    const int rows = std::min(chunk, n - begin);
    model.Forward(train.x.middleRows(begin, rows), &cache);
    if (loss == TrainingConfig::CROSS_ENTROPY) {
      SoftmaxCrossEntropyLoss(
          cache.output(),
          absl::MakeConstSpan(train.labels).subspan(begin, rows), &d_output);
    } else {
      MseLoss(cache.output(), MatrixT<Scalar>(train.y.middleRows(begin, rows)),
              &d_output);
    }
    model.Backward(cache, d_output, &gradients);
    const double share = static_cast<double>(rows) / n;
    for (size_t j = 0; j < layers_.size(); ++j) {
      const MatrixD part =
          share * gradients.weight[layers_[j]].template cast<double>();
      if (begin == 0) {
        g0[j] = part;
      } else {
        g0[j] += part;
      }
    }
  }
  std::vector<MatrixD> computed;
  if (initial_ptk == nullptr) {
    NFALAB_ASSIGN_OR_RETURN(computed, ComputeKernels(model));
    initial_ptk = &computed;
  }
  const std::vector<MatrixD>& ptk = *initial_ptk;
  NFALAB_CHECK(ptk.size() == layers_.size()) << "one K0 per measured layer";
  std::vector<NonFinite> non_finite;
  for (size_t j = 0; j < layers_.size(); ++j) {
    const int l = layers_[j];
    bool nan = false, infinite = false;
    const NfcPair nfc = NeuralFeatureCorrelations(g0[j], ptk[j], 1.0);
    for (Correlation kind : {Correlation::kPearson, Correlation::kCosine}) {
      const double value = nfc.of(kind);
      table->AddForLayer(
          -1, 0, l + 1,
          absl::StrCat("predicted_c_nfc", CorrelationSuffix(kind)), value);
      nan |= std::isnan(value);
      infinite |= std::isinf(value);
    }
    if (nan || infinite) {
      non_finite.push_back(
          {"predicted_c_nfc", l + 1, nan,
           NonFiniteCause(ptk[j], g0[j].cast<float>(), nullptr, "G0")});
    }
  }
  Warn(non_finite, -1, model.Describe());
  return absl::OkStatus();
}

template <typename Scalar>
void BasicMeasurement<Scalar>::Warn(const std::vector<NonFinite>& found,
                                    int epoch,
                                    const std::string& model_description) {
  // The new (layer, measure) pairs, grouped by measure, kind and cause in
  // order of appearance.
  struct Group {
    const NonFinite* first;
    std::vector<int> layers;
  };
  std::vector<Group> groups;
  for (const NonFinite& value : found) {
    if (!warned_.insert({value.layer, value.measure}).second) continue;
    auto group =
        std::find_if(groups.begin(), groups.end(), [&](const Group& g) {
          return g.first->measure == value.measure &&
                 g.first->nan == value.nan && g.first->cause == value.cause;
        });
    if (group == groups.end()) {
      groups.push_back({&value, {}});
      group = groups.end() - 1;
    }
    group->layers.push_back(value.layer);
  }
  for (Group& group : groups) {
    std::sort(group.layers.begin(), group.layers.end());
    warnings_.push_back(absl::StrFormat(
        "%s is %s on %s %s: %s (%s)", group.first->measure,
        group.first->nan ? "nan" : "infinite", FormatLayers(group.layers),
        epoch < 0 ? "at initialisation" : absl::StrCat("at epoch ", epoch),
        group.first->cause, model_description));
  }
}

template <typename Scalar>
std::vector<std::string> BasicMeasurement<Scalar>::TakeNewWarnings() {
  std::vector<std::string> fresh(warnings_.begin() + warnings_taken_,
                                 warnings_.end());
  warnings_taken_ = warnings_.size();
  return fresh;
}

template class BasicMeasurement<float>;
template class BasicMeasurement<double>;
template std::vector<bool> ImageInputLayers(const Model&);
template std::vector<bool> ImageInputLayers(const ModelD&);

}  // namespace nfalab
