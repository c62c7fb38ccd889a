// Study analysis "conv_alignment": per grid point and measured layer (the
// conv layers of a VGG), UC-NFC and C-NFC at the first and last measurement
// as mean [95% Student t CI] over seeds, and three claims tested on
// per-seed differences, each with a verdict from the interval of its mean.
// studies/study_report.h has the wording.
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
#include "report/statistics.h"
#include "studies/grid_points.h"
#include "studies/report_format.h"
#include "studies/study_analysis.h"

namespace nfalab {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

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
                                            const MeanInterval& d) {
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
      return absl::StrCat(FormatInterval(MeanConfidence95(values)), " (",
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
        const MeanInterval interval = MeanConfidence95(d);
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
