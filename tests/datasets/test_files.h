// Helpers for the dataset reader tests: build IDX, gzip, CIFAR, CSV and PPM
// bytes and write them into fresh directories under TEST_TMPDIR.
//
//   const std::string dir = NewTempDir("idx_reads");
//   WriteBytes(dir + "/a.gz", Gzip(IdxUint8({2, 3}, {0, 1, 2, 3, 4, 5})));
#ifndef NFALAB_TESTS_DATASETS_TEST_FILES_H_
#define NFALAB_TESTS_DATASETS_TEST_FILES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "datasets/dataset_config.pb.h"

namespace nfalab::testing {

// A new empty directory TEST_TMPDIR/<name>_<counter>; fails the test (and
// returns "") if it cannot be made.
std::string NewTempDir(absl::string_view name);

// A DatasetConfig from protobuf text format; fails the test if it does not
// parse.
DatasetConfig ParseDatasetConfig(const std::string& text);

// Writes `bytes` to `path`; fails the test on error.
void WriteBytes(const std::string& path, absl::string_view bytes);

// The IDX header 00 00 <type> <ndim> + big-endian uint32 dims.
std::string IdxHeaderBytes(uint8_t type, const std::vector<uint32_t>& dims);
// A uint8 IDX file with `values` (which should hold product(dims) values).
std::string IdxUint8(const std::vector<uint32_t>& dims,
                     const std::vector<uint8_t>& values);

// `plain` as one gzip member (zlib, default compression).
std::string Gzip(absl::string_view plain);

// One CIFAR-10 record: the label byte and 3072 pixel bytes; pixel j is
// (seed + 7 j) mod 256.
std::string Cifar10Record(uint8_t label, int seed);
// One CIFAR-100 record: coarse and fine label bytes, then pixels as above.
std::string Cifar100Record(uint8_t coarse, uint8_t fine, int seed);
// Pixel j of the records above.
inline uint8_t CifarPixel(int seed, int j) {
  return static_cast<uint8_t>((seed + 7 * j) % 256);
}

// A binary PPM (P6, maxval 255) of `width` x `height` pixels whose sample
// (y, x, c) is GtsrbPixel(seed, y, x, c).
std::string Ppm(int width, int height, int seed);
inline uint8_t GtsrbPixel(int seed, int y, int x, int c) {
  return static_cast<uint8_t>((seed + 31 * y + 7 * x + 101 * c) % 256);
}

}  // namespace nfalab::testing

#endif  // NFALAB_TESTS_DATASETS_TEST_FILES_H_
