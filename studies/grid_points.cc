#include "studies/grid_points.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <limits>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace nfalab {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool Matches(const MetricsTable::Row& row, int layer,
             absl::string_view measure) {
  return row.layer == layer && row.measure == measure;
}

}  // namespace

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

std::vector<double> FinalPerRun(const GridPoint& point, int layer,
                                absl::string_view measure) {
  std::vector<double> values;
  for (const RunRecord* run : point.runs) {
    values.push_back(FinalValue(run->table, layer, measure));
  }
  return values;
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

}  // namespace nfalab
