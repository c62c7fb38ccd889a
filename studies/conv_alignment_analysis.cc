// Study analysis "conv_alignment": per grid point and measured layer (the
// conv layers of a VGG), UC-NFC and C-NFC at the first and last measurement
// as mean [95% Student t CI] over seeds, and three claims tested on
// per-seed differences, each with a verdict from the interval of its mean.
// studies/study_report.h has the wording.
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "studies/claims.h"
#include "studies/grid_points.h"
#include "studies/layer_endpoints.h"
#include "studies/report_format.h"
#include "studies/study_analysis.h"

namespace nfalab {
namespace {

// The claims, each tested at each layer on a per-seed effect.
const std::vector<EndpointClaim>& ConvClaims() {
  static const auto* claims = new std::vector<EndpointClaim>{
      {{"A", "C-NFC exceeds UC-NFC at the first measurement",
        "C-NFC − UC-NFC at the first epoch", 0.0, Claim::kAbove, "",
        "C-NFC > UC-NFC", "UC-NFC > C-NFC", "CI contains 0"},
       [](const LayerEndpoints& a) {
         return Difference(a.c_first, a.uc_first);
       }},
      {{"B", "UC-NFC rises from the first to the last measurement",
        "UC-NFC(last) − UC-NFC(first)", 0.0, Claim::kAbove, "", "UC-NFC rises",
        "UC-NFC falls", "no detectable change (CI contains 0)"},
       [](const LayerEndpoints& a) {
         return Difference(a.uc_last, a.uc_first);
       }},
      {{"C",
        "C-NFC at the last measurement is at least as high as at the first",
        "C-NFC(last) − C-NFC(first)", 0.0, Claim::kAbove, "", "C-NFC rises",
        "C-NFC falls", "no detectable change (CI contains 0)"},
       [](const LayerEndpoints& a) { return Difference(a.c_last, a.c_first); }},
  };
  return *claims;
}

std::string ConvAlignmentSection(const std::vector<GridPoint>& points) {
  std::string out = "## Alignment over training, per layer\n\n";
  absl::StrAppend(
      &out,
      "Per measured layer: UC-NFC and C-NFC at the first measurement (the "
      "smallest epoch ≥ 0 at which a run has both) and at the last (the "
      "largest). A run enters a layer's row only if it has finite UC-NFC "
      "and C-NFC at both epochs; the seeds column says which runs did. "
      "Values are mean [95% CI] over those n seeds, the interval mean ± "
      "t_{0.975, n−1} · s / √n (s the sample std; 1.960 for t beyond 30 "
      "degrees of freedom), then the per-seed values in seed order.\n\n",
      "Each claim is tested at each layer on a per-seed effect d: supported "
      "if the 95% CI of the mean d lies above 0, not supported if it lies "
      "below 0, inconclusive if it contains 0 or fewer than two seeds "
      "entered the row (no interval).\n\n");
  for (const GridPoint& point : points) {
    absl::StrAppend(&out, "### ", Code(point.display), "\n\n");
    const std::set<int> layer_set = PointLayers(point);
    if (layer_set.empty()) {
      absl::StrAppend(&out,
                      "No layer was measured, so the claims cannot be "
                      "checked.\n\n");
      continue;
    }
    const std::string curves = absl::StrCat("curves_", point.key, ".svg");
    absl::StrAppend(&out,
                    "UC-NFC and C-NFC against epoch (mean ± std) are in [",
                    curves, "](", curves, ") under Curves.\n\n");
    std::vector<LayerEndpoints> analyses;
    for (int layer : layer_set) {
      analyses.push_back(AnalyzeEndpoints(point, layer));
    }
    absl::StrAppend(&out, EndpointsTable(analyses));
    std::string summary;
    absl::StrAppend(&out,
                    EndpointClaimTables(ConvClaims(), analyses, &summary));
    absl::StrAppend(&out, "\n", summary, "\n");
  }
  return out;
}

class ConvAlignmentAnalysis : public StudyAnalysis {
 public:
  // The curves are the generic section's figures; this adds none.
  std::string Section(const StudyResults& /*results*/,
                      const std::vector<GridPoint>& points,
                      ReportFigures* /*figures*/) const override {
    return ConvAlignmentSection(points);
  }
};

}  // namespace

NFALAB_REGISTER_STUDY_ANALYSIS(
    "conv_alignment", ConvAlignmentAnalysis,
    "per-layer alignment over training, claims judged on 95% t-intervals");

}  // namespace nfalab
