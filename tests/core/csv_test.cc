// SplitCsv on hand-written texts: line numbers, \r\n, the final newline,
// empty fields and blank lines.
#include "core/csv.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nfalab {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<std::string> Fields(const CsvRecord& record) {
  return std::vector<std::string>(record.fields.begin(), record.fields.end());
}

TEST(SplitCsvTest, LinesFieldsAndLineNumbers) {
  const std::vector<CsvRecord> records =
      SplitCsv("a,b\r\n1,,3\n\n x ,y", CsvSplitOptions());
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].line, 1);
  EXPECT_EQ(records[0].text, "a,b");
  EXPECT_THAT(Fields(records[0]), ElementsAre("a", "b"));
  EXPECT_THAT(Fields(records[1]), ElementsAre("1", "", "3"));
  // An empty line is one empty field; fields are not trimmed.
  EXPECT_EQ(records[2].line, 3);
  EXPECT_THAT(Fields(records[2]), ElementsAre(""));
  EXPECT_EQ(records[3].line, 4);
  EXPECT_THAT(Fields(records[3]), ElementsAre(" x ", "y"));
}

TEST(SplitCsvTest, FinalNewlineAddsNoRecord) {
  EXPECT_EQ(SplitCsv("a\n", CsvSplitOptions()).size(), 1u);
  EXPECT_EQ(SplitCsv("a\n\n", CsvSplitOptions()).size(), 2u);
  EXPECT_THAT(SplitCsv("", CsvSplitOptions()), IsEmpty());
}

TEST(SplitCsvTest, SkipsBlankLinesButCountsThem) {
  const std::vector<CsvRecord> records =
      SplitCsv("1;2\n \t\r\n\n3;4\n", CsvSplitOptions{';', true});
  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(Fields(records[0]), ElementsAre("1", "2"));
  EXPECT_EQ(records[1].line, 4);
  EXPECT_THAT(Fields(records[1]), ElementsAre("3", "4"));
}

}  // namespace
}  // namespace nfalab
