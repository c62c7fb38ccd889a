#include "studies/slo_vs_sgd_analysis.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "core/plugin_options.h"
#include "core/status_macros.h"
#include "google/protobuf/any.pb.h"
#include "optimizers/slo_options.h"
#include "report/statistics.h"
#include "studies/claims.h"
#include "studies/grid_points.h"
#include "studies/report_format.h"
#include "studies/slo_vs_sgd_options.pb.h"
#include "studies/study_analysis.h"

namespace nfalab {

std::vector<int> SloTargetLayers(const ExperimentConfig& config) {
  // A run's config was validated before it ran, so SloOptionsOf fails only
  // for a config that never named "slo"; it then has no targets.
  const absl::StatusOr<SloOptions> options = SloOptionsOf(config.optimizer());
  if (!options.ok()) return {};
  const auto& field = options->target_layers();
  std::vector<int> layers(field.begin(), field.end());
  std::sort(layers.begin(), layers.end());
  layers.erase(std::unique(layers.begin(), layers.end()), layers.end());
  return layers;
}

namespace {

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

// The point's optimizer in words, from its first run's config: "SGD, lr 2",
// "SLO normalized, l* = 1, step length 0.5 at l*, 0.05 elsewhere", "SGD with
// layer 1's lr × 8 (SLO scaled, speeds 8 / 1), lr 2".
std::string DescribeOptimizer(const GridPoint& point,
                              const OptimizerInfo& info) {
  if (point.runs.empty() || info.name == "mixed") return info.name;
  const OptimizerConfig& config = point.runs[0]->config.optimizer();
  const std::string lr = Num(config.learning_rate());
  if (info.name != "slo") {
    std::string words =
        absl::StrCat(info.name == "sgd" ? "SGD" : info.name, ", lr ", lr);
    if (config.momentum() != 0) {
      absl::StrAppend(&words, ", momentum ", Num(config.momentum()));
    }
    return words;
  }
  const absl::StatusOr<SloOptions> slo = SloOptionsOf(config);
  if (!slo.ok()) return "SLO";
  const std::string targets = absl::StrJoin(info.targets, ", ");
  const double target = slo->target_speed(), base = slo->base_speed();
  if (slo->mode() == SloOptions::NORMALIZED) {
    return absl::StrCat("SLO normalized, l* = ", targets, ", step length ",
                        Num(config.learning_rate() * target), " at l*, ",
                        Num(config.learning_rate() * base), " elsewhere");
  }
  if (base == 1) {
    return absl::StrCat("SGD with layer ", targets, "'s lr × ", Num(target),
                        " (SLO scaled, speeds ", Num(target), " / 1), lr ", lr);
  }
  return absl::StrCat("SLO scaled, l* = ", targets, ", lr ", lr, " × ",
                      Num(target), " at l*, × ", Num(base), " elsewhere");
}

// A measure's final value per seed (the last run of a seed wins).
std::map<uint64_t, double> FinalBySeed(const GridPoint& point, int layer,
                                       absl::string_view measure) {
  std::map<uint64_t, double> values;
  for (const RunRecord* run : point.runs) {
    values[run->seed] = FinalValue(run->table, layer, measure);
  }
  return values;
}

// The per-seed effect of `a` against `b` for the seeds both have with finite
// values, in seed order: a - b, or a / b when `ratio`.
struct PairedEffect {
  std::vector<uint64_t> seeds;
  std::vector<double> d;
  int runs = 0;  // seeds of `a`
};

PairedEffect Paired(const std::map<uint64_t, double>& a,
                    const std::map<uint64_t, double>& b, bool ratio) {
  PairedEffect effect;
  effect.runs = static_cast<int>(a.size());
  for (const auto& [seed, x] : a) {
    auto it = b.find(seed);
    if (it == b.end() || !std::isfinite(x) || !std::isfinite(it->second)) {
      continue;
    }
    effect.seeds.push_back(seed);
    effect.d.push_back(ratio ? x / it->second : x - it->second);
  }
  return effect;
}

ClaimRow PairedRow(std::string label, const PairedEffect& effect) {
  std::string seeds = absl::StrCat(effect.seeds.size(), " of ", effect.runs);
  if (!effect.seeds.empty()) {
    absl::StrAppend(&seeds, effect.seeds.size() == 1 ? " (seed " : " (seeds ",
                    absl::StrJoin(effect.seeds, ", "), ")");
  }
  return {std::move(label), std::move(seeds), effect.d};
}

// "mean [95% CI]" of a measure's final values over the point's runs.
std::string FinalCell(const GridPoint& point, int layer,
                      absl::string_view measure) {
  return FormatInterval(MeanConfidence95(FinalPerRun(point, layer, measure)));
}

// One SLO point compared at one of its target layers.
struct Comparison {
  const GridPoint* slo;
  const GridPoint* reference;  // the best SGD point with the same other labels
  int layer;
};

std::string SloSection(const SloVsSgdOptions& thresholds,
                       const StudyResults& results,
                       const std::vector<GridPoint>& points) {
  std::string out = "## Claim 3: SLO against SGD\n\n";
  absl::StrAppend(
      &out,
      "Claim 3 (paper.md §4): SLO aimed at layer l* raises that layer's "
      "NFA correlation far above SGD's. Every SLO point (any mode or speeds, "
      "the controls included) is compared at each of its target layers with "
      "a reference SGD point, seed by seed (the same seed in both), on "
      "final values:\n\n",
      "- 3a: UC-NFC at l* gains more than θ = ", Num(thresholds.min_uc_gain()),
      " (min_uc_gain);\n",
      "- 3b: C-NFC at l* gains more than θ = ", Num(thresholds.min_c_gain()),
      " (min_c_gain). The UC-NFC can rise only because l* moved far from "
      "W0, whose near-isotropic terms then weigh less (paper.md §2.7); the "
      "C-NFC leaves W0 out, so 3a without 3b is that dilution, not better "
      "alignment;\n",
      "- 3c: the final train loss is at most θ = ",
      Num(thresholds.max_train_loss_ratio()),
      " (max_train_loss_ratio) times SGD's;\n",
      "- 3d: SLO lowers the UC-NFC of the layers it does not target (θ = "
      "0).\n\n",
      "A claim is supported if the 95% t-interval of its mean per-seed d "
      "lies on its side of θ, not supported if on the other side, "
      "inconclusive if it contains θ or fewer than two seeds pair up. The "
      "reference is the SGD point with the lowest mean final test loss "
      "(train loss without a test split) among those with the SLO point's "
      "labels on the sweeps that set no optimizer field; it is chosen on "
      "the test split, as no validation split is held out. Values are final, "
      "mean [95% CI] over seeds.\n\n");
  std::vector<OptimizerInfo> infos;
  std::vector<const GridPoint*> sgd_points, untargeted;
  for (const GridPoint& point : points) {
    infos.push_back(PointOptimizer(point));
    const OptimizerInfo& info = infos.back();
    if (info.name == "sgd") sgd_points.push_back(&point);
    if (info.name == "slo" && info.targets.empty()) {
      untargeted.push_back(&point);
    }
  }
  const bool has_test_loss = AnyRunHas(points, 0, "test_loss");
  const bool has_test_accuracy = AnyRunHas(points, 0, "test_accuracy");
  const char* selection_loss = has_test_loss ? "test_loss" : "train_loss";

  // The runs, one row per point.
  std::vector<std::string> header = {"grid point", "optimizer", "runs",
                                     "train loss"};
  if (has_test_loss) header.push_back("test loss");
  if (has_test_accuracy) header.push_back("test accuracy");
  absl::StrAppend(&out, TableHeader(header));
  for (size_t p = 0; p < points.size(); ++p) {
    std::vector<std::string> row = {Code(points[p].display),
                                    DescribeOptimizer(points[p], infos[p]),
                                    absl::StrCat(points[p].runs.size()),
                                    FinalCell(points[p], 0, "train_loss")};
    if (has_test_loss) row.push_back(FinalCell(points[p], 0, "test_loss"));
    if (has_test_accuracy) {
      row.push_back(FinalCell(points[p], 0, "test_accuracy"));
    }
    absl::StrAppend(&out, TableRow(row));
  }

  // Every layer, so that alignment can be told from dilution.
  absl::StrAppend(&out,
                  "\n### Every layer\n\nFinal UC-NFC, C-NFC and relative "
                  "weight change ‖ΔW‖/‖W‖, mean [95% CI] over seeds.\n");
  for (int layer : AllMeasuredLayers(points)) {
    absl::StrAppend(&out, "\nLayer ", layer, ":\n\n",
                    TableHeader({"grid point", "UC-NFC", "C-NFC", "‖ΔW‖/‖W‖"}));
    for (const GridPoint& point : points) {
      absl::StrAppend(
          &out,
          TableRow({Code(point.display), FinalCell(point, layer, "uc_nfc"),
                    FinalCell(point, layer, "c_nfc"),
                    FinalCell(point, layer, "weight_change")}));
    }
  }

  // The comparisons, each SLO point against its reference SGD point.
  std::vector<Comparison> comparisons;
  std::vector<const GridPoint*> unmatched;
  std::set<const GridPoint*> references;
  for (size_t p = 0; p < points.size(); ++p) {
    if (infos[p].name != "slo" || infos[p].targets.empty()) continue;
    const std::vector<std::string> key = MatchKey(results.study, points[p]);
    const GridPoint* best = nullptr;
    double best_loss = 0;
    for (const GridPoint* sgd : sgd_points) {
      if (MatchKey(results.study, *sgd) != key) continue;
      const double loss = FiniteMean(FinalPerRun(*sgd, 0, selection_loss));
      if (best == nullptr || (std::isfinite(loss) && !(loss >= best_loss))) {
        best = sgd;
        best_loss = loss;
      }
    }
    if (best == nullptr) {
      unmatched.push_back(&points[p]);
      continue;
    }
    references.insert(best);
    for (int layer : infos[p].targets) {
      comparisons.push_back({&points[p], best, layer});
    }
  }
  if (comparisons.empty()) {
    absl::StrAppend(&out,
                    "\nNo SLO point with target layers has a matching SGD "
                    "point, so claim 3 cannot be checked.\n");
  } else {
    absl::StrAppend(&out, "\n### Claims at l*\n\nReference SGD: ");
    std::vector<std::string> names;
    for (const GridPoint& point : points) {
      if (references.count(&point) > 0) names.push_back(Code(point.display));
    }
    absl::StrAppend(&out, absl::StrJoin(names, ", "), " (lowest mean final ",
                    has_test_loss ? "test" : "train", " loss", ").\n");
    const Claim claims[] = {
        {"3a", "SLO's UC-NFC at l* exceeds the reference SGD's by more than θ",
         "UC-NFC(SLO) − UC-NFC(SGD) at l*", thresholds.min_uc_gain(),
         Claim::kAbove, "min_uc_gain in the study config", "UC-NFC gain > θ",
         "UC-NFC gain < θ", "CI contains θ"},
        {"3b", "SLO's C-NFC at l* exceeds the reference SGD's by more than θ",
         "C-NFC(SLO) − C-NFC(SGD) at l*", thresholds.min_c_gain(),
         Claim::kAbove, "min_c_gain in the study config", "C-NFC gain > θ",
         "C-NFC gain < θ", "CI contains θ"},
        {"3c", "SLO's final train loss is at most θ times SGD's",
         "train loss(SLO) / train loss(SGD)", thresholds.max_train_loss_ratio(),
         Claim::kBelow, "max_train_loss_ratio in the study config",
         "loss ratio < θ", "loss ratio > θ", "CI contains θ"},
    };
    const char* measures[] = {"uc_nfc", "c_nfc", "train_loss"};
    std::string summary;
    for (int c = 0; c < 3; ++c) {
      std::vector<ClaimRow> rows;
      std::vector<std::string> labels;
      for (const Comparison& comparison : comparisons) {
        const int layer = c == 2 ? 0 : comparison.layer;
        labels.push_back(absl::StrCat(Code(comparison.slo->display),
                                      " (l* = ", comparison.layer, ")"));
        rows.push_back(PairedRow(
            labels.back(),
            Paired(FinalBySeed(*comparison.slo, layer, measures[c]),
                   FinalBySeed(*comparison.reference, layer, measures[c]),
                   /*ratio=*/c == 2)));
      }
      std::vector<Verdict> verdicts;
      absl::StrAppend(&out,
                      ClaimTable(claims[c], "SLO point", rows, &verdicts));
      absl::StrAppend(&summary, "- Claim ", claims[c].name, ": ",
                      LabelsByVerdict(labels, verdicts), ".\n");
    }
    // 3d: every measured layer that the point does not target.
    const Claim other = {
        "3d",
        "SLO lowers the UC-NFC of the layers it does not target",
        "UC-NFC(SLO) − UC-NFC(SGD) at a layer other than l*",
        0.0,
        Claim::kBelow,
        "",
        "lower than under SGD",
        "higher than under SGD",
        "no detectable difference (CI contains 0)"};
    std::vector<ClaimRow> rows;
    std::vector<std::string> labels;
    for (size_t p = 0; p < points.size(); ++p) {
      const GridPoint& point = points[p];
      auto it =
          std::find_if(comparisons.begin(), comparisons.end(),
                       [&](const Comparison& c) { return c.slo == &point; });
      if (it == comparisons.end()) continue;
      for (int layer : AllMeasuredLayers(points)) {
        if (std::count(infos[p].targets.begin(), infos[p].targets.end(),
                       layer) > 0) {
          continue;
        }
        labels.push_back(
            absl::StrCat(Code(point.display), " at layer ", layer));
        rows.push_back(PairedRow(
            labels.back(), Paired(FinalBySeed(point, layer, "uc_nfc"),
                                  FinalBySeed(*it->reference, layer, "uc_nfc"),
                                  /*ratio=*/false)));
      }
    }
    std::vector<Verdict> verdicts;
    absl::StrAppend(&out,
                    ClaimTable(other, "SLO point, layer", rows, &verdicts));
    absl::StrAppend(&summary, "- Claim 3d: ", LabelsByVerdict(labels, verdicts),
                    ".\n");
    absl::StrAppend(&out, "\nVerdicts:\n\n", summary);
  }
  for (const GridPoint* point : unmatched) {
    absl::StrAppend(&out, "\nSLO grid point ", Code(point->display),
                    " has no matching SGD grid point and is not compared.\n");
  }
  for (const GridPoint* point : untargeted) {
    absl::StrAppend(&out, "\nSLO grid point ", Code(point->display),
                    " has no target layers and is not compared.\n");
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

class SloVsSgdAnalysis : public StudyAnalysis {
 public:
  explicit SloVsSgdAnalysis(SloVsSgdOptions thresholds)
      : thresholds_(std::move(thresholds)) {}

  std::string Section(const StudyResults& results,
                      const std::vector<GridPoint>& points,
                      ReportFigures* /*figures*/) const override {
    return SloSection(thresholds_, results, points);
  }

 private:
  const SloVsSgdOptions thresholds_;
};

absl::StatusOr<std::unique_ptr<StudyAnalysis>> CreateSloVsSgd(
    const google::protobuf::Any* options) {
  NFALAB_ASSIGN_OR_RETURN(SloVsSgdOptions thresholds,
                          UnpackOptions<SloVsSgdOptions>(options, "options"));
  if (!std::isfinite(thresholds.min_uc_gain())) {
    return OptionsError("options", thresholds, "min_uc_gain",
                        absl::StrCat("must be a finite number, got ",
                                     thresholds.min_uc_gain()));
  }
  if (!std::isfinite(thresholds.min_c_gain())) {
    return OptionsError(
        "options", thresholds, "min_c_gain",
        absl::StrCat("must be a finite number, got ", thresholds.min_c_gain()));
  }
  if (!(std::isfinite(thresholds.max_train_loss_ratio()) &&
        thresholds.max_train_loss_ratio() > 0)) {
    return OptionsError("options", thresholds, "max_train_loss_ratio",
                        absl::StrCat("must be a finite number > 0, got ",
                                     thresholds.max_train_loss_ratio()));
  }
  return std::unique_ptr<StudyAnalysis>(new SloVsSgdAnalysis(thresholds));
}

}  // namespace

NFALAB_REGISTER_STUDY_ANALYSIS_WITH_OPTIONS(
    "slo_vs_sgd", "paper claim 3: SLO against SGD at each SLO target layer",
    CreateSloVsSgd, SloVsSgdOptions());

}  // namespace nfalab
