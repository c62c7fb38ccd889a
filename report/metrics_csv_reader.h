// Reading a run's metrics.csv back into a MetricsTable: the inverse of
// MetricsTable::ToCsv (see metrics_table.h for the format).
//
//   NFALAB_ASSIGN_OR_RETURN(MetricsTable table,
//                           ReadMetricsCsv("runs/t/metrics.csv"));
//
// The file must start with the header `epoch,step,layer,measure,value`; every
// other line has exactly five fields: an integer epoch (-1 = before
// training), an integer step, an empty layer (run-level, read as 0) or a
// positive 1-based layer, a non-empty measure name and a value (a decimal
// number, or `nan`, `inf`, with an optional sign). A trailing newline and
// "\r\n" line ends are accepted; blank lines are not. Rows keep the file's
// order. Lines and fields are split by core/csv.h, as dataset CSVs are.
#ifndef NFALAB_REPORT_METRICS_CSV_READER_H_
#define NFALAB_REPORT_METRICS_CSV_READER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "report/metrics_table.h"

namespace nfalab {

// Parses CSV text; `source` names the input in error messages, which read
// "<source>:<line>: <problem>" (InvalidArgument).
absl::StatusOr<MetricsTable> ParseMetricsCsv(absl::string_view text,
                                             absl::string_view source);

// Reads and parses the file at `path` (NotFound, naming the path, if it
// cannot be opened).
absl::StatusOr<MetricsTable> ReadMetricsCsv(const std::string& path);

}  // namespace nfalab

#endif  // NFALAB_REPORT_METRICS_CSV_READER_H_
