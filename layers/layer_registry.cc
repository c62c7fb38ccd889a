// The one LayerRegistry instance. Linked into the nfalab binary only, so that
// plugins loaded at run time register into it rather than into a copy.
#include "absl/strings/str_cat.h"
#include "layers/layer.h"

namespace nfalab {

template <>
LayerRegistry& LayerRegistry::Global() {
  static auto* registry = new LayerRegistry("layer");
  return *registry;
}

template <typename Scalar>
absl::StatusOr<std::unique_ptr<BasicLayer<Scalar>>> CreateLayer(
    const LayerSpec& spec, const SampleShape& input) {
  NFALAB_RETURN_IF_ERROR(LayerRegistry::Global().CheckOptions(
      spec.type(), spec.has_options() ? &spec.options() : nullptr, "options"));
  NFALAB_ASSIGN_OR_RETURN(std::unique_ptr<LayerFactory> factory,
                          LayerRegistry::Global().Create(spec.type()));
  if constexpr (std::is_same_v<Scalar, float>) {
    return factory->CreateFloat(spec, input);
  } else {
    return factory->CreateDouble(spec, input);
  }
}

template absl::StatusOr<std::unique_ptr<BasicLayer<float>>> CreateLayer(
    const LayerSpec&, const SampleShape&);
template absl::StatusOr<std::unique_ptr<BasicLayer<double>>> CreateLayer(
    const LayerSpec&, const SampleShape&);

}  // namespace nfalab
