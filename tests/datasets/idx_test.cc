// Tests for datasets/idx.h: exact values of every element type, gzipped and
// plain files, and one test per kind of malformed file (each error must name
// the file and the problem).
#include "datasets/idx.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/datasets/test_files.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::Gzip;
using ::nfalab::testing::IdxHeaderBytes;
using ::nfalab::testing::IdxUint8;
using ::nfalab::testing::NewTempDir;
using ::nfalab::testing::StatusIs;
using ::nfalab::testing::WriteBytes;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

void AppendBigEndian(uint64_t value, int bytes, std::string* out) {
  for (int i = bytes - 1; i >= 0; --i) {
    out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
}

std::vector<double> AllValues(const IdxArray& array) {
  std::vector<double> values;
  for (int64_t i = 0; i < array.num_elements(); ++i) {
    values.push_back(array.Get(i));
  }
  return values;
}

// A [2, 3] uint8 file with values 0, 1, 2, 200, 254, 255.
std::string SmallUint8() { return IdxUint8({2, 3}, {0, 1, 2, 200, 254, 255}); }

// Writes `bytes` to a new file and returns its path.
std::string WriteFile(absl::string_view test, absl::string_view name,
                      absl::string_view bytes) {
  const std::string path = NewTempDir(test) + "/" + std::string(name);
  WriteBytes(path, bytes);
  return path;
}

// ---------------------------------------------------------------------------
// Values.

TEST(IdxTest, ParsesUint8ValuesAndDimensionsExactly) {
  absl::StatusOr<IdxArray> array = ParseIdx(SmallUint8(), "small");
  ASSERT_TRUE(array.ok()) << array.status();
  EXPECT_EQ(array->type, IdxType::kUint8);
  EXPECT_THAT(array->dims, ElementsAre(2, 3));
  EXPECT_EQ(array->num_elements(), 6);
  EXPECT_THAT(AllValues(*array), ElementsAre(0, 1, 2, 200, 254, 255));
}

TEST(IdxTest, ParsesEverySignedAndFloatTypeExactly) {
  {
    std::string bytes = IdxHeaderBytes(0x09, {3});
    bytes += std::string("\xff\x7f\x80", 3);
    absl::StatusOr<IdxArray> array = ParseIdx(bytes, "int8");
    ASSERT_TRUE(array.ok()) << array.status();
    EXPECT_THAT(AllValues(*array), ElementsAre(-1, 127, -128));
  }
  {
    std::string bytes = IdxHeaderBytes(0x0B, {3});
    AppendBigEndian(static_cast<uint16_t>(-300), 2, &bytes);
    AppendBigEndian(1234, 2, &bytes);
    AppendBigEndian(0x8000, 2, &bytes);
    absl::StatusOr<IdxArray> array = ParseIdx(bytes, "int16");
    ASSERT_TRUE(array.ok()) << array.status();
    EXPECT_THAT(AllValues(*array), ElementsAre(-300, 1234, -32768));
  }
  {
    std::string bytes = IdxHeaderBytes(0x0C, {2});
    AppendBigEndian(static_cast<uint32_t>(-70000), 4, &bytes);
    AppendBigEndian(2147483647u, 4, &bytes);
    absl::StatusOr<IdxArray> array = ParseIdx(bytes, "int32");
    ASSERT_TRUE(array.ok()) << array.status();
    EXPECT_THAT(AllValues(*array), ElementsAre(-70000, 2147483647));
  }
  {
    std::string bytes = IdxHeaderBytes(0x0D, {1, 2});
    for (float f : {1.5f, -2.25e-3f}) {
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      AppendBigEndian(bits, 4, &bytes);
    }
    absl::StatusOr<IdxArray> array = ParseIdx(bytes, "float32");
    ASSERT_TRUE(array.ok()) << array.status();
    EXPECT_THAT(array->dims, ElementsAre(1, 2));
    EXPECT_THAT(AllValues(*array), ElementsAre(1.5, double{-2.25e-3f}));
  }
  {
    std::string bytes = IdxHeaderBytes(0x0E, {2});
    for (double v : {0.1, -1e300}) {
      uint64_t bits;
      std::memcpy(&bits, &v, 8);
      AppendBigEndian(bits, 8, &bytes);
    }
    absl::StatusOr<IdxArray> array = ParseIdx(bytes, "float64");
    ASSERT_TRUE(array.ok()) << array.status();
    EXPECT_THAT(AllValues(*array), ElementsAre(0.1, -1e300));
  }
}

TEST(IdxTest, AcceptsAnEmptyArray) {
  absl::StatusOr<IdxArray> array = ParseIdx(IdxUint8({0, 28, 28}, {}), "e");
  ASSERT_TRUE(array.ok()) << array.status();
  EXPECT_EQ(array->num_elements(), 0);
  EXPECT_THAT(array->dims, ElementsAre(0, 28, 28));
}

TEST(IdxTest, ReadsGzippedAndPlainFilesToTheSameArray) {
  const std::string dir = NewTempDir("idx_gz_plain");
  // 3 x 4 x 5 values i * 37 mod 256.
  std::vector<uint8_t> values;
  for (int i = 0; i < 60; ++i) values.push_back((i * 37) % 256);
  const std::string plain = IdxUint8({3, 4, 5}, values);
  WriteBytes(dir + "/plain", plain);
  WriteBytes(dir + "/zipped.gz", Gzip(plain));
  // Detected by content, not by the name.
  WriteBytes(dir + "/zipped_without_extension", Gzip(plain));
  for (const char* name : {"plain", "zipped.gz", "zipped_without_extension"}) {
    absl::StatusOr<IdxArray> array = ReadIdxFile(dir + "/" + name);
    ASSERT_TRUE(array.ok()) << name << ": " << array.status();
    EXPECT_THAT(array->dims, ElementsAre(3, 4, 5)) << name;
    std::vector<double> expected(values.begin(), values.end());
    EXPECT_EQ(AllValues(*array), expected) << name;
  }
}

TEST(IdxTest, ReadsAGzipFileOfConcatenatedMembers) {
  const std::string plain = SmallUint8();
  const std::string path =
      WriteFile("idx_members", "two.gz",
                Gzip(plain.substr(0, 7)) + Gzip(plain.substr(7)));
  absl::StatusOr<IdxArray> array = ReadIdxFile(path);
  ASSERT_TRUE(array.ok()) << array.status();
  EXPECT_THAT(AllValues(*array), ElementsAre(0, 1, 2, 200, 254, 255));
}

// ---------------------------------------------------------------------------
// Bad input: one test per problem, through the file reader so the error
// names the path.

TEST(IdxTest, MissingFileIsNotFoundNamingThePath) {
  const std::string path = NewTempDir("idx_missing") + "/nothing-here";
  EXPECT_THAT(ReadIdxFile(path),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(path)));
}

TEST(IdxTest, RejectsAFileTruncatedInsideTheHeader) {
  const std::string path =
      WriteFile("idx_trunc_header", "images", SmallUint8().substr(0, 10));
  EXPECT_THAT(ReadIdxFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path), HasSubstr("file is truncated"),
                             HasSubstr("header needs 12 bytes"),
                             HasSubstr("the file has 10"))));
  const std::string tiny =
      WriteFile("idx_trunc_magic", "images", absl::string_view("\0\0", 2));
  EXPECT_THAT(ReadIdxFile(tiny),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(tiny), HasSubstr("file is truncated"))));
}

TEST(IdxTest, RejectsAFileTruncatedInsideTheData) {
  const std::string bytes = SmallUint8();
  const std::string path =
      WriteFile("idx_trunc_data", "images", bytes.substr(0, bytes.size() - 1));
  EXPECT_THAT(ReadIdxFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path), HasSubstr("file is truncated"),
                             HasSubstr("need 6 data bytes"),
                             HasSubstr("only 5 remain"))));
}

TEST(IdxTest, RejectsAWrongMagicNumber) {
  std::string bytes = SmallUint8();
  bytes[0] = 0x1f;  // Not 00 00 (and not gzip either: 1f 00).
  const std::string path = WriteFile("idx_magic", "images", bytes);
  EXPECT_THAT(ReadIdxFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path), HasSubstr("bad magic number"),
                             HasSubstr("1f 00 08 02"))));
}

TEST(IdxTest, RejectsAnUnknownTypeCode) {
  std::string bytes = SmallUint8();
  bytes[2] = 0x07;
  const std::string path = WriteFile("idx_type", "images", bytes);
  EXPECT_THAT(ReadIdxFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path),
                             HasSubstr("unknown IDX type code 0x07"))));
}

TEST(IdxTest, RejectsZeroDimensions) {
  const std::string path =
      WriteFile("idx_ndim0", "images", IdxHeaderBytes(0x08, {}));
  EXPECT_THAT(ReadIdxFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path), HasSubstr("0 dimensions"))));
}

TEST(IdxTest, RejectsDimensionsDescribingLessDataThanTheFileHolds) {
  // Dimensions 2 x 3 but 7 data bytes.
  const std::string path =
      WriteFile("idx_dims", "images", SmallUint8() + std::string(1, '\x09'));
  EXPECT_THAT(
      ReadIdxFile(path),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr(path), HasSubstr("dimensions 2 x 3"),
                     HasSubstr("need 6 data bytes"), HasSubstr("7 remain"))));
}

TEST(IdxTest, RejectsDimensionsWhoseProductOverflows) {
  // 0xFFFFFFFF^3 elements, with a few bytes of "data": rejected from the
  // header, without allocating anything.
  const std::string bytes =
      IdxHeaderBytes(0x08, {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}) + "abc";
  const std::string path = WriteFile("idx_overflow", "images", bytes);
  EXPECT_THAT(ReadIdxFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path),
                             HasSubstr("4294967295 x 4294967295 x 4294967295"),
                             HasSubstr("overflow"))));
  // The same gzipped.
  const std::string gz = WriteFile("idx_overflow_gz", "images.gz", Gzip(bytes));
  EXPECT_THAT(ReadIdxFile(gz),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(gz), HasSubstr("overflow"))));
  // float64 elements: 2^31 x 2^30 x 8 bytes = 2^64 overflows too.
  EXPECT_THAT(
      ParseIdx(IdxHeaderBytes(0x0E, {1u << 31, 1u << 30}), "f64"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("overflow")));
}

TEST(IdxTest, RejectsAGzippedHeaderDeclaringMoreThanTheLimit) {
  // 60000 x 1000 x 1000 bytes = 60 GB declared in a tiny gzip file.
  const std::string path =
      WriteFile("idx_declared", "images.gz",
                Gzip(IdxHeaderBytes(0x08, {60000, 1000, 1000}) + "abc"));
  EXPECT_THAT(ReadIdxFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path), HasSubstr("declares"),
                             HasSubstr("more than the limit of 1073741824"))));
}

TEST(IdxTest, RejectsAPlainFileLargerThanTheLimit) {
  const std::string path = WriteFile("idx_limit", "images", SmallUint8());
  EXPECT_THAT(
      ReadIdxFile(path, /*max_bytes=*/10),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr(path), HasSubstr("more than the limit of 10"))));
}

TEST(IdxTest, StopsDecompressingAtTheDeclaredSize) {
  // A valid 2 x 3 header followed by 16 MB of zeros (a decompression bomb):
  // decompression stops 1 byte past the declared 18 bytes.
  const std::string path = WriteFile(
      "idx_bomb", "images.gz",
      Gzip(IdxHeaderBytes(0x08, {2, 3}) + std::string(16 << 20, '\0')));
  EXPECT_THAT(ReadIdxFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path),
                             HasSubstr("decompresses to more than the 18 "
                                       "bytes its IDX header declares"))));
}

TEST(IdxTest, RejectsACorruptGzipStream) {
  std::string gz = Gzip(IdxUint8({100}, std::vector<uint8_t>(100, 7)));
  for (size_t i = 12; i < gz.size() - 8; ++i) gz[i] ^= 0x5a;
  const std::string path = WriteFile("idx_corrupt", "labels.gz", gz);
  EXPECT_THAT(
      ReadIdxFile(path),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr(path), HasSubstr("corrupt gzip stream"))));
}

TEST(IdxTest, RejectsATruncatedGzipStream) {
  std::vector<uint8_t> values;
  for (int i = 0; i < 5000; ++i) values.push_back((i * i) % 251);
  const std::string gz = Gzip(IdxUint8({5000}, values));
  const std::string path =
      WriteFile("idx_trunc_gz", "labels.gz", gz.substr(0, gz.size() / 2));
  EXPECT_THAT(
      ReadIdxFile(path),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr(path), HasSubstr("truncated gzip stream"))));
}

TEST(IdxTest, RejectsAGzippedFileWithTooLittleData) {
  const std::string bytes = SmallUint8();
  const std::string path = WriteFile("idx_short_gz", "images.gz",
                                     Gzip(bytes.substr(0, bytes.size() - 2)));
  EXPECT_THAT(ReadIdxFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path), HasSubstr("file is truncated"),
                             HasSubstr("only 4 remain"))));
}

}  // namespace
}  // namespace nfalab
