#include "layers/sequential.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/check.h"
#include "core/status_macros.h"
#include "layers/activation.h"

namespace nfalab {
namespace {

// The hidden widths k_1..k_L of a validated MLP config.
std::vector<int> HiddenWidths(const ModelConfig& config) {
  if (config.widths_size() > 0) {
    return std::vector<int>(config.widths().begin(), config.widths().end());
  }
  return std::vector<int>(config.depth(), config.width());
}

// The options of a known activation, by type and then by value: creating one
// is cheap, so its factory's checks run here, before any weight is drawn.
// `parent` is the config path that holds the activation_options field.
absl::Status CheckActivation(const std::string& name,
                             const google::protobuf::Any* options,
                             absl::string_view parent) {
  NFALAB_RETURN_IF_ERROR(ActivationRegistry::Global().CheckOptions(
      name, options, absl::StrCat(parent, ".activation_options")));
  if (options == nullptr) return absl::OkStatus();
  return AnnotateStatus(
      ActivationRegistry::Global().Create(name, options).status(), parent);
}

absl::Status ValidateMlpFields(const ModelConfig& config) {
  if (config.depth() < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model.depth must be >= 1 (hidden layers), got ", config.depth()));
  }
  if (config.widths_size() > 0) {
    if (config.widths_size() != config.depth()) {
      return absl::InvalidArgumentError(
          absl::StrCat("model.widths has ", config.widths_size(),
                       " entries but model.depth is ", config.depth()));
    }
    for (int i = 0; i < config.widths_size(); ++i) {
      if (config.widths(i) < 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            "model.widths[", i, "] must be >= 1, got ", config.widths(i)));
      }
    }
  } else if (config.width() < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("model.width must be >= 1, got ", config.width()));
  }
  NFALAB_RETURN_IF_ERROR(AnnotateStatus(
      ActivationRegistry::Global().CheckKnown(config.activation()),
      "model.activation"));
  return CheckActivation(
      config.activation(),
      config.has_activation_options() ? &config.activation_options() : nullptr,
      "model");
}

std::string LayerName(const LayerSpec& spec, int j,
                      absl::string_view where = "model.layers") {
  return absl::StrCat(where, "[", j, "] (", spec.type(), ")");
}

// torchvision's VGG feature configurations: channels, 0 for a max pool.
const std::vector<int>* VggChannels(absl::string_view configuration) {
  static const auto* const kConfigurations =
      new std::map<std::string, std::vector<int>, std::less<>>{
          {"A", {64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0}},
          {"B",
           {64, 64, 0, 128, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0}},
          {"D",
           {64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512,
            512, 512, 0}},
          {"E", {64,  64,  0,   128, 128, 0,   256, 256, 256, 256, 0,
                 512, 512, 512, 512, 0,   512, 512, 512, 512, 0}},
      };
  const auto it = kConfigurations->find(configuration);
  return it == kConfigurations->end() ? nullptr : &it->second;
}

// The model fields that only the MLP reads, for "must be left out" errors.
std::vector<std::string> SetMlpFields(const ModelConfig& config) {
  std::vector<std::string> fields;
  if (config.has_depth()) fields.push_back("depth");
  if (config.has_width()) fields.push_back("width");
  if (config.widths_size() > 0) fields.push_back("widths");
  if (config.has_activation()) fields.push_back("activation");
  if (config.has_activation_options()) fields.push_back("activation_options");
  return fields;
}

absl::Status ValidateVgg(const ModelConfig& config) {
  std::vector<std::string> others = SetMlpFields(config);
  if (config.layers_size() > 0) others.insert(others.begin(), "layers");
  if (!others.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model.vgg is set, so model.", absl::StrJoin(others, ", model."),
        " must be left out: the preset describes the whole network"));
  }
  const VggConfig& vgg = config.vgg();
  if (VggChannels(vgg.configuration()) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("model.vgg.configuration must be A, B, D or E, got \"",
                     vgg.configuration(), "\""));
  }
  // 512 channels times the multiplier must stay a sane int.
  constexpr double kMaxChannels = 1 << 16;
  if (!(vgg.width_multiplier() > 0) ||
      !(512 * vgg.width_multiplier() <= kMaxChannels)) {
    return absl::InvalidArgumentError(
        absl::StrCat("model.vgg.width_multiplier must be positive and at "
                     "most ",
                     kMaxChannels / 512, " (", kMaxChannels,
                     " channels), got ", vgg.width_multiplier()));
  }
  if (vgg.classifier_width() < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("model.vgg.classifier_width must be >= 1, got ",
                     vgg.classifier_width()));
  }
  if (!(vgg.dropout() >= 0) || !(vgg.dropout() < 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model.vgg.dropout must be in [0, 1), got ", vgg.dropout()));
  }
  return absl::OkStatus();
}

// "MLP" or "VGG A" for a network from a preset; empty for model.layers.
std::string PresetName(const ModelConfig& config) {
  if (config.has_vgg())
    return absl::StrCat("VGG ", config.vgg().configuration());
  return config.layers_size() > 0 ? "" : "MLP";
}

// The layer list of a validated `vgg` preset, every layer with a bias
// (torchvision's) unless model.bias is set.
std::vector<LayerSpec> VggLayers(const ModelConfig& config) {
  const VggConfig& vgg = config.vgg();
  const bool bias = config.has_bias() ? config.bias() : true;
  std::vector<LayerSpec> specs;
  auto relu = [&specs]() {
    LayerSpec& spec = specs.emplace_back();
    spec.set_type("activation");
    spec.set_activation("relu");
  };
  for (int channels : *VggChannels(vgg.configuration())) {
    LayerSpec& spec = specs.emplace_back();
    if (channels == 0) {
      spec.set_type("maxpool2d");
      spec.set_kernel_size(2);
      spec.set_stride(2);
      continue;
    }
    spec.set_type("conv2d");
    spec.set_out_channels(std::max(
        1, static_cast<int>(std::lround(channels * vgg.width_multiplier()))));
    spec.set_kernel_size(3);
    spec.set_padding(1);
    spec.set_bias(bias);
    relu();
  }
  specs.emplace_back().set_type("global_avgpool");
  specs.emplace_back().set_type("flatten");
  for (int hidden = 0; hidden < 2; ++hidden) {
    LayerSpec& linear = specs.emplace_back();
    linear.set_type("linear");
    linear.set_out_features(vgg.classifier_width());
    linear.set_bias(bias);
    relu();
    if (vgg.dropout() > 0) {
      LayerSpec& dropout = specs.emplace_back();
      dropout.set_type("dropout");
      dropout.set_rate(vgg.dropout());
    }
  }
  LayerSpec& readout = specs.emplace_back();
  readout.set_type("linear");
  readout.set_bias(bias);
  return specs;
}

absl::Status ValidateLayerList(const ModelConfig& config) {
  const std::vector<std::string> mlp_fields = SetMlpFields(config);
  if (!mlp_fields.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model.layers is set, so model.", absl::StrJoin(mlp_fields, ", model."),
        " must be left out: they describe the MLP that model.layers "
        "replaces"));
  }
  for (int j = 0; j < config.layers_size(); ++j) {
    const LayerSpec& spec = config.layers(j);
    if (!spec.has_type()) {
      return absl::InvalidArgumentError(
          absl::StrCat("model.layers[", j, "].type is missing"));
    }
    NFALAB_RETURN_IF_ERROR(
        AnnotateStatus(LayerRegistry::Global().CheckKnown(spec.type()),
                       absl::StrCat("model.layers[", j, "].type")));
    NFALAB_RETURN_IF_ERROR(LayerRegistry::Global().CheckOptions(
        spec.type(), spec.has_options() ? &spec.options() : nullptr,
        absl::StrCat("model.layers[", j, "].options")));
    if (spec.has_activation_options() && !spec.has_activation()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "model.layers[", j, "].activation_options is set without an "
          "activation to take them"));
    }
    if (spec.has_activation()) {
      NFALAB_RETURN_IF_ERROR(AnnotateStatus(
          ActivationRegistry::Global().CheckKnown(spec.activation()),
          absl::StrCat("model.layers[", j, "].activation")));
      NFALAB_RETURN_IF_ERROR(CheckActivation(
          spec.activation(),
          spec.has_activation_options() ? &spec.activation_options() : nullptr,
          absl::StrCat("model.layers[", j, "]")));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateModelConfig(const ModelConfig& config) {
  if (config.has_vgg()) {
    NFALAB_RETURN_IF_ERROR(ValidateVgg(config));
  } else if (config.layers_size() > 0) {
    NFALAB_RETURN_IF_ERROR(ValidateLayerList(config));
  } else {
    NFALAB_RETURN_IF_ERROR(ValidateMlpFields(config));
  }
  if (!(config.init_scale() > 0) || !std::isfinite(config.init_scale())) {
    return absl::InvalidArgumentError(
        absl::StrCat("model.init_scale must be positive and finite, got ",
                     config.init_scale()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<LayerSpec>> ResolveLayers(const ModelConfig& config,
                                                     const SampleShape& input,
                                                     int output_dim) {
  NFALAB_RETURN_IF_ERROR(ValidateModelConfig(config));
  std::vector<LayerSpec> specs;
  if (config.has_vgg()) {
    specs = VggLayers(config);
  } else if (config.layers_size() > 0) {
    specs.assign(config.layers().begin(), config.layers().end());
  } else {
    if (!input.is_flat()) specs.emplace_back().set_type("flatten");
    for (int width : HiddenWidths(config)) {
      LayerSpec& linear = specs.emplace_back();
      linear.set_type("linear");
      linear.set_out_features(width);
      LayerSpec& activation = specs.emplace_back();
      activation.set_type("activation");
      activation.set_activation(config.activation());
      if (config.has_activation_options()) {
        *activation.mutable_activation_options() = config.activation_options();
      }
    }
    specs.emplace_back().set_type("linear");
  }
  // Defaults: model.bias, when set, as every layer's `bias` (a layer
  // without one ignores it; else the type's own default: none for linear),
  // and the task's outputs as the out_features of the layers that take one
  // (LayerFactory::takes_out_features) after the last that sets it.
  std::vector<bool> takes_out_features(specs.size(), false);
  int last_set = -1;
  for (int j = 0; j < static_cast<int>(specs.size()); ++j) {
    // Unknown types fail later, in Build, with the registry's message.
    absl::StatusOr<std::unique_ptr<LayerFactory>> factory =
        LayerRegistry::Global().Create(specs[j].type());
    takes_out_features[j] = factory.ok() && (*factory)->takes_out_features();
    if (specs[j].has_out_features()) last_set = j;
  }
  for (int j = 0; j < static_cast<int>(specs.size()); ++j) {
    LayerSpec& spec = specs[j];
    if (!spec.has_bias() && config.has_bias()) spec.set_bias(config.bias());
    if (takes_out_features[j] && j > last_set && !spec.has_out_features()) {
      spec.set_out_features(output_dim);
    }
  }
  return specs;
}

template <typename Scalar>
absl::StatusOr<BasicSequential<Scalar>> BasicSequential<Scalar>::Build(
    std::vector<LayerSpec> specs, const SampleShape& input,
    absl::string_view preset, absl::string_view where) {
  // Errors name the user's model.layers[j], or the preset's layer j.
  auto name_of = [&](int j) {
    return preset.empty() ? LayerName(specs[j], j, where)
                          : absl::StrCat("the ", preset, "'s layer ", j, " (",
                                         specs[j].type(), ")");
  };
  BasicSequential model;
  model.input_shape_ = input;
  SampleShape shape = input;
  for (int j = 0; j < static_cast<int>(specs.size()); ++j) {
    const LayerSpec& spec = specs[j];
    absl::StatusOr<std::unique_ptr<BasicLayer<Scalar>>> layer =
        CreateLayer<Scalar>(spec, shape);
    if (!layer.ok()) {
      const std::string from =
          j == 0 ? "the data"
                 : (preset.empty() ? name_of(j - 1)
                                   : absl::StrCat("layer ", j - 1, " (",
                                                  specs[j - 1].type(), ")"));
      return AnnotateStatus(layer.status(),
                            absl::StrCat(name_of(j), ", whose input is ",
                                         shape.ToString(), " from ", from));
    }
    if ((*layer)->AsWeighted() != nullptr) {
      model.weighted_positions_.push_back(j);
    }
    shape = (*layer)->output_shape();
    model.layers_.push_back(std::move(layer).value());
  }
  if (model.weighted_positions_.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, " has no weighted layer (types: ",
        absl::StrJoin(specs, ", ",
                      [](std::string* out, const LayerSpec& spec) {
                        out->append(spec.type());
                      }),
        "); the NFA measures weighted layers such as linear"));
  }
  model.specs_ = std::move(specs);
  return model;
}

template <typename Scalar>
absl::StatusOr<BasicSequential<Scalar>> BasicSequential<Scalar>::FromSpecs(
    std::vector<LayerSpec> specs, const SampleShape& input,
    absl::string_view where) {
  if (specs.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(where, " is empty"));
  }
  NFALAB_ASSIGN_OR_RETURN(BasicSequential model,
                          Build(std::move(specs), input, "", where));
  for (int l = 0; l < model.num_weighted_layers(); ++l) {
    BasicWeightedLayer<Scalar>& layer = model.weighted_layer(l);
    layer.weight().setZero();
    layer.bias().setZero();
    NFALAB_RETURN_IF_ERROR(layer.SetInitialWeight(layer.weight(), "W0"));
  }
  return model;
}

template <typename Scalar>
absl::StatusOr<BasicSequential<Scalar>> BasicSequential<Scalar>::Create(
    const ModelConfig& config, const SampleShape& input, int output_dim,
    Rng* rng) {
  if (input.size() < 1 || input.channels < 1 || input.height < 1 ||
      input.width < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model input dimension (shape) must be positive, got ", input.ToString()));
  }
  if (output_dim < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("model output dimension must be >= 1, got ", output_dim));
  }
  NFALAB_ASSIGN_OR_RETURN(std::vector<LayerSpec> specs,
                          ResolveLayers(config, input, output_dim));
  NFALAB_ASSIGN_OR_RETURN(BasicSequential model,
                          Build(std::move(specs), input, PresetName(config)));
  if (model.output_dim() != output_dim) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model.layers ends in ", LayerName(model.specs_.back(),
                                           model.num_layers() - 1),
        " with output ", model.layers_.back()->output_shape().ToString(),
        ", but the task has ", output_dim, " outputs"));
  }
  const ModelConfig::Init init = config.has_init() || !config.has_vgg()
                                     ? config.init()
                                     : ModelConfig::TORCHVISION_VGG;
  for (int l = 0; l < model.num_weighted_layers(); ++l) {
    model.weighted_layer(l).Initialise(init, config.init_scale(), rng);
  }
  return model;
}

template <typename Scalar>
BasicSequential<Scalar>::BasicSequential(const BasicSequential& other)
    : input_shape_(other.input_shape_),
      specs_(other.specs_),
      weighted_positions_(other.weighted_positions_) {
  layers_.reserve(other.layers_.size());
  for (const auto& layer : other.layers_) layers_.push_back(layer->Clone());
}

template <typename Scalar>
BasicSequential<Scalar>& BasicSequential<Scalar>::operator=(
    const BasicSequential& other) {
  if (this != &other) *this = BasicSequential(other);
  return *this;
}

template <typename Scalar>
std::vector<BasicParameterBlock<Scalar>>
BasicSequential<Scalar>::ParameterBlocks() {
  std::vector<BasicParameterBlock<Scalar>> blocks;
  for (int l = 0; l < num_weighted_layers(); ++l) {
    BasicWeightedLayer<Scalar>& layer = weighted_layer(l);
    blocks.push_back({&layer.weight(), &layer.bias()});
  }
  return blocks;
}

template <typename Scalar>
std::string BasicSequential<Scalar>::Describe() const {
  std::vector<std::string> activations;
  for (const LayerSpec& spec : specs_) {
    if (spec.type() == "activation" &&
        std::find(activations.begin(), activations.end(), spec.activation()) ==
            activations.end()) {
      activations.push_back(spec.activation());
    }
  }
  return absl::StrCat("depth ", num_weighted_layers() - 1, ", activation ",
                      activations.empty() ? "none"
                                          : absl::StrJoin(activations, "/"));
}

template <typename Scalar>
void BasicSequential<Scalar>::Forward(const MatrixT<Scalar>& x,
                                      BasicModelCache<Scalar>* cache) const {
  ForwardInMode(x, cache, nullptr);
}

template <typename Scalar>
void BasicSequential<Scalar>::ForwardTraining(const MatrixT<Scalar>& x,
                                              BasicModelCache<Scalar>* cache,
                                              Rng* rng) const {
  NFALAB_CHECK(rng != nullptr);
  ForwardInMode(x, cache, rng);
}

template <typename Scalar>
void BasicSequential<Scalar>::ForwardInMode(const MatrixT<Scalar>& x,
                                            BasicModelCache<Scalar>* cache,
                                            Rng* training_rng) const {
  NFALAB_CHECK(x.cols() == input_dim())
      << "input has " << x.cols() << " columns, model expects " << input_dim();
  const int n_layers = num_layers();
  cache->outputs.resize(n_layers);
  cache->kept.resize(n_layers);
  cache->input = x;
  for (int j = 0; j < n_layers; ++j) {
    if (training_rng != nullptr) {
      layers_[j]->ForwardTraining(cache->LayerInput(j), &cache->outputs[j],
                                  &cache->kept[j], training_rng);
    } else {
      layers_[j]->Forward(cache->LayerInput(j), &cache->outputs[j],
                          &cache->kept[j]);
    }
  }
}

template <typename Scalar>
MatrixT<Scalar> BasicSequential<Scalar>::Predict(const MatrixT<Scalar>& x,
                                                 int chunk_rows) const {
  NFALAB_CHECK(x.cols() == input_dim())
      << "input has " << x.cols() << " columns, model expects " << input_dim();
  NFALAB_CHECK(chunk_rows >= 0);
  if (chunk_rows == 0) {
    int64_t widest = input_dim();
    for (const auto& layer : layers_) {
      widest = std::max<int64_t>(widest, layer->output_size());
    }
    chunk_rows = static_cast<int>(std::clamp<int64_t>(
        kPredictChunkEntries / widest, 1, kPredictChunkRows));
  }
  MatrixT<Scalar> output(x.rows(), output_dim());
  MatrixT<Scalar> a, b, kept;
  for (Eigen::Index start = 0; start < x.rows(); start += chunk_rows) {
    const Eigen::Index rows =
        std::min<Eigen::Index>(chunk_rows, x.rows() - start);
    a = x.middleRows(start, rows);
    for (const auto& layer : layers_) {
      layer->Forward(a, &b, &kept);
      a.swap(b);
    }
    output.middleRows(start, rows) = a;
  }
  return output;
}

template <typename Scalar>
void BasicSequential<Scalar>::Backward(
    const BasicModelCache<Scalar>& cache, const MatrixT<Scalar>& d_output,
    BasicGradients<Scalar>* gradients,
    std::vector<MatrixT<Scalar>>* d_preactivations) const {
  const int n_layers = num_layers();
  NFALAB_CHECK(static_cast<int>(cache.outputs.size()) == n_layers)
      << "Backward needs the cache of a Forward pass";
  NFALAB_CHECK(d_output.rows() == cache.output().rows() &&
               d_output.cols() == output_dim())
      << "d_output shape";
  const int n_weighted = num_weighted_layers();
  gradients->weight.resize(n_weighted);
  gradients->bias.resize(n_weighted);
  if (d_preactivations != nullptr) d_preactivations->resize(n_weighted);

  MatrixT<Scalar> d_y = d_output;  // dL/d(output of layer j), walking down.
  MatrixT<Scalar> d_x;
  int l = n_weighted - 1;  // The weighted layer at or below j.
  for (int j = n_layers - 1; j >= weighted_positions_.front(); --j) {
    const bool weighted = j == weighted_positions_[l];
    if (weighted && d_preactivations != nullptr) (*d_preactivations)[l] = d_y;
    const bool more_below = j > weighted_positions_.front();
    layers_[j]->Backward(cache.LayerInput(j), cache.outputs[j], cache.kept[j],
                         d_y, 1, more_below ? &d_x : nullptr,
                         weighted ? &gradients->weight[l] : nullptr,
                         weighted ? &gradients->bias[l] : nullptr);
    if (weighted) --l;
    d_y.swap(d_x);
  }
}

template class BasicSequential<float>;
template class BasicSequential<double>;

}  // namespace nfalab
