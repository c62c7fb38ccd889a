// Swish: phi(h) = h * sigmoid(beta h), registered as "swish"; beta = 1 (the
// default) is SiLU.
//
//   phi'(h) = s + beta h s (1 - s),   s = sigmoid(beta h) = 1 / (1 + e^-beta
//   h).
//
// For h -> -inf, s underflows to 0 and both phi and phi' go to 0 (no NaN:
// Eigen's logistic() is stable); for h -> +inf, phi(h) -> h and phi' -> 1.
//
// Options (SwishOptions, swish_options.proto): beta (finite, > 0).
//
// Config:
//   model { activation: "swish" }
//   model {
//     activation: "swish"
//     activation_options {
//       [type.googleapis.com/nfalab.SwishOptions] { beta: 2 }
//     }
//   }
#include <cmath>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "core/plugin_options.h"
#include "core/status_macros.h"
#include "layers/activation.h"
#include "plugins/swish/swish_options.pb.h"

namespace nfalab {
namespace {

class Swish : public Activation {
 public:
  explicit Swish(double beta) : beta_(beta) {}

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
  // Elementwise, so `out` may alias `h`.
  template <bool kValue, typename M>
  void Run(const M& h, M* out) const {
    using S = typename M::Scalar;
    const S beta = static_cast<S>(beta_);
    out->resize(h.rows(), h.cols());
    if constexpr (kValue) {
      out->array() = h.array() * (beta * h.array()).logistic();
    } else {
      const auto s = (beta * h.array()).logistic();
      out->array() = s + beta * h.array() * s * (S(1) - s);
    }
  }

  double beta_;
};

absl::StatusOr<std::unique_ptr<Activation>> CreateSwish(
    const google::protobuf::Any* options) {
  NFALAB_ASSIGN_OR_RETURN(
      const SwishOptions swish,
      UnpackOptions<SwishOptions>(options, "activation_options"));
  if (!(std::isfinite(swish.beta()) && swish.beta() > 0)) {
    return OptionsError(
        "activation_options", swish, "beta",
        absl::StrCat("must be finite and > 0, got ", swish.beta()));
  }
  return std::unique_ptr<Activation>(std::make_unique<Swish>(swish.beta()));
}

SwishOptions SwishExample() {
  SwishOptions example;
  example.set_beta(1.5);  // Not the default, so the checks exercise beta.
  return example;
}

}  // namespace

NFALAB_REGISTER_ACTIVATION_WITH_OPTIONS("swish", CreateSwish,
                                        "h * sigmoid(beta h) (SiLU at beta 1)",
                                        SwishExample());

}  // namespace nfalab
