// Tests for the GTSRB formats (datasets/gtsrb.h): PPM images and the
// ground-truth CSVs, parsed from bytes built here.
#include "datasets/gtsrb.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/datasets/test_files.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::GtsrbPixel;
using ::nfalab::testing::Ppm;
using ::nfalab::testing::StatusIs;
using ::testing::HasSubstr;

absl::Status PpmError(const std::string& bytes) {
  return ParsePpm(bytes, "a.ppm").status();
}

TEST(ParsePpmTest, DecodesEveryPixelInRowMajorRgbOrder) {
  NFALAB_ASSERT_OK_AND_ASSIGN(PpmImage image, ParsePpm(Ppm(5, 3, 40), "a.ppm"));
  EXPECT_EQ(image.width, 5);
  EXPECT_EQ(image.height, 3);
  ASSERT_EQ(image.pixels.size(), 45u);
  for (int y = 0; y < 3; ++y) {
    for (int x = 0; x < 5; ++x) {
      for (int c = 0; c < 3; ++c) {
        EXPECT_EQ(image.At(y, x, c), GtsrbPixel(40, y, x, c))
            << y << " " << x << " " << c;
      }
    }
  }
}

TEST(ParsePpmTest, AcceptsCommentsAndOtherWhitespaceInTheHeader) {
  const std::string pixels = "\x01\x02\x03\x04\x05\x06";
  NFALAB_ASSERT_OK_AND_ASSIGN(
      PpmImage image,
      ParsePpm("P6 # made by hand\n2\t# width\n 1\r\n255\n" + pixels + "more",
               "a.ppm"));
  EXPECT_EQ(image.width, 2);
  EXPECT_EQ(image.height, 1);
  EXPECT_EQ(image.pixels, pixels);
}

TEST(ParsePpmTest, WrongMagicIsRejected) {
  EXPECT_THAT(PpmError("P3\n1 1\n255\n1 2 3\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "a.ppm: not a binary PPM (P6) image: the file starts "
                       "with \"P3\""));
  EXPECT_THAT(PpmError(""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "a.ppm: not a binary PPM (P6) image: the file starts "
                       "with \"\""));
  EXPECT_THAT(PpmError("P61 1 255\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "a.ppm: bad PPM header: expected whitespace after "
                       "\"P6\", found \"1\""));
}

TEST(ParsePpmTest, NegativeZeroHugeOrMissingSizesAreRejected) {
  EXPECT_THAT(PpmError("P6\n-2 1\n255\n123456"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "a.ppm: bad PPM header: expected the width, found "
                       "\"-\""));
  EXPECT_THAT(PpmError("P6\n2 0\n255\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "a.ppm: bad PPM header: height 0 is outside [1, "
                       "16384]"));
  EXPECT_THAT(PpmError("P6\n99999999999 2\n255\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "a.ppm: bad PPM header: width 99999999999 is outside "
                       "[1, 16384]"));
  EXPECT_THAT(PpmError("P6\n2 2"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "a.ppm: bad PPM header: expected the maxval, found "
                       "the end of the file"));
  EXPECT_THAT(PpmError("P6\n2 2 255"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "a.ppm: bad PPM header: expected one whitespace byte "
                       "after the maxval, found the end of the file"));
}

TEST(ParsePpmTest, MaxvalOtherThan255IsRejected) {
  EXPECT_THAT(PpmError("P6\n1 1\n65535\n123456"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "a.ppm: maxval is 65535; only 8-bit PPM (maxval 255) "
                       "is supported"));
  EXPECT_THAT(PpmError("P6\n1 1\n15\n123"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "a.ppm: maxval is 15; only 8-bit PPM (maxval 255) is "
                       "supported"));
}

TEST(ParsePpmTest, TruncatedPixelsAreRejected) {
  std::string bytes = Ppm(2, 2, 0);
  bytes.resize(bytes.size() - 2);
  EXPECT_THAT(PpmError(bytes),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "a.ppm: truncated pixel data: 10 bytes, expected 3 x "
                       "2 x 2 = 12"));
}

constexpr char kHeader[] =
    "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\n";

absl::Status CsvError(const std::string& rows) {
  return ParseGtsrbCsv(kHeader + rows, "GT.csv").status();
}

TEST(ParseGtsrbCsvTest, ReadsRowsInOrderWithCrLfAndBlankLines) {
  NFALAB_ASSERT_OK_AND_ASSIGN(
      std::vector<GtsrbRow> rows,
      ParseGtsrbCsv(std::string("Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;"
                                "Roi.Y2;ClassId\r\n") +
                        "00000_00000.ppm;29;30;5;6;24;25;20\r\n\r\n"
                        "b.ppm;1;2;0;0;0;1;42\n",
                    "GT.csv"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].line, 2);
  EXPECT_EQ(rows[0].filename, "00000_00000.ppm");
  EXPECT_EQ(rows[0].width, 29);
  EXPECT_EQ(rows[0].height, 30);
  EXPECT_EQ(rows[0].x1, 5);
  EXPECT_EQ(rows[0].y1, 6);
  EXPECT_EQ(rows[0].x2, 24);
  EXPECT_EQ(rows[0].y2, 25);
  EXPECT_EQ(rows[0].class_id, 20);
  EXPECT_EQ(rows[1].line, 4);
  EXPECT_EQ(rows[1].filename, "b.ppm");
  EXPECT_EQ(rows[1].class_id, 42);
  // A header alone: no rows.
  NFALAB_ASSERT_OK_AND_ASSIGN(rows, ParseGtsrbCsv(kHeader, "GT.csv"));
  EXPECT_TRUE(rows.empty());
}

TEST(ParseGtsrbCsvTest, BadHeaderIsRejected) {
  EXPECT_THAT(
      ParseGtsrbCsv("Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2\n",
                    "GT.csv"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "GT.csv: line 1: header is \"Filename;Width;Height;Roi.X1;"
               "Roi.Y1;Roi.X2;Roi.Y2\", expected \"Filename;Width;Height;"
               "Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\""));
  EXPECT_THAT(ParseGtsrbCsv("\n\n", "GT.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("GT.csv: empty file: expected the header")));
}

TEST(ParseGtsrbCsvTest, MalformedRowsAreRejected) {
  EXPECT_THAT(CsvError("a.ppm;2;2;0;0;1;1\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("GT.csv: line 2: 7 fields, expected 8")));
  EXPECT_THAT(CsvError("a.ppm;2;2;0;0;1;1;3;4\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("GT.csv: line 2: 9 fields, expected 8")));
  EXPECT_THAT(CsvError("a.ppm;2;2;0;x;1;1;3\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "GT.csv: line 2: Roi.Y1 \"x\" is not an integer"));
  EXPECT_THAT(CsvError("a.ppm;2;2;0;0;1;1;3.0\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "GT.csv: line 2: ClassId \"3.0\" is not an integer"));
  EXPECT_THAT(CsvError("a.ppm; 2;2;0;0;1;1;3\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "GT.csv: line 2: Width \" 2\" is not an integer"));
  EXPECT_THAT(CsvError("a.ppm;0;2;0;0;1;1;3\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "GT.csv: line 2: Width 0 is outside [1, 16384]"));
  EXPECT_THAT(CsvError("../a.ppm;2;2;0;0;1;1;3\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "GT.csv: line 2: Filename \"../a.ppm\" is not a plain "
                       "file name"));
}

TEST(ParseGtsrbCsvTest, ClassIdOutsideTheRangeIsRejected) {
  EXPECT_THAT(CsvError("a.ppm;2;2;0;0;1;1;43\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "GT.csv: line 2: ClassId 43 is outside [0, 43)"));
  EXPECT_THAT(CsvError("a.ppm;2;2;0;0;1;1;-1\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "GT.csv: line 2: ClassId -1 is outside [0, 43)"));
}

TEST(ParseGtsrbCsvTest, RoiOutsideTheImageIsRejected) {
  EXPECT_THAT(CsvError("a.ppm;29;30;-1;6;24;25;0\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "GT.csv: line 2: ROI columns -1..24 are outside the "
                       "image's columns 0..28"));
  EXPECT_THAT(CsvError("a.ppm;29;30;5;6;29;25;0\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "GT.csv: line 2: ROI columns 5..29 are outside the "
                       "image's columns 0..28"));
  EXPECT_THAT(CsvError("a.ppm;29;30;5;6;24;30;0\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "GT.csv: line 2: ROI rows 6..30 are outside the "
                       "image's rows 0..29"));
  EXPECT_THAT(CsvError("a.ppm;29;30;5;-6;24;25;0\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "GT.csv: line 2: ROI rows -6..25 are outside the "
                       "image's rows 0..29"));
  EXPECT_THAT(CsvError("a.ppm;29;30;7;6;5;25;0\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "GT.csv: line 2: Roi.X1 7 > Roi.X2 5"));
  EXPECT_THAT(CsvError("a.ppm;29;30;5;9;24;3;0\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "GT.csv: line 2: Roi.Y1 9 > Roi.Y2 3"));
}

}  // namespace
}  // namespace nfalab
