#include "studies/study_report.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "core/file_io.h"
#include "core/status_macros.h"
#include "studies/student_t.h"
#include "report/svg_plot.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace nfalab {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr char kUcColor[] = "#1f77b4";
constexpr char kCColor[] = "#2ca02c";
constexpr const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                    "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                    "#bcbd22", "#17becf"};
// SLO claim thresholds (paper claim 3 as nfalab states it).
constexpr double kMinUcGain = 0.2;
constexpr double kMaxLossRatio = 2.0;

const char* PaletteColor(size_t i) {
  return kPalette[i % (sizeof(kPalette) / sizeof(kPalette[0]))];
}

// ---------------------------------------------------------------------------
// Numbers.

// "%.3f", without a negative zero; "nan"/"inf" for non-finite values.
std::string Num(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  std::string text = absl::StrFormat("%.3f", value);
  if (text == "-0.000") text = "0.000";
  return text;
}

struct Stat {
  double mean = kNaN;
  double std = kNaN;  // sample std; NaN for fewer than 2 finite values
  int finite = 0;
  int total = 0;
};

Stat Summarize(const std::vector<double>& values) {
  Stat stat;
  stat.total = static_cast<int>(values.size());
  double sum = 0;
  for (double v : values) {
    if (std::isfinite(v)) {
      sum += v;
      ++stat.finite;
    }
  }
  if (stat.finite == 0) return stat;
  stat.mean = sum / stat.finite;
  if (stat.finite >= 2) {
    double ss = 0;
    for (double v : values) {
      if (std::isfinite(v)) ss += (v - stat.mean) * (v - stat.mean);
    }
    stat.std = std::sqrt(ss / (stat.finite - 1));
  }
  return stat;
}

// "mean ± std", "mean ± n/a" (one value), "n/a" (none), with
// " (k of n finite)" when some values were not finite.
std::string FormatStat(const std::vector<double>& values) {
  const Stat stat = Summarize(values);
  if (stat.finite == 0) return "n/a";
  std::string text = absl::StrCat(Num(stat.mean), " ± ",
                                  stat.finite >= 2 ? Num(stat.std) : "n/a");
  if (stat.finite < stat.total) {
    absl::StrAppend(&text, " (", stat.finite, " of ", stat.total, " finite)");
  }
  return text;
}

double Mean(const std::vector<double>& values) {
  return Summarize(values).mean;
}

// The mean of the finite values and its 95% confidence interval,
// mean ± t_{0.975, n-1} * s / sqrt(n) (n finite values, sample std s).
struct Interval {
  int n = 0;
  double mean = kNaN;
  double lo = kNaN;  // NaN for n < 2
  double hi = kNaN;
};

Interval MeanInterval(const std::vector<double>& values) {
  const Stat stat = Summarize(values);
  Interval interval;
  interval.n = stat.finite;
  interval.mean = stat.mean;
  if (stat.finite >= 2) {
    const double half =
        StudentT975(stat.finite - 1) * stat.std / std::sqrt(stat.finite);
    interval.lo = stat.mean - half;
    interval.hi = stat.mean + half;
  }
  return interval;
}

// "mean [lo, hi]", "mean [n/a]" (one value), "n/a" (none).
std::string FormatInterval(const Interval& interval) {
  if (interval.n == 0) return "n/a";
  if (interval.n == 1) return absl::StrCat(Num(interval.mean), " [n/a]");
  return absl::StrCat(Num(interval.mean), " [", Num(interval.lo), ", ",
                      Num(interval.hi), "]");
}

// "0.910, 0.930, 0.950".
std::string ValueList(const std::vector<double>& values) {
  std::vector<std::string> parts;
  for (double v : values) parts.push_back(Num(v));
  return absl::StrJoin(parts, ", ");
}

// Pearson correlation of the pairs with both coordinates finite; NaN for
// fewer than two such pairs or a constant coordinate.
double Pearson(const std::vector<std::pair<double, double>>& pairs) {
  std::vector<std::pair<double, double>> finite;
  for (const auto& [x, y] : pairs) {
    if (std::isfinite(x) && std::isfinite(y)) finite.push_back({x, y});
  }
  if (finite.size() < 2) return kNaN;
  double mx = 0, my = 0;
  for (const auto& [x, y] : finite) {
    mx += x;
    my += y;
  }
  mx /= finite.size();
  my /= finite.size();
  double sxy = 0, sxx = 0, syy = 0;
  for (const auto& [x, y] : finite) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) * (x - mx);
    syy += (y - my) * (y - my);
  }
  if (sxx <= 0 || syy <= 0) return kNaN;
  return sxy / std::sqrt(sxx * syy);
}

std::string LayerList(const std::vector<int>& layers) {
  return absl::StrCat(layers.size() == 1 ? "layer " : "layers ",
                      absl::StrJoin(layers, ", "));
}

// Like LayerList, with three or more consecutive layers as a range:
// "layers 1-6, 8, 9" (`layers` ascending).
std::string LayerRanges(const std::vector<int>& layers) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < layers.size();) {
    size_t j = i;
    while (j + 1 < layers.size() && layers[j + 1] == layers[j] + 1) ++j;
    if (j - i >= 2) {
      parts.push_back(absl::StrCat(layers[i], "-", layers[j]));
    } else {
      for (size_t k = i; k <= j; ++k) parts.push_back(absl::StrCat(layers[k]));
    }
    i = j + 1;
  }
  return absl::StrCat(layers.size() == 1 ? "layer " : "layers ",
                      absl::StrJoin(parts, ", "));
}

// ---------------------------------------------------------------------------
// Reading one run's table.

bool Matches(const MetricsTable::Row& row, int layer,
             absl::string_view measure) {
  return row.layer == layer && row.measure == measure;
}

// The value of the last row (largest epoch, then step) of a measure; NaN if
// there is none.
double FinalValue(const MetricsTable& table, int layer,
                  absl::string_view measure) {
  const MetricsTable::Row* last = nullptr;
  for (const MetricsTable::Row& row : table.rows()) {
    if (!Matches(row, layer, measure)) continue;
    if (last == nullptr ||
        std::tie(row.epoch, row.step) >= std::tie(last->epoch, last->step)) {
      last = &row;
    }
  }
  return last == nullptr ? kNaN : last->value;
}

// Per epoch, the value of the epoch's last row of a measure.
std::map<int, double> ByEpoch(const MetricsTable& table, int layer,
                              absl::string_view measure) {
  std::map<int, std::pair<int64_t, double>> last;
  for (const MetricsTable::Row& row : table.rows()) {
    if (!Matches(row, layer, measure)) continue;
    auto it = last.find(row.epoch);
    if (it == last.end() || row.step >= it->second.first) {
      last[row.epoch] = {row.step, row.value};
    }
  }
  std::map<int, double> values;
  for (const auto& [epoch, step_value] : last) {
    values[epoch] = step_value.second;
  }
  return values;
}

double ValueAt(const MetricsTable& table, int layer, absl::string_view measure,
               int epoch) {
  const std::map<int, double> values = ByEpoch(table, layer, measure);
  auto it = values.find(epoch);
  return it == values.end() ? kNaN : it->second;
}

bool HasMeasure(const MetricsTable& table, int layer,
                absl::string_view measure) {
  for (const MetricsTable::Row& row : table.rows()) {
    if (Matches(row, layer, measure)) return true;
  }
  return false;
}

// Layers with uc_nfc or c_nfc rows, ascending.
std::set<int> MeasuredLayers(const MetricsTable& table) {
  std::set<int> layers;
  for (const MetricsTable::Row& row : table.rows()) {
    if (row.layer > 0 && (row.measure == "uc_nfc" || row.measure == "c_nfc")) {
      layers.insert(row.layer);
    }
  }
  return layers;
}

// ---------------------------------------------------------------------------
// Grid points.

struct GridPoint {
  std::vector<std::string> labels;
  std::string display;  // "optimizer=sgd, lr=0.1" or "base"
  std::string key;      // "sgd__0.1" or "base"
  std::vector<const RunRecord*> runs;
};

std::vector<GridPoint> GroupRuns(const StudyResults& results) {
  const StudyConfig& study = results.study;
  std::map<std::vector<std::string>, std::vector<const RunRecord*>> groups;
  for (const RunRecord& run : results.runs) {
    groups[run.point_labels].push_back(&run);
  }
  // Order: the points' positions in their sweeps, then the labels.
  auto order = [&](const std::vector<std::string>& labels) {
    std::vector<int> index;
    for (size_t i = 0; i < labels.size(); ++i) {
      int position = INT_MAX;
      if (static_cast<int>(i) < study.sweeps_size()) {
        const StudyConfig::Sweep& sweep = study.sweeps(i);
        for (int p = 0; p < sweep.points_size(); ++p) {
          if (sweep.points(p).label() == labels[i]) {
            position = p;
            break;
          }
        }
      }
      index.push_back(position);
    }
    return std::make_pair(index, labels);
  };
  std::vector<GridPoint> points;
  for (auto& [labels, runs] : groups) {
    GridPoint point;
    point.labels = labels;
    point.runs = runs;
    std::vector<std::string> parts;
    for (size_t i = 0; i < labels.size(); ++i) {
      const std::string sweep_name = static_cast<int>(i) < study.sweeps_size()
                                         ? study.sweeps(i).name()
                                         : "";
      parts.push_back(sweep_name.empty()
                          ? labels[i]
                          : absl::StrCat(sweep_name, "=", labels[i]));
    }
    point.display = labels.empty() ? "base" : absl::StrJoin(parts, ", ");
    point.key = labels.empty() ? "base" : absl::StrJoin(labels, "__");
    points.push_back(std::move(point));
  }
  std::stable_sort(points.begin(), points.end(),
                   [&](const GridPoint& a, const GridPoint& b) {
                     return order(a.labels) < order(b.labels);
                   });
  return points;
}

// One value per run of the point.
template <typename F>
std::vector<double> PerRun(const GridPoint& point, F value_of) {
  std::vector<double> values;
  for (const RunRecord* run : point.runs) values.push_back(value_of(*run));
  return values;
}

std::vector<double> FinalPerRun(const GridPoint& point, int layer,
                                absl::string_view measure) {
  return PerRun(point, [&](const RunRecord& run) {
    return FinalValue(run.table, layer, measure);
  });
}

bool AnyRunHas(const std::vector<GridPoint>& points, int layer,
               absl::string_view measure) {
  for (const GridPoint& point : points) {
    for (const RunRecord* run : point.runs) {
      if (HasMeasure(run->table, layer, measure)) return true;
    }
  }
  return false;
}

// The layers any run of `point` measured.
std::set<int> PointLayers(const GridPoint& point) {
  std::set<int> layers;
  for (const RunRecord* run : point.runs) {
    const std::set<int> run_layers = MeasuredLayers(run->table);
    layers.insert(run_layers.begin(), run_layers.end());
  }
  return layers;
}

std::vector<int> AllMeasuredLayers(const std::vector<GridPoint>& points) {
  std::set<int> layers;
  for (const GridPoint& point : points) {
    const std::set<int> point_layers = PointLayers(point);
    layers.insert(point_layers.begin(), point_layers.end());
  }
  return std::vector<int>(layers.begin(), layers.end());
}

std::string Code(absl::string_view text) {
  return absl::StrCat("`", text, "`");
}

std::string TableRow(const std::vector<std::string>& cells) {
  return absl::StrCat("| ", absl::StrJoin(cells, " | "), " |\n");
}

std::string TableHeader(const std::vector<std::string>& cells) {
  std::vector<std::string> rule(cells.size(), "---");
  return absl::StrCat(TableRow(cells), TableRow(rule));
}

// ---------------------------------------------------------------------------
// Figures.

// Mean line and mean ± std band of a measure over the point's runs, by
// epoch (epochs >= min_epoch).
PlotSeries MeanSeries(const GridPoint& point, int layer,
                      absl::string_view measure, std::string name,
                      std::string color, int min_epoch) {
  std::map<int, std::vector<double>> by_epoch;
  for (const RunRecord* run : point.runs) {
    for (const auto& [epoch, value] : ByEpoch(run->table, layer, measure)) {
      if (epoch >= min_epoch) by_epoch[epoch].push_back(value);
    }
  }
  PlotSeries series;
  series.name = std::move(name);
  series.color = std::move(color);
  for (const auto& [epoch, values] : by_epoch) {
    const Stat stat = Summarize(values);
    series.points.push_back({static_cast<double>(epoch), stat.mean});
    if (stat.finite >= 2) {
      series.band.push_back({static_cast<double>(epoch), stat.mean - stat.std,
                             stat.mean + stat.std});
    }
  }
  return series;
}

bool AllNonNegative(const PlotPanel& panel) {
  for (const PlotSeries& series : panel.series) {
    for (const PlotPoint& p : series.points) {
      if (std::isfinite(p.y) && p.y < 0) return false;
    }
    for (const BandPoint& b : series.band) {
      if (std::isfinite(b.lower) && b.lower < 0) return false;
    }
  }
  return true;
}

// Adds the rendered figure to `figures` and returns the Markdown that shows
// it, or a line saying why it could not be drawn.
std::string AddFigure(
    const PlotFigure& figure, const std::string& file, const std::string& alt,
    std::vector<std::pair<std::string, std::string>>* figures) {
  if (figure.panels.empty()) {
    return absl::StrCat("(No figure ", Code(file), ": nothing to draw.)\n");
  }
  absl::StatusOr<std::string> svg = RenderSvg(figure);
  if (!svg.ok()) {
    return absl::StrCat("(Figure ", Code(file),
                        " could not be drawn: ", svg.status().message(), ")\n");
  }
  if (figures != nullptr) figures->emplace_back(file, *std::move(svg));
  return absl::StrCat("![", alt, "](", file, ")\n");
}

PlotFigure CurvesFigure(const GridPoint& point, const std::string& study_name) {
  PlotFigure figure;
  figure.title =
      absl::StrCat(study_name, ": ", point.display, " (mean ± std over ",
                   point.runs.size(), " runs)");
  std::set<int> layers;
  for (const RunRecord* run : point.runs) {
    const std::set<int> run_layers = MeasuredLayers(run->table);
    layers.insert(run_layers.begin(), run_layers.end());
  }
  for (int layer : layers) {
    PlotPanel panel;
    panel.title = absl::StrCat("Layer ", layer);
    panel.x_label = "epoch";
    panel.y_label = "Pearson correlation";
    panel.series.push_back(
        MeanSeries(point, layer, "uc_nfc", "UC-NFC", kUcColor, 0));
    panel.series.push_back(
        MeanSeries(point, layer, "c_nfc", "C-NFC", kCColor, 0));
    panel.y_range =
        AllNonNegative(panel) ? AxisRange{0.0, 1.0} : AxisRange{-1.0, 1.0};
    figure.panels.push_back(std::move(panel));
  }
  return figure;
}

// ---------------------------------------------------------------------------
// Sections.

std::string GenericSection(
    const StudyResults& results, const std::vector<GridPoint>& points,
    std::vector<std::pair<std::string, std::string>>* figures) {
  const std::vector<int> layers = AllMeasuredLayers(points);
  const bool has_test_loss = AnyRunHas(points, 0, "test_loss");
  const bool has_test_accuracy = AnyRunHas(points, 0, "test_accuracy");
  std::string out = "## Final values\n\n";
  absl::StrAppend(&out,
                  "Mean ± sample std over seeds, at each run's last "
                  "measurement.\n\n");
  std::vector<std::string> header = {"grid point", "runs", "train loss"};
  if (has_test_loss) header.push_back("test loss");
  if (has_test_accuracy) header.push_back("test accuracy");
  for (int layer : layers) {
    header.push_back(absl::StrCat("L", layer, " UC-NFC"));
    header.push_back(absl::StrCat("L", layer, " C-NFC"));
  }
  absl::StrAppend(&out, TableHeader(header));
  for (const GridPoint& point : points) {
    std::vector<std::string> row = {
        Code(point.display), absl::StrCat(point.runs.size()),
        FormatStat(FinalPerRun(point, 0, "train_loss"))};
    if (has_test_loss) {
      row.push_back(FormatStat(FinalPerRun(point, 0, "test_loss")));
    }
    if (has_test_accuracy) {
      row.push_back(FormatStat(FinalPerRun(point, 0, "test_accuracy")));
    }
    for (int layer : layers) {
      row.push_back(FormatStat(FinalPerRun(point, layer, "uc_nfc")));
      row.push_back(FormatStat(FinalPerRun(point, layer, "c_nfc")));
    }
    absl::StrAppend(&out, TableRow(row));
  }
  absl::StrAppend(&out, "\n## Curves\n\n");
  for (const GridPoint& point : points) {
    const std::string file = absl::StrCat("curves_", point.key, ".svg");
    absl::StrAppend(
        &out, "### ", Code(point.display), "\n\n",
        "UC-NFC (blue) and C-NFC (green) per layer against epoch, "
        "mean ± std over seeds ([",
        file, "](", file, ")).\n\n",
        AddFigure(CurvesFigure(point, results.study.name()), file,
                  absl::StrCat("UC-NFC and C-NFC, ", point.display), figures),
        "\n");
  }
  return out;
}

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
  const double g0 = Mean(result.gap_first), g1 = Mean(result.gap_last);
  result.shrank =
      std::isfinite(g0) && std::isfinite(g1) && std::abs(g1) < std::abs(g0);
  return result;
}

std::string EpochLabel(int epoch) {
  return epoch < 0 ? "n/a" : absl::StrCat(epoch);
}

std::string EarlySection(
    const StudyResults& results, const std::vector<GridPoint>& points,
    std::vector<std::pair<std::string, std::string>>* figures) {
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
            " seeds; mean C-NFC ", Num(Mean(a.c_first)), " vs UC-NFC ",
            Num(Mean(a.uc_first)), ")"));
      }
      if (!a.shrank) {
        reasons.push_back(
            absl::StrCat("the gap did not close (mean C-NFC − UC-NFC ",
                         Num(Mean(a.gap_first)), " at epoch ",
                         EpochLabel(a.first_epoch), ", ", Num(Mean(a.gap_last)),
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

std::string DataDistributionSection(
    const StudyResults& results, const std::vector<GridPoint>& points,
    std::vector<std::pair<std::string, std::string>>* figures) {
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
    const double mx = Mean(predicted), my = Mean(measured);
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
  const double r_means = Pearson(mean_pairs);
  const double r_runs = Pearson(run_pairs);
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

// SLO target layers by reflection: optimizer.slo.target_layers, if the
// config has such a field (empty otherwise).
std::vector<int> SloTargetLayers(const ExperimentConfig& config) {
  using google::protobuf::FieldDescriptor;
  using google::protobuf::Message;
  using google::protobuf::Reflection;
  std::vector<int> layers;
  const Message& optimizer = config.optimizer();
  const FieldDescriptor* slo_field =
      optimizer.GetDescriptor()->FindFieldByName("slo");
  if (slo_field == nullptr || slo_field->is_repeated() ||
      slo_field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
    return layers;
  }
  const Message& slo =
      optimizer.GetReflection()->GetMessage(optimizer, slo_field);
  const FieldDescriptor* field =
      slo.GetDescriptor()->FindFieldByName("target_layers");
  if (field == nullptr) return layers;
  const Reflection* reflection = slo.GetReflection();
  const int count = field->is_repeated() ? reflection->FieldSize(slo, field)
                    : reflection->HasField(slo, field) ? 1
                                                       : 0;
  for (int i = 0; i < count; ++i) {
    const bool rep = field->is_repeated();
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        layers.push_back(rep ? reflection->GetRepeatedInt32(slo, field, i)
                             : reflection->GetInt32(slo, field));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        layers.push_back(
            static_cast<int>(rep ? reflection->GetRepeatedInt64(slo, field, i)
                                 : reflection->GetInt64(slo, field)));
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        layers.push_back(
            static_cast<int>(rep ? reflection->GetRepeatedUInt32(slo, field, i)
                                 : reflection->GetUInt32(slo, field)));
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        layers.push_back(
            static_cast<int>(rep ? reflection->GetRepeatedUInt64(slo, field, i)
                                 : reflection->GetUInt64(slo, field)));
        break;
      default:
        break;
    }
  }
  std::sort(layers.begin(), layers.end());
  layers.erase(std::unique(layers.begin(), layers.end()), layers.end());
  return layers;
}

struct OptimizerInfo {
  std::string name;          // "sgd", "slo", ... ("mixed" if runs differ)
  std::vector<int> targets;  // SLO target layers
};

OptimizerInfo PointOptimizer(const GridPoint& point) {
  OptimizerInfo info;
  bool first = true;
  for (const RunRecord* run : point.runs) {
    const std::string name = run->config.optimizer().name();
    const std::vector<int> targets =
        name == "slo" ? SloTargetLayers(run->config) : std::vector<int>();
    if (first) {
      info.name = name;
      info.targets = targets;
      first = false;
    } else if (name != info.name || targets != info.targets) {
      info.name = "mixed";
      info.targets.clear();
    }
  }
  return info;
}

// The labels of the sweeps that set no optimizer field (all of them are
// ignored, i.e. every SGD point matches, when the labels do not line up with
// the study's sweeps).
std::vector<std::string> MatchKey(const StudyConfig& study,
                                  const GridPoint& point) {
  std::vector<std::string> key;
  if (static_cast<int>(point.labels.size()) != study.sweeps_size()) return key;
  for (int i = 0; i < study.sweeps_size(); ++i) {
    bool sets_optimizer = false;
    for (const StudyConfig::Point& p : study.sweeps(i).points()) {
      for (const std::string& set : p.set()) {
        absl::string_view s = absl::StripAsciiWhitespace(set);
        absl::ConsumePrefix(&s, "--");
        if (absl::StartsWith(s, "optimizer.")) sets_optimizer = true;
      }
    }
    if (!sets_optimizer) key.push_back(point.labels[i]);
  }
  return key;
}

std::string SloSection(const StudyResults& results,
                       const std::vector<GridPoint>& points) {
  std::string out = "## Claim 3: SLO against SGD\n\n";
  absl::StrAppend(
      &out,
      "Claim 3: trained with SLO aimed at layer l*, the final UC-NFC of "
      "l* is higher than under SGD by at least ",
      Num(kMinUcGain), ", at a final training loss at most ",
      Num(kMaxLossRatio),
      " times SGD's. Values are final, mean ± std over "
      "seeds; SGD rows are the SGD runs measured at "
      "l*.\n\n");
  std::vector<OptimizerInfo> infos;
  std::set<int> targets;
  std::vector<const GridPoint*> sgd_points, untargeted;
  for (const GridPoint& point : points) {
    infos.push_back(PointOptimizer(point));
    const OptimizerInfo& info = infos.back();
    if (info.name == "sgd") sgd_points.push_back(&point);
    if (info.name == "slo") {
      if (info.targets.empty()) untargeted.push_back(&point);
      targets.insert(info.targets.begin(), info.targets.end());
    }
  }
  const bool has_test_loss = AnyRunHas(points, 0, "test_loss");
  const bool has_test_accuracy = AnyRunHas(points, 0, "test_accuracy");
  std::vector<std::string> header = {"l*",        "optimizer",    "grid point",
                                     "runs",      "UC-NFC at l*", "C-NFC at l*",
                                     "train loss"};
  if (has_test_loss) header.push_back("test loss");
  if (has_test_accuracy) header.push_back("test accuracy");
  absl::StrAppend(&out, TableHeader(header));
  auto row_for = [&](int layer, const GridPoint& point,
                     const std::string& optimizer) {
    std::vector<std::string> row = {
        absl::StrCat(layer),
        optimizer,
        Code(point.display),
        absl::StrCat(point.runs.size()),
        FormatStat(FinalPerRun(point, layer, "uc_nfc")),
        FormatStat(FinalPerRun(point, layer, "c_nfc")),
        FormatStat(FinalPerRun(point, 0, "train_loss"))};
    if (has_test_loss) {
      row.push_back(FormatStat(FinalPerRun(point, 0, "test_loss")));
    }
    if (has_test_accuracy) {
      row.push_back(FormatStat(FinalPerRun(point, 0, "test_accuracy")));
    }
    return TableRow(row);
  };
  std::string verdicts;
  for (int layer : targets) {
    std::vector<const GridPoint*> slo_points;
    for (size_t p = 0; p < points.size(); ++p) {
      const OptimizerInfo& info = infos[p];
      if (info.name == "slo" &&
          std::count(info.targets.begin(), info.targets.end(), layer) > 0) {
        slo_points.push_back(&points[p]);
      }
    }
    for (const GridPoint* point : slo_points) {
      absl::StrAppend(&out, row_for(layer, *point, "SLO"));
    }
    for (const GridPoint* point : sgd_points) {
      absl::StrAppend(&out, row_for(layer, *point, "SGD"));
    }
    // Verdicts: each SLO point against its matching SGD points.
    for (const GridPoint* slo : slo_points) {
      const std::vector<std::string> key = MatchKey(results.study, *slo);
      bool compared = false;
      for (const GridPoint* sgd : sgd_points) {
        if (MatchKey(results.study, *sgd) != key) continue;
        compared = true;
        const double uc_slo = Mean(FinalPerRun(*slo, layer, "uc_nfc"));
        const double uc_sgd = Mean(FinalPerRun(*sgd, layer, "uc_nfc"));
        const double loss_slo = Mean(FinalPerRun(*slo, 0, "train_loss"));
        const double loss_sgd = Mean(FinalPerRun(*sgd, 0, "train_loss"));
        const double gain = uc_slo - uc_sgd;
        const double ratio = loss_slo / loss_sgd;
        const bool gain_ok = std::isfinite(gain) && gain >= kMinUcGain;
        const bool ratio_ok = std::isfinite(ratio) && ratio <= kMaxLossRatio;
        std::string sentence = absl::StrCat(
            "At layer ", layer, " (SLO ", Code(slo->display), " vs SGD ",
            Code(sgd->display), "): ΔUC-NFC = SLO − SGD = ", Num(gain), " (",
            Num(uc_slo), " vs ", Num(uc_sgd), "), ", gain_ok ? "≥ " : "not ≥ ",
            Num(kMinUcGain), "; train-loss ratio SLO/SGD = ", Num(ratio), " (",
            Num(loss_slo), " / ", Num(loss_sgd), "), ",
            ratio_ok ? "≤ " : "not ≤ ", Num(kMaxLossRatio), ". ");
        if (gain_ok && ratio_ok) {
          absl::StrAppend(&sentence, "Claim 3 holds at layer ", layer, ".");
        } else {
          std::vector<std::string> why;
          if (!gain_ok) why.push_back("the UC-NFC gain is too small");
          if (!ratio_ok) why.push_back("the training loss is too high");
          absl::StrAppend(&sentence, "Claim 3 does not hold at layer ", layer,
                          ": ", absl::StrJoin(why, " and "), ".");
        }
        absl::StrAppend(&verdicts, "- ", sentence, "\n");
      }
      if (!compared) {
        absl::StrAppend(&verdicts, "- At layer ", layer, " (SLO ",
                        Code(slo->display),
                        "): no matching SGD grid point, so claim 3 cannot be "
                        "checked.\n");
      }
    }
  }
  if (targets.empty()) {
    absl::StrAppend(&out,
                    "\nNo SLO run with target layers was found, so "
                    "claim 3 cannot be checked.\n");
  } else {
    absl::StrAppend(&out, "\n", verdicts);
  }
  for (const GridPoint* point : untargeted) {
    absl::StrAppend(&out, "\nSLO grid point ", Code(point->display),
                    " has no `optimizer.slo.target_layers` and is not "
                    "compared.\n");
  }
  for (size_t p = 0; p < points.size(); ++p) {
    if (infos[p].name == "mixed") {
      absl::StrAppend(&out, "\nGrid point ", Code(points[p].display),
                      " mixes optimizers or targets across seeds and is not "
                      "compared.\n");
    }
  }
  absl::StrAppend(&out, "\n");
  return out;
}

// One layer of one grid point for CONV_ALIGNMENT: the layer's first and last
// measured epochs, and the runs (in seed order) with finite UC-NFC and C-NFC
// at both.
struct ConvLayer {
  int layer = 0;
  int first_epoch = -1;  // the smallest epoch >= 0 where a run has both
  int last_epoch = -1;   // the largest such epoch
  std::vector<uint64_t> seeds;
  std::vector<double> uc_first, c_first, uc_last, c_last;
};

ConvLayer AnalyzeConvLayer(const GridPoint& point, int layer) {
  ConvLayer result;
  result.layer = layer;
  std::vector<const RunRecord*> runs = point.runs;
  std::stable_sort(
      runs.begin(), runs.end(),
      [](const RunRecord* a, const RunRecord* b) { return a->seed < b->seed; });
  std::vector<std::pair<std::map<int, double>, std::map<int, double>>> curves;
  std::set<int> epochs;  // epochs >= 0 at which some run has both measures
  for (const RunRecord* run : runs) {
    curves.push_back({ByEpoch(run->table, layer, "uc_nfc"),
                      ByEpoch(run->table, layer, "c_nfc")});
    const auto& [uc, c] = curves.back();
    for (const auto& [epoch, value] : uc) {
      if (epoch >= 0 && c.count(epoch) > 0) epochs.insert(epoch);
    }
  }
  if (epochs.empty()) return result;
  result.first_epoch = *epochs.begin();
  result.last_epoch = *epochs.rbegin();
  for (size_t r = 0; r < runs.size(); ++r) {
    const auto& [uc, c] = curves[r];
    double values[4];
    bool complete = true;
    int i = 0;
    for (const std::map<int, double>* curve : {&uc, &c}) {
      for (int epoch : {result.first_epoch, result.last_epoch}) {
        auto it = curve->find(epoch);
        values[i] = it == curve->end() ? kNaN : it->second;
        complete = complete && std::isfinite(values[i]);
        ++i;
      }
    }
    if (!complete) continue;
    result.seeds.push_back(runs[r]->seed);
    result.uc_first.push_back(values[0]);
    result.uc_last.push_back(values[1]);
    result.c_first.push_back(values[2]);
    result.c_last.push_back(values[3]);
  }
  return result;
}

// a - b, element by element (same sizes).
std::vector<double> Difference(const std::vector<double>& a,
                               const std::vector<double>& b) {
  std::vector<double> d;
  for (size_t i = 0; i < a.size(); ++i) d.push_back(a[i] - b[i]);
  return d;
}

// A claim tested on a per-seed effect d: its statement, how d is computed,
// and what each verdict means in the claim's terms.
struct ConvClaim {
  const char* name;
  const char* statement;
  const char* effect;
  std::vector<double> (*d)(const ConvLayer&);  // per seed
  const char* if_above;     // the interval lies above 0 (supported)
  const char* if_below;     // below 0 (not supported)
  const char* if_contains;  // contains 0 (inconclusive)
};

constexpr ConvClaim kConvClaims[] = {
    {"A", "C-NFC exceeds UC-NFC at the first measurement",
     "C-NFC − UC-NFC at the first epoch",
     [](const ConvLayer& a) { return Difference(a.c_first, a.uc_first); },
     "C-NFC > UC-NFC", "UC-NFC > C-NFC", "CI contains 0"},
    {"B", "UC-NFC rises from the first to the last measurement",
     "UC-NFC(last) − UC-NFC(first)",
     [](const ConvLayer& a) { return Difference(a.uc_last, a.uc_first); },
     "UC-NFC rises", "UC-NFC falls", "no detectable change (CI contains 0)"},
    {"C", "C-NFC at the last measurement is at least as high as at the first",
     "C-NFC(last) − C-NFC(first)",
     [](const ConvLayer& a) { return Difference(a.c_last, a.c_first); },
     "C-NFC rises", "C-NFC falls", "no detectable change (CI contains 0)"},
};

enum class Verdict { kSupported, kNotSupported, kInconclusive };

// The verdict on the mean of d, with the words of the table's verdict cell.
std::pair<Verdict, std::string> JudgeEffect(const ConvClaim& claim,
                                            const Interval& d) {
  if (d.n == 0) {
    return {Verdict::kInconclusive, "inconclusive (no seed: no interval)"};
  }
  if (d.n == 1) {
    return {Verdict::kInconclusive, "inconclusive (one seed: no interval)"};
  }
  if (d.lo > 0) {
    return {Verdict::kSupported, absl::StrCat("supported: ", claim.if_above)};
  }
  if (d.hi < 0) {
    return {Verdict::kNotSupported,
            absl::StrCat("not supported: ", claim.if_below)};
  }
  return {Verdict::kInconclusive,
          absl::StrCat("inconclusive: ", claim.if_contains)};
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
    std::vector<ConvLayer> analyses;
    for (int layer : layer_set) {
      analyses.push_back(AnalyzeConvLayer(point, layer));
    }
    auto seeds_cell = [&](const ConvLayer& a) {
      std::string cell =
          absl::StrCat(a.seeds.size(), " of ", point.runs.size());
      if (!a.seeds.empty()) {
        absl::StrAppend(&cell, " (", a.seeds.size() == 1 ? "seed " : "seeds ",
                        absl::StrJoin(a.seeds, ", "), ")");
      }
      return cell;
    };
    auto value_cell = [](const std::vector<double>& values) {
      if (values.empty()) return std::string("n/a");
      return absl::StrCat(FormatInterval(MeanInterval(values)), " (",
                          ValueList(values), ")");
    };
    absl::StrAppend(
        &out, TableHeader({"layer", "seeds", "first epoch", "UC-NFC (first)",
                           "C-NFC (first)", "last epoch", "UC-NFC (last)",
                           "C-NFC (last)"}));
    for (const ConvLayer& a : analyses) {
      absl::StrAppend(
          &out, TableRow({absl::StrCat(a.layer), seeds_cell(a),
                          EpochLabel(a.first_epoch), value_cell(a.uc_first),
                          value_cell(a.c_first), EpochLabel(a.last_epoch),
                          value_cell(a.uc_last), value_cell(a.c_last)}));
    }
    std::string summary;
    for (const ConvClaim& claim : kConvClaims) {
      absl::StrAppend(&out, "\nClaim ", claim.name, ": ", claim.statement,
                      ". d = ", claim.effect, ".\n\n",
                      TableHeader({"layer", "seeds", "d per seed",
                                   "mean d [95% CI]", "verdict"}));
      std::map<Verdict, std::vector<int>> by_verdict;
      for (const ConvLayer& a : analyses) {
        const std::vector<double> d = claim.d(a);
        const Interval interval = MeanInterval(d);
        const auto [verdict, words] = JudgeEffect(claim, interval);
        by_verdict[verdict].push_back(a.layer);
        absl::StrAppend(&out, TableRow({absl::StrCat(a.layer), seeds_cell(a),
                                        d.empty() ? "n/a" : ValueList(d),
                                        FormatInterval(interval), words}));
      }
      std::vector<std::string> parts;
      for (const auto& [verdict, name] :
           {std::make_pair(Verdict::kSupported, "supported"),
            std::make_pair(Verdict::kNotSupported, "not supported"),
            std::make_pair(Verdict::kInconclusive, "inconclusive")}) {
        auto it = by_verdict.find(verdict);
        if (it == by_verdict.end()) continue;
        parts.push_back(absl::StrCat(name, " at ", LayerRanges(it->second)));
      }
      absl::StrAppend(&summary, "- Claim ", claim.name, ": ",
                      absl::StrJoin(parts, ", "), ".\n");
    }
    absl::StrAppend(&out, "\n", summary, "\n");
  }
  return out;
}

}  // namespace

std::string RenderStudyReport(
    const StudyResults& results,
    std::vector<std::pair<std::string, std::string>>* figures) {
  const StudyConfig& study = results.study;
  const std::vector<GridPoint> points = GroupRuns(results);
  std::set<uint64_t> seeds;
  for (const RunRecord& run : results.runs) seeds.insert(run.seed);
  const std::string analysis = StudyConfig::Analysis_Name(study.analysis());

  std::string out = absl::StrCat("# Study report: ", study.name(), "\n\n");
  absl::StrAppend(&out, "- Study: ", Code(study.name()), "\n");
  absl::StrAppend(&out, "- Analysis: ", analysis, "\n");
  absl::StrAppend(&out, "- Runs: ", results.runs.size(), " (", points.size(),
                  points.size() == 1 ? " grid point" : " grid points", ", ",
                  seeds.size(), seeds.size() == 1 ? " seed" : " seeds", ": ",
                  absl::StrJoin(seeds, ", "), ")\n");
  for (const StudyConfig::Sweep& sweep : study.sweeps()) {
    std::vector<std::string> labels;
    for (const StudyConfig::Point& p : sweep.points()) {
      labels.push_back(p.label());
    }
    absl::StrAppend(&out, "- Sweep ", Code(sweep.name()), ": ",
                    absl::StrJoin(labels, ", "), "\n");
  }
  absl::StrAppend(&out,
                  "- Regenerate (for the study shipped in "
                  "studies/configs/): `bazel run -c opt //:nfalab -- study "
                  "studies/configs/",
                  study.name(), ".pbtxt --out=docs/studies/", study.name(),
                  "`\n");
  std::vector<std::string> failed;
  for (const RunRecord& run : results.runs) {
    if (!run.error.empty()) {
      failed.push_back(absl::StrCat(Code(run.name), ": ", run.error));
    }
  }
  if (!failed.empty()) {
    absl::StrAppend(&out, "- **", failed.size(),
                    " run(s) stopped early; their values below cover only "
                    "the epochs before that:** ",
                    absl::StrJoin(failed, "; "), "\n");
  }
  absl::StrAppend(&out, "\n");
  if (results.runs.empty()) {
    absl::StrAppend(&out, "The study has no runs.\n");
    return out;
  }

  absl::StrAppend(&out, GenericSection(results, points, figures));
  switch (study.analysis()) {
    case StudyConfig::EARLY_ALIGNMENT:
      absl::StrAppend(&out, EarlySection(results, points, figures));
      break;
    case StudyConfig::DATA_DISTRIBUTION:
      absl::StrAppend(&out, DataDistributionSection(results, points, figures));
      break;
    case StudyConfig::SLO_VS_SGD:
      absl::StrAppend(&out, SloSection(results, points));
      break;
    case StudyConfig::CONV_ALIGNMENT:
      absl::StrAppend(&out, ConvAlignmentSection(points));
      break;
    default:
      break;
  }
  // No trailing blank lines.
  while (absl::EndsWith(out, "\n\n")) out.pop_back();
  return out;
}

absl::Status WriteStudyReport(const StudyResults& results,
                              const std::string& out_dir) {
  std::vector<std::pair<std::string, std::string>> figures;
  const std::string report = RenderStudyReport(results, &figures);
  NFALAB_RETURN_IF_ERROR(MakeDirectories(out_dir));
  for (const auto& [file, svg] : figures) {
    NFALAB_RETURN_IF_ERROR(
        WriteFileAtomically(absl::StrCat(out_dir, "/", file), svg));
  }
  return WriteFileAtomically(absl::StrCat(out_dir, "/report.md"), report);
}

}  // namespace nfalab
