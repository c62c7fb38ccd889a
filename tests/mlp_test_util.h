// Helpers for tests of small MLPs: a GAUSSIAN-initialised network with random
// biases, Gaussian inputs whose hidden pre-activations stay away from the relu
// kinks, and a forward pass in double written independently of
// BasicSequential::Forward (h = a W^T + b, a = phi(h)) that can add a perturbation to
// one layer's pre-activations h_l, for finite differences.
//
//   Rng rng(TestSeed(1));
//   NFALAB_ASSERT_OK_AND_ASSIGN(
//       ModelD mlp, CreateMlpWithRandomBiases(
//                     GaussianMlpConfig("relu", {5, 3}, /*bias=*/true),
//                     /*input_dim=*/4, /*output_dim=*/2, &rng));
//   NFALAB_ASSERT_OK_AND_ASSIGN(
//       MatrixD x, GaussianInputsAwayFromKinks(mlp, /*n=*/8, &rng));
#ifndef NFALAB_TESTS_MLP_TEST_UTIL_H_
#define NFALAB_TESTS_MLP_TEST_UTIL_H_

#include <cstdlib>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/random.h"
#include "core/tensor.h"
#include "core/check.h"
#include "layers/activation.h"
#include "layers/activation_layer.h"
#include "layers/linear.h"
#include "layers/sequential.h"
#include "layers/model_config.pb.h"
#include "tests/random_matrix.h"

namespace nfalab::testing {

// The activation of a model built from the MLP fields of ModelConfig.
template <typename Scalar>
const Activation& MlpActivation(const BasicSequential<Scalar>& mlp) {
  for (int j = 0; j < mlp.num_layers(); ++j) {
    if (const auto* layer =
            dynamic_cast<const BasicActivationLayer<Scalar>*>(&mlp.layer(j))) {
      return layer->activation();
    }
  }
  NFALAB_CHECK(false) << "the model has no activation layer";
  std::abort();
}

// The output h_l (pre-activation) and the input x_l of weighted layer l in a
// cached forward pass.
template <typename Scalar>
const MatrixT<Scalar>& PreactivationOf(const BasicSequential<Scalar>& model,
                                       const BasicModelCache<Scalar>& cache,
                                       int l) {
  return cache.outputs[model.weighted_position(l)];
}
template <typename Scalar>
const MatrixT<Scalar>& InputOf(const BasicSequential<Scalar>& model,
                               const BasicModelCache<Scalar>& cache, int l) {
  return cache.LayerInput(model.weighted_position(l));
}

// The bias scale of CreateMlpWithRandomBiases.
constexpr double kTestBiasScale = 0.5;

// depth = widths.size() hidden layers of the given widths, GAUSSIAN init
// (weights spread out, so pre-activations are too) with the default scale.
inline ModelConfig GaussianMlpConfig(absl::string_view activation,
                                     const std::vector<int>& widths,
                                     bool bias) {
  ModelConfig config;
  config.set_depth(static_cast<int>(widths.size()));
  for (int width : widths) config.add_widths(width);
  config.set_activation(std::string(activation));
  config.set_bias(bias);
  config.set_init(ModelConfig::GAUSSIAN);
  return config;
}

// Sets every bias entry, layer by layer, to scale * rng->Normal() (computed
// in double). GAUSSIAN init zeroes the biases; random ones make a bias that a
// computation drops visible. Layers without a bias are left alone.
template <typename Scalar>
void RandomizeBiases(double scale, Rng* rng, BasicSequential<Scalar>* mlp) {
  for (int l = 0; l < mlp->num_weighted_layers(); ++l) {
    VectorT<Scalar>& bias = mlp->weighted_layer(l).bias();
    for (Eigen::Index j = 0; j < bias.size(); ++j) {
      bias[j] = static_cast<Scalar>(scale * rng->Normal());
    }
  }
}

// BasicSequential<Scalar>::Create, then RandomizeBiases with kTestBiasScale, both
// drawing from `rng`.
template <typename Scalar = double>
absl::StatusOr<BasicSequential<Scalar>> CreateMlpWithRandomBiases(
    const ModelConfig& config, int input_dim, int output_dim, Rng* rng) {
  absl::StatusOr<BasicSequential<Scalar>> mlp =
      BasicSequential<Scalar>::Create(config, input_dim, output_dim, rng);
  if (mlp.ok()) RandomizeBiases(kTestBiasScale, rng, &*mlp);
  return mlp;
}

// h = a W^T + b of one layer, for every row of a.
inline MatrixD ReferencePreactivation(const BasicWeightedLayer<double>& layer,
                                      const MatrixD& a) {
  MatrixD h = a * layer.weight().transpose();
  if (layer.has_bias()) h.rowwise() += layer.bias().transpose();
  return h;
}

// The output of layers start..L for `input` (the rows x_start fed to layer
// `start`, 0-based), with `perturbation` (same shape as h) added to the
// pre-activations of layer `perturbed` (ignored unless start <= perturbed).
inline MatrixD ReferenceForward(const ModelD& mlp, const MatrixD& input,
                                int start = 0, int perturbed = -1,
                                const MatrixD& perturbation = MatrixD()) {
  MatrixD a = input;
  MatrixD h;
  for (int l = start; l < mlp.num_weighted_layers(); ++l) {
    h = ReferencePreactivation(mlp.weighted_layer(l), a);
    if (l == perturbed) h += perturbation;
    if (l + 1 < mlp.num_weighted_layers()) MlpActivation(mlp).Apply(h, &a);
  }
  return h;
}

// Whether every hidden pre-activation (layers 0..L-1) of every row of x has
// |h| >= margin.
inline bool AwayFromKinks(const ModelD& mlp, const MatrixD& x, double margin) {
  MatrixD a = x;
  for (int l = 0; l + 1 < mlp.num_weighted_layers(); ++l) {
    const MatrixD h = ReferencePreactivation(mlp.weighted_layer(l), a);
    if (h.cwiseAbs().minCoeff() < margin) return false;
    MlpActivation(mlp).Apply(h, &a);
  }
  return true;
}

// How GaussianInputsAwayFromKinks draws: every hidden pre-activation must
// have |h| >= margin, and each row is drawn at most max_attempts times. The
// default margin, 1e-3, is far more than the ~1e-5 a central-difference step
// of 1e-6 moves any pre-activation.
struct KinkAvoidance {
  double margin = 1e-3;
  int max_attempts = 1000;
};

// n input rows x ~ N(0, I) for `mlp` whose hidden pre-activations all have
// |h| >= avoid.margin, so that no finite-difference perturbation smaller than
// the margin crosses a kink of relu or leaky_relu. Each row is drawn (one
// GaussianMatrix(1, input_dim)) until it qualifies, at most
// avoid.max_attempts times; NotFound if some row never does.
inline absl::StatusOr<MatrixD> GaussianInputsAwayFromKinks(
    const ModelD& mlp, int n, Rng* rng, const KinkAvoidance& avoid = {}) {
  MatrixD x(n, mlp.input_dim());
  for (int i = 0; i < n; ++i) {
    bool found = false;
    for (int attempt = 0; attempt < avoid.max_attempts && !found; ++attempt) {
      x.row(i) = GaussianMatrix(1, mlp.input_dim(), rng);
      found = AwayFromKinks(mlp, x.row(i), avoid.margin);
    }
    if (!found) {
      return absl::NotFoundError(
          absl::StrCat("no input row away from the kinks (margin ",
                       avoid.margin, ") in ", avoid.max_attempts, " draws"));
    }
  }
  return x;
}

// g_{layer, c}(x) = d f_c(x) / d h_layer of one sample x: [1, d] for every
// output c: [C, k_{layer+1}], by central differences of ReferenceForward with
// the given step.
inline MatrixD FiniteDifferencePtf(const ModelD& mlp, const MatrixD& x, int layer,
                                   double step) {
  const int k = mlp.weighted_layer(layer).units();
  MatrixD g(mlp.output_dim(), k);
  for (int j = 0; j < k; ++j) {
    MatrixD p = MatrixD::Zero(1, k);
    p(0, j) = step;
    const MatrixD plus = ReferenceForward(mlp, x, 0, layer, p);
    const MatrixD minus = ReferenceForward(mlp, x, 0, layer, -p);
    g.col(j) = ((plus - minus) / (2 * step)).transpose();
  }
  return g;
}

}  // namespace nfalab::testing

#endif  // NFALAB_TESTS_MLP_TEST_UTIL_H_
