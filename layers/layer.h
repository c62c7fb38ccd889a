// Layer: one step of a sequential model (layers/sequential.h), in float32
// (training) and float64 (reference and finite-difference paths).
//
// A batch is [n, size], one sample per row; a sample of shape (C, H, W)
// (core/sample_shape.h) is stored channel-major. A layer is built for one
// input shape and knows its output shape.
//
//   Forward   y = f(x)                          x: [n, in], y: [n, out]
//   Backward  d_x = d_y (df/dx)                 d_y, d_x: [n R, out], [n R, in]
//             (a vector-Jacobian product for R cotangent rows per sample:
//             rows i R + r, r < R, belong to sample i; the tangent features
//             push the C unit cotangents back in one pass with R = C), and,
//             for R = 1, the parameter gradients dL/dW, dL/db.
//
// A weighted layer (BasicWeightedLayer) holds W: [k, p], an optional bias
// b: [k] and its initial weight W0. W is applied at P positions of each
// sample: the layer maps its input rows to the rows that W multiplies,
//
//   X_i = InputRows(x_i): [P, p],   h_i[:, q] = W X_i[q, :]^T + b,  q < P,
//
// so the metrics' view of every weighted layer is the same matrix algebra:
//
//   NFM  = W^T W,   AGOP = W^T K W,
//   K    = (1/m) sum_{i, c, q} g_{icq} g_{icq}^T,
//   g_{icq} = d f_c(x_i) / d h_i[:, q] in R^k   (OutputVectors),
//
// with P = 1 for `linear` (X_i = x_i, g_ic the cotangent row), and, for a
// convolution, p = C_in kh kw, X_i the im2col patches of x_i and P = H_out
// W_out. The output row of sample i is channel-major, k x P: entry c P + q
// is h_i[c, q]. For P = 1, OutputVectors is the identity and callers may
// skip it; InputRows may still rescale (a layer computing h = s W x has
// X_i = s x_i).
//
// New layers are class templates over the scalar type, registered once:
//
//   template <typename Scalar>
//   class Scaled : public BasicLayer<Scalar> {
//    public:
//     static absl::StatusOr<std::unique_ptr<BasicLayer<Scalar>>> Create(
//         const LayerSpec& spec, const SampleShape& input);
//     ...
//   };
//   NFALAB_REGISTER_LAYER("scaled", Scaled, "y = 2 x");
//
// and are selected in a config by name: model { layers { type: "scaled" } }.
// A type with options of its own (core/plugin_options.h) registers an
// example of its options message and unpacks LayerSpec.options in Create:
//
//   NFALAB_REGISTER_LAYER_WITH_OPTIONS("scaled", Scaled, "y = s x",
//                                      ScaledOptions());
//   model { layers { type: "scaled"
//                    options { [type.googleapis.com/my.ScaledOptions] {
//                      scale: 2 } } } }
#ifndef NFALAB_LAYERS_LAYER_H_
#define NFALAB_LAYERS_LAYER_H_

#include <cmath>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/random.h"
#include "core/registry.h"
#include "core/sample_shape.h"
#include "core/status_macros.h"
#include "core/tensor.h"
#include "layers/model_config.pb.h"

namespace nfalab {

template <typename Scalar>
class BasicWeightedLayer;

// One `key: value` pair of the layer's entry in model.json; `json` is
// already JSON (a number, a quoted string, a list).
struct ExportField {
  std::string key;
  std::string json;
};

template <typename Scalar>
class BasicLayer {
 public:
  virtual ~BasicLayer() = default;

  // The registry name ("linear").
  const std::string& type() const { return type_; }
  const SampleShape& input_shape() const { return input_shape_; }
  const SampleShape& output_shape() const { return output_shape_; }
  int input_size() const { return static_cast<int>(input_shape_.size()); }
  int output_size() const { return static_cast<int>(output_shape_.size()); }

  // y: [n, output_size] from x: [n, input_size]. `kept` may receive what
  // Backward needs beyond x and y (e.g. a dropout mask); it is handed back
  // unchanged.
  virtual void Forward(const MatrixT<Scalar>& x, MatrixT<Scalar>* y,
                       MatrixT<Scalar>* kept) const = 0;

  // Forward while training: layers that act differently then (dropout)
  // override it and draw from `rng`, the run's training stream. Forward is
  // the evaluation mode, which measurement uses, as the authors' eval().
  virtual void ForwardTraining(const MatrixT<Scalar>& x, MatrixT<Scalar>* y,
                               MatrixT<Scalar>* kept, Rng* /*rng*/) const {
    Forward(x, y, kept);
  }
  // True if ForwardTraining differs from Forward.
  virtual bool acts_in_training() const { return false; }

  // The vector-Jacobian product at the cached pass (x, y, kept): d_y holds
  // rows_per_sample rows per sample of x. Writes d_x unless it is null.
  // Weighted layers also write dL/dW and dL/db (when given and the layer has
  // one) and then need rows_per_sample == 1.
  virtual void Backward(const MatrixT<Scalar>& x, const MatrixT<Scalar>& y,
                        const MatrixT<Scalar>& kept, const MatrixT<Scalar>& d_y,
                        int rows_per_sample, MatrixT<Scalar>* d_x,
                        MatrixT<Scalar>* d_weight,
                        VectorT<Scalar>* d_bias) const = 0;

  // Backward with d_x written over d_y (no weight gradients), for layers
  // whose VJP maps each entry on its own, such as activations: saves a pass
  // over the tangent features. False (and nothing done) if the layer cannot.
  virtual bool BackwardInPlace(const MatrixT<Scalar>& x,
                               const MatrixT<Scalar>& y,
                               const MatrixT<Scalar>& kept, int rows_per_sample,
                               MatrixT<Scalar>* d) const {
    return false;
  }
  // True if BackwardInPlace works.
  virtual bool backward_in_place() const { return false; }
  // True if Forward and Backward split their work over worker threads of
  // their own (core/parallel.h), each on a single-threaded BLAS.
  virtual bool uses_worker_threads() const { return false; }

  // The layer's own keys in model.json, after "type" (and before the weight
  // files of a weighted layer).
  virtual std::vector<ExportField> ExportFields() const { return {}; }

  // A deep copy.
  virtual std::unique_ptr<BasicLayer> Clone() const = 0;

  // Null unless the layer has a weight.
  virtual BasicWeightedLayer<Scalar>* AsWeighted() { return nullptr; }
  virtual const BasicWeightedLayer<Scalar>* AsWeighted() const {
    return nullptr;
  }

  // Set by Create (through the registry) or the subclass.
  void set_type(std::string type) { type_ = std::move(type); }

 protected:
  BasicLayer(SampleShape input_shape, SampleShape output_shape)
      : input_shape_(input_shape), output_shape_(output_shape) {}

 private:
  std::string type_;
  SampleShape input_shape_;
  SampleShape output_shape_;
};

// A layer with a weight W: [k, p] applied at P positions (see the top).
template <typename Scalar>
class BasicWeightedLayer : public BasicLayer<Scalar> {
 public:
  BasicWeightedLayer* AsWeighted() override { return this; }
  const BasicWeightedLayer* AsWeighted() const override { return this; }

  // k: rows of W, the size of each pre-activation vector.
  int units() const { return static_cast<int>(weight_.rows()); }
  // p: columns of W, the size of each row that W multiplies.
  int fan_in() const { return static_cast<int>(weight_.cols()); }
  // P: the positions per sample at which W is applied (1 for linear).
  virtual int positions() const { return 1; }

  MatrixT<Scalar>& weight() { return weight_; }
  const MatrixT<Scalar>& weight() const { return weight_; }
  // Empty when the layer has no bias.
  VectorT<Scalar>& bias() { return bias_; }
  const VectorT<Scalar>& bias() const { return bias_; }
  bool has_bias() const { return has_bias_; }
  // W at initialisation (the paper's W^(0)), for the centered measures.
  const MatrixT<Scalar>& initial_weight() const { return initial_weight_; }
  // InvalidArgument (naming `what`) unless the shape is W's.
  absl::Status SetInitialWeight(MatrixT<Scalar> weight,
                                absl::string_view what) {
    NFALAB_RETURN_IF_ERROR(
        CheckShape(weight, weight_.rows(), weight_.cols(), what));
    initial_weight_ = std::move(weight);
    return absl::OkStatus();
  }

  // Outputs each input value reaches, Kaiming's fan_out: k for linear,
  // k kh kw for a convolution.
  virtual int64_t fan_out() const { return units(); }

  // Draws W and b from `init` (ModelConfig::Init): uniform in +-s/sqrt(p)
  // (W then b, in storage order), or W ~ N(0, sigma^2), b = 0, with
  // sigma = s/sqrt(p) (GAUSSIAN) or torchvision's VGG choice. Sets W0 = W.
  void Initialise(ModelConfig::Init init, double scale, Rng* rng) {
    const double bound = scale / std::sqrt(static_cast<double>(fan_in()));
    if (init == ModelConfig::GAUSSIAN || init == ModelConfig::TORCHVISION_VGG) {
      double sigma = bound;
      if (init == ModelConfig::TORCHVISION_VGG) {
        sigma = this->input_shape().is_flat()
                    ? 0.01 * scale
                    : scale * std::sqrt(2.0 / static_cast<double>(fan_out()));
      }
      for (Eigen::Index i = 0; i < weight_.size(); ++i) {
        weight_.data()[i] = static_cast<Scalar>(sigma * rng->Normal());
      }
      bias_.setZero();
    } else {
      for (Eigen::Index i = 0; i < weight_.size(); ++i) {
        weight_.data()[i] = static_cast<Scalar>(rng->Uniform(-bound, bound));
      }
      for (Eigen::Index i = 0; i < bias_.size(); ++i) {
        bias_[i] = static_cast<Scalar>(rng->Uniform(-bound, bound));
      }
    }
    initial_weight_ = weight_;
  }

  // W's shape in the export (PyTorch's layout of the same values in the
  // same order): [k, p] for linear; a convolution's [out, in, kh, kw].
  virtual std::vector<int64_t> ExportWeightShape() const {
    return {weight_.rows(), weight_.cols()};
  }

  // The rows W multiplies: [n P, p], row i P + q from sample i at position
  // q, so that Forward(x)[i, c P + q] = (rows.row(i P + q) W^T + b^T)[c].
  // The default (P = 1) is the identity.
  virtual void InputRows(const MatrixT<Scalar>& x,
                         MatrixT<Scalar>* rows) const {
    *rows = x;
  }

  // One k-vector per (cotangent row, position): d_h: [n R, k P] ->
  // [n R P, k], vectors(j P + q, c) = d_h(j, c P + q). The identity for
  // P = 1.
  virtual void OutputVectors(const MatrixT<Scalar>& d_h,
                             MatrixT<Scalar>* vectors) const {
    *vectors = d_h;
  }

 protected:
  BasicWeightedLayer(SampleShape input_shape, SampleShape output_shape,
                     int units, int fan_in, bool has_bias)
      : BasicLayer<Scalar>(input_shape, output_shape),
        weight_(MatrixT<Scalar>::Zero(units, fan_in)),
        bias_(has_bias ? VectorT<Scalar>::Zero(units) : VectorT<Scalar>()),
        initial_weight_(MatrixT<Scalar>::Zero(units, fan_in)),
        has_bias_(has_bias) {}

 private:
  MatrixT<Scalar> weight_;
  VectorT<Scalar> bias_;
  MatrixT<Scalar> initial_weight_;
  bool has_bias_;
};

// What the registry stores for a layer type: its float and double builders.
class LayerFactory {
 public:
  virtual ~LayerFactory() = default;
  // True if the type reads LayerSpec.out_features, so that a model's last
  // such layer may leave it out and get the task's outputs.
  virtual bool takes_out_features() const { return false; }
  virtual absl::StatusOr<std::unique_ptr<BasicLayer<float>>> CreateFloat(
      const LayerSpec& spec, const SampleShape& input) const = 0;
  virtual absl::StatusOr<std::unique_ptr<BasicLayer<double>>> CreateDouble(
      const LayerSpec& spec, const SampleShape& input) const = 0;
};

// T::kTakesOutFeatures if T declares it, else false.
template <typename T, typename = void>
struct TakesOutFeatures : std::false_type {};
template <typename T>
struct TakesOutFeatures<T, std::void_t<decltype(T::kTakesOutFeatures)>>
    : std::bool_constant<T::kTakesOutFeatures> {};

// The factory of a layer class template T: T<Scalar>::Create(spec, input).
// A type that reads out_features declares
//   static constexpr bool kTakesOutFeatures = true;
template <template <typename> class T>
class LayerFactoryFor : public LayerFactory {
 public:
  explicit LayerFactoryFor(std::string name) : name_(std::move(name)) {}
  bool takes_out_features() const override {
    return TakesOutFeatures<T<float>>::value;
  }
  absl::StatusOr<std::unique_ptr<BasicLayer<float>>> CreateFloat(
      const LayerSpec& spec, const SampleShape& input) const override {
    return Named<float>(T<float>::Create(spec, input));
  }
  absl::StatusOr<std::unique_ptr<BasicLayer<double>>> CreateDouble(
      const LayerSpec& spec, const SampleShape& input) const override {
    return Named<double>(T<double>::Create(spec, input));
  }

 private:
  template <typename Scalar>
  absl::StatusOr<std::unique_ptr<BasicLayer<Scalar>>> Named(
      absl::StatusOr<std::unique_ptr<BasicLayer<Scalar>>> layer) const {
    if (layer.ok()) (*layer)->set_type(name_);
    return layer;
  }
  std::string name_;
};

using LayerRegistry = Registry<LayerFactory>;
template <>
LayerRegistry& LayerRegistry::Global();

// The layer `spec.type` for `input` from the registry: NotFound listing the
// registered types, InvalidArgument if spec.options does not suit the type
// (LayerRegistry::CheckOptions), or the layer's InvalidArgument for bad
// options or an input shape it cannot take.
template <typename Scalar>
absl::StatusOr<std::unique_ptr<BasicLayer<Scalar>>> CreateLayer(
    const LayerSpec& spec, const SampleShape& input);

}  // namespace nfalab

// Registers the class template `Template` (Template<float> and
// Template<double> are BasicLayers with a static Create(spec, input_shape))
// under `name`.
#define NFALAB_REGISTER_LAYER(name, Template, description)                \
  NFALAB_REGISTER_ENTRY_(                                                 \
      ::nfalab::LayerRegistry::Global(), name, description,               \
      []() -> ::absl::StatusOr<std::unique_ptr<::nfalab::LayerFactory>> { \
        return std::unique_ptr<::nfalab::LayerFactory>(                   \
            std::make_unique<::nfalab::LayerFactoryFor<Template>>(name)); \
      })

// The same for a type that takes options: `example` is an instance of its
// options message (the type its Create unpacks from LayerSpec.options, with
// UnpackOptions<T>(..., "options")), also used by the conformance checks.
#define NFALAB_REGISTER_LAYER_WITH_OPTIONS(name, Template, description,   \
                                           example)                       \
  NFALAB_REGISTER_ENTRY_WITH_OPTIONS_(                                    \
      ::nfalab::LayerRegistry::Global(), name, description,               \
      []() -> ::absl::StatusOr<std::unique_ptr<::nfalab::LayerFactory>> { \
        return std::unique_ptr<::nfalab::LayerFactory>(                   \
            std::make_unique<::nfalab::LayerFactoryFor<Template>>(name)); \
      },                                                                  \
      example)

#endif  // NFALAB_LAYERS_LAYER_H_
