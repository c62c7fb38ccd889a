// SampleShape: the shape of one sample, (channels, height, width). A batch
// stores each sample as one row of channels * height * width values in
// channel-major (CHW) order; a flat vector of d values is (d, 1, 1). A
// 1 x 1 map that a spatial layer produced (a pool that shrank its image to
// one pixel) is marked `spatial`, so that the layers after it still read
// an image, as PyTorch does.
#ifndef NFALAB_CORE_SAMPLE_SHAPE_H_
#define NFALAB_CORE_SAMPLE_SHAPE_H_

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"

namespace nfalab {

struct SampleShape {
  int channels = 1;
  int height = 1;
  int width = 1;
  // An image even when height and width are 1.
  bool spatial = false;

  static SampleShape Flat(int size) { return {size, 1, 1}; }
  // The output of a spatial layer (conv2d, a pool).
  static SampleShape Image(int channels, int height, int width) {
    return {channels, height, width, true};
  }

  int64_t size() const {
    return static_cast<int64_t>(channels) * height * width;
  }
  bool is_flat() const { return height == 1 && width == 1 && !spatial; }
  // The values' layout; `spatial` only changes how layers read a 1 x 1.
  bool operator==(const SampleShape& other) const {
    return channels == other.channels && height == other.height &&
           width == other.width;
  }
  bool operator!=(const SampleShape& other) const { return !(*this == other); }

  // "[784]" for flat shapes, "[3, 32, 32]" otherwise (PyTorch's order).
  std::string ToString() const {
    if (is_flat()) return absl::StrCat("[", channels, "]");
    return absl::StrCat("[", channels, ", ", height, ", ", width, "]");
  }
};

}  // namespace nfalab

#endif  // NFALAB_CORE_SAMPLE_SHAPE_H_
