#include "datasets/csv.h"

#include <cmath>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/csv.h"
#include "datasets/file_util.h"

namespace nfalab {
namespace {

absl::Status Error(absl::string_view name, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(name, ": ", problem));
}

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

absl::string_view Trim(absl::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

// Up to 40 bytes of `field`, for messages.
std::string Quote(absl::string_view field) {
  const bool cut = field.size() > 40;
  return absl::StrCat("\"", absl::CEscape(field.substr(0, 40)),
                      cut ? "...\"" : "\"");
}

}  // namespace

absl::StatusOr<CsvTable> ParseCsv(absl::string_view text,
                                  const CsvParseOptions& options,
                                  absl::string_view name) {
  if (IsBlank(options.delimiter) || options.delimiter == '\n' ||
      options.delimiter == '\r') {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": the CSV delimiter may not be whitespace"));
  }
  if (absl::StartsWith(text, "\xEF\xBB\xBF")) text.remove_prefix(3);
  CsvTable table;
  int64_t first_row_line = 0;
  bool header_pending = options.header;
  for (const CsvRecord& record :
       SplitCsv(text, CsvSplitOptions{options.delimiter,
                                      /*skip_blank_lines=*/true})) {
    if (header_pending) {
      header_pending = false;
      continue;
    }
    const int64_t line_number = record.line;
    const int64_t fields = static_cast<int64_t>(record.fields.size());
    if (table.rows == 0) {
      table.cols = fields;
      first_row_line = line_number;
    } else if (fields != table.cols) {
      return Error(name, absl::StrCat("line ", line_number, " has ", fields,
                                      " fields, but line ", first_row_line,
                                      " has ", table.cols));
    }
    int64_t field_number = 0;
    for (absl::string_view raw : record.fields) {
      ++field_number;
      const absl::string_view field = Trim(raw);
      if (field.empty()) {
        return Error(name, absl::StrCat("line ", line_number, ", field ",
                                        field_number, " is empty"));
      }
      double value;
      if (!absl::SimpleAtod(field, &value)) {
        return Error(
            name, absl::StrCat("line ", line_number, ", field ", field_number,
                               ": ", Quote(field), " is not a number"));
      }
      if (!std::isfinite(value)) {
        return Error(
            name, absl::StrCat("line ", line_number, ", field ", field_number,
                               ": ", Quote(field), " is not a finite number"));
      }
      table.values.push_back(value);
    }
    table.line_numbers.push_back(line_number);
    ++table.rows;
  }
  if (table.rows == 0) return Error(name, "file has no data rows");
  return table;
}

absl::StatusOr<CsvTable> ReadCsvFile(const std::string& path,
                                     const CsvParseOptions& options,
                                     int64_t max_bytes) {
  absl::StatusOr<std::string> text = ReadFileUpTo(path, max_bytes);
  if (!text.ok()) return text.status();
  return ParseCsv(*text, options, path);
}

}  // namespace nfalab
