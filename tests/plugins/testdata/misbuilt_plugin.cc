// A plugin built on purpose with settings that differ from the binary's
// (tests/plugins:libmisbuilt_plugin.so: -march=x86-64 and assertions on, so
// Eigen's alignment, vectorisation and NDEBUG all differ). The loader must
// refuse it before any of its code runs; the static below would say so.
#include <cstdio>

#include "layers/activation.h"

namespace {

class MisbuiltIdentity
    : public nfalab::ElementwiseActivation<MisbuiltIdentity> {
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

const bool kAnnounced = [] {
  std::fprintf(stderr, "MISBUILT PLUGIN CODE RAN\n");
  return true;
}();

}  // namespace

NFALAB_REGISTER_ACTIVATION("misbuilt_identity", MisbuiltIdentity,
                           "identity, from a deliberately mis-built plugin");
