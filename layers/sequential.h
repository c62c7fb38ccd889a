// Sequential: the model nfalab trains and measures, a sequence of registered
// layers (layers/layer.h) f = f_J o ... o f_1, built from a ModelConfig:
// its `layers`, its `vgg` preset (torchvision's VGG without BatchNorm), or,
// when neither is set, the paper's MLP
//
//   f(x) = W_{L+1} phi(W_L phi(... phi(W_1 x)))
//
// which the MLP fields expand into (flatten first if the samples are
// images; linear, activation, ..., linear).
//
// The weighted layers are numbered in order; in code from 0, in files and
// configs from 1 (the paper's l: the `layer` column of metrics.csv,
// measurement.layers, SLO's target_layers). weighted_layer(l) is W_{l+1}.
// Forward caches every layer's output so that Backward and the tangent
// features read the pass without recomputing it.
//
//   NFALAB_ASSIGN_OR_RETURN(Model model, Model::Create(config, shape, C,
//   &rng)); ModelCache cache; model.Forward(x, &cache);                      //
//   cache.output(): [n, C] Matrix d_out; double loss = MseLoss(cache.output(),
//   y, &d_out); Gradients grads; model.Backward(cache, d_out, &grads);
#ifndef NFALAB_LAYERS_SEQUENTIAL_H_
#define NFALAB_LAYERS_SEQUENTIAL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/check.h"
#include "core/random.h"
#include "core/sample_shape.h"
#include "core/tensor.h"
#include "layers/layer.h"
#include "layers/model_config.pb.h"
#include "layers/parameters.h"

namespace nfalab {

// Every layer's output of one forward pass over a batch of n samples.
template <typename Scalar>
struct BasicModelCache {
  MatrixT<Scalar> input;                 // x: [n, input size]
  std::vector<MatrixT<Scalar>> outputs;  // outputs[j]: layer j's output
  std::vector<MatrixT<Scalar>> kept;     // what layer j kept for Backward

  const MatrixT<Scalar>& output() const { return outputs.back(); }
  const MatrixT<Scalar>& LayerInput(int j) const {
    return j == 0 ? input : outputs[j - 1];
  }
};

// The checks that need no data: InvalidArgument naming the field
// (model.depth, model.width, model.widths[i], model.init_scale,
// model.layers[j].type, ...) or NotFound for an unknown activation or layer
// type. Shapes are checked by Create.
absl::Status ValidateModelConfig(const ModelConfig& config);

// The layer list `config` describes for samples of `input` shape and
// `output_dim` outputs, with the defaults resolved: model.bias (when set) as
// every layer's `bias`, and output_dim as the out_features of the layers
// that take one (LayerFactory::takes_out_features) after the last that sets
// it.
absl::StatusOr<std::vector<LayerSpec>> ResolveLayers(const ModelConfig& config,
                                                     const SampleShape& input,
                                                     int output_dim);

template <typename Scalar>
class BasicSequential {
 public:
  // Validates `config`, builds its layers for `input` samples (each error
  // names the layer: "model.layers[2] (linear): ..."), checks that the output
  // has `output_dim` values and initialises the weighted layers in order
  // from `rng`.
  static absl::StatusOr<BasicSequential> Create(const ModelConfig& config,
                                                const SampleShape& input,
                                                int output_dim, Rng* rng);
  // For flat inputs of input_dim values.
  static absl::StatusOr<BasicSequential> Create(const ModelConfig& config,
                                                int input_dim, int output_dim,
                                                Rng* rng) {
    return Create(config, SampleShape::Flat(input_dim), output_dim, rng);
  }

  // Builds `specs` as given (no defaults resolved) for `input` samples,
  // with zero weights and biases and W0 = 0, for the caller to fill. Errors
  // name the layer as `where`[j] (type), e.g. "model.json layers[2]
  // (conv2d)".
  static absl::StatusOr<BasicSequential> FromSpecs(std::vector<LayerSpec> specs,
                                                   const SampleShape& input,
                                                   absl::string_view where);

  BasicSequential(const BasicSequential& other);
  BasicSequential& operator=(const BasicSequential& other);
  BasicSequential(BasicSequential&&) = default;
  BasicSequential& operator=(BasicSequential&&) = default;

  int num_layers() const { return static_cast<int>(layers_.size()); }
  BasicLayer<Scalar>& layer(int j) { return *layers_[j]; }
  const BasicLayer<Scalar>& layer(int j) const { return *layers_[j]; }
  // The resolved spec of layer j.
  const LayerSpec& spec(int j) const { return specs_[j]; }

  int num_weighted_layers() const {
    return static_cast<int>(weighted_positions_.size());
  }
  BasicWeightedLayer<Scalar>& weighted_layer(int l) {
    return *layers_[weighted_positions_[l]]->AsWeighted();
  }
  const BasicWeightedLayer<Scalar>& weighted_layer(int l) const {
    return *layers_[weighted_positions_[l]]->AsWeighted();
  }
  // The index j in layer(j) of weighted layer l.
  int weighted_position(int l) const { return weighted_positions_[l]; }
  // True if any layer runs worker threads of its own (a convolution).
  bool uses_worker_threads() const {
    for (const auto& layer : layers_) {
      if (layer->uses_worker_threads()) return true;
    }
    return false;
  }

  const SampleShape& input_shape() const { return input_shape_; }
  int input_dim() const { return static_cast<int>(input_shape_.size()); }
  int output_dim() const { return layers_.back()->output_size(); }

  // One block per weighted layer, pointing into this model.
  std::vector<BasicParameterBlock<Scalar>> ParameterBlocks();

  // "depth 5, activation relu": the hidden weighted layers and the
  // activations used, for messages.
  std::string Describe() const;

  // Forward pass on x: [n, input_dim], filling every layer's cache, in
  // evaluation mode (dropout off), as every measurement runs.
  void Forward(const MatrixT<Scalar>& x, BasicModelCache<Scalar>* cache) const;
  // The training-mode pass: layers such as dropout draw from `rng`.
  void ForwardTraining(const MatrixT<Scalar>& x, BasicModelCache<Scalar>* cache,
                       Rng* rng) const;

  // The output [n, C], computed in chunks of rows so memory stays bounded:
  // chunk_rows, or, for 0, the most rows (up to kPredictChunkRows) whose
  // largest layer output fits in kPredictChunkEntries values.
  static constexpr int kPredictChunkRows = 4096;
  static constexpr int64_t kPredictChunkEntries = int64_t{1} << 22;
  MatrixT<Scalar> Predict(const MatrixT<Scalar>& x, int chunk_rows = 0) const;

  // Backpropagates dL/df: [n, C] through the cached pass into one gradient
  // per weighted layer. If `d_preactivations` is not null it receives dL/dh
  // for every weighted layer (the cotangent of its output).
  void Backward(const BasicModelCache<Scalar>& cache,
                const MatrixT<Scalar>& d_output,
                BasicGradients<Scalar>* gradients,
                std::vector<MatrixT<Scalar>>* d_preactivations = nullptr) const;

  // The same network (weights, initial weights) in another scalar type, e.g.
  // float -> double for reference computations.
  template <typename Other>
  BasicSequential<Other> Cast() const;

 private:
  template <typename>
  friend class BasicSequential;

  BasicSequential() = default;
  // Forward, or ForwardTraining when training_rng is not null.
  void ForwardInMode(const MatrixT<Scalar>& x, BasicModelCache<Scalar>* cache,
                     Rng* training_rng) const;
  // Builds the layers of `specs` (no initialisation).
  // `preset` ("MLP", "VGG A") names the layers in errors; empty for the
  // user's model.layers.
  // `where` ("model.layers") names the user's layers when preset is empty.
  static absl::StatusOr<BasicSequential> Build(
      std::vector<LayerSpec> specs, const SampleShape& input,
      absl::string_view preset, absl::string_view where = "model.layers");

  SampleShape input_shape_;
  std::vector<LayerSpec> specs_;
  std::vector<std::unique_ptr<BasicLayer<Scalar>>> layers_;
  std::vector<int> weighted_positions_;
};

using Model = BasicSequential<float>;
using ModelD = BasicSequential<double>;
using ModelCache = BasicModelCache<float>;

template <typename Scalar>
template <typename Other>
BasicSequential<Other> BasicSequential<Scalar>::Cast() const {
  // The specs were built once, so building them again cannot fail.
  absl::StatusOr<BasicSequential<Other>> result =
      BasicSequential<Other>::Build(specs_, input_shape_, "");
  NFALAB_CHECK(result.ok()) << result.status();
  for (int l = 0; l < num_weighted_layers(); ++l) {
    const BasicWeightedLayer<Scalar>& from = weighted_layer(l);
    BasicWeightedLayer<Other>& to = result->weighted_layer(l);
    to.weight() = from.weight().template cast<Other>();
    to.bias() = from.bias().template cast<Other>();
    const absl::Status set =
        to.SetInitialWeight(from.initial_weight().template cast<Other>(), "W0");
    NFALAB_CHECK(set.ok()) << set;
  }
  return std::move(result).value();
}

extern template class BasicSequential<float>;
extern template class BasicSequential<double>;

}  // namespace nfalab

#endif  // NFALAB_LAYERS_SEQUENTIAL_H_
