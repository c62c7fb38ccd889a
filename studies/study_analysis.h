// StudyAnalysis: one section of a study report that tests a claim (e.g. a
// paper claim) on the study's runs, registered by name and chosen by the
// study config. Its thresholds are its own options message, declared beside
// it and given in the study config as a google.protobuf.Any
// (core/plugin_options.h), so the report module never changes to add one.
//
// Write an analysis in its own .cc and cc_library (alwayslink = 1) and link
// it into the binary:
//
//   class MyClaim : public StudyAnalysis {
//    public:
//     std::string Section(const StudyResults& results,
//                         const std::vector<GridPoint>& points,
//                         ReportFigures* figures) const override;
//   };
//   NFALAB_REGISTER_STUDY_ANALYSIS("my_claim", MyClaim,
//                                  "one line saying what it tests");
//
// or, with options (`example` declares their type; the factory gets the
// Any, null if the config gives none, and unpacks it with UnpackOptions):
//
//   NFALAB_REGISTER_STUDY_ANALYSIS_WITH_OPTIONS("my_claim", "...",
//       [](const google::protobuf::Any* options) -> absl::StatusOr<...> {...},
//       MyClaimOptions());
//
// and select it in the study config: `analyses { name: "my_claim" }`.
// `analysis: EARLY_ALIGNMENT` (the enum) is shorthand for the built-in
// analysis of the same name in lowercase, `analyses { name:
// "early_alignment" }`.
#ifndef NFALAB_STUDIES_STUDY_ANALYSIS_H_
#define NFALAB_STUDIES_STUDY_ANALYSIS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/registry.h"
#include "google/protobuf/any.pb.h"
#include "studies/grid_points.h"
#include "studies/report_format.h"
#include "studies/study_config.pb.h"
#include "studies/study_results.h"

namespace nfalab {

class StudyAnalysis {
 public:
  virtual ~StudyAnalysis() = default;

  // The section's Markdown, starting with a "## " heading and ending with a
  // blank line. Appends the figures it links to to `figures` (if not null);
  // any other file it links to goes there too (paper_mlp_table's CSV).
  // Deterministic: the same results give the same bytes.
  virtual std::string Section(const StudyResults& results,
                              const std::vector<GridPoint>& points,
                              ReportFigures* figures) const = 0;
};

// Factories take the analysis' options (null if the config gives none).
using StudyAnalysisRegistry =
    Registry<StudyAnalysis, const google::protobuf::Any*>;
template <>
StudyAnalysisRegistry& StudyAnalysisRegistry::Global();

// The analyses the study selects, in report order: `analyses`, or, when it
// is empty, the enum `analysis` in lowercase without options (none for
// GENERIC). InvalidArgument if both are set.
absl::StatusOr<std::vector<StudyConfig::AnalysisSpec>> SelectedAnalyses(
    const StudyConfig& study);

// Creates the selected analyses. NotFound naming an unknown analysis and
// listing the registered ones; InvalidArgument naming analyses[i].options
// for options of the wrong type or a bad threshold.
absl::StatusOr<std::vector<std::unique_ptr<StudyAnalysis>>> CreateStudyAnalyses(
    const StudyConfig& study);

}  // namespace nfalab

#define NFALAB_REGISTER_STUDY_ANALYSIS_FACTORY(name, description, factory) \
  NFALAB_REGISTER_ENTRY_(::nfalab::StudyAnalysisRegistry::Global(), name,  \
                         description, factory)

#define NFALAB_REGISTER_STUDY_ANALYSIS_WITH_OPTIONS(name, description,       \
                                                    factory, example)        \
  NFALAB_REGISTER_ENTRY_WITH_OPTIONS_(                                       \
      ::nfalab::StudyAnalysisRegistry::Global(), name, description, factory, \
      example)

#define NFALAB_REGISTER_STUDY_ANALYSIS(name, Class, description)        \
  NFALAB_REGISTER_STUDY_ANALYSIS_FACTORY(                               \
      name, description,                                                \
      [](const ::google::protobuf::Any*)                                \
          -> absl::StatusOr<std::unique_ptr<::nfalab::StudyAnalysis>> { \
        return std::unique_ptr<::nfalab::StudyAnalysis>(new Class());   \
      })

#endif  // NFALAB_STUDIES_STUDY_ANALYSIS_H_
