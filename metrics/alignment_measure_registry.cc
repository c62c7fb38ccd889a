// The one AlignmentMeasureRegistry instance (see
// layers/activation_registry.cc).
#include "metrics/alignment_measure.h"

namespace nfalab {

template <>
AlignmentMeasureRegistry& AlignmentMeasureRegistry::Global() {
  static auto* registry = new AlignmentMeasureRegistry("alignment measure");
  return *registry;
}

}  // namespace nfalab
