#include "tests/datasets/test_files.h"

#include <zlib.h>

#include <atomic>
#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "core/file_io.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace nfalab::testing {

std::string NewTempDir(absl::string_view name) {
  static std::atomic<int> counter{0};
  const char* root = std::getenv("TEST_TMPDIR");
  const std::string dir = absl::StrCat(root != nullptr ? root : "/tmp", "/",
                                       name, "_", counter.fetch_add(1));
  const absl::Status status = MakeDirectories(dir);
  if (!status.ok()) {
    ADD_FAILURE() << status;
    return "";
  }
  return dir;
}

DatasetConfig ParseDatasetConfig(const std::string& text) {
  DatasetConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config))
      << text;
  return config;
}

void WriteBytes(const std::string& path, absl::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) ADD_FAILURE() << "cannot write " << path;
}

std::string IdxHeaderBytes(uint8_t type, const std::vector<uint32_t>& dims) {
  std::string bytes = {0, 0, static_cast<char>(type),
                       static_cast<char>(dims.size())};
  for (uint32_t dim : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      bytes.push_back(static_cast<char>((dim >> shift) & 0xff));
    }
  }
  return bytes;
}

std::string IdxUint8(const std::vector<uint32_t>& dims,
                     const std::vector<uint8_t>& values) {
  std::string bytes = IdxHeaderBytes(0x08, dims);
  bytes.append(values.begin(), values.end());
  return bytes;
}

std::string Gzip(absl::string_view plain) {
  z_stream zs{};
  // 15 + 16: gzip wrapper.
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    ADD_FAILURE() << "deflateInit2 failed";
    return "";
  }
  std::string out(deflateBound(&zs, plain.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  zs.avail_in = static_cast<uInt>(plain.size());
  zs.next_out = reinterpret_cast<Bytef*>(&out[0]);
  zs.avail_out = static_cast<uInt>(out.size());
  const int ret = deflate(&zs, Z_FINISH);
  if (ret != Z_STREAM_END) ADD_FAILURE() << "deflate returned " << ret;
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

namespace {
std::string CifarPixels(int seed) {
  std::string pixels(3072, '\0');
  for (int j = 0; j < 3072; ++j)
    pixels[j] = static_cast<char>(CifarPixel(seed, j));
  return pixels;
}
}  // namespace

std::string Cifar10Record(uint8_t label, int seed) {
  return std::string(1, static_cast<char>(label)) + CifarPixels(seed);
}

std::string Cifar100Record(uint8_t coarse, uint8_t fine, int seed) {
  return std::string{static_cast<char>(coarse), static_cast<char>(fine)} +
         CifarPixels(seed);
}

std::string Ppm(int width, int height, int seed) {
  std::string bytes = absl::StrCat("P6\n", width, " ", height, "\n255\n");
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < 3; ++c) {
        bytes.push_back(static_cast<char>(GtsrbPixel(seed, y, x, c)));
      }
    }
  }
  return bytes;
}

}  // namespace nfalab::testing
