#include "layers/mlp.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/check.h"
#include "core/status_macros.h"

namespace nfalab {
namespace {

// The hidden widths k_1..k_L of a validated config.
std::vector<int> HiddenWidths(const ModelConfig& config) {
  if (config.widths_size() > 0) {
    return std::vector<int>(config.widths().begin(), config.widths().end());
  }
  return std::vector<int>(config.depth(), config.width());
}

template <typename Scalar>
void Initialise(const ModelConfig& config, Rng* rng,
                BasicLinear<Scalar>* layer) {
  const double fan_in = layer->input_dim();
  const double scale = config.init_scale();
  if (config.init() == ModelConfig::GAUSSIAN) {
    const double stddev = scale / std::sqrt(fan_in);
    for (Eigen::Index i = 0; i < layer->weight().size(); ++i) {
      layer->weight().data()[i] = static_cast<Scalar>(stddev * rng->Normal());
    }
    if (layer->has_bias()) layer->bias().setZero();
    return;
  }
  const double bound = scale / std::sqrt(fan_in);
  for (Eigen::Index i = 0; i < layer->weight().size(); ++i) {
    layer->weight().data()[i] =
        static_cast<Scalar>(rng->Uniform(-bound, bound));
  }
  for (Eigen::Index i = 0; i < layer->bias().size(); ++i) {
    layer->bias()[i] = static_cast<Scalar>(rng->Uniform(-bound, bound));
  }
}

}  // namespace

absl::Status ValidateModelConfig(const ModelConfig& config) {
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
  if (!(config.init_scale() > 0) || !std::isfinite(config.init_scale())) {
    return absl::InvalidArgumentError(
        absl::StrCat("model.init_scale must be positive and finite, got ",
                     config.init_scale()));
  }
  return AnnotateStatus(
      ActivationRegistry::Global().CheckKnown(config.activation()),
      "model.activation");
}

template <typename Scalar>
absl::StatusOr<BasicMlp<Scalar>> BasicMlp<Scalar>::Create(
    const ModelConfig& config, int input_dim, int output_dim, Rng* rng) {
  if (input_dim < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("model input dimension must be >= 1, got ", input_dim));
  }
  if (output_dim < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("model output dimension must be >= 1, got ", output_dim));
  }
  NFALAB_RETURN_IF_ERROR(ValidateModelConfig(config));
  std::vector<int> widths = HiddenWidths(config);
  absl::StatusOr<std::unique_ptr<Activation>> activation =
      ActivationRegistry::Global().Create(config.activation());
  if (!activation.ok()) {
    return AnnotateStatus(activation.status(), "model.activation");
  }
  BasicMlp mlp;
  mlp.activation_ = std::move(activation).value();
  int fan_in = input_dim;
  widths.push_back(output_dim);
  for (int width : widths) {
    BasicLinear<Scalar> layer(fan_in, width, config.bias());
    Initialise(config, rng, &layer);
    mlp.initial_weights_.push_back(layer.weight());
    mlp.layers_.push_back(std::move(layer));
    fan_in = width;
  }
  return mlp;
}

template <typename Scalar>
absl::Status BasicMlp<Scalar>::SetInitialWeight(int i, MatrixT<Scalar> weight) {
  if (i < 0 || i >= num_layers()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no layer ", i + 1, " in a network of ", num_layers()));
  }
  NFALAB_RETURN_IF_ERROR(CheckShape(weight, layers_[i].output_dim(),
                                    layers_[i].input_dim(),
                                    absl::StrCat("W0 of layer ", i + 1)));
  initial_weights_[i] = std::move(weight);
  return absl::OkStatus();
}

template <typename Scalar>
void BasicMlp<Scalar>::Forward(const MatrixT<Scalar>& x,
                               BasicMlpCache<Scalar>* cache) const {
  NFALAB_CHECK(x.cols() == input_dim())
      << "input has " << x.cols() << " columns, model expects " << input_dim();
  const int n_layers = num_layers();
  cache->inputs.resize(n_layers);
  cache->preactivations.resize(n_layers);
  cache->inputs[0] = x;
  for (int i = 0; i < n_layers; ++i) {
    layers_[i].Forward(cache->inputs[i], &cache->preactivations[i]);
    if (i + 1 < n_layers) {
      activation_->Apply(cache->preactivations[i], &cache->inputs[i + 1]);
    }
  }
}

template <typename Scalar>
MatrixT<Scalar> BasicMlp<Scalar>::Predict(const MatrixT<Scalar>& x,
                                          int chunk_rows) const {
  NFALAB_CHECK(x.cols() == input_dim())
      << "input has " << x.cols() << " columns, model expects " << input_dim();
  NFALAB_CHECK(chunk_rows > 0);
  MatrixT<Scalar> output(x.rows(), output_dim());
  MatrixT<Scalar> a, h;
  for (Eigen::Index start = 0; start < x.rows(); start += chunk_rows) {
    const Eigen::Index rows =
        std::min<Eigen::Index>(chunk_rows, x.rows() - start);
    a = x.middleRows(start, rows);
    for (int i = 0; i < num_layers(); ++i) {
      layers_[i].Forward(a, &h);
      if (i + 1 < num_layers()) activation_->Apply(h, &a);
    }
    output.middleRows(start, rows) = h;
  }
  return output;
}

template <typename Scalar>
void BasicMlp<Scalar>::Backward(
    const BasicMlpCache<Scalar>& cache, const MatrixT<Scalar>& d_output,
    BasicGradients<Scalar>* gradients,
    std::vector<MatrixT<Scalar>>* d_preactivations) const {
  const int n_layers = num_layers();
  NFALAB_CHECK(static_cast<int>(cache.preactivations.size()) == n_layers)
      << "Backward needs the cache of a Forward pass";
  NFALAB_CHECK(d_output.rows() == cache.output().rows() &&
               d_output.cols() == output_dim())
      << "d_output shape";
  gradients->weight.resize(n_layers);
  gradients->bias.resize(n_layers);
  if (d_preactivations != nullptr) d_preactivations->resize(n_layers);

  MatrixT<Scalar> d_h = d_output;  // dL/dh_i, walking down from the readout.
  MatrixT<Scalar> d_input, slope;
  for (int i = n_layers - 1; i >= 0; --i) {
    if (d_preactivations != nullptr) (*d_preactivations)[i] = d_h;
    layers_[i].Backward(cache.inputs[i], d_h, &gradients->weight[i],
                        &gradients->bias[i], i > 0 ? &d_input : nullptr);
    if (i > 0) {
      // dL/dh_{i-1} = dL/dx_i * phi'(h_{i-1}).
      activation_->Derivative(cache.preactivations[i - 1], &slope);
      d_h = d_input.cwiseProduct(slope);
    }
  }
}

template class BasicMlp<float>;
template class BasicMlp<double>;

}  // namespace nfalab
