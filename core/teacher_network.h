// The random network behind the "synthetic" source's TEACHER_MLP targets.
// datasets/ sees it only through this interface; layers/ builds it
// (layers/teacher_mlp.cc registers "mlp"), so that the data sources do not
// depend on the model classes:
//
//   y = W_{L+1} phi(W_L ... phi(W_1 x)),   L = depth, hidden width `width`,
//   no biases, W_l entries ~ N(0, 1 / fan_in), drawn from the caller's Rng.
//
//   NFALAB_ASSIGN_OR_RETURN(auto factory,
//                           TeacherNetworkRegistry::Global().Create("mlp"));
//   NFALAB_RETURN_IF_ERROR(factory->Check(spec));
//   NFALAB_ASSIGN_OR_RETURN(auto teacher, factory->Create(spec, &rng));
//   Matrix y = teacher->Predict(x);
#ifndef NFALAB_CORE_TEACHER_NETWORK_H_
#define NFALAB_CORE_TEACHER_NETWORK_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/random.h"
#include "core/registry.h"
#include "core/tensor.h"

namespace nfalab {

struct TeacherNetworkSpec {
  int input_dim = 0;  // d
  int outputs = 0;    // C
  int depth = 0;      // L >= 1 hidden layers
  int width = 0;      // >= 1
  std::string activation;  // An activation registry name.
};

class TeacherNetwork {
 public:
  virtual ~TeacherNetwork() = default;
  // x: [n, input_dim] -> [n, outputs].
  virtual Matrix Predict(const Matrix& x) const = 0;
};

class TeacherNetworkFactory {
 public:
  virtual ~TeacherNetworkFactory() = default;
  // What Create would reject in `spec`, without drawing any weight: NotFound
  // for an unknown activation. Sizes are the caller's to check.
  virtual absl::Status Check(const TeacherNetworkSpec& spec) const = 0;
  virtual absl::StatusOr<std::unique_ptr<TeacherNetwork>> Create(
      const TeacherNetworkSpec& spec, Rng* rng) const = 0;
};

using TeacherNetworkRegistry = Registry<TeacherNetworkFactory>;
template <>
TeacherNetworkRegistry& TeacherNetworkRegistry::Global();

}  // namespace nfalab

#define NFALAB_REGISTER_TEACHER_NETWORK(name, description, factory)        \
  NFALAB_REGISTER_ENTRY_(::nfalab::TeacherNetworkRegistry::Global(), name, \
                         description, factory)

#endif  // NFALAB_CORE_TEACHER_NETWORK_H_
