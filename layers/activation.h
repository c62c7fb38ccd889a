// Activation: an elementwise non-linearity phi with its derivative phi',
// vectorised over whole Eigen matrices, in float32 (training) and float64
// (reference and finite-difference paths).
//
// Most activations derive from ElementwiseActivation and write phi and phi'
// once, as Eigen array expressions valid for any scalar type:
//
//   class Relu : public ElementwiseActivation<Relu> {
//    public:
//     template <typename A> static auto Value(const A& h) {
//       return h.max(typename A::Scalar(0));
//     }
//     template <typename A> static auto Slope(const A& h) {
//       return (h > typename A::Scalar(0)).template cast<typename A::Scalar>();
//     }
//   };
//   NFALAB_REGISTER_ACTIVATION("relu", Relu, "max(h, 0)");
//
// and are then created by name (the second argument: the activation's
// options, a google.protobuf.Any, or null for none):
//   NFALAB_ASSIGN_OR_RETURN(auto phi,
//   ActivationRegistry::Global().Create("relu", nullptr));
//
// An activation with options of its own (core/plugin_options.h; e.g. swish's
// beta) registers a factory and an example of its options message:
//   NFALAB_REGISTER_ACTIVATION_WITH_OPTIONS("swish", CreateSwish, "...",
//                                           SwishOptions());
// and configs give them beside the name, as model.activation_options or a
// layer's activation_options.
#ifndef NFALAB_LAYERS_ACTIVATION_H_
#define NFALAB_LAYERS_ACTIVATION_H_

#include <memory>
#include <string>

#include "core/registry.h"
#include "core/tensor.h"
#include "google/protobuf/any.pb.h"

namespace nfalab {

class Activation {
 public:
  virtual ~Activation() = default;

  // out = phi(h) and out = phi'(h), elementwise. `out` may alias `h`.
  virtual void Apply(const Matrix& h, Matrix* out) const = 0;
  virtual void Derivative(const Matrix& h, Matrix* out) const = 0;
  virtual void Apply(const MatrixD& h, MatrixD* out) const = 0;
  virtual void Derivative(const MatrixD& h, MatrixD* out) const = 0;

  // The registry name this instance was created under.
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

 private:
  std::string name_;
};

// Implements the four virtual methods from Derived::Value and Derived::Slope.
template <typename Derived>
class ElementwiseActivation : public Activation {
 public:
  void Apply(const Matrix& h, Matrix* out) const override { Run<true>(h, out); }
  void Derivative(const Matrix& h, Matrix* out) const override {
    Run<false>(h, out);
  }
  void Apply(const MatrixD& h, MatrixD* out) const override {
    Run<true>(h, out);
  }
  void Derivative(const MatrixD& h, MatrixD* out) const override {
    Run<false>(h, out);
  }

 private:
  template <bool kValue, typename M>
  static void Run(const M& h, M* out) {
    out->resize(h.rows(), h.cols());
    if constexpr (kValue) {
      out->array() = Derived::Value(h.array());
    } else {
      out->array() = Derived::Slope(h.array());
    }
  }
};

// Factories take the activation's options (null: none given).
using ActivationRegistry = Registry<Activation, const google::protobuf::Any*>;
template <>
ActivationRegistry& ActivationRegistry::Global();

}  // namespace nfalab

// Registers `Type` (default-constructible Activation) under `name`.
#define NFALAB_REGISTER_ACTIVATION(name, Type, description)                  \
  NFALAB_REGISTER_ENTRY_(                                                    \
      ::nfalab::ActivationRegistry::Global(), name, description,             \
      [](const ::google::protobuf::Any*)                                     \
          -> ::absl::StatusOr<std::unique_ptr<::nfalab::Activation>> {       \
        auto activation = std::make_unique<Type>();                          \
        activation->set_name(name);                                          \
        return std::unique_ptr<::nfalab::Activation>(std::move(activation)); \
      })

// Registers `factory` (absl::StatusOr<std::unique_ptr<Activation>>(const
// google::protobuf::Any* options)) for an activation with options; `example`
// is an instance of its options message, the type it unpacks (also used by
// the conformance checks). The registry sets the activation's name.
#define NFALAB_REGISTER_ACTIVATION_WITH_OPTIONS(name, factory, description,  \
                                                example)                     \
  NFALAB_REGISTER_ENTRY_WITH_OPTIONS_(                                       \
      ::nfalab::ActivationRegistry::Global(), name, description,             \
      [](const ::google::protobuf::Any* options)                             \
          -> ::absl::StatusOr<std::unique_ptr<::nfalab::Activation>> {       \
        ::absl::StatusOr<std::unique_ptr<::nfalab::Activation>> activation = \
            factory(options);                                                \
        if (activation.ok()) (*activation)->set_name(name);                  \
        return activation;                                                   \
      },                                                                     \
      example)

#endif  // NFALAB_LAYERS_ACTIVATION_H_
