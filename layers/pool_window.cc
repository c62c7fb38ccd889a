#include "layers/pool_window.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace nfalab {
namespace {

std::string EmptyOutput(absl::string_view type, int kernel, int stride,
                        int height, int width) {
  return absl::StrCat(type, " kernel ", kernel, " stride ", stride, " on ",
                      height, " x ", width, " gives an empty output");
}

}  // namespace

absl::Status RequireImageInput(absl::string_view type, const SampleShape& input,
                               absl::string_view note) {
  if (!input.is_flat()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(type, " needs an image input [C, H, W], got ",
                   input.ToString(), note.empty() ? "" : "; ", note));
}

absl::StatusOr<PoolWindow> ResolvePoolWindow(absl::string_view type,
                                             const LayerSpec& spec,
                                             const SampleShape& input) {
  PoolWindow window;
  window.kernel = spec.has_kernel_size() ? spec.kernel_size() : 2;
  if (window.kernel < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        type, " kernel_size must be positive, got ", window.kernel));
  }
  // PyTorch's default: stride = kernel_size, windows side by side.
  window.stride = spec.has_stride() ? spec.stride() : window.kernel;
  if (window.stride < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(type, " stride must be positive, got ", window.stride));
  }
  if (spec.has_padding() && spec.padding() != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(type, " supports padding 0 only, got padding ",
                     spec.padding(), " (pad with a layer before it)"));
  }
  // A pool's 1 x 1 output is still an image (SampleShape::spatial), so a
  // flat input here is flat data or a flatten.
  NFALAB_RETURN_IF_ERROR(RequireImageInput(type, input));
  if (window.kernel > input.height || window.kernel > input.width) {
    return absl::InvalidArgumentError(
        absl::StrCat(EmptyOutput(type, window.kernel, window.stride,
                                 input.height, input.width),
                     ": the kernel is larger than the input"));
  }
  window.input = input;
  window.output = SampleShape::Image(
      input.channels, (input.height - window.kernel) / window.stride + 1,
      (input.width - window.kernel) / window.stride + 1);
  return window;
}

}  // namespace nfalab
