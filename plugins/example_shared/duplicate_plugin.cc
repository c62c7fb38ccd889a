// A broken run-time plugin for tests: it registers "relu", which the nfalab
// binary already has, so loading it must abort with both registration sites.
#include "layers/activation.h"

namespace nfalab_duplicate {

class NotRelu : public nfalab::ElementwiseActivation<NotRelu> {
 public:
  template <typename A>
  static auto Value(const A& h) {
    return h;
  }
  template <typename A>
  static auto Slope(const A& h) {
    return h * typename A::Scalar(0) + typename A::Scalar(1);
  }
};

}  // namespace nfalab_duplicate

NFALAB_REGISTER_ACTIVATION("relu", ::nfalab_duplicate::NotRelu,
                           "duplicate of the built-in relu (test plugin)");
