#include "tests/datasets/pil_resize_reference.h"

#include <algorithm>
#include <cmath>

namespace nfalab::testing {
namespace {

// weights[x] lists (source index, weight) of output pixel x.
struct Tap {
  int index;
  double weight;
};

std::vector<std::vector<Tap>> Weights(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = filterscale;
  std::vector<std::vector<Tap>> weights(out_size);
  for (int x = 0; x < out_size; ++x) {
    const double center = (x + 0.5) * scale;
    // C's (int) truncates towards zero, as Pillow's.
    const int lo = std::max(0, static_cast<int>(center - support + 0.5));
    const int hi = std::min(in_size, static_cast<int>(center + support + 0.5));
    double total = 0;
    for (int j = lo; j < hi; ++j) {
      const double t = std::fabs((j + 0.5 - center) / filterscale);
      const double w = t < 1 ? 1 - t : 0;
      weights[x].push_back({j, w});
      total += w;
    }
    for (Tap& tap : weights[x]) tap.weight /= total;
  }
  return weights;
}

}  // namespace

std::vector<double> PilBilinearResize(const std::vector<double>& in,
                                      int channels, int in_height, int in_width,
                                      int out_height, int out_width) {
  const auto across = Weights(in_width, out_width);
  const auto down = Weights(in_height, out_height);
  std::vector<double> out(static_cast<size_t>(channels) * out_height *
                          out_width);
  std::vector<double> rows(static_cast<size_t>(in_height) * out_width);
  for (int c = 0; c < channels; ++c) {
    const double* plane =
        in.data() + static_cast<size_t>(c) * in_height * in_width;
    for (int h = 0; h < in_height; ++h) {
      for (int x = 0; x < out_width; ++x) {
        double sum = 0;
        for (const Tap& tap : across[x]) {
          sum += tap.weight * plane[h * in_width + tap.index];
        }
        rows[h * out_width + x] = sum;
      }
    }
    double* target =
        out.data() + static_cast<size_t>(c) * out_height * out_width;
    for (int y = 0; y < out_height; ++y) {
      for (int x = 0; x < out_width; ++x) {
        double sum = 0;
        for (const Tap& tap : down[y]) {
          sum += tap.weight * rows[tap.index * out_width + x];
        }
        target[y * out_width + x] = sum;
      }
    }
  }
  return out;
}

}  // namespace nfalab::testing
