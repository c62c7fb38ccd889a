// MetricsTable: the tidy results table of a run, one value per row:
//
//   epoch,step,layer,measure,value
//   -1,0,,train_loss,0.0123      <- before training (epoch -1)
//   0,32,,train_loss,0.0101
//   0,32,1,uc_nfc,0.42           <- per-layer measures name their layer
//
// `layer` is empty for run-level quantities and 1-based (the paper's l) for
// per-layer ones. Values are printed with 9 significant digits, enough to
// round-trip a float. The file is rewritten atomically after every epoch, so
// a reader (or a crash) never sees a partial table.
#ifndef NFALAB_REPORT_METRICS_TABLE_H_
#define NFALAB_REPORT_METRICS_TABLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace nfalab {

class MetricsTable {
 public:
  struct Row {
    int epoch;
    int64_t step;
    int layer;  // 0 = run-level (printed empty), else 1-based layer.
    std::string measure;
    double value;
  };

  void Add(int epoch, int64_t step, absl::string_view measure, double value) {
    AddForLayer(epoch, step, /*layer=*/0, measure, value);
  }
  void AddForLayer(int epoch, int64_t step, int layer,
                   absl::string_view measure, double value);

  const std::vector<Row>& rows() const { return rows_; }

  // The CSV text, header included.
  std::string ToCsv() const;

  absl::Status WriteCsv(const std::string& path) const;

 private:
  std::vector<Row> rows_;
};

}  // namespace nfalab

#endif  // NFALAB_REPORT_METRICS_TABLE_H_
