#include "studies/study_analysis.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace nfalab {

template <>
StudyAnalysisRegistry& StudyAnalysisRegistry::Global() {
  static auto* registry = new StudyAnalysisRegistry("study analysis");
  return *registry;
}

absl::StatusOr<std::vector<StudyConfig::AnalysisSpec>> SelectedAnalyses(
    const StudyConfig& study) {
  if (study.analyses_size() > 0) {
    if (study.analysis() != StudyConfig::GENERIC) {
      return absl::InvalidArgumentError(absl::StrCat(
          "study \"", study.name(), "\" sets both analysis: ",
          StudyConfig::Analysis_Name(study.analysis()),
          " and analyses; set one (analysis: X is shorthand for analyses { "
          "name: \"x\" })"));
    }
    return std::vector<StudyConfig::AnalysisSpec>(study.analyses().begin(),
                                                  study.analyses().end());
  }
  if (study.analysis() == StudyConfig::GENERIC) {
    return std::vector<StudyConfig::AnalysisSpec>();
  }
  StudyConfig::AnalysisSpec spec;
  spec.set_name(
      absl::AsciiStrToLower(StudyConfig::Analysis_Name(study.analysis())));
  return std::vector<StudyConfig::AnalysisSpec>{spec};
}

absl::StatusOr<std::vector<std::unique_ptr<StudyAnalysis>>> CreateStudyAnalyses(
    const StudyConfig& study) {
  NFALAB_ASSIGN_OR_RETURN(const std::vector<StudyConfig::AnalysisSpec> specs,
                          SelectedAnalyses(study));
  std::vector<std::unique_ptr<StudyAnalysis>> analyses;
  for (size_t i = 0; i < specs.size(); ++i) {
    const StudyConfig::AnalysisSpec& spec = specs[i];
    const google::protobuf::Any* options =
        spec.has_options() ? &spec.options() : nullptr;
    // Errors read e.g. 'study "s", analyses[0] "slo_vs_sgd": options
    // (nfalab.SloVsSgdOptions).min_uc_gain must be ...'.
    const std::string where =
        absl::StrCat("study \"", study.name(), "\", analyses[", i, "] \"",
                     spec.name(), "\"");
    const absl::Status checked = StudyAnalysisRegistry::Global().CheckOptions(
        spec.name(), options, "options");
    if (!checked.ok()) return AnnotateStatus(checked, where);
    absl::StatusOr<std::unique_ptr<StudyAnalysis>> analysis =
        StudyAnalysisRegistry::Global().Create(spec.name(), options);
    if (!analysis.ok()) return AnnotateStatus(analysis.status(), where);
    analyses.push_back(*std::move(analysis));
  }
  return analyses;
}

}  // namespace nfalab
