#include "datasets/image_resize.h"

#include <algorithm>
#include <vector>

// Debian's libstb.so is built with assertions on, and stb_image_resize
// v0.97 asserts that a downsampled pixel's triangle weights sum to less than
// 1.1 before it normalises them; the sum exceeds that for ratios such as
// 41 -> 32 (nothings/stb#1449), and the process aborts. So this file
// compiles the packaged header's implementation itself, private to it
// (static), with that sanity check off; the weights are normalised right
// after it either way.
#define STBIR_ASSERT(x) ((void)0)
#define STB_IMAGE_RESIZE_STATIC
#define STB_IMAGE_RESIZE_IMPLEMENTATION
#include <stb/stb_image_resize.h>

#include "absl/strings/str_cat.h"

namespace nfalab {
namespace {

// One channel plane with zero edges: taps outside the image read 0 but keep
// their weight in the normalisation.
bool ResizePlane(const float* in, int in_height, int in_width, int out_height,
                 int out_width, float* out) {
  return stbir_resize_float_generic(in, in_width, in_height, 0, out, out_width,
                                    out_height, 0, 1, STBIR_ALPHA_CHANNEL_NONE,
                                    0, STBIR_EDGE_ZERO, STBIR_FILTER_TRIANGLE,
                                    STBIR_COLORSPACE_LINEAR, nullptr);
}

}  // namespace

absl::Status ResizeImage(const float* in, int channels, int in_height,
                         int in_width, int out_height, int out_width,
                         float* out) {
  if (in == nullptr || out == nullptr || channels < 1 || in_height < 1 ||
      in_width < 1 || out_height < 1 || out_width < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot resize a ", channels, " x ", in_height, " x ",
                     in_width, " image to ", out_height, " x ", out_width));
  }
  // PIL drops the taps that fall outside the image and renormalises the
  // rest; stb has no such edge mode. With zero edges stb gives
  // sum_inside(w x) / sum_all(w), and resizing ones gives
  // sum_inside(w) / sum_all(w); their ratio is PIL's value. The filter is
  // separable, so the ones image is the product of a row and a column.
  const std::vector<float> ones(std::max(in_height, in_width), 1.0f);
  std::vector<float> row_weight(out_width), column_weight(out_height);
  bool ok =
      ResizePlane(ones.data(), 1, in_width, 1, out_width, row_weight.data()) &&
      ResizePlane(ones.data(), in_height, 1, out_height, 1,
                  column_weight.data());
  // Each channel is a one-channel image of its own (the planes are not
  // interleaved).
  for (int c = 0; ok && c < channels; ++c) {
    const float* plane_in = in + static_cast<long>(c) * in_height * in_width;
    float* plane_out = out + static_cast<long>(c) * out_height * out_width;
    ok = ResizePlane(plane_in, in_height, in_width, out_height, out_width,
                     plane_out);
    for (int y = 0; ok && y < out_height; ++y) {
      for (int x = 0; x < out_width; ++x) {
        plane_out[y * out_width + x] /= column_weight[y] * row_weight[x];
      }
    }
  }
  if (!ok) {
    return absl::InternalError(absl::StrCat(
        "stb_image_resize failed on a ", in_height, " x ", in_width, " image"));
  }
  return absl::OkStatus();
}

}  // namespace nfalab
