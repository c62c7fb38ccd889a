// The built-in activations. They use exactly the plugin API.
#include <cmath>

#include "layers/activation.h"

namespace nfalab {
namespace {

template <typename A>
using ScalarOf = typename A::Scalar;

class Relu : public ElementwiseActivation<Relu> {
 public:
  template <typename A>
  static auto Value(const A& h) {
    return h.max(ScalarOf<A>(0));
  }
  template <typename A>
  static auto Slope(const A& h) {
    return (h > ScalarOf<A>(0)).template cast<ScalarOf<A>>();
  }
};

class Identity : public ElementwiseActivation<Identity> {
 public:
  template <typename A>
  static auto Value(const A& h) {
    return h;
  }
  template <typename A>
  static auto Slope(const A& h) {
    return h * ScalarOf<A>(0) + ScalarOf<A>(1);
  }
};

class Tanh : public ElementwiseActivation<Tanh> {
 public:
  template <typename A>
  static auto Value(const A& h) {
    return h.tanh();
  }
  template <typename A>
  static auto Slope(const A& h) {
    return ScalarOf<A>(1) - h.tanh().square();
  }
};

class Sigmoid : public ElementwiseActivation<Sigmoid> {
 public:
  template <typename A>
  static auto Value(const A& h) {
    return h.logistic();
  }
  template <typename A>
  static auto Slope(const A& h) {
    return h.logistic() * (ScalarOf<A>(1) - h.logistic());
  }
};

// GELU, tanh approximation (PyTorch's approximate="tanh"):
//   phi(h) = h/2 (1 + tanh(u)) = h sigmoid(2u),
//   u = sqrt(2/pi) (h + 0.044715 h^3).
// The sigmoid form avoids the cancellation in 1 + tanh(u) for very negative
// h, where float tanh rounds to -1.
class Gelu : public ElementwiseActivation<Gelu> {
 public:
  template <typename A>
  static auto Value(const A& h) {
    return h * Gate(h);
  }
  // phi'(h) = s + 2 h s (1 - s) u'(h), s = sigmoid(2u),
  // u'(h) = sqrt(2/pi) (1 + 3 * 0.044715 h^2).
  template <typename A>
  static auto Slope(const A& h) {
    using S = ScalarOf<A>;
    return Gate(h) + S(2 * kSqrt2OverPi) * h * Gate(h) * (S(1) - Gate(h)) *
                         (S(1) + S(3 * kCubic) * h.square());
  }

 private:
  static constexpr double kSqrt2OverPi = 0.7978845608028654;
  static constexpr double kCubic = 0.044715;
  // sigmoid(2u).
  template <typename A>
  static auto Gate(const A& h) {
    using S = ScalarOf<A>;
    return (S(2 * kSqrt2OverPi) * (h + S(kCubic) * h.cube())).logistic();
  }
};

// softplus(h) = log(1 + e^h), written as max(h, 0) + log1p(e^-|h|) so that it
// neither overflows nor loses precision for large |h|.
class Softplus : public ElementwiseActivation<Softplus> {
 public:
  template <typename A>
  static auto Value(const A& h) {
    return h.max(ScalarOf<A>(0)) + (-h.abs()).exp().log1p();
  }
  template <typename A>
  static auto Slope(const A& h) {
    return h.logistic();
  }
};

// Negative slope 0.01, PyTorch's default.
class LeakyRelu : public ElementwiseActivation<LeakyRelu> {
 public:
  template <typename A>
  static auto Value(const A& h) {
    using S = ScalarOf<A>;
    return h.max(S(0)) + S(kNegativeSlope) * h.min(S(0));
  }
  template <typename A>
  static auto Slope(const A& h) {
    using S = ScalarOf<A>;
    return (h > S(0)).template cast<S>() * S(1 - kNegativeSlope) +
           S(kNegativeSlope);
  }

 private:
  static constexpr double kNegativeSlope = 0.01;
};

class Quadratic : public ElementwiseActivation<Quadratic> {
 public:
  template <typename A>
  static auto Value(const A& h) {
    return h.square();
  }
  template <typename A>
  static auto Slope(const A& h) {
    return ScalarOf<A>(2) * h;
  }
};

}  // namespace

NFALAB_REGISTER_ACTIVATION("relu", Relu, "max(h, 0)");
NFALAB_REGISTER_ACTIVATION("identity", Identity, "h (a linear network)");
NFALAB_REGISTER_ACTIVATION("tanh", Tanh, "tanh(h)");
NFALAB_REGISTER_ACTIVATION("sigmoid", Sigmoid, "1 / (1 + exp(-h))");
NFALAB_REGISTER_ACTIVATION(
    "gelu", Gelu, "GELU, tanh approximation (PyTorch approximate='tanh')");
NFALAB_REGISTER_ACTIVATION("softplus", Softplus, "log(1 + exp(h))");
NFALAB_REGISTER_ACTIVATION("leaky_relu", LeakyRelu,
                           "max(h, 0) + 0.01 min(h, 0)");
NFALAB_REGISTER_ACTIVATION("quadratic", Quadratic, "h^2");

}  // namespace nfalab
