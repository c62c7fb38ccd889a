// ReadMetricsCsv: the exact inverse of MetricsTable::ToCsv, and errors that
// name the file and line.
#include "report/metrics_csv_reader.h"

#include <cmath>
#include <limits>
#include <string>

#include "core/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "report/metrics_table.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "/" + name;
}

MetricsTable SampleTable() {
  MetricsTable table;
  table.Add(-1, 0, "train_loss", 0.123456789);
  table.AddForLayer(-1, 0, 1, "predicted_c_nfc", 0.875);
  table.Add(0, 32, "train_loss", 1e-7);
  table.AddForLayer(0, 32, 1, "uc_nfc", -0.25);
  table.AddForLayer(0, 32, 2, "c_nfc",
                    std::numeric_limits<double>::quiet_NaN());
  table.AddForLayer(0, 32, 12, "weight_change",
                    std::numeric_limits<double>::infinity());
  table.Add(3, 4000000000LL, "test_accuracy",
            -std::numeric_limits<double>::infinity());
  return table;
}

TEST(MetricsCsvReaderTest, RoundTripsToCsvIncludingNanInfAndEmptyLayer) {
  const MetricsTable table = SampleTable();
  const std::string path = TempPath("round_trip.csv");
  ASSERT_THAT(table.WriteCsv(path), ::nfalab::testing::IsOk());
  NFALAB_ASSERT_OK_AND_ASSIGN(MetricsTable read, ReadMetricsCsv(path));
  ASSERT_EQ(read.rows().size(), table.rows().size());
  for (size_t i = 0; i < table.rows().size(); ++i) {
    const MetricsTable::Row& want = table.rows()[i];
    const MetricsTable::Row& got = read.rows()[i];
    SCOPED_TRACE(i);
    EXPECT_EQ(got.epoch, want.epoch);
    EXPECT_EQ(got.step, want.step);
    EXPECT_EQ(got.layer, want.layer);
    EXPECT_EQ(got.measure, want.measure);
    if (std::isnan(want.value)) {
      EXPECT_TRUE(std::isnan(got.value));
    } else if (std::isinf(want.value)) {
      EXPECT_EQ(got.value, want.value);
    } else {
      // %.9g keeps 9 significant digits: relative error <= 5e-9.
      EXPECT_NEAR(got.value, want.value, 5e-9 * std::abs(want.value));
    }
  }
  // Run-level rows (empty layer) read back as layer 0; inf keeps its sign.
  EXPECT_EQ(read.rows()[0].layer, 0);
  EXPECT_EQ(read.rows()[6].value, -std::numeric_limits<double>::infinity());
  // Written again, the text is identical.
  EXPECT_EQ(read.ToCsv(), table.ToCsv());
}

TEST(MetricsCsvReaderTest, AcceptsCrLfAndNoFinalNewline) {
  NFALAB_ASSERT_OK_AND_ASSIGN(
      MetricsTable table,
      ParseMetricsCsv(
          "epoch,step,layer,measure,value\r\n0,1,,train_loss,0.5\r\n"
          "0,1,3,uc_nfc,-nan",
          "x.csv"));
  ASSERT_EQ(table.rows().size(), 2u);
  EXPECT_EQ(table.rows()[0].value, 0.5);
  EXPECT_EQ(table.rows()[1].layer, 3);
  EXPECT_TRUE(std::isnan(table.rows()[1].value));
}

TEST(MetricsCsvReaderTest, HeaderOnlyIsAnEmptyTable) {
  NFALAB_ASSERT_OK_AND_ASSIGN(
      MetricsTable table,
      ParseMetricsCsv("epoch,step,layer,measure,value\n", "x.csv"));
  EXPECT_TRUE(table.rows().empty());
}

TEST(MetricsCsvReaderTest, RejectsABadHeaderNamingFileAndLine) {
  EXPECT_THAT(
      ParseMetricsCsv("epoch,step,measure,value\n0,1,x,2\n", "runs/a.csv"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("runs/a.csv:1:"), HasSubstr("header"))));
  EXPECT_THAT(
      ParseMetricsCsv("", "runs/a.csv"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("runs/a.csv:1:")));
}

TEST(MetricsCsvReaderTest, RejectsAWrongFieldCountWithTheLine) {
  EXPECT_THAT(ParseMetricsCsv("epoch,step,layer,measure,value\n"
                              "0,1,,train_loss,0.5\n"
                              "0,1,train_loss,0.5\n",
                              "m.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("m.csv:3:"),
                             HasSubstr("expected 5 fields, got 4"))));
  EXPECT_THAT(ParseMetricsCsv("epoch,step,layer,measure,value\n"
                              "0,1,,a,0.5,7\n",
                              "m.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("m.csv:2:"), HasSubstr("got 6"))));
}

TEST(MetricsCsvReaderTest, RejectsBadNumbersWithTheLine) {
  const std::string header = "epoch,step,layer,measure,value\n";
  const std::string good = "0,1,,train_loss,0.5\n";
  EXPECT_THAT(ParseMetricsCsv(header + good + "0,1,2,uc_nfc,0.5x\n", "m.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("m.csv:3:"), HasSubstr("bad value"),
                             HasSubstr("0.5x"))));
  EXPECT_THAT(ParseMetricsCsv(header + "zero,1,,a,1\n", "m.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("m.csv:2:"), HasSubstr("bad epoch"))));
  EXPECT_THAT(ParseMetricsCsv(header + "0,1.5,,a,1\n", "m.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("m.csv:2:"), HasSubstr("bad step"))));
  EXPECT_THAT(ParseMetricsCsv(header + good + good + "0,1,0,a,1\n", "m.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("m.csv:4:"), HasSubstr("bad layer"))));
  EXPECT_THAT(ParseMetricsCsv(header + "0,1,,a,\n", "m.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("m.csv:2:"), HasSubstr("bad value"))));
  EXPECT_THAT(ParseMetricsCsv(header + "0,1,,,1\n", "m.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("m.csv:2:"), HasSubstr("measure"))));
  EXPECT_THAT(ParseMetricsCsv(header + good + "\n" + good, "m.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("m.csv:3:"),
                             HasSubstr("expected 5 fields, got 1"))));
}

TEST(MetricsCsvReaderTest, MissingFileIsNotFoundNamingThePath) {
  const std::string path = TempPath("does_not_exist/metrics.csv");
  EXPECT_THAT(ReadMetricsCsv(path),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(path)));
}

TEST(MetricsCsvReaderTest, FileErrorsNameThePath) {
  const std::string path = TempPath("bad.csv");
  ASSERT_THAT(WriteFileAtomically(path,
                                  "epoch,step,layer,measure,value\n"
                                  "0,1,,a,oops\n"),
              ::nfalab::testing::IsOk());
  EXPECT_THAT(ReadMetricsCsv(path), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr(path + ":2:")));
}

}  // namespace
}  // namespace nfalab
