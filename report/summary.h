// summary.json: a run's outcome in one small JSON file — its status
// ("completed", "interrupted" by a signal, "failed" with the error, or
// "incomplete" when it was stopped early on purpose), the final losses and
// accuracies, every measured layer's values at the first and the last
// measurement, the data's provenance and preprocessing, the wall-clock time,
// the nfalab version and the git commit of the code (when known).
#ifndef NFALAB_REPORT_SUMMARY_H_
#define NFALAB_REPORT_SUMMARY_H_

#include <string>
#include <vector>

#include "datasets/dataset.h"
#include "report/metrics_table.h"

namespace nfalab {

struct SummaryInputs {
  std::string name;  // The run's config name and seed.
  uint64_t seed = 0;
  int planned_epochs = 0;  // training.epochs; "completed" needs all of them.
  const DataProvenance* data;
  const MetricsTable* table;
  int epochs_done = 0;
  int64_t steps = 0;
  double wall_clock_seconds = 0;
  std::string git_commit;  // Empty if unknown.
  std::string error;       // Why the run stopped early; empty if it did not.
  // The signal that interrupted the run ("SIGINT"); empty if none did.
  std::string interrupted_by;
  // Measurement warnings (NaN or infinite measures); "warnings" in the JSON
  // only if there are any.
  std::vector<std::string> warnings;
};

// The JSON text (deterministic key order; NaN and infinities as null).
std::string SummaryJson(const SummaryInputs& inputs);

// HEAD of the git checkout the binary was started from (`bazel run` sets
// BUILD_WORKSPACE_DIRECTORY), with "-dirty" for uncommitted changes; empty
// if there is none or git is missing.
std::string DetectGitCommit();

}  // namespace nfalab

#endif  // NFALAB_REPORT_SUMMARY_H_
