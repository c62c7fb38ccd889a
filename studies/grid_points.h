// A study's runs grouped into grid points, and the per-run table queries the
// study report and its analyses share.
//
//   for (const GridPoint& point : GroupRuns(results)) {
//     const std::vector<double> uc = FinalPerRun(point, 1, "uc_nfc");
//   }
//
// Grid points are the combinations of the sweeps' point labels, in the study
// config's order; a point is shown as "sweep=label, ..." ("base" with no
// sweeps) and its file key is the labels joined by "__". "Final" is a run's
// last row of a measure (largest epoch, then step). Layer 0 holds run-level
// measures (train_loss, test_loss, test_accuracy).
#ifndef NFALAB_STUDIES_GRID_POINTS_H_
#define NFALAB_STUDIES_GRID_POINTS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "report/metrics_table.h"
#include "studies/study_results.h"

namespace nfalab {

struct GridPoint {
  std::vector<std::string> labels;
  std::string display;                 // "optimizer=sgd, lr=0.1" or "base"
  std::string key;                     // "sgd__0.1" or "base"
  std::vector<const RunRecord*> runs;  // into the StudyResults
};

// The runs of `results` by grid point, ordered by the points' positions in
// their sweeps. The points refer to `results`, which must outlive them.
std::vector<GridPoint> GroupRuns(const StudyResults& results);

// The value of the last row (largest epoch, then step) of a measure; NaN if
// there is none.
double FinalValue(const MetricsTable& table, int layer,
                  absl::string_view measure);

// Per epoch, the value of the epoch's last row of a measure.
std::map<int, double> ByEpoch(const MetricsTable& table, int layer,
                              absl::string_view measure);

// The value at `epoch` (its last row); NaN if there is none.
double ValueAt(const MetricsTable& table, int layer, absl::string_view measure,
               int epoch);

bool HasMeasure(const MetricsTable& table, int layer,
                absl::string_view measure);

// Layers > 0 with uc_nfc or c_nfc rows, ascending.
std::set<int> MeasuredLayers(const MetricsTable& table);

// FinalValue of each run of the point, in run order.
std::vector<double> FinalPerRun(const GridPoint& point, int layer,
                                absl::string_view measure);

// True if any run of any point has a row of the measure.
bool AnyRunHas(const std::vector<GridPoint>& points, int layer,
               absl::string_view measure);

// The layers any run of `point` measured.
std::set<int> PointLayers(const GridPoint& point);

// The layers any run of any point measured, ascending.
std::vector<int> AllMeasuredLayers(const std::vector<GridPoint>& points);

}  // namespace nfalab

#endif  // NFALAB_STUDIES_GRID_POINTS_H_
