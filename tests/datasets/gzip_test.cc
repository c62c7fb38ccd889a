// Tests for datasets/gzip.h: round trips against zlib's own compressor,
// the output limit, prefixes, concatenated members and malformed streams.
#include "datasets/gzip.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/datasets/test_files.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::Gzip;
using ::nfalab::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

// 100 kB of varied text (more than zlib's 64 kB output chunk).
std::string Text() {
  std::string text;
  for (int i = 0; text.size() < 100000; ++i) {
    text += std::to_string(i * 7919 % 10007) + (i % 13 == 0 ? "\n" : ",");
  }
  return text;
}

TEST(GzipTest, RecognisesTheMagicNumberOnly) {
  EXPECT_TRUE(IsGzip(Gzip("x")));
  EXPECT_TRUE(IsGzip("\x1f\x8b"));
  EXPECT_FALSE(IsGzip("\x1f"));
  EXPECT_FALSE(IsGzip(""));
  EXPECT_FALSE(IsGzip(std::string("\0\0\x08\x01", 4)));
}

TEST(GzipTest, RoundTripsExactly) {
  const std::string text = Text();
  absl::StatusOr<std::string> plain = Gunzip(Gzip(text), 1 << 20, "t.gz");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(*plain, text);
  absl::StatusOr<std::string> empty = Gunzip(Gzip(""), 10, "e.gz");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(*empty, "");
}

TEST(GzipTest, AcceptsOutputOfExactlyTheLimit) {
  const std::string text = Text();
  absl::StatusOr<std::string> plain =
      Gunzip(Gzip(text), static_cast<int64_t>(text.size()), "t.gz");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->size(), text.size());
}

TEST(GzipTest, StopsAtTheLimitOfADecompressionBomb) {
  // 16 MB of zeros compress to ~16 kB; a 1 MB limit stops it.
  const std::string bomb = Gzip(std::string(16 << 20, '\0'));
  ASSERT_LT(bomb.size(), 100000u);
  EXPECT_THAT(Gunzip(bomb, 1 << 20, "bomb.gz"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("bomb.gz"),
                             HasSubstr("decompresses to more than 1048576"))));
}

TEST(GzipTest, PrefixReturnsTheFirstBytesOnly) {
  const std::string text = Text();
  const std::string gz = Gzip(text);
  for (int64_t n : {0, 1, 4, 65536, 70000}) {
    absl::StatusOr<std::string> prefix = GunzipPrefix(gz, n, "t.gz");
    ASSERT_TRUE(prefix.ok()) << prefix.status();
    EXPECT_EQ(*prefix, text.substr(0, n)) << n;
  }
  // Longer than the stream: all of it.
  absl::StatusOr<std::string> all = GunzipPrefix(Gzip("abc"), 100, "t.gz");
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(*all, "abc");
}

TEST(GzipTest, DecompressesConcatenatedMembers) {
  absl::StatusOr<std::string> plain =
      Gunzip(Gzip("hello, ") + Gzip("world"), 100, "two.gz");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(*plain, "hello, world");
}

TEST(GzipTest, RejectsATruncatedStream) {
  const std::string gz = Gzip(Text());
  EXPECT_THAT(Gunzip(gz.substr(0, gz.size() / 2), 1 << 20, "half.gz"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("half.gz"),
                             HasSubstr("truncated gzip stream"))));
  // Cut inside the 8-byte trailer (CRC and length).
  EXPECT_THAT(Gunzip(gz.substr(0, gz.size() - 3), 1 << 20, "trailer.gz"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("truncated gzip stream")));
}

TEST(GzipTest, RejectsACorruptDeflateStream) {
  std::string gz = Gzip(Text());
  for (size_t i = 20; i < 40; ++i) gz[i] = static_cast<char>(0xff);
  EXPECT_THAT(
      Gunzip(gz, 1 << 20, "bad.gz"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("bad.gz"), HasSubstr("corrupt gzip stream"))));
}

TEST(GzipTest, RejectsACrcMismatch) {
  std::string gz = Gzip("some data");
  gz[gz.size() - 8] ^= 0x01;  // First CRC byte of the trailer.
  EXPECT_THAT(Gunzip(gz, 100, "crc.gz"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("corrupt gzip stream"),
                             HasSubstr("incorrect data check"))));
}

TEST(GzipTest, RejectsTrailingGarbage) {
  EXPECT_THAT(
      Gunzip(Gzip("abc") + "xyz", 100, "tail.gz"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("tail.gz"), HasSubstr("trailing garbage"))));
}

TEST(GzipTest, RejectsABadHeader) {
  EXPECT_THAT(Gunzip(std::string("\x1f\x8b\x09\x00garbage", 11), 100, "h.gz"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("corrupt gzip stream")));
}

}  // namespace
}  // namespace nfalab
