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

absl::StatusOr<std::vector<std::string>> SelectedAnalysisNames(
    const StudyConfig& study) {
  if (study.analyses_size() > 0) {
    if (study.analysis() != StudyConfig::GENERIC) {
      return absl::InvalidArgumentError(absl::StrCat(
          "study \"", study.name(), "\" sets both analysis: ",
          StudyConfig::Analysis_Name(study.analysis()),
          " and analyses; set one (analysis: X is shorthand for analyses: "
          "\"x\")"));
    }
    return std::vector<std::string>(study.analyses().begin(),
                                    study.analyses().end());
  }
  if (study.analysis() == StudyConfig::GENERIC) {
    return std::vector<std::string>();
  }
  return std::vector<std::string>{
      absl::AsciiStrToLower(StudyConfig::Analysis_Name(study.analysis()))};
}

absl::StatusOr<std::vector<std::unique_ptr<StudyAnalysis>>> CreateStudyAnalyses(
    const StudyConfig& study) {
  NFALAB_ASSIGN_OR_RETURN(const std::vector<std::string> names,
                          SelectedAnalysisNames(study));
  std::vector<std::unique_ptr<StudyAnalysis>> analyses;
  for (const std::string& name : names) {
    absl::StatusOr<std::unique_ptr<StudyAnalysis>> analysis =
        StudyAnalysisRegistry::Global().Create(name, study);
    if (!analysis.ok()) {
      return AnnotateStatus(analysis.status(),
                            absl::StrCat("study \"", study.name(), "\""));
    }
    analyses.push_back(*std::move(analysis));
  }
  return analyses;
}

}  // namespace nfalab
