// Study analysis "data_distribution" (paper claim 2, paper.md §3.2): across
// the grid points, the measured early C-NFC (c_nfc after epoch 0) against
// two predictions made at initialisation, recorded at epoch -1, layer 1:
//
//   predicted_c_nfc    rho(G0^T G0, G0^T K0 G0), the network's own one-step
//                      predictor (a first-order identity: one tiny epoch is
//                      about one GD step);
//   closed_form_c_nfc  the closed form from the data alone
//                      (metrics/early_closed_form.h).
//
// Claims on per-seed values (studies/claims.h), thresholds from
// DataDistributionOptions:
//   2a  Pearson r over grid points (closed form, measured)   > θ
//   2b  Pearson r over grid points (predictor, measured)     > θ
//   2c  per layer: C-NFC(last point) − C-NFC(first point)    < 0
// Figure predicted_vs_measured.svg: measured against each prediction, one
// marker per grid point (mean over seeds), and y = x.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/plugin_options.h"
#include "core/status_macros.h"
#include "google/protobuf/any.pb.h"
#include "report/palette.h"
#include "report/statistics.h"
#include "report/svg_plot.h"
#include "studies/claims.h"
#include "studies/data_distribution_options.pb.h"
#include "studies/grid_points.h"
#include "studies/report_format.h"
#include "studies/study_analysis.h"

namespace nfalab {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A value per grid point and seed: values[p][seed].
using BySeed = std::vector<std::map<uint64_t, double>>;

BySeed Collect(const std::vector<GridPoint>& points, int layer,
               const char* measure, int epoch) {
  BySeed values(points.size());
  for (size_t p = 0; p < points.size(); ++p) {
    for (const RunRecord* run : points[p].runs) {
      values[p][run->seed] = ValueAt(run->table, layer, measure, epoch);
    }
  }
  return values;
}

std::vector<double> PointValues(const BySeed& values, size_t p) {
  std::vector<double> out;
  for (const auto& [seed, value] : values[p]) out.push_back(value);
  return out;
}

// The seeds of every grid point, ascending.
std::vector<uint64_t> AllSeeds(const BySeed& values) {
  std::vector<uint64_t> seeds;
  for (const auto& point : values) {
    for (const auto& [seed, value] : point) seeds.push_back(seed);
  }
  std::sort(seeds.begin(), seeds.end());
  seeds.erase(std::unique(seeds.begin(), seeds.end()), seeds.end());
  return seeds;
}

std::string SeedsCell(const std::vector<uint64_t>& entered, size_t total) {
  std::string cell = absl::StrCat(entered.size(), " of ", total);
  if (!entered.empty()) {
    absl::StrAppend(&cell, entered.size() == 1 ? " (seed " : " (seeds ",
                    absl::StrJoin(entered, ", "), ")");
  }
  return cell;
}

double At(const std::map<uint64_t, double>& values, uint64_t seed) {
  auto it = values.find(seed);
  return it == values.end() ? kNaN : it->second;
}

// Per seed, the Pearson correlation over grid points of (x, y); a seed
// enters when it has at least two points with both values finite and the
// correlation is defined.
ClaimRow TrackingRow(const std::string& label, const BySeed& x,
                     const BySeed& y) {
  const std::vector<uint64_t> seeds = AllSeeds(y);
  std::vector<uint64_t> entered;
  std::vector<double> d;
  for (uint64_t seed : seeds) {
    std::vector<std::pair<double, double>> pairs;
    for (size_t p = 0; p < x.size(); ++p) {
      pairs.push_back({At(x[p], seed), At(y[p], seed)});
    }
    const double r = PearsonOfPairs(pairs);
    if (!std::isfinite(r)) continue;
    entered.push_back(seed);
    d.push_back(r);
  }
  return {label, SeedsCell(entered, seeds.size()), d};
}

// Per seed, the value at the last grid point minus that at the first.
ClaimRow EndToEndRow(const std::string& label, const BySeed& values) {
  const std::vector<uint64_t> seeds = AllSeeds(values);
  std::vector<uint64_t> entered;
  std::vector<double> d;
  for (uint64_t seed : seeds) {
    const double change = At(values.back(), seed) - At(values.front(), seed);
    if (!std::isfinite(change)) continue;
    entered.push_back(seed);
    d.push_back(change);
  }
  return {label, SeedsCell(entered, seeds.size()), d};
}

std::string Cell(const std::vector<double>& values) {
  return FormatInterval(MeanConfidence95(values));
}

std::string DataDistributionSection(const DataDistributionOptions& options,
                                    const StudyResults& results,
                                    const std::vector<GridPoint>& points,
                                    ReportFigures* figures) {
  std::string out =
      "## Claim 2: the data distribution sets the early C-NFC\n\n";
  absl::StrAppend(
      &out,
      "Measured: the C-NFC after epoch 0 (`c_nfc`, epoch 0). Two "
      "predictions made at initialisation for layer 1 (epoch -1): the "
      "network's one-step predictor ρ(G0ᵀG0, G0ᵀK0G0) (`predicted_c_nfc`), "
      "which one tiny epoch matches to first order by construction, and the "
      "closed form from the data alone (`closed_form_c_nfc`: the El Karoui "
      "linearisation a·11ᵀ + b·I of the ReLU tangent-feature kernel, C-NFM "
      "∝ a XᵀYYᵀX + b s XᵀX and C-AGOP ∝ (a²n + 2ab) XᵀYYᵀX + b² s XᵀX, "
      "paper.md §3.2). Values are mean [95% CI] over seeds.\n\n");
  const BySeed measured = Collect(points, 1, "c_nfc", 0);
  const BySeed predicted = Collect(points, 1, "predicted_c_nfc", -1);
  const BySeed closed = Collect(points, 1, "closed_form_c_nfc", -1);
  absl::StrAppend(
      &out, TableHeader({"grid point", "runs", "measured (layer 1, epoch 0)",
                         "G0/K0 predictor", "closed form",
                         "measured − closed form"}));
  for (size_t p = 0; p < points.size(); ++p) {
    std::vector<double> error;
    for (const auto& [seed, value] : measured[p]) {
      error.push_back(value - At(closed[p], seed));
    }
    absl::StrAppend(
        &out,
        TableRow({Code(points[p].display), absl::StrCat(points[p].runs.size()),
                  Cell(PointValues(measured, p)),
                  Cell(PointValues(predicted, p)), Cell(PointValues(closed, p)),
                  Cell(error)}));
  }

  // Every measured layer after epoch 0.
  const std::vector<int> layers = AllMeasuredLayers(points);
  std::vector<BySeed> by_layer;
  std::vector<std::string> header = {"grid point"};
  for (int layer : layers) {
    by_layer.push_back(Collect(points, layer, "c_nfc", 0));
    header.push_back(absl::StrCat("layer ", layer));
  }
  absl::StrAppend(&out, "\nMeasured C-NFC after epoch 0, every layer:\n\n",
                  TableHeader(header));
  for (size_t p = 0; p < points.size(); ++p) {
    std::vector<std::string> row = {Code(points[p].display)};
    for (const BySeed& values : by_layer) {
      row.push_back(Cell(PointValues(values, p)));
    }
    absl::StrAppend(&out, TableRow(row));
  }

  // The claims.
  const double theta = options.min_tracking_correlation();
  const std::string source = "min_tracking_correlation in the study config";
  const Claim tracking[] = {
      {"2a",
       "the closed form tracks the measured layer-1 C-NFC across the "
       "grid points",
       "Pearson r over grid points of (closed form, measured), per seed", theta,
       Claim::kAbove, source, "tracks", "does not track", "CI contains θ"},
      {"2b",
       "the G0/K0 predictor tracks the measured layer-1 C-NFC across "
       "the grid points (a consistency check: first order by "
       "construction)",
       "Pearson r over grid points of (predictor, measured), per seed", theta,
       Claim::kAbove, source, "tracks", "does not track", "CI contains θ"},
  };
  std::string summary;
  if (points.size() < 3) {
    absl::StrAppend(&out,
                    "\nClaims 2a and 2b need at least three grid points; "
                    "this study has ",
                    points.size(), ".\n");
  } else {
    const BySeed* x[] = {&closed, &predicted};
    for (int c = 0; c < 2; ++c) {
      std::vector<Verdict> verdicts;
      absl::StrAppend(
          &out, ClaimTable(tracking[c], "layer",
                           {TrackingRow("1", *x[c], measured)}, &verdicts));
      absl::StrAppend(&summary, "- Claim ", tracking[c].name, ": ",
                      VerdictName(verdicts[0]), ".\n");
    }
  }
  if (points.size() >= 2) {
    const Claim falls = {
        "2c",
        absl::StrCat("the early C-NFC falls from the first grid point (",
                     Code(points.front().display), ") to the last (",
                     Code(points.back().display), ")"),
        "C-NFC(last point) − C-NFC(first point) after epoch 0, per seed",
        0.0,
        Claim::kBelow,
        "",
        "falls",
        "rises",
        "no detectable change (CI contains 0)"};
    std::vector<ClaimRow> rows;
    for (size_t l = 0; l < layers.size(); ++l) {
      rows.push_back(EndToEndRow(absl::StrCat(layers[l]), by_layer[l]));
    }
    std::vector<Verdict> verdicts;
    absl::StrAppend(&out, ClaimTable(falls, "layer", rows, &verdicts));
    std::map<Verdict, std::vector<int>> by_verdict;
    for (size_t l = 0; l < layers.size(); ++l) {
      by_verdict[verdicts[l]].push_back(layers[l]);
    }
    absl::StrAppend(&summary, "- Claim 2c: ", LayersByVerdict(by_verdict),
                    ".\n");
  }
  if (!summary.empty()) absl::StrAppend(&out, "\nVerdicts:\n\n", summary);

  // Figure: measured against each prediction, means over seeds.
  PlotFigure figure;
  figure.title =
      absl::StrCat(results.study.name(), ": early first-layer C-NFC");
  PlotPanel panel;
  panel.title = "Layer 1, mean over seeds, one marker per grid point";
  panel.x_label = "prediction";
  panel.y_label = "measured C-NFC (epoch 0)";
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  const std::pair<const char*, const BySeed*> series_of[] = {
      {"G0/K0 predictor", &predicted}, {"closed form", &closed}};
  for (size_t i = 0; i < 2; ++i) {
    PlotSeries series;
    series.name = series_of[i].first;
    series.color = PaletteColor(i);
    for (size_t p = 0; p < points.size(); ++p) {
      const double mx = FiniteMean(PointValues(*series_of[i].second, p));
      const double my = FiniteMean(PointValues(measured, p));
      if (!std::isfinite(mx) || !std::isfinite(my)) continue;
      series.points.push_back({mx, my});
      lo = std::min({lo, mx, my});
      hi = std::max({hi, mx, my});
    }
    if (!series.points.empty()) panel.series.push_back(std::move(series));
  }
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
      "\nMeasured against each prediction, one marker per grid point (mean "
      "over seeds), with the line y = x ([",
      file, "](", file, ")).\n\n",
      AddFigure(figure, file, "predicted vs measured early C-NFC", figures),
      "\n");
  return out;
}

class DataDistributionAnalysis : public StudyAnalysis {
 public:
  explicit DataDistributionAnalysis(DataDistributionOptions options)
      : options_(std::move(options)) {}

  std::string Section(const StudyResults& results,
                      const std::vector<GridPoint>& points,
                      ReportFigures* figures) const override {
    return DataDistributionSection(options_, results, points, figures);
  }

 private:
  const DataDistributionOptions options_;
};

absl::StatusOr<std::unique_ptr<StudyAnalysis>> CreateDataDistribution(
    const google::protobuf::Any* any) {
  NFALAB_ASSIGN_OR_RETURN(
      DataDistributionOptions options,
      UnpackOptions<DataDistributionOptions>(any, "options"));
  const double theta = options.min_tracking_correlation();
  if (!(theta >= -1 && theta <= 1)) {
    return OptionsError("options", options, "min_tracking_correlation",
                        absl::StrCat("must be in [-1, 1], got ", theta));
  }
  return std::unique_ptr<StudyAnalysis>(new DataDistributionAnalysis(options));
}

}  // namespace

NFALAB_REGISTER_STUDY_ANALYSIS_WITH_OPTIONS(
    "data_distribution",
    "paper claim 2: measured early C-NFC against the G0/K0 predictor and "
    "the closed form from the data, across the sweep",
    CreateDataDistribution, DataDistributionOptions());

}  // namespace nfalab
