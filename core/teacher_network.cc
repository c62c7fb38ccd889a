#include "core/teacher_network.h"

namespace nfalab {

template <>
TeacherNetworkRegistry& TeacherNetworkRegistry::Global() {
  static auto* registry = new TeacherNetworkRegistry("teacher network");
  return *registry;
}

}  // namespace nfalab
