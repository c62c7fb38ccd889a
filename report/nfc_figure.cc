#include "report/nfc_figure.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "core/check.h"
#include "report/palette.h"
#include "report/svg_plot.h"

namespace nfalab {
namespace {

constexpr char kPredictedColor[] = "#74c476";
constexpr char kTrainColor[] = "#333333";
constexpr char kTestColor[] = "#d62728";

// The (epoch, value) points of one measure of one layer (0 = run level), in
// (epoch, step) order.
std::vector<PlotPoint> SeriesPoints(const MetricsTable& table, int layer,
                                    absl::string_view measure) {
  std::vector<const MetricsTable::Row*> rows;
  for (const MetricsTable::Row& row : table.rows()) {
    if (row.layer == layer && row.measure == measure) rows.push_back(&row);
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const MetricsTable::Row* a, const MetricsTable::Row* b) {
                     return std::tie(a->epoch, a->step) <
                            std::tie(b->epoch, b->step);
                   });
  std::vector<PlotPoint> points;
  points.reserve(rows.size());
  for (const MetricsTable::Row* row : rows) {
    points.push_back({static_cast<double>(row->epoch), row->value});
  }
  return points;
}

PlotSeries MakeSeries(std::string name, const char* color,
                      std::vector<PlotPoint> points) {
  PlotSeries series;
  series.name = std::move(name);
  series.color = color;
  series.points = std::move(points);
  return series;
}

// Layers (1-based) with a row of any of `measures`, ascending.
std::vector<int> LayersWith(const MetricsTable& table,
                            const std::vector<absl::string_view>& measures) {
  std::set<int> layers;
  for (const MetricsTable::Row& row : table.rows()) {
    if (row.layer <= 0) continue;
    if (std::find(measures.begin(), measures.end(), row.measure) !=
        measures.end()) {
      layers.insert(row.layer);
    }
  }
  return std::vector<int>(layers.begin(), layers.end());
}

PlotPanel NfcPanel(const MetricsTable& table, int layer) {
  PlotPanel panel;
  panel.title = absl::StrCat("Layer ", layer);
  panel.x_label = "epoch";
  panel.y_label = "Pearson correlation";
  panel.series.push_back(
      MakeSeries("UC-NFC", kUcNfcColor, SeriesPoints(table, layer, "uc_nfc")));
  panel.series.push_back(
      MakeSeries("C-NFC", kCNfcColor, SeriesPoints(table, layer, "c_nfc")));
  std::vector<PlotPoint> predicted =
      SeriesPoints(table, layer, "predicted_c_nfc");
  if (!predicted.empty()) {
    panel.series.push_back(
        MakeSeries("predicted C-NFC", kPredictedColor, std::move(predicted)));
  }
  bool all_non_negative = true;
  for (const PlotSeries& series : panel.series) {
    for (const PlotPoint& p : series.points) {
      if (std::isfinite(p.y) && p.y < 0) all_non_negative = false;
    }
  }
  panel.y_range = AxisRange{all_non_negative ? 0.0 : -1.0, 1.0};
  return panel;
}

PlotPanel LossPanel(const MetricsTable& table) {
  PlotPanel panel;
  panel.title = "Loss";
  panel.x_label = "epoch (-1 = before training)";
  panel.y_label = "loss";
  panel.y_scale = AxisScale::kLog;
  panel.series.push_back(
      MakeSeries("train", kTrainColor, SeriesPoints(table, 0, "train_loss")));
  std::vector<PlotPoint> test = SeriesPoints(table, 0, "test_loss");
  if (!test.empty()) {
    PlotSeries series = MakeSeries("test", kTestColor, std::move(test));
    series.dash = "6,3";
    panel.series.push_back(std::move(series));
  }
  return panel;
}

PlotPanel WeightChangePanel(const MetricsTable& table,
                            const std::vector<int>& layers) {
  PlotPanel panel;
  panel.title = "Relative weight change";
  panel.x_label = "epoch";
  panel.y_label = "\u2016W \u2212 W\u2080\u2016 / \u2016W\u2016";
  for (int layer : layers) {
    panel.series.push_back(
        MakeSeries(absl::StrCat("layer ", layer), PaletteColor(layer - 1),
                   SeriesPoints(table, layer, "weight_change")));
  }
  return panel;
}

}  // namespace

std::string RenderNfcFigure(const MetricsTable& table,
                            absl::string_view title) {
  PlotFigure figure;
  figure.title = std::string(title);
  figure.max_columns = 3;
  for (int layer : LayersWith(table, {"uc_nfc", "c_nfc"})) {
    figure.panels.push_back(NfcPanel(table, layer));
  }
  const bool has_loss = std::any_of(
      table.rows().begin(), table.rows().end(), [](const auto& row) {
        return row.layer == 0 &&
               (row.measure == "train_loss" || row.measure == "test_loss");
      });
  if (has_loss || figure.panels.empty()) {
    figure.panels.push_back(LossPanel(table));
  }
  const std::vector<int> moved = LayersWith(table, {"weight_change"});
  if (!moved.empty()) figure.panels.push_back(WeightChangePanel(table, moved));
  absl::StatusOr<std::string> svg = RenderSvg(figure);
  // Every panel above is valid by construction (fixed ranges [0, 1] or
  // [-1, 1] on linear axes, default layout).
  NFALAB_CHECK(svg.ok()) << svg.status();
  return *std::move(svg);
}

}  // namespace nfalab
