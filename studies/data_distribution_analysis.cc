// Study analysis "data_distribution" (paper claim 2): per grid point the
// predicted early first-layer C-NFC (predicted_c_nfc, epoch -1, layer 1)
// against the measured one (c_nfc, epoch 0, layer 1), their Pearson
// correlation over the grid points' means and over all runs, and figure
// predicted_vs_measured.svg. studies/study_report.h has the wording.
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

std::string DataDistributionSection(const StudyResults& results,
                                    const std::vector<GridPoint>& points,
                                    ReportFigures* figures) {
  std::string out =
      "## Claim 2: the data distribution sets the early C-NFC\n\n";
  absl::StrAppend(
      &out,
      "Predicted: the early-time predictor ρ(G0ᵀG0, G0ᵀK0G0) at "
      "initialisation (`predicted_c_nfc`, epoch -1, layer 1). Measured: the "
      "C-NFC of layer 1 after epoch 0 (`c_nfc`, epoch 0).\n\n");
  absl::StrAppend(
      &out, TableHeader({"grid point", "runs", "predicted C-NFC (layer 1)",
                         "measured C-NFC (layer 1, epoch 0)",
                         "measured − predicted"}));
  std::vector<std::pair<double, double>> mean_pairs, run_pairs;
  PlotFigure figure;
  figure.title =
      absl::StrCat(results.study.name(), ": early first-layer C-NFC");
  PlotPanel panel;
  panel.title = "Layer 1, mean over seeds";
  panel.x_label = "predicted C-NFC";
  panel.y_label = "measured C-NFC (epoch 0)";
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (size_t p = 0; p < points.size(); ++p) {
    const GridPoint& point = points[p];
    std::vector<double> predicted, measured, diff;
    for (const RunRecord* run : point.runs) {
      const double x = ValueAt(run->table, 1, "predicted_c_nfc", -1);
      const double y = ValueAt(run->table, 1, "c_nfc", 0);
      predicted.push_back(x);
      measured.push_back(y);
      diff.push_back(y - x);
      run_pairs.push_back({x, y});
    }
    const double mx = FiniteMean(predicted), my = FiniteMean(measured);
    mean_pairs.push_back({mx, my});
    absl::StrAppend(
        &out, TableRow({Code(point.display), absl::StrCat(point.runs.size()),
                        FormatStat(predicted), FormatStat(measured),
                        FormatStat(diff)}));
    PlotSeries series;
    series.name = point.display;
    series.color = PaletteColor(p);
    series.points.push_back({mx, my});
    panel.series.push_back(std::move(series));
    for (double v : {mx, my}) {
      if (std::isfinite(v)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    }
  }
  const double r_means = PearsonOfPairs(mean_pairs);
  const double r_runs = PearsonOfPairs(run_pairs);
  int finite_runs = 0;
  for (const auto& [x, y] : run_pairs) {
    if (std::isfinite(x) && std::isfinite(y)) ++finite_runs;
  }
  auto describe = [](double r) {
    return std::isfinite(r) ? Num(r)
                            : std::string(
                                  "undefined (fewer than two "
                                  "finite pairs or no variation)");
  };
  absl::StrAppend(&out,
                  "\nPearson correlation between predicted and measured "
                  "early first-layer C-NFC across the sweep: ",
                  describe(r_means), " over the ", points.size(),
                  " grid points' means, ", describe(r_runs), " over the ",
                  finite_runs, " individual runs with both values.\n\n");
  if (std::isfinite(lo)) {
    if (hi - lo < 1e-9) {
      lo -= 0.05;
      hi += 0.05;
    }
    PlotSeries identity;
    identity.name = "y = x";
    identity.color = "#7f7f7f";
    identity.dash = "6,3";
    identity.markers = false;
    identity.points = {{lo, lo}, {hi, hi}};
    panel.series.push_back(std::move(identity));
    figure.panels.push_back(std::move(panel));
  }
  const std::string file = "predicted_vs_measured.svg";
  absl::StrAppend(
      &out,
      "Measured against predicted, one marker per grid point "
      "(mean over seeds), with the line y = x ([",
      file, "](", file, ")).\n\n",
      AddFigure(figure, file, "predicted vs measured early C-NFC", figures),
      "\n");
  return out;
}

class DataDistributionAnalysis : public StudyAnalysis {
 public:
  std::string Section(const StudyResults& results,
                      const std::vector<GridPoint>& points,
                      ReportFigures* figures) const override {
    return DataDistributionSection(results, points, figures);
  }
};

}  // namespace

NFALAB_REGISTER_STUDY_ANALYSIS(
    "data_distribution", DataDistributionAnalysis,
    "paper claim 2: predicted against measured early first-layer C-NFC");

}  // namespace nfalab
