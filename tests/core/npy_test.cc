#include "core/npy.h"

#include <climits>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/file_io.h"
#include "core/tensor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"
#include "tests/test_seed.h"

namespace nfalab {
namespace {

using ::nfalab::testing::IsOk;
using ::nfalab::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// ------------------------------------------------------------------ helpers

std::string Le16(uint16_t v) {
  return {static_cast<char>(v & 0xff), static_cast<char>(v >> 8)};
}

std::string Le32(uint32_t v) {
  std::string out;
  for (int b = 0; b < 4; ++b) out.push_back(static_cast<char>(v >> (8 * b)));
  return out;
}

std::string Le64(uint64_t v) {
  std::string out;
  for (int b = 0; b < 8; ++b) out.push_back(static_cast<char>(v >> (8 * b)));
  return out;
}

uint32_t FloatBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return bits;
}

uint64_t DoubleBits(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  return bits;
}

// A hand-built .npy file: magic, version `major`.0, the header length
// (uint16 for 1.x, uint32 otherwise), `dict` padded with spaces to a multiple
// of 64 bytes and ended by '\n', then `data`.
std::string NpyFile(int major, absl::string_view dict, absl::string_view data) {
  const size_t prefix = major == 1 ? 10 : 12;
  std::string header(dict);
  const size_t padding = 64 - (prefix + header.size() + 1) % 64;
  header.append(padding, ' ');
  header.push_back('\n');
  std::string out = absl::StrCat("\x93NUMPY", std::string(1, char(major)),
                                 std::string(1, '\0'));
  out += major == 1 ? Le16(static_cast<uint16_t>(header.size()))
                    : Le32(static_cast<uint32_t>(header.size()));
  return out + header + std::string(data);
}

// "\x93NUMPY" v1.0 with the given raw header (no padding added).
std::string RawV1File(absl::string_view header, absl::string_view data) {
  return absl::StrCat("\x93NUMPY", std::string("\x01\x00", 2),
                      Le16(static_cast<uint16_t>(header.size())), header, data);
}

// `n` little-endian float32 values 1, 2, ..., n.
std::string CountingFloats(int n) {
  std::string out;
  for (int i = 1; i <= n; ++i) out += Le32(FloatBits(static_cast<float>(i)));
  return out;
}

// A fresh, empty directory per test (see tests/temp_dir.h).
class NpyTest : public ::nfalab::testing::TempDirTest {
 protected:
  NpyTest() : TempDirTest("npy_test") {}

  // Writes `bytes` to `name` (plainly, no fsync) and returns the path.
  std::string WriteBytes(absl::string_view name, absl::string_view bytes) {
    const std::string path = Path(name);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    EXPECT_TRUE(out) << path;
    return path;
  }

  // Reads a hand-written file with the given v1.0 header dict and data.
  absl::StatusOr<NpyArray> ReadDict(absl::string_view dict,
                                    absl::string_view data) {
    last_path_ = WriteBytes("array.npy", NpyFile(1, dict, data));
    return ReadNpy(last_path_);
  }

  std::string last_path_;
};

// ---------------------------------------------------------------- round trip

TEST_F(NpyTest, FloatMatrixRoundTripsBitForBit) {
  const float kDenormMin = std::numeric_limits<float>::denorm_min();
  const float kMax = std::numeric_limits<float>::max();
  Matrix m(3, 4);
  m << 0.0f, -0.0f, kDenormMin, -kDenormMin,                         //
      std::numeric_limits<float>::min() / 3, kMax, -kMax, 1.0f / 3,  //
      std::numeric_limits<float>::min(), 1e-30f, -12345.678f, 3.14159265f;
  const std::string path = Path("w.npy");
  ASSERT_THAT(WriteNpy(path, m), IsOk());

  NFALAB_ASSERT_OK_AND_ASSIGN(NpyArray a, ReadNpy(path));
  EXPECT_THAT(a.shape, ElementsAre(3, 4));
  EXPECT_EQ(a.dtype, "<f4");
  ASSERT_EQ(a.values.rows(), 3);
  ASSERT_EQ(a.values.cols(), 4);
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 4; ++j) {
      // float -> double -> float is exact, so the bits must survive.
      EXPECT_EQ(FloatBits(static_cast<float>(a.values(i, j))),
                FloatBits(m(i, j)))
          << "(" << i << ", " << j << ")";
      EXPECT_EQ(a.values(i, j), static_cast<double>(m(i, j)));
    }
  }
}

TEST_F(NpyTest, DoubleMatrixRoundTripsBitForBit) {
  const double kMax = std::numeric_limits<double>::max();
  const double kDenormMin = std::numeric_limits<double>::denorm_min();
  MatrixD m(2, 5);
  m << 0.0, -0.0, kDenormMin, -kDenormMin, kMax,  //
      -kMax, 1.0 / 3, std::numeric_limits<double>::min(), 1e300, -2.5e-310;
  const std::string path = Path("w.npy");
  ASSERT_THAT(WriteNpy(path, m), IsOk());

  NFALAB_ASSERT_OK_AND_ASSIGN(NpyArray a, ReadNpy(path));
  EXPECT_THAT(a.shape, ElementsAre(2, 5));
  EXPECT_EQ(a.dtype, "<f8");
  ASSERT_EQ(a.values.rows(), 2);
  ASSERT_EQ(a.values.cols(), 5);
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 5; ++j) {
      EXPECT_EQ(DoubleBits(a.values(i, j)), DoubleBits(m(i, j)))
          << "(" << i << ", " << j << ")";
    }
  }
}

TEST_F(NpyTest, RandomMatricesRoundTripExactly) {
  std::mt19937_64 gen(::nfalab::testing::TestSeed(/*salt=*/7));
  std::normal_distribution<double> normal(0.0, 1e3);
  Matrix f(37, 19);
  MatrixD d(5, 64);
  for (int64_t i = 0; i < f.size(); ++i) f.data()[i] = normal(gen);
  for (int64_t i = 0; i < d.size(); ++i) d.data()[i] = normal(gen);
  ASSERT_THAT(WriteNpy(Path("f.npy"), f), IsOk());
  ASSERT_THAT(WriteNpy(Path("d.npy"), d), IsOk());

  NFALAB_ASSERT_OK_AND_ASSIGN(NpyArray fa, ReadNpy(Path("f.npy")));
  NFALAB_ASSERT_OK_AND_ASSIGN(NpyArray da, ReadNpy(Path("d.npy")));
  // Exact equality: no tolerance, the values are stored verbatim.
  EXPECT_EQ(fa.values.cast<float>(), f);
  EXPECT_EQ(da.values, d);
}

TEST_F(NpyTest, Int32ValuesRoundTripAsOneDimensionalArray) {
  const std::vector<int> values = {INT_MIN, -1, 0, 1, 256, INT_MAX};
  const std::string path = Path("labels.npy");
  ASSERT_THAT(WriteNpyInt32(path, values), IsOk());

  NFALAB_ASSERT_OK_AND_ASSIGN(NpyArray a, ReadNpy(path));
  EXPECT_THAT(a.shape, ElementsAre(6));
  EXPECT_EQ(a.dtype, "<i4");
  ASSERT_EQ(a.values.rows(), 6);
  ASSERT_EQ(a.values.cols(), 1);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(a.values(i, 0), values[i]) << i;
}

TEST_F(NpyTest, VectorRoundTripsAsColumn) {
  Vector v(5);
  v << -1.5f, 0.0f, 2.25f, std::numeric_limits<float>::denorm_min(), 7.0f;
  const std::string path = Path("b.npy");
  ASSERT_THAT(WriteNpy(path, v), IsOk());

  NFALAB_ASSERT_OK_AND_ASSIGN(NpyArray a, ReadNpy(path));
  EXPECT_THAT(a.shape, ElementsAre(5));
  EXPECT_EQ(a.dtype, "<f4");
  ASSERT_EQ(a.values.rows(), 5);
  ASSERT_EQ(a.values.cols(), 1);
  EXPECT_EQ(a.values.col(0).cast<float>(), v);
}

TEST_F(NpyTest, EmptyArraysRoundTrip) {
  ASSERT_THAT(WriteNpy(Path("m.npy"), Matrix(0, 3)), IsOk());
  ASSERT_THAT(WriteNpyInt32(Path("i.npy"), {}), IsOk());

  NFALAB_ASSERT_OK_AND_ASSIGN(NpyArray m, ReadNpy(Path("m.npy")));
  EXPECT_THAT(m.shape, ElementsAre(0, 3));
  EXPECT_EQ(m.values.rows(), 0);
  EXPECT_EQ(m.values.cols(), 3);
  NFALAB_ASSERT_OK_AND_ASSIGN(NpyArray i, ReadNpy(Path("i.npy")));
  EXPECT_THAT(i.shape, ElementsAre(0));
  EXPECT_EQ(i.values.size(), 0);
}

TEST_F(NpyTest, WriteReplacesAnExistingFile) {
  const std::string path = Path("w.npy");
  ASSERT_THAT(WriteNpy(path, Matrix(Matrix::Constant(4, 4, 1.0f))), IsOk());
  ASSERT_THAT(WriteNpy(path, Matrix(Matrix::Constant(1, 2, 3.0f))), IsOk());
  NFALAB_ASSERT_OK_AND_ASSIGN(NpyArray a, ReadNpy(path));
  EXPECT_THAT(a.shape, ElementsAre(1, 2));
  EXPECT_EQ(a.values, MatrixD::Constant(1, 2, 3.0));
}

TEST_F(NpyTest, WriteIntoMissingDirectoryFails) {
  EXPECT_FALSE(WriteNpy(Path("no/such/dir/w.npy"), Matrix(1, 1)).ok());
}

// -------------------------------------------------------------- golden bytes

TEST_F(NpyTest, FloatMatrixMatchesNumpyV1LayoutByteForByte) {
  Matrix m(2, 3);
  m << 1.0f, -2.0f, 0.5f,  //
      3.0f, -0.0f, 0.0f;
  const std::string path = Path("golden.npy");
  ASSERT_THAT(WriteNpy(path, m), IsOk());

  // 10 + 59 + 58 + 1 = 128 bytes of header: the 59-byte dict, 58 spaces of
  // padding to the 64-byte boundary and '\n'. Header length 118 = 0x76.
  const std::string dict =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  ASSERT_EQ(dict.size(), 59u);
  std::string expected("\x93NUMPY\x01\x00\x76\x00", 10);
  expected += dict;
  expected += std::string(58, ' ');
  expected += "\n";
  // IEEE single, little-endian: 1.0 = 3f800000, -2.0 = c0000000,
  // 0.5 = 3f000000, 3.0 = 40400000, -0.0 = 80000000, 0.0 = 00000000.
  expected += std::string(
      "\x00\x00\x80\x3f"
      "\x00\x00\x00\xc0"
      "\x00\x00\x00\x3f"
      "\x00\x00\x40\x40"
      "\x00\x00\x00\x80"
      "\x00\x00\x00\x00",
      24);
  ASSERT_EQ(expected.size(), 128u + 24u);

  NFALAB_ASSERT_OK_AND_ASSIGN(const std::string actual, ReadFile(path));
  EXPECT_EQ(actual, expected);
}

TEST_F(NpyTest, DoubleAndInt32AndVectorMatchNumpyV1Layout) {
  ASSERT_THAT(WriteNpy(Path("d.npy"), MatrixD(MatrixD::Constant(1, 1, 1.0))),
              IsOk());
  Vector v(2);
  v << 1.0f, 2.0f;
  ASSERT_THAT(WriteNpy(Path("v.npy"), v), IsOk());
  ASSERT_THAT(WriteNpyInt32(Path("i.npy"), {1, -1, 256}), IsOk());

  // 1.0 as IEEE double = 3ff0000000000000.
  EXPECT_EQ(
      *ReadFile(Path("d.npy")),
      NpyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1), }",
              std::string("\x00\x00\x00\x00\x00\x00\xf0\x3f", 8)));
  // 2.0f = 40000000.
  EXPECT_EQ(
      *ReadFile(Path("v.npy")),
      NpyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
              std::string("\x00\x00\x80\x3f\x00\x00\x00\x40", 8)));
  EXPECT_EQ(
      *ReadFile(Path("i.npy")),
      NpyFile(
          1, "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }",
          std::string("\x01\x00\x00\x00\xff\xff\xff\xff\x00\x01\x00\x00", 12)));
}

TEST_F(NpyTest, HeaderIsPaddedTo64BytesForAnyShape) {
  // Empty matrices let the shape digits vary widely without any data.
  const std::vector<std::pair<int64_t, int64_t>> shapes = {
      {0, 0},         {1, 0},         {0, 7},
      {12, 0},        {0, 1234567},   {9876543, 0},
      {0, 1LL << 40}, {1LL << 40, 0}, {0, INT64_MAX / 2}};
  for (const auto& [rows, cols] : shapes) {
    SCOPED_TRACE(absl::StrCat(rows, " x ", cols));
    const std::string path = Path("empty.npy");
    ASSERT_THAT(WriteNpy(path, Matrix(rows, cols)), IsOk());
    NFALAB_ASSERT_OK_AND_ASSIGN(const std::string bytes, ReadFile(path));
    ASSERT_GE(bytes.size(), 10u);
    const size_t header_length = static_cast<unsigned char>(bytes[8]) +
                                 256 * static_cast<unsigned char>(bytes[9]);
    EXPECT_EQ(bytes.size(), 10 + header_length);  // No data.
    EXPECT_EQ(bytes.size() % 64, 0u);
    EXPECT_EQ(bytes.back(), '\n');
    const std::string dict =
        absl::StrCat("{'descr': '<f4', 'fortran_order': False, 'shape': (",
                     rows, ", ", cols, "), }");
    EXPECT_EQ(bytes.substr(10, dict.size()), dict);
    EXPECT_EQ(bytes.find_first_not_of(' ', 10 + dict.size()), bytes.size() - 1);
    NFALAB_ASSERT_OK_AND_ASSIGN(NpyArray a, ReadNpy(path));
    EXPECT_THAT(a.shape, ElementsAre(rows, cols));
  }
}

// ------------------------------------------------------ hand-written inputs

TEST_F(NpyTest, ReadsVersion2FileWithUint32HeaderLength) {
  const std::string data = Le64(DoubleBits(-0.25)) + Le64(DoubleBits(1e10));
  const std::string bytes = NpyFile(
      2, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }", data);
  ASSERT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x02\x00", 8));
  ASSERT_EQ(bytes.size() - data.size(), 128u);  // 12 + 116.
  ASSERT_EQ(bytes.substr(8, 4), std::string("\x74\x00\x00\x00", 4));
  NFALAB_ASSERT_OK_AND_ASSIGN(NpyArray a, ReadNpy(WriteBytes("v2.npy", bytes)));
  EXPECT_THAT(a.shape, ElementsAre(1, 2));
  EXPECT_EQ(a.dtype, "<f8");
  EXPECT_EQ(a.values(0, 0), -0.25);
  EXPECT_EQ(a.values(0, 1), 1e10);
}

TEST_F(NpyTest, ReadsVersion3File) {
  const std::string bytes =
      NpyFile(3, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }",
              CountingFloats(3));
  NFALAB_ASSERT_OK_AND_ASSIGN(NpyArray a, ReadNpy(WriteBytes("v3.npy", bytes)));
  EXPECT_THAT(a.shape, ElementsAre(3));
  EXPECT_EQ(a.values, (MatrixD(3, 1) << 1, 2, 3).finished());
}

TEST_F(NpyTest, ReadsUint8) {
  NFALAB_ASSERT_OK_AND_ASSIGN(
      NpyArray a,
      ReadDict("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2), }",
               std::string("\x00\xff\x80\x01", 4)));
  EXPECT_EQ(a.dtype, "|u1");
  EXPECT_THAT(a.shape, ElementsAre(2, 2));
  EXPECT_EQ(a.values, (MatrixD(2, 2) << 0, 255, 128, 1).finished());
}

TEST_F(NpyTest, ReadsInt8) {
  NFALAB_ASSERT_OK_AND_ASSIGN(
      NpyArray a,
      ReadDict("{'descr': '|i1', 'fortran_order': False, 'shape': (4,), }",
               std::string("\x80\x7f\xff\x00", 4)));
  EXPECT_EQ(a.dtype, "|i1");
  EXPECT_EQ(a.values, (MatrixD(4, 1) << -128, 127, -1, 0).finished());
}

TEST_F(NpyTest, ReadsInt32) {
  NFALAB_ASSERT_OK_AND_ASSIGN(
      NpyArray a,
      ReadDict("{'descr': '<i4', 'fortran_order': False, 'shape': (1, 3), }",
               Le32(0x80000000u) + Le32(0xfffffffeu) + Le32(70000)));
  EXPECT_EQ(a.values, (MatrixD(1, 3) << -2147483648.0, -2, 70000).finished());
}

TEST_F(NpyTest, ReadsInt64) {
  NFALAB_ASSERT_OK_AND_ASSIGN(
      NpyArray a,
      ReadDict("{'descr': '<i8', 'fortran_order': False, 'shape': (4,), }",
               Le64(uint64_t{1} << 63) + Le64(static_cast<uint64_t>(-5)) +
                   Le64(uint64_t{1} << 40) + Le64((uint64_t{1} << 53) - 1)));
  EXPECT_EQ(a.dtype, "<i8");
  EXPECT_EQ(a.values, (MatrixD(4, 1) << -9223372036854775808.0, -5,
                       1099511627776.0, 9007199254740991.0)
                          .finished());
}

TEST_F(NpyTest, ReadsNativeByteOrderAsLittleEndian) {
  // This suite only runs on little-endian hosts (x86-64, aarch64).
  NFALAB_ASSERT_OK_AND_ASSIGN(
      NpyArray a,
      ReadDict("{'descr': '=f4', 'fortran_order': False, 'shape': (2,), }",
               CountingFloats(2)));
  EXPECT_EQ(a.dtype, "=f4");
  EXPECT_EQ(a.values, (MatrixD(2, 1) << 1, 2).finished());
}

TEST_F(NpyTest, ParsesOneDimensionalShapeWithTrailingComma) {
  NFALAB_ASSERT_OK_AND_ASSIGN(
      NpyArray a,
      ReadDict("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }",
               CountingFloats(5)));
  EXPECT_THAT(a.shape, ElementsAre(5));
  EXPECT_EQ(a.values, (MatrixD(5, 1) << 1, 2, 3, 4, 5).finished());
}

TEST_F(NpyTest, ToleratesWhitespaceKeyOrderQuotesAndMissingPadding) {
  // Unaligned, no '\n', double quotes, other key order, no trailing comma.
  const std::string path = WriteBytes(
      "loose.npy",
      RawV1File("  {\"shape\" : ( 2 ,\t3 , ) ,\n\"fortran_order\":False,"
                "'descr':'<f4'}",
                CountingFloats(6)));
  NFALAB_ASSERT_OK_AND_ASSIGN(NpyArray a, ReadNpy(path));
  EXPECT_THAT(a.shape, ElementsAre(2, 3));
  EXPECT_EQ(a.values, (MatrixD(2, 3) << 1, 2, 3, 4, 5, 6).finished());
}

TEST_F(NpyTest, AcceptsPython2LongSuffixes) {
  NFALAB_ASSERT_OK_AND_ASSIGN(
      NpyArray a,
      ReadDict("{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 1L), }",
               CountingFloats(2)));
  EXPECT_THAT(a.shape, ElementsAre(2, 1));
}

// -------------------------------------------------------------------- errors

TEST_F(NpyTest, MissingFileIsNotFound) {
  const std::string path = Path("missing.npy");
  EXPECT_THAT(ReadNpy(path),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(path)));
}

TEST_F(NpyTest, DirectoryIsFailedPrecondition) {
  EXPECT_THAT(ReadNpy(dir()), StatusIs(absl::StatusCode::kFailedPrecondition,
                                       AllOf(HasSubstr(dir()),
                                             HasSubstr("not a regular file"))));
}

TEST_F(NpyTest, EmptyFileIsTooShort) {
  const std::string path = WriteBytes("empty.npy", "");
  EXPECT_THAT(ReadNpy(path), StatusIs(absl::StatusCode::kInvalidArgument,
                                      AllOf(HasSubstr(path),
                                            HasSubstr("too short (0 bytes)"))));
}

TEST_F(NpyTest, BadMagicIsRejected) {
  std::string bytes =
      NpyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }",
              CountingFloats(1));
  bytes[5] = 'Z';  // "\x93NUMPZ".
  const std::string path = WriteBytes("magic.npy", bytes);
  EXPECT_THAT(ReadNpy(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path), HasSubstr("bad magic string"))));
}

TEST_F(NpyTest, CsvFileIsRejectedAsBadMagic) {
  const std::string path = WriteBytes("data.csv", "1,2,3\n4,5,6\n");
  EXPECT_THAT(ReadNpy(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path), HasSubstr("bad magic string"))));
}

TEST_F(NpyTest, FileEndingInsideHeaderLengthIsTooShort) {
  const std::string path =
      WriteBytes("short.npy", std::string("\x93NUMPY\x01\x00\x76", 9));
  EXPECT_THAT(ReadNpy(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path), HasSubstr("too short (9 bytes)"),
                             HasSubstr("header length"))));
}

TEST_F(NpyTest, UnsupportedVersionIsUnimplemented) {
  for (const auto& [major, minor] :
       {std::pair<int, int>{4, 0}, {1, 1}, {0, 0}}) {
    std::string bytes =
        NpyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }",
                CountingFloats(1));
    bytes[6] = static_cast<char>(major);
    bytes[7] = static_cast<char>(minor);
    const std::string path = WriteBytes("version.npy", bytes);
    EXPECT_THAT(ReadNpy(path),
                StatusIs(absl::StatusCode::kUnimplemented,
                         AllOf(HasSubstr(path),
                               HasSubstr(absl::StrCat("unsupported .npy format "
                                                      "version ",
                                                      major, ".", minor)))));
  }
}

TEST_F(NpyTest, HeaderLengthPastEndOfFileIsRejected) {
  // v1.0: 0xffff header bytes announced, 20 present.
  const std::string path = WriteBytes(
      "long.npy", absl::StrCat("\x93NUMPY", std::string("\x01\x00", 2),
                               Le16(0xffff), std::string(20, ' ')));
  EXPECT_THAT(ReadNpy(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path),
                             HasSubstr("header length 65535 extends past the "
                                       "end of the file (10 + 65535 > 30"))));
}

TEST_F(NpyTest, HugeVersion2HeaderLengthIsRejectedWithoutAllocating) {
  const std::string path = WriteBytes(
      "huge.npy", absl::StrCat("\x93NUMPY", std::string("\x02\x00", 2),
                               Le32(0xffffffffu), "{}"));
  EXPECT_THAT(ReadNpy(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path),
                             HasSubstr("header length 4294967295 extends past "
                                       "the end of the file"))));
}

TEST_F(NpyTest, HeaderOverOneMebibyteIsRejected) {
  const uint32_t length = (1u << 20) + 1;
  const std::string path = WriteBytes(
      "big_header.npy", absl::StrCat("\x93NUMPY", std::string("\x02\x00", 2),
                                     Le32(length), std::string(length, ' ')));
  EXPECT_THAT(ReadNpy(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path), HasSubstr("exceeds the limit"))));
}

TEST_F(NpyTest, HeaderThatIsNotADictIsUnparsable) {
  EXPECT_THAT(ReadDict("[1, 2, 3]", ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(last_path_),
                             HasSubstr("cannot parse header dict at byte 0: "
                                       "expected '{'"))));
}

TEST_F(NpyTest, UnterminatedHeaderDictIsUnparsable) {
  EXPECT_THAT(
      ReadDict("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3", ""),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr(last_path_), HasSubstr("expected ')'"))));
  EXPECT_THAT(
      ReadDict("{'descr': '<f4", ""),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr(last_path_), HasSubstr("unterminated string"))));
}

TEST_F(NpyTest, TextAfterTheDictIsUnparsable) {
  EXPECT_THAT(
      ReadDict("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), } x",
               CountingFloats(1)),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr(last_path_),
                     HasSubstr("unexpected text after the dict"))));
}

TEST_F(NpyTest, MissingDescrIsRejected) {
  EXPECT_THAT(
      ReadDict("{'fortran_order': False, 'shape': (1,), }", CountingFloats(1)),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr(last_path_),
                     HasSubstr("header dict has no 'descr' key"))));
}

TEST_F(NpyTest, MissingFortranOrderIsRejected) {
  EXPECT_THAT(
      ReadDict("{'descr': '<f4', 'shape': (1,), }", CountingFloats(1)),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr(last_path_),
                     HasSubstr("header dict has no 'fortran_order' key"))));
}

TEST_F(NpyTest, MissingShapeIsRejected) {
  EXPECT_THAT(
      ReadDict("{'descr': '<f4', 'fortran_order': False}", CountingFloats(1)),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr(last_path_),
                     HasSubstr("header dict has no 'shape' key"))));
}

TEST_F(NpyTest, UnexpectedOrDuplicateKeyIsRejected) {
  EXPECT_THAT(ReadDict("{'descr': '<f4', 'fortran_order': False, "
                       "'shape': (1,), 'extra': 1}",
                       CountingFloats(1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(last_path_),
                             HasSubstr("unexpected key 'extra'"))));
  EXPECT_THAT(ReadDict("{'descr': '<f4', 'fortran_order': False, "
                       "'shape': (1,), 'descr': '<f8'}",
                       CountingFloats(1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(last_path_),
                             HasSubstr("duplicate key 'descr'"))));
}

TEST_F(NpyTest, NonBooleanFortranOrderIsRejected) {
  EXPECT_THAT(ReadDict("{'descr': '<f4', 'fortran_order': Falsey, "
                       "'shape': (1,), }",
                       CountingFloats(1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(last_path_),
                             HasSubstr("expected True or False"))));
}

TEST_F(NpyTest, FortranOrderTrueIsUnimplemented) {
  EXPECT_THAT(
      ReadDict("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
               CountingFloats(6)),
      StatusIs(absl::StatusCode::kUnimplemented,
               AllOf(HasSubstr(last_path_),
                     HasSubstr("fortran_order True is not supported"))));
}

TEST_F(NpyTest, BigEndianDtypeIsUnimplemented) {
  EXPECT_THAT(
      ReadDict("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }",
               CountingFloats(2)),
      StatusIs(absl::StatusCode::kUnimplemented,
               AllOf(HasSubstr(last_path_),
                     HasSubstr("big-endian dtype '>f4' is not supported"))));
}

TEST_F(NpyTest, UnsupportedDtypesAreUnimplemented) {
  for (const char* descr :
       {"<c8", "<U1", "|O", "<f2", "<u4", "|f4", "float32"}) {
    SCOPED_TRACE(descr);
    EXPECT_THAT(
        ReadDict(absl::StrCat("{'descr': '", descr,
                              "', 'fortran_order': False, 'shape': (1,), }"),
                 CountingFloats(1)),
        StatusIs(
            absl::StatusCode::kUnimplemented,
            AllOf(HasSubstr(last_path_),
                  HasSubstr(absl::StrCat("unsupported dtype '", descr, "'")))));
  }
}

TEST_F(NpyTest, StructuredDtypeIsUnimplemented) {
  EXPECT_THAT(
      ReadDict("{'descr': [('x', '<f4'), ('y', '<f4')], "
               "'fortran_order': False, 'shape': (1,), }",
               CountingFloats(2)),
      StatusIs(absl::StatusCode::kUnimplemented,
               AllOf(HasSubstr(last_path_), HasSubstr("structured dtypes"))));
}

// Row i of the values is a[i] in C order (the last axis fastest).
TEST_F(NpyTest, HigherDimensionalArrayKeepsItsShapeAndFlattensRows) {
  NFALAB_ASSERT_OK_AND_ASSIGN(
      NpyArray a, ReadDict("{'descr': '<f4', 'fortran_order': False, "
                           "'shape': (2, 2, 1, 3), }",
                           CountingFloats(12)));
  EXPECT_THAT(a.shape, ElementsAre(2, 2, 1, 3));
  ASSERT_EQ(a.values.rows(), 2);
  ASSERT_EQ(a.values.cols(), 6);
  // a[1, 1, 0, 2] is the 12th value.
  EXPECT_EQ(a.values(1, 5), 12.0);
  EXPECT_EQ(a.values(0, 3), 4.0);  // a[0, 1, 0, 0].
}

TEST_F(NpyTest, EmptyArrayWithHugeRowsIsRejected) {
  // No data, but a row of 2^64 elements could not be represented.
  EXPECT_THAT(ReadDict("{'descr': '<f4', 'fortran_order': False, "
                       "'shape': (0, 4294967296, 4294967296), }",
                       ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(last_path_),
                             HasSubstr("row size does not fit"))));
}

TEST_F(NpyTest, MoreDimensionsThanNumPyAllowsAreRejected) {
  std::string shape = "(";
  for (int i = 0; i < 65; ++i) shape += "1, ";
  shape += ")";
  EXPECT_THAT(ReadDict(absl::StrCat("{'descr': '<f4', 'fortran_order': False, "
                                    "'shape': ",
                                    shape, ", }"),
                       CountingFloats(1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(last_path_),
                             HasSubstr("shape has 65 dimensions; NumPy writes "
                                       "at most 64"))));
}

TEST_F(NpyTest, ZeroDimensionalArrayIsUnimplemented) {
  EXPECT_THAT(
      ReadDict("{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
               CountingFloats(1)),
      StatusIs(absl::StatusCode::kUnimplemented,
               AllOf(HasSubstr(last_path_),
                     HasSubstr("0-d arrays are not supported"))));
}

TEST_F(NpyTest, NegativeDimensionIsRejected) {
  EXPECT_THAT(
      ReadDict("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 3), }",
               CountingFloats(3)),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr(last_path_),
                     HasSubstr("negative dimension -1 in shape (-1, 3)"))));
}

TEST_F(NpyTest, ElementCountOverflowIsRejectedBeforeAllocating) {
  // 2^32 * 2^32 = 2^64 elements.
  EXPECT_THAT(ReadDict("{'descr': '<f4', 'fortran_order': False, "
                       "'shape': (4294967296, 4294967296), }",
                       CountingFloats(1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(last_path_),
                             HasSubstr("element count does not fit"))));
}

TEST_F(NpyTest, ByteCountOverflowIsRejectedBeforeAllocating) {
  // 2^61 elements fit in int64, 2^61 * 8 bytes do not.
  EXPECT_THAT(ReadDict("{'descr': '<f8', 'fortran_order': False, "
                       "'shape': (2305843009213693952,), }",
                       CountingFloats(1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(last_path_),
                             HasSubstr("byte count does not fit"))));
}

TEST_F(NpyTest, DimensionLiteralOver64BitsIsRejected) {
  EXPECT_THAT(ReadDict("{'descr': '<f4', 'fortran_order': False, "
                       "'shape': (99999999999999999999,), }",
                       CountingFloats(1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(last_path_),
                             HasSubstr("integer does not fit in 64 bits"))));
}

TEST_F(NpyTest, LargeShapeWithLittleDataIsRejectedBeforeAllocating) {
  // 2^60 bytes announced; must fail on the size check, not in malloc.
  EXPECT_THAT(ReadDict("{'descr': '|u1', 'fortran_order': False, "
                       "'shape': (1073741824, 1073741824), }",
                       "abc"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(last_path_),
                             HasSubstr("expected 1152921504606846976 bytes of "
                                       "data, found 3"))));
}

TEST_F(NpyTest, TruncatedDataIsRejected) {
  const std::string data = CountingFloats(6).substr(0, 20);
  EXPECT_THAT(
      ReadDict("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
               data),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr(last_path_),
                     HasSubstr("expected 24 bytes of data, found 20"),
                     HasSubstr("truncated"))));
}

TEST_F(NpyTest, TrailingDataIsRejected) {
  EXPECT_THAT(
      ReadDict("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
               CountingFloats(7)),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr(last_path_),
                     HasSubstr("expected 24 bytes of data, found 28"))));
}

TEST_F(NpyTest, EveryTruncationOfAValidFileIsAnError) {
  Matrix m(2, 3);
  m << 1, 2, 3, 4, 5, 6;
  ASSERT_THAT(WriteNpy(Path("full.npy"), m), IsOk());
  NFALAB_ASSERT_OK_AND_ASSIGN(const std::string full,
                              ReadFile(Path("full.npy")));
  for (size_t n = 0; n < full.size(); ++n) {
    const std::string path = WriteBytes("cut.npy", full.substr(0, n));
    const absl::StatusOr<NpyArray> a = ReadNpy(path);
    EXPECT_THAT(a,
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(path)))
        << "truncated to " << n << " bytes";
  }
}

// ParseNpy is the in-memory entry point (the fuzzer's): it must accept and
// refuse exactly what ReadNpy does, with the same message but its own name.
TEST_F(NpyTest, ParseNpyAgreesWithReadNpyOnValidCutAndCorruptFiles) {
  Matrix m(2, 3);
  m << 1, -2.5f, 3, 4, 5, 6e-9f;
  ASSERT_THAT(WriteNpy(Path("full.npy"), m), IsOk());
  NFALAB_ASSERT_OK_AND_ASSIGN(const std::string full,
                              ReadFile(Path("full.npy")));
  std::vector<std::string> files;
  files.push_back(full);
  for (size_t n = 0; n < full.size(); n += 7)
    files.push_back(full.substr(0, n));
  for (size_t pos = 0; pos < full.size(); pos += 3) {
    for (const char c : {'\0', '\xff', '(', ',', '9', '-'}) {
      files.push_back(full);
      files.back()[pos] = c;
    }
  }
  int accepted = 0;
  for (const std::string& bytes : files) {
    const std::string path = WriteBytes("file.npy", bytes);
    const absl::StatusOr<NpyArray> from_file = ReadNpy(path);
    const absl::StatusOr<NpyArray> from_memory = ParseNpy(bytes, "mem.npy");
    ASSERT_EQ(from_file.ok(), from_memory.ok()) << from_memory.status();
    if (from_file.ok()) {
      ++accepted;
      EXPECT_EQ(from_memory->shape, from_file->shape);
      EXPECT_EQ(from_memory->dtype, from_file->dtype);
      ASSERT_EQ(from_memory->values.size(), from_file->values.size());
      EXPECT_EQ(
          std::memcmp(from_memory->values.data(), from_file->values.data(),
                      sizeof(double) * from_file->values.size()),
          0);
      continue;
    }
    EXPECT_EQ(from_memory.status().code(), from_file.status().code());
    std::string expected(from_file.status().message());
    ASSERT_EQ(expected.rfind(path, 0), 0u) << expected;
    expected.replace(0, path.size(), "mem.npy");
    EXPECT_EQ(from_memory.status().message(), expected);
  }
  EXPECT_GT(accepted, 1);  // The intact file and some harmless corruptions.
  NFALAB_ASSERT_OK_AND_ASSIGN(const NpyArray a, ParseNpy(full, "mem.npy"));
  EXPECT_THAT(a.shape, ElementsAre(2, 3));
  EXPECT_EQ(a.values(0, 1), -2.5);
  EXPECT_EQ(a.values(1, 2), static_cast<double>(6e-9f));
}

TEST_F(NpyTest, CorruptedBytesNeverCrashAndKeepShapeConsistent) {
  Matrix m(2, 3);
  m << 1, 2, 3, 4, 5, 6;
  ASSERT_THAT(WriteNpy(Path("full.npy"), m), IsOk());
  NFALAB_ASSERT_OK_AND_ASSIGN(const std::string full,
                              ReadFile(Path("full.npy")));
  // Overwrite each header byte with bytes that matter to the parser.
  for (size_t pos = 0; pos < 128; ++pos) {
    for (const char c : {'\0', '\xff', '(', ')', ',', '\'', '9', '-', '}'}) {
      std::string bytes = full;
      bytes[pos] = c;
      const absl::StatusOr<NpyArray> a =
          ReadNpy(WriteBytes("corrupt.npy", bytes));
      if (!a.ok()) continue;
      ASSERT_FALSE(a->shape.empty());
      ASSERT_LE(a->shape.size(), 64u);
      EXPECT_EQ(a->values.rows(), a->shape[0]) << "byte " << pos;
      int64_t row_size = 1;
      for (size_t k = 1; k < a->shape.size(); ++k) row_size *= a->shape[k];
      EXPECT_EQ(a->values.cols(), row_size) << "byte " << pos;
    }
  }
}

}  // namespace
}  // namespace nfalab
