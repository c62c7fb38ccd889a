// Helpers for tests of the study report and its analyses on hand-made
// StudyResults: configs from text, metric curves, runs, and report lines.
//
//   MetricsTable t;
//   AddCurve(&t, 1, "uc_nfc", {0.1, 0.5});  // layer 1 at epochs 0 and 1
//   results.runs.push_back(MakeRun({"sgd"}, /*seed=*/0, std::move(t)));
#ifndef NFALAB_TESTS_STUDIES_HAND_MADE_RESULTS_H_
#define NFALAB_TESTS_STUDIES_HAND_MADE_RESULTS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "report/metrics_table.h"
#include "studies/study_results.h"

namespace nfalab {

inline StudyConfig ParseStudy(const std::string& text) {
  StudyConfig study;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &study))
      << text;
  return study;
}

inline ExperimentConfig ParseExperiment(const std::string& text) {
  ExperimentConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config))
      << text;
  return config;
}

// A measure of one layer (0 = run level) at epochs 0, 1, ... (step 10 per
// epoch).
inline void AddCurve(MetricsTable* table, int layer, const std::string& measure,
                     const std::vector<double>& values) {
  for (size_t e = 0; e < values.size(); ++e) {
    table->AddForLayer(static_cast<int>(e), 10 * (e + 1), layer, measure,
                       values[e]);
  }
}

inline RunRecord MakeRun(std::vector<std::string> labels, uint64_t seed,
                         MetricsTable table,
                         ExperimentConfig config = ExperimentConfig()) {
  RunRecord run;
  run.point_labels = std::move(labels);
  run.seed = seed;
  run.name = absl::StrCat(
      run.point_labels.empty() ? "base" : run.point_labels[0], "__seed", seed);
  config.set_seed(seed);
  run.config = std::move(config);
  run.table = std::move(table);
  return run;
}

// The first report line after `section` (if not empty) that starts with
// `prefix` (empty if none).
inline std::string LineStartingWith(const std::string& report,
                                    const std::string& prefix,
                                    const std::string& section = "") {
  const size_t start = section.empty() ? 0 : report.find(section);
  if (start == std::string::npos) return "";
  size_t pos = report.find("\n" + prefix, start);
  if (pos == std::string::npos) return "";
  ++pos;
  return report.substr(pos, report.find('\n', pos) - pos);
}

}  // namespace nfalab

#endif  // NFALAB_TESTS_STUDIES_HAND_MADE_RESULTS_H_
