// Shared fixtures for the optimizer tests: small networks with entries away
// from zero, random gradients of a network's shapes, the parameters in
// double, and an "sgd" created from its three common fields.
#ifndef NFALAB_TESTS_OPTIMIZERS_OPTIMIZER_TEST_UTIL_H_
#define NFALAB_TESTS_OPTIMIZERS_OPTIMIZER_TEST_UTIL_H_

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "core/random.h"
#include "core/tensor.h"
#include "layers/sequential.h"
#include "layers/model_config.pb.h"
#include "optimizers/optimizer.h"
#include "optimizers/optimizer_config.pb.h"

namespace nfalab::testing {

inline absl::StatusOr<std::unique_ptr<Optimizer>> CreateSgd(
    double learning_rate, double momentum = 0.0, double weight_decay = 0.0) {
  OptimizerConfig config;
  config.set_learning_rate(learning_rate);
  config.set_momentum(momentum);
  config.set_weight_decay(weight_decay);
  return OptimizerRegistry::Global().Create("sgd", config);
}

// A random sign and a magnitude uniform in [lo, hi].
inline float AwayFromZero(Rng* rng, double lo = 0.5, double hi = 1.5) {
  const double magnitude = rng->Uniform(lo, hi);
  return static_cast<float>(rng->Uniform() < 0.5 ? -magnitude : magnitude);
}

struct TinyMlpShape {
  int depth = 1;
  int width = 3;
  int input_dim = 2;
  int output_dim = 1;
};

// An Model of `shape` with every weight and bias entry overwritten by
// AwayFromZero(lo, hi), drawn from Rng(seed) after the initialisation.
inline absl::StatusOr<Model> MakeTinyMlp(const TinyMlpShape& shape, bool bias,
                                       uint64_t seed, double lo = 0.5,
                                       double hi = 1.5) {
  ModelConfig config;
  config.set_depth(shape.depth);
  config.set_width(shape.width);
  config.set_bias(bias);
  Rng rng(seed);
  absl::StatusOr<Model> mlp =
      Model::Create(config, shape.input_dim, shape.output_dim, &rng);
  if (!mlp.ok()) return mlp;
  for (int i = 0; i < mlp->num_weighted_layers(); ++i) {
    BasicWeightedLayer<float>& layer = mlp->weighted_layer(i);
    for (Eigen::Index k = 0; k < layer.weight().size(); ++k) {
      layer.weight().data()[k] = AwayFromZero(&rng, lo, hi);
    }
    for (Eigen::Index k = 0; k < layer.bias().size(); ++k) {
      layer.bias()[k] = AwayFromZero(&rng, lo, hi);
    }
  }
  return mlp;
}

// Gradients of `model`'s shapes with entries uniform in [-1, 1].
inline Gradients RandomGradients(const Model& model, Rng* rng) {
  Gradients gradients;
  for (int i = 0; i < model.num_weighted_layers(); ++i) {
    const BasicWeightedLayer<float>& layer = model.weighted_layer(i);
    Matrix weight(layer.units(), layer.fan_in());
    for (Eigen::Index k = 0; k < weight.size(); ++k) {
      weight.data()[k] = static_cast<float>(rng->Uniform(-1.0, 1.0));
    }
    Vector bias(layer.has_bias() ? layer.units() : 0);
    for (Eigen::Index k = 0; k < bias.size(); ++k) {
      bias[k] = static_cast<float>(rng->Uniform(-1.0, 1.0));
    }
    gradients.weight.push_back(std::move(weight));
    gradients.bias.push_back(std::move(bias));
  }
  return gradients;
}

// `gradients` in double (for a FLOAT64 step).
inline GradientsD ToDouble(const Gradients& gradients) {
  GradientsD result;
  for (const Matrix& weight : gradients.weight) {
    result.weight.push_back(weight.cast<double>());
  }
  for (const Vector& bias : gradients.bias) {
    result.bias.push_back(bias.cast<double>());
  }
  return result;
}

// The parameters of a Model in double.
struct ParamsD {
  std::vector<MatrixD> weight;
  std::vector<VectorD> bias;
};

inline ParamsD ParamsOf(const Model& model) {
  ParamsD params;
  for (int i = 0; i < model.num_weighted_layers(); ++i) {
    params.weight.push_back(model.weighted_layer(i).weight().cast<double>());
    params.bias.push_back(model.weighted_layer(i).bias().cast<double>());
  }
  return params;
}

inline ParamsD ParamsOf(const ModelD& model) {
  ParamsD params;
  for (int i = 0; i < model.num_weighted_layers(); ++i) {
    params.weight.push_back(model.weighted_layer(i).weight());
    params.bias.push_back(model.weighted_layer(i).bias());
  }
  return params;
}

}  // namespace nfalab::testing

#endif  // NFALAB_TESTS_OPTIMIZERS_OPTIMIZER_TEST_UTIL_H_
