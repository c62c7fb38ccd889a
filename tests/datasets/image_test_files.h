// Test image pixels with known values, and STL-10 files laid out as the
// official ones.
#ifndef NFALAB_TESTS_DATASETS_IMAGE_TEST_FILES_H_
#define NFALAB_TESTS_DATASETS_IMAGE_TEST_FILES_H_

#include <cstdint>
#include <string>
#include <vector>

namespace nfalab::testing {

// Pixel (c, h, w) of test image `seed` (SVHN, STL-10): distinct in each of
// c, h and w, so that any transposition shows.
inline uint8_t ImagePixel(int seed, int c, int h, int w) {
  return static_cast<uint8_t>((seed + h + 37 * w + 101 * c) % 256);
}

// The bytes of a *_X.bin holding one image per seed: pixel (c, h, w) at
// byte c * 9216 + w * 96 + h of its image (column-major planes).
inline std::string Stl10Images(const std::vector<int>& seeds) {
  std::string bytes(seeds.size() * 27648, '\0');
  for (size_t n = 0; n < seeds.size(); ++n) {
    for (int c = 0; c < 3; ++c) {
      for (int w = 0; w < 96; ++w) {
        for (int h = 0; h < 96; ++h) {
          bytes[n * 27648 + c * 9216 + w * 96 + h] =
              static_cast<char>(ImagePixel(seeds[n], c, h, w));
        }
      }
    }
  }
  return bytes;
}

}  // namespace nfalab::testing

#endif  // NFALAB_TESTS_DATASETS_IMAGE_TEST_FILES_H_
