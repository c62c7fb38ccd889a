// SHA-256 against the FIPS 180-4 / NIST example vectors.
#include "core/sha256.h"

#include <string>

#include "absl/status/status.h"
#include "core/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace nfalab {
namespace {

using ::nfalab::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kEmptyDigest[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kAbcDigest[] =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr char kTwoBlockDigest[] =
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
constexpr char kMillionADigest[] =
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

TEST(Sha256Test, MatchesTheNistVectors) {
  EXPECT_EQ(Sha256Hex(""), kEmptyDigest);
  EXPECT_EQ(Sha256Hex("abc"), kAbcDigest);
  EXPECT_EQ(
      Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
      kTwoBlockDigest);
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')), kMillionADigest);
}

TEST(Sha256Test, RawDigestIsTheHexDigestsBytes) {
  const std::string digest = Sha256("abc");
  ASSERT_EQ(digest.size(), 32u);
  EXPECT_EQ(static_cast<unsigned char>(digest[0]), 0xba);
  EXPECT_EQ(static_cast<unsigned char>(digest[31]), 0xad);
}

TEST(Sha256Test, HashesBytesAfterANul) {
  EXPECT_NE(Sha256Hex(std::string("a\0b", 3)), Sha256Hex("a"));
}

class Sha256FileTest : public ::nfalab::testing::TempDirTest {
 protected:
  Sha256FileTest() : TempDirTest("sha256_test") {}
};

TEST_F(Sha256FileTest, FileDigestEqualsTheDigestOfItsContents) {
  ASSERT_THAT(WriteFileAtomically(Path("abc.txt"), "abc"),
              ::nfalab::testing::IsOk());
  NFALAB_ASSERT_OK_AND_ASSIGN(const std::string digest,
                              Sha256HexOfFile(Path("abc.txt")));
  EXPECT_EQ(digest, kAbcDigest);
}

TEST_F(Sha256FileTest, MissingFileIsNotFoundNamingThePath) {
  EXPECT_THAT(Sha256HexOfFile(Path("missing.so")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing.so")));
}

}  // namespace
}  // namespace nfalab
