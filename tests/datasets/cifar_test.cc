// Tests for datasets/cifar.h: exact labels and pixels of CIFAR-10 and
// CIFAR-100 records, and one test per kind of malformed file.
#include "datasets/cifar.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/datasets/test_files.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::Cifar100Record;
using ::nfalab::testing::Cifar10Record;
using ::nfalab::testing::CifarPixel;
using ::nfalab::testing::NewTempDir;
using ::nfalab::testing::StatusIs;
using ::nfalab::testing::WriteBytes;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string WriteFile(absl::string_view test, absl::string_view bytes) {
  const std::string path = NewTempDir(test) + "/batch.bin";
  WriteBytes(path, bytes);
  return path;
}

TEST(CifarTest, RecordSizes) {
  EXPECT_EQ(CifarRecordBytes(CifarVariant::kCifar10), 3073);
  EXPECT_EQ(CifarRecordBytes(CifarVariant::kCifar100), 3074);
}

TEST(CifarTest, ReadsCifar10LabelsAndPixelsExactly) {
  const std::string path =
      WriteFile("cifar10_values", Cifar10Record(3, 0) + Cifar10Record(9, 11) +
                                      Cifar10Record(0, 250));
  absl::StatusOr<CifarRecords> records =
      ReadCifarFile(path, CifarVariant::kCifar10);
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_EQ(records->size(), 3);
  EXPECT_THAT(records->labels, ElementsAre(3, 9, 0));
  EXPECT_TRUE(records->coarse_labels.empty());
  ASSERT_EQ(records->pixels.size(), 3u * 3072);
  const int seeds[] = {0, 11, 250};
  for (int r = 0; r < 3; ++r) {
    for (int j = 0; j < 3072; ++j) {
      ASSERT_EQ(records->Pixel(r, j), CifarPixel(seeds[r], j))
          << "record " << r << ", pixel " << j;
    }
  }
}

TEST(CifarTest, ReadsCifar100CoarseAndFineLabelsExactly) {
  const std::string path = WriteFile(
      "cifar100_values", Cifar100Record(19, 99, 5) + Cifar100Record(0, 42, 6));
  absl::StatusOr<CifarRecords> records =
      ReadCifarFile(path, CifarVariant::kCifar100);
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(records->labels, ElementsAre(99, 42));
  EXPECT_THAT(records->coarse_labels, ElementsAre(19, 0));
  EXPECT_EQ(records->Pixel(1, 3071), CifarPixel(6, 3071));
  EXPECT_EQ(records->Pixel(0, 0), CifarPixel(5, 0));
}

TEST(CifarTest, MissingFileIsNotFoundNamingThePath) {
  const std::string path = NewTempDir("cifar_missing") + "/data_batch_1.bin";
  EXPECT_THAT(ReadCifarFile(path, CifarVariant::kCifar10),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(path)));
}

TEST(CifarTest, RejectsAnEmptyFile) {
  const std::string path = WriteFile("cifar_empty", "");
  EXPECT_THAT(ReadCifarFile(path, CifarVariant::kCifar10),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path), HasSubstr("no records"))));
}

TEST(CifarTest, RejectsATruncatedFile) {
  const std::string two = Cifar10Record(1, 0) + Cifar10Record(2, 0);
  const std::string path =
      WriteFile("cifar_truncated", two + Cifar10Record(3, 0).substr(0, 1));
  EXPECT_THAT(ReadCifarFile(path, CifarVariant::kCifar10),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path), HasSubstr("file is truncated"),
                             HasSubstr("6147 bytes"),
                             HasSubstr("3073-byte CIFAR-10 records"),
                             HasSubstr("2 records + 1 extra bytes"))));
}

TEST(CifarTest, RejectsACifar10FileReadAsCifar100) {
  // 2 x 3073 bytes is not a multiple of 3074.
  const std::string path =
      WriteFile("cifar_variant", Cifar10Record(1, 0) + Cifar10Record(2, 0));
  EXPECT_THAT(ReadCifarFile(path, CifarVariant::kCifar100),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path),
                             HasSubstr("3074-byte CIFAR-100 records"))));
}

TEST(CifarTest, RejectsACifar10LabelOutOfRange) {
  const std::string path =
      WriteFile("cifar_label", Cifar10Record(1, 0) + Cifar10Record(2, 0) +
                                   Cifar10Record(3, 0) + Cifar10Record(200, 0));
  EXPECT_THAT(
      ReadCifarFile(path, CifarVariant::kCifar10),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr(path), HasSubstr("record 3 (byte offset 9219)"),
                     HasSubstr("label 200 is outside [0, 10)"))));
}

TEST(CifarTest, RejectsACifar100FineLabelOutOfRange) {
  const std::string path =
      WriteFile("cifar100_fine", Cifar100Record(3, 100, 0));
  EXPECT_THAT(ReadCifarFile(path, CifarVariant::kCifar100),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path),
                             HasSubstr("fine label 100 is outside [0, 100)"))));
}

TEST(CifarTest, RejectsACifar100CoarseLabelOutOfRange) {
  const std::string path =
      WriteFile("cifar100_coarse", Cifar100Record(20, 5, 0));
  EXPECT_THAT(ReadCifarFile(path, CifarVariant::kCifar100),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path),
                             HasSubstr("coarse label 20 is outside [0, 20)"))));
}

}  // namespace
}  // namespace nfalab
