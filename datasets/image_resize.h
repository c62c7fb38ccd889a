// Resizes channel-major images (C x H x W floats) with bilinear
// interpolation and antialiasing, as torchvision's Resize does on PIL
// images: a triangle filter whose support widens by the scale factor when
// shrinking. The work is stb_image_resize's (Debian libstb-dev) triangle
// filter, with PIL's edges: filter taps that fall outside the image are
// dropped and the others renormalised (stb's own edge modes clamp, wrap,
// reflect or zero them). On values 0..255 results agree with PIL's
// resampling computed in double to within 1e-3 for outputs up to 32 x 32
// (tests/datasets/image_resize_test); stb computes pixel centres and
// weights in float, so the difference grows with the output size (about
// 2e-3 at 128, 4e-3 at 200 pixels a side). Unlike PIL on 8-bit images,
// results are not rounded to integers.
//
//   std::vector<float> out(3 * 32 * 32);
//   NFALAB_RETURN_IF_ERROR(ResizeImage(in.data(), 3, 96, 96, 32, 32,
//                                      out.data()));
#ifndef NFALAB_DATASETS_IMAGE_RESIZE_H_
#define NFALAB_DATASETS_IMAGE_RESIZE_H_

#include "absl/status/status.h"

namespace nfalab {

// `in` holds channels x in_height x in_width values, `out` receives
// channels x out_height x out_width. InvalidArgument for a size < 1 or a
// null pointer.
absl::Status ResizeImage(const float* in, int channels, int in_height,
                         int in_width, int out_height, int out_width,
                         float* out);

}  // namespace nfalab

#endif  // NFALAB_DATASETS_IMAGE_RESIZE_H_
