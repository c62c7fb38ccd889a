// Study analysis "early_alignment" (paper claim 1): per grid point and
// layer, C-NFC > UC-NFC at the first measured epoch in every seed, and the
// gap C-NFC - UC-NFC closing (|mean gap| smaller at the last epoch than at
// the first). Figure weight_change_<key>.svg: ||dW||/||W|| against epoch,
// one series per layer (mean ± std). studies/study_report.h has the wording.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "report/palette.h"
#include "report/statistics.h"
#include "report/svg_plot.h"
#include "studies/grid_points.h"
#include "studies/report_format.h"
#include "studies/study_analysis.h"

namespace nfalab {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Claim 1 at one layer of one grid point.
struct EarlyLayer {
  int layer = 0;
  int first_epoch = -1;  // of the first run (the report's label)
  int last_epoch = -1;
  std::vector<double> uc_first, c_first, gap_first, gap_last;
  int exceed = 0;  // runs with C-NFC > UC-NFC at the first measurement
  bool all_exceed = false;
  bool shrank = false;
};

EarlyLayer AnalyzeEarly(const GridPoint& point, int layer) {
  EarlyLayer result;
  result.layer = layer;
  bool first_run = true;
  for (const RunRecord* run : point.runs) {
    const std::map<int, double> uc = ByEpoch(run->table, layer, "uc_nfc");
    const std::map<int, double> c = ByEpoch(run->table, layer, "c_nfc");
    // The first and last epochs (>= 0) where both were measured.
    int first = -1, last = -1;
    for (const auto& [epoch, value] : uc) {
      if (epoch < 0 || c.count(epoch) == 0) continue;
      if (first < 0) first = epoch;
      last = epoch;
    }
    if (first_run) {
      result.first_epoch = first;
      result.last_epoch = last;
      first_run = false;
    }
    if (first < 0) {
      result.uc_first.push_back(kNaN);
      result.c_first.push_back(kNaN);
      result.gap_first.push_back(kNaN);
      result.gap_last.push_back(kNaN);
      continue;
    }
    const double uc0 = uc.at(first), c0 = c.at(first);
    result.uc_first.push_back(uc0);
    result.c_first.push_back(c0);
    result.gap_first.push_back(c0 - uc0);
    result.gap_last.push_back(c.at(last) - uc.at(last));
    if (c0 > uc0) ++result.exceed;  // false for NaN
  }
  result.all_exceed = !point.runs.empty() &&
                      result.exceed == static_cast<int>(point.runs.size());
  const double g0 = FiniteMean(result.gap_first),
               g1 = FiniteMean(result.gap_last);
  result.shrank =
      std::isfinite(g0) && std::isfinite(g1) && std::abs(g1) < std::abs(g0);
  return result;
}

std::string EarlySection(const StudyResults& results,
                         const std::vector<GridPoint>& points,
                         ReportFigures* figures) {
  std::string out = "## Claim 1: early alignment\n\n";
  absl::StrAppend(
      &out,
      "Claim 1: right after training starts (the first measurement) the "
      "C-NFC exceeds the UC-NFC, and the gap C-NFC − UC-NFC closes as the "
      "weights move. It holds at a layer when C-NFC > UC-NFC at the first "
      "measurement in every seed and |mean gap| at the last measurement is "
      "smaller than at the first.\n\n");
  for (const GridPoint& point : points) {
    absl::StrAppend(&out, "### ", Code(point.display), "\n\n");
    const std::set<int> layer_set = PointLayers(point);
    std::vector<EarlyLayer> analyses;
    for (int layer : layer_set) analyses.push_back(AnalyzeEarly(point, layer));
    absl::StrAppend(&out, TableHeader({"layer", "first epoch", "UC-NFC (first)",
                                       "C-NFC (first)", "C > UC in every seed",
                                       "gap (first)", "last epoch",
                                       "gap (last)", "gap shrank"}));
    for (const EarlyLayer& a : analyses) {
      absl::StrAppend(
          &out,
          TableRow({absl::StrCat(a.layer), EpochLabel(a.first_epoch),
                    FormatStat(a.uc_first), FormatStat(a.c_first),
                    absl::StrCat(a.all_exceed ? "yes" : "no", " (", a.exceed,
                                 " of ", point.runs.size(), ")"),
                    FormatStat(a.gap_first), EpochLabel(a.last_epoch),
                    FormatStat(a.gap_last), a.shrank ? "yes" : "no"}));
    }
    // Verdicts.
    std::vector<int> holds;
    std::vector<std::string> failures;
    for (const EarlyLayer& a : analyses) {
      if (a.all_exceed && a.shrank) {
        holds.push_back(a.layer);
        continue;
      }
      std::vector<std::string> reasons;
      if (!a.all_exceed) {
        reasons.push_back(absl::StrCat(
            "C-NFC did not exceed UC-NFC at epoch ", EpochLabel(a.first_epoch),
            " in every seed (", a.exceed, " of ", point.runs.size(),
            " seeds; mean C-NFC ", Num(FiniteMean(a.c_first)), " vs UC-NFC ",
            Num(FiniteMean(a.uc_first)), ")"));
      }
      if (!a.shrank) {
        reasons.push_back(absl::StrCat(
            "the gap did not close (mean C-NFC − UC-NFC ",
            Num(FiniteMean(a.gap_first)), " at epoch ",
            EpochLabel(a.first_epoch), ", ", Num(FiniteMean(a.gap_last)),
            " at epoch ", EpochLabel(a.last_epoch), ")"));
      }
      failures.push_back(absl::StrCat("at layer ", a.layer, " ",
                                      absl::StrJoin(reasons, " and ")));
    }
    std::string verdict;
    if (analyses.empty()) {
      verdict = "No layer was measured, so claim 1 cannot be checked.";
    } else if (failures.empty()) {
      verdict = absl::StrCat("Claim 1 holds at every measured layer (",
                             LayerList(holds), ").");
    } else if (holds.empty()) {
      verdict = absl::StrCat("Claim 1 holds at no measured layer: ",
                             absl::StrJoin(failures, "; "), ".");
    } else {
      verdict = absl::StrCat("Claim 1 holds at ", LayerList(holds), "; ",
                             absl::StrJoin(failures, "; "), ".");
    }
    absl::StrAppend(&out, "\n", verdict, "\n\n");

    // Weight change figure.
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
    absl::StrAppend(
        &out,
        "Relative weight change ‖ΔW‖/‖W‖ per layer, mean ± "
        "std over seeds ([",
        file, "](", file, ")).\n\n",
        AddFigure(figure, file, absl::StrCat("weight change, ", point.display),
                  figures),
        "\n");
  }
  return out;
}

class EarlyAlignmentAnalysis : public StudyAnalysis {
 public:
  std::string Section(const StudyResults& results,
                      const std::vector<GridPoint>& points,
                      ReportFigures* figures) const override {
    return EarlySection(results, points, figures);
  }
};

}  // namespace

NFALAB_REGISTER_STUDY_ANALYSIS(
    "early_alignment", EarlyAlignmentAnalysis,
    "paper claim 1: C-NFC > UC-NFC at the first measurement, gap closing");

}  // namespace nfalab
