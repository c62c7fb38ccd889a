// An independent reference for datasets/image_resize.h: PIL's antialiased
// bilinear resampling (Pillow's ImagingResample, Resample.c), written out in
// double for the tests. For each axis of in -> out pixels, scale = in / out
// and filterscale = max(scale, 1); output pixel x takes the source pixels j
// with centre (x + 0.5) * scale, support = filterscale (the triangle's
// support 1, widened when shrinking), j from
// max(0, int(centre - support + 0.5)) to min(in, int(centre + support +
// 0.5)) - 1, weights triangle((j + 0.5 - centre) / filterscale) with
// triangle(t) = max(0, 1 - |t|), normalised to sum 1 over those j (taps
// outside the image are dropped, not clamped). Rows are resampled first,
// then columns, each channel plane on its own.
//
// What this leaves out of Pillow: on 8-bit images Pillow stores the
// weights in fixed point (22 fractional bits) and rounds the result of
// each pass to an integer in 0..255.
#ifndef NFALAB_TESTS_DATASETS_PIL_RESIZE_REFERENCE_H_
#define NFALAB_TESTS_DATASETS_PIL_RESIZE_REFERENCE_H_

#include <vector>

namespace nfalab::testing {

// `in` holds channels x in_height x in_width values (channel-major); returns
// channels x out_height x out_width.
std::vector<double> PilBilinearResize(const std::vector<double>& in,
                                      int channels, int in_height, int in_width,
                                      int out_height, int out_width);

}  // namespace nfalab::testing

#endif  // NFALAB_TESTS_DATASETS_PIL_RESIZE_REFERENCE_H_
