#include "studies/layer_endpoints.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "report/statistics.h"
#include "studies/report_format.h"

namespace nfalab {

LayerEndpoints AnalyzeEndpoints(const GridPoint& point, int layer) {
  LayerEndpoints result;
  result.layer = layer;
  result.runs = static_cast<int>(point.runs.size());
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
        values[i] = it == curve->end() ? std::nan("") : it->second;
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

std::vector<double> Difference(const std::vector<double>& a,
                               const std::vector<double>& b) {
  std::vector<double> d;
  for (size_t i = 0; i < a.size(); ++i) d.push_back(a[i] - b[i]);
  return d;
}

std::string SeedsCell(const LayerEndpoints& a) {
  std::string cell = absl::StrCat(a.seeds.size(), " of ", a.runs);
  if (!a.seeds.empty()) {
    absl::StrAppend(&cell, " (", a.seeds.size() == 1 ? "seed " : "seeds ",
                    absl::StrJoin(a.seeds, ", "), ")");
  }
  return cell;
}

std::string EndpointsTable(const std::vector<LayerEndpoints>& layers) {
  auto value_cell = [](const std::vector<double>& values) {
    if (values.empty()) return std::string("n/a");
    return absl::StrCat(FormatInterval(MeanConfidence95(values)), " (",
                        ValueList(values), ")");
  };
  std::string out = TableHeader(
      {"layer", "seeds", "first epoch", "UC-NFC (first)", "C-NFC (first)",
       "last epoch", "UC-NFC (last)", "C-NFC (last)"});
  for (const LayerEndpoints& a : layers) {
    absl::StrAppend(&out,
                    TableRow({absl::StrCat(a.layer), SeedsCell(a),
                              EpochLabel(a.first_epoch), value_cell(a.uc_first),
                              value_cell(a.c_first), EpochLabel(a.last_epoch),
                              value_cell(a.uc_last), value_cell(a.c_last)}));
  }
  return out;
}

std::string EndpointClaimTables(const std::vector<EndpointClaim>& claims,
                                const std::vector<LayerEndpoints>& layers,
                                std::string* summary) {
  std::string out;
  for (const EndpointClaim& claim : claims) {
    std::vector<ClaimRow> rows;
    for (const LayerEndpoints& a : layers) {
      rows.push_back({absl::StrCat(a.layer), SeedsCell(a), claim.d(a)});
    }
    std::vector<Verdict> verdicts;
    absl::StrAppend(&out, ClaimTable(claim.claim, "layer", rows, &verdicts));
    std::map<Verdict, std::vector<int>> by_verdict;
    for (size_t i = 0; i < layers.size(); ++i) {
      by_verdict[verdicts[i]].push_back(layers[i].layer);
    }
    absl::StrAppend(summary, "- Claim ", claim.claim.name, ": ",
                    LayersByVerdict(by_verdict), ".\n");
  }
  return out;
}

}  // namespace nfalab
