// Swish (SiLU): phi(h) = h * sigmoid(h), registered as "swish".
//
//   phi'(h) = s + h s (1 - s),   s = sigmoid(h) = 1 / (1 + e^-h).
//
// For h -> -inf, s underflows to 0 and both phi and phi' go to 0 (no NaN:
// Eigen's logistic() is stable); for h -> +inf, phi(h) -> h and phi' -> 1.
//
// Config:
//   model { activation: "swish" }
#include "layers/activation.h"

namespace nfalab {
namespace {

class Swish : public ElementwiseActivation<Swish> {
 public:
  template <typename A>
  static auto Value(const A& h) {
    return h * h.logistic();
  }
  template <typename A>
  static auto Slope(const A& h) {
    using S = typename A::Scalar;
    return h.logistic() + h * h.logistic() * (S(1) - h.logistic());
  }
};

}  // namespace

NFALAB_REGISTER_ACTIVATION("swish", Swish, "h * sigmoid(h) (SiLU)");

}  // namespace nfalab
