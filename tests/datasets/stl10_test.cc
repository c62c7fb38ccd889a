// Tests for datasets/stl10.h on files written by the test: exact pixels in
// (c, h, w) order from the column-major planes, labels 1..10 -> 0..9, and
// one test per kind of bad file.
#include "datasets/stl10.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/datasets/image_test_files.h"
#include "tests/datasets/test_files.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ImagePixel;
using ::nfalab::testing::NewTempDir;
using ::nfalab::testing::StatusIs;
using ::nfalab::testing::Stl10Images;
using ::nfalab::testing::WriteBytes;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Paths {
  std::string x, y;
};

Paths Write(absl::string_view test, const std::string& x,
            const std::string& y) {
  const std::string dir = NewTempDir(test);
  Paths paths{dir + "/train_X.bin", dir + "/train_y.bin"};
  WriteBytes(paths.x, x);
  WriteBytes(paths.y, y);
  return paths;
}

TEST(Stl10Test, ReadsPixelsChannelMajorAndLabelsMinusOne) {
  const Paths paths = Write("stl10_values", Stl10Images({0, 77}), "\x01\x0a");
  NFALAB_ASSERT_OK_AND_ASSIGN(ImageRecords records,
                              ReadStl10Files(paths.x, paths.y));
  EXPECT_THAT(records.labels, ElementsAre(0, 9));
  ASSERT_EQ(records.image_bytes, 27648);
  ASSERT_EQ(records.pixels.size(), 2u * 27648);
  const int seeds[] = {0, 77};
  for (int n = 0; n < 2; ++n) {
    for (int c = 0; c < 3; ++c) {
      for (int h = 0; h < 96; ++h) {
        for (int w = 0; w < 96; ++w) {
          ASSERT_EQ(records.Pixel(n, c * 9216 + h * 96 + w),
                    ImagePixel(seeds[n], c, h, w))
              << "image " << n << ", (c, h, w) = (" << c << ", " << h << ", "
              << w << ")";
        }
      }
    }
  }
}

TEST(Stl10Test, ColumnMajorByteGoesToItsRowMajorPlace) {
  // Byte c * 9216 + w * 96 + h of the file is pixel (c, h, w).
  std::string image(27648, '\0');
  image[1 * 9216 + 5 * 96 + 2] = 42;  // (c, h, w) = (1, 2, 5).
  NFALAB_ASSERT_OK_AND_ASSIGN(std::string pixels, ParseStl10Images(image, "x"));
  EXPECT_EQ(pixels[1 * 9216 + 2 * 96 + 5], 42);
  EXPECT_EQ(pixels[1 * 9216 + 5 * 96 + 2], 0);
}

TEST(Stl10Test, MissingFilesAreNotFoundNamingThem) {
  const std::string dir = NewTempDir("stl10_missing");
  EXPECT_THAT(ReadStl10Files(dir + "/train_X.bin", dir + "/train_y.bin"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr(dir + "/train_X.bin not found")));
  WriteBytes(dir + "/train_X.bin", Stl10Images({1}));
  EXPECT_THAT(ReadStl10Files(dir + "/train_X.bin", dir + "/train_y.bin"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr(dir + "/train_y.bin not found")));
}

TEST(Stl10Test, RejectsEmptyFiles) {
  Paths paths = Write("stl10_empty_x", "", "\x01");
  EXPECT_THAT(ReadStl10Files(paths.x, paths.y),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(paths.x), HasSubstr("no images"))));
  paths = Write("stl10_empty_y", Stl10Images({1}), "");
  EXPECT_THAT(ReadStl10Files(paths.x, paths.y),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(paths.y), HasSubstr("no labels"))));
}

TEST(Stl10Test, RejectsATruncatedImageFile) {
  const Paths paths = Write(
      "stl10_truncated", Stl10Images({1, 2}).substr(0, 27648 + 2352), "\x01");
  EXPECT_THAT(ReadStl10Files(paths.x, paths.y),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(paths.x), HasSubstr("file is truncated"),
                             HasSubstr("30000 bytes"),
                             HasSubstr("27648-byte STL-10 images"),
                             HasSubstr("1 images + 2352 extra bytes"))));
}

TEST(Stl10Test, RejectsLabelsOutsideOneToTen) {
  for (const char bad : {'\x00', '\x0b', '\xff'}) {
    const Paths paths = Write("stl10_label", Stl10Images({1, 2, 3}),
                              std::string("\x03\x04") + bad);
    EXPECT_THAT(ReadStl10Files(paths.x, paths.y),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr(paths.y), HasSubstr("byte offset 2"),
                               HasSubstr("is outside 1..10"))))
        << static_cast<int>(bad);
  }
}

TEST(Stl10Test, RejectsAnImageLabelCountMismatch) {
  const Paths paths = Write("stl10_count", Stl10Images({1, 2}), "\x01\x02\x03");
  EXPECT_THAT(ReadStl10Files(paths.x, paths.y),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(paths.x),
                             HasSubstr("image/label count mismatch: it has 2 "
                                       "images and " +
                                       paths.y + " has 3 labels"))));
}

TEST(Stl10Test, RefusesAFileOverTheLimit) {
  const Paths paths = Write("stl10_limit", Stl10Images({1, 2}), "\x01\x02");
  EXPECT_THAT(ReadStl10Files(paths.x, paths.y, /*max_bytes=*/27648),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(paths.x), HasSubstr("limit"))));
}

}  // namespace
}  // namespace nfalab
