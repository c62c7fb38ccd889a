// Tests for datasets/svhn.h on .mat files written with libmatio: exact
// pixels in (c, h, w) order, labels with 10 -> 0, and one test per kind of
// bad file.
#include "datasets/svhn.h"

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/datasets/mat_test_files.h"
#include "tests/datasets/test_files.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ImagePixel;
using ::nfalab::testing::MatVariable;
using ::nfalab::testing::NewTempDir;
using ::nfalab::testing::StatusIs;
using ::nfalab::testing::SvhnImages;
using ::nfalab::testing::SvhnLabels;
using ::nfalab::testing::WriteBytes;
using ::nfalab::testing::WriteMatFile;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string MatPath(absl::string_view test) {
  return NewTempDir(test) + "/train_32x32.mat";
}

void ExpectImages(const ImageRecords& records, const std::vector<int>& seeds) {
  ASSERT_EQ(records.image_bytes, 3072);
  ASSERT_EQ(records.pixels.size(), seeds.size() * 3072);
  for (size_t n = 0; n < seeds.size(); ++n) {
    for (int c = 0; c < 3; ++c) {
      for (int h = 0; h < 32; ++h) {
        for (int w = 0; w < 32; ++w) {
          ASSERT_EQ(records.Pixel(n, c * 1024 + h * 32 + w),
                    ImagePixel(seeds[n], c, h, w))
              << "image " << n << ", (c, h, w) = (" << c << ", " << h << ", "
              << w << ")";
        }
      }
    }
  }
}

TEST(SvhnTest, ReadsPixelsChannelMajorAndMapsLabelTenToZero) {
  const std::string path = MatPath("svhn_values");
  WriteMatFile(path, {SvhnImages({0, 50, 200}), SvhnLabels({10, 1, 9})});
  NFALAB_ASSERT_OK_AND_ASSIGN(ImageRecords records, ReadSvhnMatFile(path));
  EXPECT_THAT(records.labels, ElementsAre(0, 1, 9));
  ExpectImages(records, {0, 50, 200});
  // One pixel spelled out: (c, h, w) = (2, 1, 0) of image 1 is MATLAB
  // X(2, 1, 3, 2), linear index 1 + 2048 + 3072 = 5121.
  EXPECT_EQ(records.Pixel(1, 2 * 1024 + 32), ImagePixel(50, 2, 1, 0));
}

TEST(SvhnTest, ReadsACompressedFileAndUint8Labels) {
  const std::string path = MatPath("svhn_compressed");
  MatVariable y{"y", MAT_C_UINT8, MAT_T_UINT8, {1, 2}, {'\x0a', '\x07'}};
  WriteMatFile(path, {y, SvhnImages({3, 4})}, /*compress=*/true);
  NFALAB_ASSERT_OK_AND_ASSIGN(ImageRecords records, ReadSvhnMatFile(path));
  EXPECT_THAT(records.labels, ElementsAre(0, 7));
  ExpectImages(records, {3, 4});
}

TEST(SvhnTest, ReadsASingleImageWhoseTrailingDimensionIsDropped) {
  const std::string path = MatPath("svhn_single");
  MatVariable x = SvhnImages({9});
  x.dims = {32, 32, 3};
  WriteMatFile(path, {x, SvhnLabels({4})});
  NFALAB_ASSERT_OK_AND_ASSIGN(ImageRecords records, ReadSvhnMatFile(path));
  EXPECT_THAT(records.labels, ElementsAre(4));
  ExpectImages(records, {9});
}

TEST(SvhnTest, MissingFileIsNotFoundNamingIt) {
  const std::string path = MatPath("svhn_missing");
  EXPECT_THAT(ReadSvhnMatFile(path),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(path)));
}

TEST(SvhnTest, RejectsAFileThatIsNotAMatFile) {
  const std::string path = MatPath("svhn_not_mat");
  WriteBytes(path, std::string(300, 'x'));
  EXPECT_THAT(ReadSvhnMatFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path), HasSubstr("MAT file"))));
}

// 128 bytes whose first words, read as a MAT v4 header, claim a huge
// variable name: libmatio would allocate it (found by tests/fuzz/). The
// file is refused before libmatio opens it.
TEST(SvhnTest, RejectsAMatV4LookingFileWithoutOpeningIt) {
  const std::string path = MatPath("svhn_v4");
  std::string bytes(128, '\0');
  for (int i = 16; i < 20; ++i) bytes[i] = '\xff';  // namelen of a v4 header
  WriteBytes(path, bytes);
  EXPECT_THAT(ReadSvhnMatFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path),
                             HasSubstr("not a MATLAB v5 or v7.3 MAT file (no "
                                       "v5 header)"))));
}

// libmatio's Mat_VarReadInfo allocates the sizes a variable's header
// claims (a fuzzed file asked for 3.2 GB), so the header is checked first.
// Patches of a real uncompressed file written by libmatio: byte 128 starts
// the first variable (X); 144 is its class byte, 156 its dims byte count.
TEST(SvhnTest, RejectsImplausibleVariableHeadersBeforeLibmatioReadsThem) {
  const std::string path = MatPath("svhn_header");
  WriteMatFile(path, {SvhnImages({0}), SvhnLabels({1})});
  absl::StatusOr<std::string> valid = ReadFile(path);
  ASSERT_TRUE(valid.ok());
  ASSERT_TRUE(ReadSvhnMatFile(path).ok());
  const struct {
    int at;
    char value;
    const char* message;
  } patches[] = {
      {144, 2, "the variable at offset 128 has class 2 (not a numeric array"},
      {158, 0x10, "the variable at offset 128 has no valid dims"},
      {128, 9, "the variable at offset 128 is not a matrix element"},
  };
  for (const auto& patch : patches) {
    std::string bytes = *valid;
    bytes[patch.at] = patch.value;
    WriteBytes(path, bytes);
    EXPECT_THAT(ReadSvhnMatFile(path),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr(path), HasSubstr(patch.message))))
        << patch.at;
  }
}

TEST(SvhnTest, RejectsAnEmptyFile) {
  const std::string path = MatPath("svhn_empty");
  WriteBytes(path, "");
  EXPECT_THAT(ReadSvhnMatFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path), HasSubstr("MAT file"))));
}

// `bytes` of a MAT file written by `WriteMatFile`, cut or changed, in
// train_32x32.mat of a new directory.
std::string RewriteMat(absl::string_view test, bool compress,
                       const std::function<void(std::string&)>& change) {
  const std::string path = MatPath(test);
  WriteMatFile(path, {SvhnLabels({1, 2}), SvhnImages({0, 1})}, compress);
  absl::StatusOr<std::string> bytes = ReadFile(path);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  change(*bytes);
  WriteBytes(path, *bytes);
  return path;
}

// libmatio would return these zero-filled.
TEST(SvhnTest, RejectsATruncatedFile) {
  for (bool compress : {false, true}) {
    SCOPED_TRACE(compress);
    const std::string path = RewriteMat(
        "svhn_truncated", compress,
        [](std::string& bytes) { bytes.resize(bytes.size() - 100); });
    EXPECT_THAT(ReadSvhnMatFile(path),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr(path), HasSubstr("truncated"),
                               HasSubstr("past the end of the file"))));
  }
}

TEST(SvhnTest, RejectsStrayBytesAfterTheLastVariable) {
  const std::string path = RewriteMat(
      "svhn_stray", false, [](std::string& bytes) { bytes += "xx"; });
  EXPECT_THAT(ReadSvhnMatFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path), HasSubstr("2 stray bytes"))));
}

TEST(SvhnTest, RejectsCorruptCompressedDataThatLibmatioWouldDecode) {
  const std::string path =
      RewriteMat("svhn_corrupt", true, [](std::string& bytes) {
        // Inside X's deflate stream: libmatio may decode it silently wrong.
        for (size_t i = bytes.size() - 40; i < bytes.size() - 32; ++i) {
          bytes[i] ^= 0x55;
        }
      });
  EXPECT_THAT(ReadSvhnMatFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path),
                             HasSubstr("corrupt compressed variable"))));
}

TEST(SvhnTest, RejectsAFileWithoutX) {
  const std::string path = MatPath("svhn_no_x");
  MatVariable x = SvhnImages({0});
  x.name = "images";
  WriteMatFile(path, {x, SvhnLabels({1})});
  EXPECT_THAT(ReadSvhnMatFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path), HasSubstr("no variable X"))));
}

TEST(SvhnTest, RejectsXOfTheWrongType) {
  const std::string path = MatPath("svhn_x_double");
  MatVariable x{"X", MAT_C_DOUBLE, MAT_T_DOUBLE, {32, 32, 3, 1}, ""};
  x.data.assign(3072 * sizeof(double), '\0');
  WriteMatFile(path, {x, SvhnLabels({1})});
  EXPECT_THAT(
      ReadSvhnMatFile(path),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr(path),
                     HasSubstr("variable X is not a real uint8 array"))));
}

TEST(SvhnTest, RejectsXOfTheWrongDims) {
  const std::string path = MatPath("svhn_x_dims");
  MatVariable x = SvhnImages({0, 1});
  x.dims = {32, 32, 6, 1};
  WriteMatFile(path, {x, SvhnLabels({1})});
  EXPECT_THAT(ReadSvhnMatFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path),
                             HasSubstr("variable X has dims [32, 32, 6, 1], "
                                       "expected [32, 32, 3, N]"))));
}

TEST(SvhnTest, RejectsAFileWithoutY) {
  const std::string path = MatPath("svhn_no_y");
  WriteMatFile(path, {SvhnImages({0})});
  EXPECT_THAT(ReadSvhnMatFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path), HasSubstr("no variable y"))));
}

TEST(SvhnTest, RejectsYThatIsNotAVector) {
  const std::string path = MatPath("svhn_y_matrix");
  MatVariable y = SvhnLabels({1, 2, 3, 4});
  y.dims = {2, 2};
  WriteMatFile(path, {SvhnImages({0, 1, 2, 3}), y});
  EXPECT_THAT(
      ReadSvhnMatFile(path),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr(path),
                     HasSubstr("variable y is not a real numeric vector"))));
}

TEST(SvhnTest, RejectsAnImageLabelCountMismatch) {
  const std::string path = MatPath("svhn_count");
  WriteMatFile(path, {SvhnImages({0, 1}), SvhnLabels({1, 2, 3})});
  EXPECT_THAT(ReadSvhnMatFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path),
                             HasSubstr("image/label count mismatch: X holds 2 "
                                       "images and y has 3 labels"))));
}

TEST(SvhnTest, RejectsLabelsOutsideOneToTen) {
  for (double bad : {0.0, 11.0, 2.5, -1.0}) {
    SCOPED_TRACE(bad);
    const std::string path = MatPath("svhn_label");
    WriteMatFile(path, {SvhnImages({0, 1}), SvhnLabels({3, bad})});
    EXPECT_THAT(ReadSvhnMatFile(path),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr(path), HasSubstr("y(2) = "),
                               HasSubstr("is not a label in 1..10"))));
  }
}

TEST(SvhnTest, RefusesMoreImagesThanTheLimitBeforeReadingThem) {
  const std::string path = MatPath("svhn_limit");
  WriteMatFile(path, {SvhnImages({0, 1, 2}), SvhnLabels({1, 2, 3})});
  EXPECT_THAT(ReadSvhnMatFile(path, /*max_image_bytes=*/2 * 3072),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path), HasSubstr("3 images"),
                             HasSubstr("limit"))));
}

TEST(SvhnFromMatlabTest, RejectsBytesThatDoNotMatchTheLabels) {
  EXPECT_THAT(SvhnFromMatlab(std::string(3072 + 5, '\0'), {1.0}, "svhn"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("svhn: image/label count mismatch")));
}

}  // namespace
}  // namespace nfalab
