#include "studies/slo_vs_sgd_analysis.h"

#include <algorithm>
#include <cmath>
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

std::string SloSection(const SloVsSgdOptions& thresholds,
                       const StudyResults& results,
                       const std::vector<GridPoint>& points) {
  const double min_uc_gain = thresholds.min_uc_gain();
  const double max_loss_ratio = thresholds.max_train_loss_ratio();
  std::string out = "## Claim 3: SLO against SGD\n\n";
  absl::StrAppend(
      &out,
      "Claim 3: trained with SLO aimed at layer l*, the final UC-NFC of "
      "l* is higher than under SGD by at least ",
      Num(min_uc_gain), ", at a final training loss at most ",
      Num(max_loss_ratio),
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
        const double uc_slo = FiniteMean(FinalPerRun(*slo, layer, "uc_nfc"));
        const double uc_sgd = FiniteMean(FinalPerRun(*sgd, layer, "uc_nfc"));
        const double loss_slo = FiniteMean(FinalPerRun(*slo, 0, "train_loss"));
        const double loss_sgd = FiniteMean(FinalPerRun(*sgd, 0, "train_loss"));
        const double gain = uc_slo - uc_sgd;
        const double ratio = loss_slo / loss_sgd;
        const bool gain_ok = std::isfinite(gain) && gain >= min_uc_gain;
        const bool ratio_ok = std::isfinite(ratio) && ratio <= max_loss_ratio;
        std::string sentence = absl::StrCat(
            "At layer ", layer, " (SLO ", Code(slo->display), " vs SGD ",
            Code(sgd->display), "): ΔUC-NFC = SLO − SGD = ", Num(gain), " (",
            Num(uc_slo), " vs ", Num(uc_sgd), "), ", gain_ok ? "≥ " : "not ≥ ",
            Num(min_uc_gain), "; train-loss ratio SLO/SGD = ", Num(ratio), " (",
            Num(loss_slo), " / ", Num(loss_sgd), "), ",
            ratio_ok ? "≤ " : "not ≤ ", Num(max_loss_ratio), ". ");
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
