// Numeric CSV files: one example per line, fields separated by a one-byte
// delimiter, every field a number.
//
//   CsvParseOptions options;
//   options.header = true;
//   NFALAB_ASSIGN_OR_RETURN(CsvTable table, ReadCsvFile(path, options));
//   table.at(row, col)          // double
//   table.line_numbers[row]     // 1-based line of that row in the file
//
// Lines end in \n or \r\n; lines holding only spaces and tabs are skipped; a
// UTF-8 byte-order mark at the start is ignored; spaces and tabs around a
// field are ignored. With `header`, the first non-blank line is skipped.
// Fields are parsed as doubles (absl::SimpleAtod: decimal, exponent, a
// leading sign); quoting is not supported. Lines and fields are split by
// core/csv.h, the splitter metrics.csv is read with too.
//
// ParseCsv is meant for untrusted input (fuzzed in tests/fuzz/). Errors are
// InvalidArgument naming the file and, where there is one, the line:
//   "file has no data rows"
//   "line 4 has 2 fields, but line 1 has 3"
//   "line 7, field 3: \"abc\" is not a number"
//   "line 7, field 3: \"nan\" is not a finite number"
//   "line 2, field 2 is empty"
#ifndef NFALAB_DATASETS_CSV_H_
#define NFALAB_DATASETS_CSV_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nfalab {

struct CsvParseOptions {
  char delimiter = ',';
  // Skip the first non-blank line.
  bool header = false;
};

struct CsvTable {
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<double> values;         // [rows, cols], row-major.
  std::vector<int64_t> line_numbers;  // 1-based file line of each row.

  double at(int64_t row, int64_t col) const { return values[row * cols + col]; }
};

// Parses CSV text; `name` prefixes error messages.
absl::StatusOr<CsvTable> ParseCsv(absl::string_view text,
                                  const CsvParseOptions& options,
                                  absl::string_view name);

// The default limit on one CSV file: 512 MiB (parsed values take at most 4x
// that: a value needs at least 2 bytes of text and 8 as a double).
inline constexpr int64_t kMaxCsvFileBytes = int64_t{512} << 20;

// Reads and parses the file at `path`. NotFound if it does not exist.
absl::StatusOr<CsvTable> ReadCsvFile(const std::string& path,
                                     const CsvParseOptions& options,
                                     int64_t max_bytes = kMaxCsvFileBytes);

}  // namespace nfalab

#endif  // NFALAB_DATASETS_CSV_H_
