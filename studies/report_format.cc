#include "studies/report_format.h"

#include <cmath>
#include <map>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace nfalab {

std::string Num(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  std::string text = absl::StrFormat("%.3f", value);
  if (text == "-0.000") text = "0.000";
  return text;
}

std::string FormatStat(const std::vector<double>& values) {
  const SampleStats stat = Summarize(values);
  if (stat.finite == 0) return "n/a";
  std::string text = absl::StrCat(Num(stat.mean), " ± ",
                                  stat.finite >= 2 ? Num(stat.std) : "n/a");
  if (stat.finite < stat.total) {
    absl::StrAppend(&text, " (", stat.finite, " of ", stat.total, " finite)");
  }
  return text;
}

std::string FormatInterval(const MeanInterval& interval) {
  if (interval.n == 0) return "n/a";
  if (interval.n == 1) return absl::StrCat(Num(interval.mean), " [n/a]");
  return absl::StrCat(Num(interval.mean), " [", Num(interval.lo), ", ",
                      Num(interval.hi), "]");
}

std::string ValueList(const std::vector<double>& values) {
  std::vector<std::string> parts;
  for (double v : values) parts.push_back(Num(v));
  return absl::StrJoin(parts, ", ");
}

std::string LayerList(const std::vector<int>& layers) {
  return absl::StrCat(layers.size() == 1 ? "layer " : "layers ",
                      absl::StrJoin(layers, ", "));
}

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

std::string EpochLabel(int epoch) {
  return epoch < 0 ? "n/a" : absl::StrCat(epoch);
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
    const SampleStats stat = Summarize(values);
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

std::string AddFigure(const PlotFigure& figure, const std::string& file,
                      const std::string& alt, ReportFigures* figures) {
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

}  // namespace nfalab
