// The one ActivationRegistry instance. Linked into the nfalab binary only, so
// that plugins loaded at run time register into it rather than into a copy.
#include "layers/activation.h"

namespace nfalab {

template <>
ActivationRegistry& ActivationRegistry::Global() {
  static auto* registry = new ActivationRegistry("activation");
  return *registry;
}

}  // namespace nfalab
