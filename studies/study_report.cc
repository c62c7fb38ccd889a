#include "studies/study_report.h"

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/file_io.h"
#include "core/status_macros.h"
#include "report/palette.h"
#include "report/svg_plot.h"
#include "studies/grid_points.h"
#include "studies/report_format.h"
#include "studies/study_analysis.h"

namespace nfalab {
namespace {

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
        MeanSeries(point, layer, "uc_nfc", "UC-NFC", kUcNfcColor, 0));
    panel.series.push_back(
        MeanSeries(point, layer, "c_nfc", "C-NFC", kCNfcColor, 0));
    panel.y_range =
        AllNonNegative(panel) ? AxisRange{0.0, 1.0} : AxisRange{-1.0, 1.0};
    figure.panels.push_back(std::move(panel));
  }
  return figure;
}

std::string GenericSection(const StudyResults& results,
                           const std::vector<GridPoint>& points,
                           ReportFigures* figures) {
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

}  // namespace

std::string RenderStudyReport(
    const StudyResults& results,
    std::vector<std::pair<std::string, std::string>>* figures) {
  const StudyConfig& study = results.study;
  const std::vector<GridPoint> points = GroupRuns(results);
  std::set<uint64_t> seeds;
  for (const RunRecord& run : results.runs) seeds.insert(run.seed);
  // The enum's name when the study selects by the enum, as reports always
  // have; the names when it lists them.
  const std::string analysis =
      study.analyses_size() > 0
          ? absl::StrJoin(
                study.analyses(), ", ",
                [](std::string* out, const StudyConfig::AnalysisSpec& spec) {
                  out->append(spec.name());
                })
          : StudyConfig::Analysis_Name(study.analysis());

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
  absl::StatusOr<std::vector<std::unique_ptr<StudyAnalysis>>> analyses =
      CreateStudyAnalyses(study);
  if (!analyses.ok()) {
    absl::StrAppend(&out, "(No analysis section: ", analyses.status().message(),
                    ")\n");
  } else {
    for (const std::unique_ptr<StudyAnalysis>& section : *analyses) {
      absl::StrAppend(&out, section->Section(results, points, figures));
    }
  }
  // No trailing blank lines.
  while (absl::EndsWith(out, "\n\n")) out.pop_back();
  return out;
}

absl::Status WriteStudyReport(const StudyResults& results,
                              const std::string& out_dir) {
  NFALAB_RETURN_IF_ERROR(CreateStudyAnalyses(results.study).status());
  ReportFigures figures;
  const std::string report = RenderStudyReport(results, &figures);
  NFALAB_RETURN_IF_ERROR(MakeDirectories(out_dir));
  for (const auto& [file, content] : figures) {
    NFALAB_RETURN_IF_ERROR(
        WriteFileAtomically(absl::StrCat(out_dir, "/", file), content));
  }
  return WriteFileAtomically(absl::StrCat(out_dir, "/report.md"), report);
}

}  // namespace nfalab
