// Mlp: the paper's network
//   f(x) = W_{L+1} phi(W_L phi(... phi(W_1 x)))
// with L hidden layers and C outputs. Layers are indexed from 0 in code:
// layer(i) holds the paper's W_{i+1}; layer(depth()) is the readout.
//
// The network keeps its weights at initialisation (initial_weight(i), the
// paper's W^(0)) for the centered measures, and Forward caches each layer's
// input x_l and pre-activation h_l, so a metric can read W, W0 and the cached
// activations of every layer without touching Mlp.
//
//   NFALAB_ASSIGN_OR_RETURN(Mlp mlp, Mlp::Create(config, d, C, &rng));
//   MlpCache cache;
//   mlp.Forward(x, &cache);                        // cache.output(): [n, C]
//   Matrix d_out;
//   double loss = MseLoss(cache.output(), y, &d_out);
//   Gradients grads;
//   mlp.Backward(cache, d_out, &grads);
#ifndef NFALAB_LAYERS_MLP_H_
#define NFALAB_LAYERS_MLP_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "core/random.h"
#include "core/tensor.h"
#include "layers/activation.h"
#include "layers/linear.h"
#include "layers/model_config.pb.h"

namespace nfalab {

// Per-layer values of one forward pass over a batch of n samples.
template <typename Scalar>
struct BasicMlpCache {
  // inputs[i]: the input of layer i, [n, k_i] (inputs[0] is the batch x).
  std::vector<MatrixT<Scalar>> inputs;
  // preactivations[i]: h = inputs[i] W_i^T (+ b_i), [n, k_{i+1}]. The last
  // one is the network output.
  std::vector<MatrixT<Scalar>> preactivations;

  const MatrixT<Scalar>& output() const { return preactivations.back(); }
};

// dL/dW_i and dL/db_i for every layer (bias entries are empty without bias).
template <typename Scalar>
struct BasicGradients {
  std::vector<MatrixT<Scalar>> weight;
  std::vector<VectorT<Scalar>> bias;
};

// InvalidArgument naming the field (model.depth, model.width, model.widths[i],
// model.init_scale) or NotFound for an unknown model.activation.
absl::Status ValidateModelConfig(const ModelConfig& config);

template <typename Scalar>
class BasicMlp {
 public:
  // Validates `config` (InvalidArgument naming the field) and initialises the
  // weights from `rng`.
  static absl::StatusOr<BasicMlp> Create(const ModelConfig& config,
                                         int input_dim, int output_dim,
                                         Rng* rng);

  // Hidden layers L.
  int depth() const { return num_layers() - 1; }
  // Weight matrices L + 1.
  int num_layers() const { return static_cast<int>(layers_.size()); }
  int input_dim() const { return layers_.front().input_dim(); }
  int output_dim() const { return layers_.back().output_dim(); }

  BasicLinear<Scalar>& layer(int i) { return layers_[i]; }
  const BasicLinear<Scalar>& layer(int i) const { return layers_[i]; }
  // W_i at initialisation, [k_{i+1}, k_i].
  const MatrixT<Scalar>& initial_weight(int i) const {
    return initial_weights_[i];
  }
  const Activation& activation() const { return *activation_; }

  // Replaces W_i at initialisation (restoring a checkpoint). InvalidArgument
  // if the shape differs from the layer's.
  absl::Status SetInitialWeight(int i, MatrixT<Scalar> weight);

  // Forward pass on x: [n, input_dim], filling every layer's cache.
  void Forward(const MatrixT<Scalar>& x, BasicMlpCache<Scalar>* cache) const;

  // The output [n, C], computed in chunks of rows so memory stays bounded.
  MatrixT<Scalar> Predict(const MatrixT<Scalar>& x,
                          int chunk_rows = 4096) const;

  // Backpropagates dL/df: [n, C] through the cached pass. If
  // `d_preactivations` is not null it receives dL/dh_i for every layer.
  void Backward(const BasicMlpCache<Scalar>& cache,
                const MatrixT<Scalar>& d_output,
                BasicGradients<Scalar>* gradients,
                std::vector<MatrixT<Scalar>>* d_preactivations = nullptr) const;

  // The same network (weights, initial weights, activation) in another
  // scalar type, e.g. float -> double for reference computations.
  template <typename Other>
  BasicMlp<Other> Cast() const;

 private:
  template <typename>
  friend class BasicMlp;

  BasicMlp() = default;

  std::vector<BasicLinear<Scalar>> layers_;
  std::vector<MatrixT<Scalar>> initial_weights_;
  std::shared_ptr<const Activation> activation_;
};

using Mlp = BasicMlp<float>;
using MlpD = BasicMlp<double>;
using MlpCache = BasicMlpCache<float>;
using Gradients = BasicGradients<float>;

template <typename Scalar>
template <typename Other>
BasicMlp<Other> BasicMlp<Scalar>::Cast() const {
  BasicMlp<Other> result;
  result.activation_ = activation_;
  for (int i = 0; i < num_layers(); ++i) {
    const BasicLinear<Scalar>& from = layers_[i];
    BasicLinear<Other> to(from.input_dim(), from.output_dim(), from.has_bias());
    to.weight() = from.weight().template cast<Other>();
    if (from.has_bias()) to.bias() = from.bias().template cast<Other>();
    result.layers_.push_back(std::move(to));
    result.initial_weights_.push_back(
        initial_weights_[i].template cast<Other>());
  }
  return result;
}

extern template class BasicMlp<float>;
extern template class BasicMlp<double>;

}  // namespace nfalab

#endif  // NFALAB_LAYERS_MLP_H_
