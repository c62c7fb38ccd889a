#include "report/metrics_csv_reader.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "core/csv.h"
#include "core/file_io.h"
#include "core/status_macros.h"

namespace nfalab {
namespace {

constexpr char kHeader[] = "epoch,step,layer,measure,value";

// `nan`/`inf` (any case, optional sign, as printf's %g writes them) or a
// decimal number.
bool ParseValue(absl::string_view text, double* value) {
  absl::string_view rest = text;
  double sign = 1.0;
  if (absl::ConsumePrefix(&rest, "-")) {
    sign = -1.0;
  } else {
    absl::ConsumePrefix(&rest, "+");
  }
  const std::string lower = absl::AsciiStrToLower(rest);
  if (lower == "nan") {
    *value = std::copysign(std::numeric_limits<double>::quiet_NaN(), sign);
    return true;
  }
  if (lower == "inf" || lower == "infinity") {
    *value = sign * std::numeric_limits<double>::infinity();
    return true;
  }
  if (rest.empty() ||
      !(absl::ascii_isdigit(rest.front()) || rest.front() == '.')) {
    return false;
  }
  return absl::SimpleAtod(text, value) && std::isfinite(*value);
}

}  // namespace

absl::StatusOr<MetricsTable> ParseMetricsCsv(absl::string_view text,
                                             absl::string_view source) {
  const std::vector<CsvRecord> records = SplitCsv(text, CsvSplitOptions());
  auto error = [&](int64_t line, absl::string_view problem) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ":", line, ": ", problem));
  };
  if (records.empty()) return error(1, "empty file, expected the header");
  if (records[0].text != kHeader) {
    return error(1, absl::StrCat("expected the header \"", kHeader,
                                 "\", got \"", records[0].text, "\""));
  }
  MetricsTable table;
  for (size_t r = 1; r < records.size(); ++r) {
    const std::vector<absl::string_view>& fields = records[r].fields;
    const int64_t i = records[r].line;
    if (fields.size() != 5) {
      return error(i, absl::StrCat("expected 5 fields, got ", fields.size()));
    }
    int epoch = 0;
    if (!absl::SimpleAtoi(fields[0], &epoch) || epoch < -1) {
      return error(i, absl::StrCat("bad epoch \"", fields[0], "\""));
    }
    int64_t step = 0;
    if (!absl::SimpleAtoi(fields[1], &step) || step < 0) {
      return error(i, absl::StrCat("bad step \"", fields[1], "\""));
    }
    int layer = 0;
    if (!fields[2].empty() &&
        (!absl::SimpleAtoi(fields[2], &layer) || layer < 1)) {
      return error(i, absl::StrCat("bad layer \"", fields[2],
                                   "\" (empty or a 1-based layer)"));
    }
    if (fields[3].empty()) return error(i, "empty measure name");
    double value = 0;
    if (!ParseValue(fields[4], &value)) {
      return error(i, absl::StrCat("bad value \"", fields[4], "\""));
    }
    table.AddForLayer(epoch, step, layer, fields[3], value);
  }
  return table;
}

absl::StatusOr<MetricsTable> ReadMetricsCsv(const std::string& path) {
  NFALAB_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseMetricsCsv(text, path);
}

}  // namespace nfalab
