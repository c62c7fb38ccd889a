// Study analysis "early_alignment" (paper claim 1): per grid point and
// layer, the UC-NFC and C-NFC at the first and last measurement, and four
// claims tested on per-seed differences (studies/claims.h), with the
// thresholds of EarlyAlignmentOptions:
//
//   A  C-NFC − UC-NFC at the first measurement          > min_initial_gap
//   B  UC-NFC(last) − UC-NFC(first)                     > min_uc_rise
//   C  C-NFC(first) − C-NFC(last)                       > min_c_fall
//   D  gap(first) − gap(last), gap = C-NFC − UC-NFC     > min_gap_closure
//
// D's d is B's plus C's, seed by seed: the gap can close because UC-NFC
// rises (the paper's reading) or because C-NFC falls, and B and C say which.
// Figure weight_change_<key>.svg: ||dW||/||W|| against epoch, one series
// per layer (mean ± std).
#include <algorithm>
#include <cmath>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "core/plugin_options.h"
#include "core/status_macros.h"
#include "google/protobuf/any.pb.h"
#include "report/palette.h"
#include "report/svg_plot.h"
#include "studies/claims.h"
#include "studies/early_alignment_options.pb.h"
#include "studies/grid_points.h"
#include "studies/layer_endpoints.h"
#include "studies/report_format.h"
#include "studies/study_analysis.h"

namespace nfalab {
namespace {

std::vector<double> InitialGap(const LayerEndpoints& a) {
  return Difference(a.c_first, a.uc_first);
}
std::vector<double> UcRise(const LayerEndpoints& a) {
  return Difference(a.uc_last, a.uc_first);
}
std::vector<double> CFall(const LayerEndpoints& a) {
  return Difference(a.c_first, a.c_last);
}
std::vector<double> GapClosure(const LayerEndpoints& a) {
  return Difference(InitialGap(a), Difference(a.c_last, a.uc_last));
}

std::vector<EndpointClaim> EarlyClaims(const EarlyAlignmentOptions& options) {
  auto contains = [](double theta) {
    return absl::StrCat("no detectable difference from θ (CI contains ",
                        Num(theta), ")");
  };
  return {
      {{"A", "C-NFC exceeds UC-NFC at the first measurement",
        "C-NFC − UC-NFC at the first epoch", options.min_initial_gap(),
        Claim::kAbove, "min_initial_gap", "C-NFC > UC-NFC",
        "C-NFC does not exceed UC-NFC", contains(options.min_initial_gap())},
       InitialGap},
      {{"B", "UC-NFC rises from the first to the last measurement",
        "UC-NFC(last) − UC-NFC(first)", options.min_uc_rise(), Claim::kAbove,
        "min_uc_rise", "UC-NFC rises", "UC-NFC does not rise",
        contains(options.min_uc_rise())},
       UcRise},
      {{"C", "C-NFC falls from the first to the last measurement",
        "C-NFC(first) − C-NFC(last)", options.min_c_fall(), Claim::kAbove,
        "min_c_fall", "C-NFC falls", "C-NFC does not fall",
        contains(options.min_c_fall())},
       CFall},
      {{"D", "the gap C-NFC − UC-NFC closes",
        "gap(first) − gap(last) = B's d + C's d", options.min_gap_closure(),
        Claim::kAbove, "min_gap_closure", "the gap closes",
        "the gap does not close", contains(options.min_gap_closure())},
       GapClosure},
  };
}

std::string WeightChangeFigure(const StudyResults& results,
                               const GridPoint& point,
                               const std::set<int>& layer_set,
                               ReportFigures* figures) {
  PlotFigure figure;
  figure.title = absl::StrCat(results.study.name(), ": ", point.display);
  PlotPanel panel;
  panel.title = "Relative weight change";
  panel.x_label = "epoch";
  panel.y_label = "||W - W0|| / ||W||";
  size_t i = 0;
  for (int layer : layer_set) {
    if (!std::any_of(point.runs.begin(), point.runs.end(),
                     [&](const RunRecord* run) {
                       return HasMeasure(run->table, layer, "weight_change");
                     })) {
      continue;
    }
    panel.series.push_back(MeanSeries(point, layer, "weight_change",
                                      absl::StrCat("layer ", layer),
                                      PaletteColor(i++), -1));
  }
  if (!panel.series.empty()) figure.panels.push_back(std::move(panel));
  const std::string file = absl::StrCat("weight_change_", point.key, ".svg");
  return absl::StrCat(
      "Relative weight change ‖ΔW‖/‖W‖ per layer, mean ± std over seeds ([",
      file, "](", file, ")).\n\n",
      AddFigure(figure, file, absl::StrCat("weight change, ", point.display),
                figures),
      "\n");
}

std::string EarlySection(const EarlyAlignmentOptions& options,
                         const StudyResults& results,
                         const std::vector<GridPoint>& points,
                         ReportFigures* figures) {
  std::string out = "## Claim 1: early alignment\n\n";
  absl::StrAppend(
      &out,
      "Claim 1 (paper.md §2.7): right after training starts the C-NFC is "
      "high and above the UC-NFC, and the UC-NFC climbs toward the C-NFC as "
      "the weights move. It is tested per layer as four claims on per-seed "
      "differences between the first measurement (the smallest epoch ≥ 0 "
      "at which a run has both measures) and the last: A, C-NFC exceeds "
      "UC-NFC at first; B, UC-NFC rises; C, C-NFC falls; D, the gap C-NFC − "
      "UC-NFC closes. D's d is B's plus C's in every seed, so a gap that "
      "closes (D) does so through UC-NFC rising (B), C-NFC falling (C), or "
      "both; the paper's reading is B.\n\n",
      "Values are mean [95% CI] over the n seeds that have finite UC-NFC "
      "and C-NFC at both epochs, the interval mean ± t_{0.975, n−1} · s / "
      "√n, then the per-seed values in seed order. A claim is supported if "
      "the CI of its mean d lies above its threshold θ (from the study "
      "config), not supported if below, inconclusive if it contains θ or "
      "fewer than two seeds entered (no interval).\n\n");
  for (const GridPoint& point : points) {
    absl::StrAppend(&out, "### ", Code(point.display), "\n\n");
    const std::set<int> layer_set = PointLayers(point);
    if (layer_set.empty()) {
      absl::StrAppend(&out,
                      "No layer was measured, so claim 1 cannot be "
                      "checked.\n\n");
      continue;
    }
    std::vector<LayerEndpoints> layers;
    for (int layer : layer_set)
      layers.push_back(AnalyzeEndpoints(point, layer));
    absl::StrAppend(&out, EndpointsTable(layers));
    std::string summary;
    const std::string tables =
        EndpointClaimTables(EarlyClaims(options), layers, &summary);
    absl::StrAppend(&out, tables, "\nVerdicts:\n\n", summary, "\n",
                    WeightChangeFigure(results, point, layer_set, figures));
  }
  return out;
}

class EarlyAlignmentAnalysis : public StudyAnalysis {
 public:
  explicit EarlyAlignmentAnalysis(EarlyAlignmentOptions options)
      : options_(std::move(options)) {}

  std::string Section(const StudyResults& results,
                      const std::vector<GridPoint>& points,
                      ReportFigures* figures) const override {
    return EarlySection(options_, results, points, figures);
  }

 private:
  const EarlyAlignmentOptions options_;
};

absl::StatusOr<std::unique_ptr<StudyAnalysis>> CreateEarlyAlignment(
    const google::protobuf::Any* any) {
  NFALAB_ASSIGN_OR_RETURN(EarlyAlignmentOptions options,
                          UnpackOptions<EarlyAlignmentOptions>(any, "options"));
  for (const auto& [name, value] :
       {std::make_pair("min_initial_gap", options.min_initial_gap()),
        std::make_pair("min_uc_rise", options.min_uc_rise()),
        std::make_pair("min_c_fall", options.min_c_fall()),
        std::make_pair("min_gap_closure", options.min_gap_closure())}) {
    if (!std::isfinite(value)) {
      return OptionsError("options", options, name,
                          absl::StrCat("must be a finite number, got ", value));
    }
  }
  return std::unique_ptr<StudyAnalysis>(new EarlyAlignmentAnalysis(options));
}

}  // namespace

NFALAB_REGISTER_STUDY_ANALYSIS_WITH_OPTIONS(
    "early_alignment",
    "paper claim 1: C-NFC > UC-NFC first; UC-NFC rises, C-NFC falls, gap "
    "closes (95% t-intervals)",
    CreateEarlyAlignment, EarlyAlignmentOptions());

}  // namespace nfalab
