// PoolWindow: the square windows of a 2-d pooling layer (maxpool2d,
// avgpool2d), as PyTorch's MaxPool2d / AvgPool2d with padding 0, dilation 1
// and ceil_mode false. On a (C, H, W) input with kernel k and stride s, the
// window at output position (oh, ow) of channel c covers input rows
// oh s .. oh s + k - 1 and columns ow s .. ow s + k - 1 of channel c, and
//
//   H_out = floor((H - k) / s) + 1,   W_out = floor((W - k) / s) + 1,
//
// so input rows or columns past the last full window are not read (as in
// PyTorch). Windows overlap when s < k and skip values when s > k.
#ifndef NFALAB_LAYERS_POOL_WINDOW_H_
#define NFALAB_LAYERS_POOL_WINDOW_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/sample_shape.h"
#include "layers/layer.h"
#include "layers/model_config.pb.h"

namespace nfalab {

struct PoolWindow {
  int kernel = 2;
  int stride = 2;
  SampleShape input;
  SampleShape output;  // (C, H_out, W_out).

  // The flat (CHW) index in the input row of window entry (a, b), a, b < k,
  // of output (c, oh, ow).
  int InputIndex(int c, int oh, int ow, int a, int b) const {
    return (c * input.height + oh * stride + a) * input.width + ow * stride + b;
  }

  // model.json's keys of a pooling layer.
  std::vector<ExportField> ExportFields() const {
    return {{"kernel_size", absl::StrCat(kernel)},
            {"stride", absl::StrCat(stride)}};
  }
};

// The windows of layer `type` for `spec` on `input`: kernel_size (default
// 2), stride (default kernel_size), padding 0 or unset. InvalidArgument,
// naming `type` and the sizes, for a flat input, a non-positive kernel or
// stride, a padding, or a kernel larger than the input (an empty output).
absl::StatusOr<PoolWindow> ResolvePoolWindow(absl::string_view type,
                                             const LayerSpec& spec,
                                             const SampleShape& input);

// "[C, H, W]" needed: the InvalidArgument for a flat `input` (or nothing).
// A flat shape is (d, 1, 1), which is also a 1 x 1 image; `note` (may be
// empty) says what such an image would give.
absl::Status RequireImageInput(absl::string_view type, const SampleShape& input,
                               absl::string_view note = "");

}  // namespace nfalab

#endif  // NFALAB_LAYERS_POOL_WINDOW_H_
