// The results of a study's runs, as read back from their directories: what
// `nfalab report` aggregates into report.md and the figures.
#ifndef NFALAB_STUDIES_STUDY_RESULTS_H_
#define NFALAB_STUDIES_STUDY_RESULTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "experiment/experiment_config.pb.h"
#include "report/metrics_table.h"
#include "studies/study_config.pb.h"

namespace nfalab {

struct RunRecord {
  // The run's directory name, e.g. "optimizer=slo_l1__seed1".
  std::string name;
  // The label of the chosen point of each sweep, in sweep order.
  std::vector<std::string> point_labels;
  uint64_t seed = 0;
  // The resolved config (base + the points' overrides + seed).
  ExperimentConfig config;
  // The run's metrics.csv.
  MetricsTable table;
  // Why the run stopped early (the first line of its error.txt, e.g. a
  // divergence); empty if it finished.
  std::string error;
};

struct StudyResults {
  StudyConfig study;
  // Sorted by name; exactly one record per run of the grid.
  std::vector<RunRecord> runs;
};

}  // namespace nfalab

#endif  // NFALAB_STUDIES_STUDY_RESULTS_H_
