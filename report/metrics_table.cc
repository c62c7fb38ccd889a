#include "report/metrics_table.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/file_io.h"

namespace nfalab {

void MetricsTable::AddForLayer(int epoch, int64_t step, int layer,
                               absl::string_view measure, double value) {
  rows_.push_back(Row{epoch, step, layer, std::string(measure), value});
}

std::string MetricsTable::ToCsv() const {
  std::string csv = "epoch,step,layer,measure,value\n";
  for (const Row& row : rows_) {
    absl::StrAppend(&csv, row.epoch, ",", row.step, ",",
                    row.layer > 0 ? absl::StrCat(row.layer) : "", ",",
                    row.measure, ",", absl::StrFormat("%.9g", row.value), "\n");
  }
  return csv;
}

absl::Status MetricsTable::WriteCsv(const std::string& path) const {
  return WriteFileAtomically(path, ToCsv());
}

}  // namespace nfalab
