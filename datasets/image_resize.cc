#include "datasets/image_resize.h"

#include <stb/stb_image_resize.h>

#include "absl/strings/str_cat.h"

namespace nfalab {

absl::Status ResizeImage(const float* in, int channels, int in_height,
                         int in_width, int out_height, int out_width,
                         float* out) {
  if (in == nullptr || out == nullptr || channels < 1 || in_height < 1 ||
      in_width < 1 || out_height < 1 || out_width < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot resize a ", channels, " x ", in_height, " x ", in_width,
        " image to ", out_height, " x ", out_width));
  }
  // Each channel is a one-channel image of its own (the planes are not
  // interleaved).
  for (int c = 0; c < channels; ++c) {
    const float* plane_in = in + static_cast<long>(c) * in_height * in_width;
    float* plane_out = out + static_cast<long>(c) * out_height * out_width;
    if (!stbir_resize_float_generic(
            plane_in, in_width, in_height, 0, plane_out, out_width, out_height,
            0, 1, STBIR_ALPHA_CHANNEL_NONE, 0, STBIR_EDGE_CLAMP,
            STBIR_FILTER_TRIANGLE, STBIR_COLORSPACE_LINEAR, nullptr)) {
      return absl::InternalError(absl::StrCat(
          "stb_image_resize failed on a ", in_height, " x ", in_width,
          " plane"));
    }
  }
  return absl::OkStatus();
}

}  // namespace nfalab
