// The one CSV splitter: text into records of fields, each record with its
// 1-based line number, for datasets/csv (numeric tables) and
// report/metrics_csv_reader (metrics.csv), which check and convert the
// fields and word their own errors ("<file>: line 4 ...", "<file>:4: ...").
//
//   for (const CsvRecord& record : SplitCsv(text, CsvSplitOptions())) {
//     record.line;       // 1-based line in `text`
//     record.fields[0];  // views into `text`
//   }
//
// Lines end in \n or \r\n; the text after the last \n is a line only if it
// is not empty (so a final newline adds no record). Fields are split at
// every delimiter byte, with no quoting and no trimming: a line "a,,b" has
// the fields "a", "", "b", and an empty line has one empty field. With
// `skip_blank_lines`, lines holding only spaces and tabs give no record
// (their line numbers are still counted).
#ifndef NFALAB_CORE_CSV_H_
#define NFALAB_CORE_CSV_H_

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"

namespace nfalab {

struct CsvSplitOptions {
  char delimiter = ',';
  bool skip_blank_lines = false;
};

struct CsvRecord {
  int64_t line;                           // 1-based
  absl::string_view text;                 // the line without its \r\n
  std::vector<absl::string_view> fields;  // at least one
};

// Views into `text`, which must outlive the records.
std::vector<CsvRecord> SplitCsv(absl::string_view text,
                                const CsvSplitOptions& options);

}  // namespace nfalab

#endif  // NFALAB_CORE_CSV_H_
