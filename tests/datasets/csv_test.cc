// Tests for datasets/csv.h: exact values, the accepted variations (header,
// CRLF, blank lines, BOM, spaces, delimiter), and one test per kind of
// malformed file, each naming the file and the line.
#include "datasets/csv.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/datasets/test_files.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::NewTempDir;
using ::nfalab::testing::StatusIs;
using ::nfalab::testing::WriteBytes;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string WriteFile(absl::string_view test, absl::string_view text) {
  const std::string path = NewTempDir(test) + "/data.csv";
  WriteBytes(path, text);
  return path;
}

TEST(CsvTest, ParsesValuesExactly) {
  const std::string path =
      WriteFile("csv_values", "1,0.5,-2\n0,1e3,7\n2,+3,4.25\n");
  absl::StatusOr<CsvTable> table = ReadCsvFile(path, CsvParseOptions());
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->rows, 3);
  EXPECT_EQ(table->cols, 3);
  EXPECT_THAT(table->values, ElementsAre(1, 0.5, -2, 0, 1000, 7, 2, 3, 4.25));
  EXPECT_THAT(table->line_numbers, ElementsAre(1, 2, 3));
  EXPECT_EQ(table->at(2, 2), 4.25);
}

TEST(CsvTest, SkipsHeaderBlankLinesBomAndSpacesAndAcceptsCrlf) {
  CsvParseOptions options;
  options.header = true;
  absl::StatusOr<CsvTable> table =
      ParseCsv("\xEF\xBB\xBF\nlabel,x,y\r\n  3 , 0.25,\t-1 \r\n\n \t\n4,5,6",
               options, "mixed");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->rows, 2);
  EXPECT_THAT(table->values, ElementsAre(3, 0.25, -1, 4, 5, 6));
  EXPECT_THAT(table->line_numbers, ElementsAre(3, 6));
}

TEST(CsvTest, UsesTheGivenDelimiter) {
  CsvParseOptions options;
  options.delimiter = ';';
  absl::StatusOr<CsvTable> table = ParseCsv("1;2.5\n3;4\n", options, "semi");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_THAT(table->values, ElementsAre(1, 2.5, 3, 4));
}

TEST(CsvTest, RejectsAWhitespaceDelimiter) {
  CsvParseOptions options;
  options.delimiter = '\t';
  EXPECT_THAT(ParseCsv("1\t2\n", options, "tabs"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("may not be whitespace")));
}

TEST(CsvTest, MissingFileIsNotFoundNamingThePath) {
  const std::string path = NewTempDir("csv_missing") + "/train.csv";
  EXPECT_THAT(ReadCsvFile(path, CsvParseOptions()),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(path)));
}

TEST(CsvTest, RejectsAnEmptyFile) {
  const std::string path = WriteFile("csv_empty", "");
  EXPECT_THAT(ReadCsvFile(path, CsvParseOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path), HasSubstr("no data rows"))));
}

TEST(CsvTest, RejectsAFileWithOnlyAHeader) {
  CsvParseOptions options;
  options.header = true;
  const std::string path = WriteFile("csv_header_only", "label,a,b\n\n");
  EXPECT_THAT(ReadCsvFile(path, options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path), HasSubstr("no data rows"))));
}

TEST(CsvTest, RejectsRaggedRowsNamingTheLine) {
  const std::string path =
      WriteFile("csv_ragged", "1,2,3\n4,5,6\n\n7,8\n9,10,11\n");
  EXPECT_THAT(ReadCsvFile(path, CsvParseOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path),
                             HasSubstr("line 4 has 2 fields, but line 1 has "
                                       "3"))));
  const std::string longer = WriteFile("csv_ragged_long", "1,2\n3,4,5\n");
  EXPECT_THAT(
      ReadCsvFile(longer, CsvParseOptions()),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr(longer), HasSubstr("line 2 has 3 fields"))));
}

TEST(CsvTest, RejectsANonNumericFieldNamingLineAndField) {
  const std::string path = WriteFile("csv_text", "1,2,3\n4,5,6\n7,8,abc\n");
  EXPECT_THAT(ReadCsvFile(path, CsvParseOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path),
                             HasSubstr("line 3, field 3: \"abc\" is not a "
                                       "number"))));
}

TEST(CsvTest, RejectsNonFiniteNumbers) {
  const std::string path = WriteFile("csv_nan", "1,2\n3,nan\n");
  EXPECT_THAT(ReadCsvFile(path, CsvParseOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path),
                             HasSubstr("line 2, field 2: \"nan\" is not a "
                                       "finite number"))));
}

TEST(CsvTest, RejectsAnEmptyField) {
  const std::string path = WriteFile("csv_empty_field", "1,,3\n");
  EXPECT_THAT(
      ReadCsvFile(path, CsvParseOptions()),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr(path), HasSubstr("line 1, field 2 is empty"))));
}

}  // namespace
}  // namespace nfalab
