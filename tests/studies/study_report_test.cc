// RenderStudyReport / WriteStudyReport on hand-made StudyResults whose
// means, sample stds, verdicts and correlations are known in closed form.
#include "studies/study_report.h"

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/file_io.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "report/metrics_table.h"
#include "studies/study_results.h"
#include "tests/report/svg_scan.h"
#include "tests/status_matchers.h"
#include "tests/studies/hand_made_results.h"

namespace nfalab {
namespace {

using ::nfalab::testing::IsOk;
using ::nfalab::testing::ParseXml;
using ::nfalab::testing::XmlElement;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

using Figures = std::vector<std::pair<std::string, std::string>>;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct FigureShape {
  int panels = 0;
  int series = 0;
  int bands = 0;
};

FigureShape Shape(const std::string& svg) {
  FigureShape shape;
  absl::StatusOr<XmlElement> root = ParseXml(svg);
  EXPECT_THAT(root, IsOk());
  if (!root.ok()) return shape;
  EXPECT_EQ(root->name, "svg");
  shape.panels = root->FindByClass("panel").size();
  shape.series = root->FindByClass("series").size();
  shape.bands = root->FindByClass("band").size();
  return shape;
}

// GENERIC: two grid points x three seeds, two measured layers.
StudyResults GenericStudy() {
  StudyResults results;
  results.study = ParseStudy(R"pb(
    name: "generic_test"
    sweeps {
      name: "lr"
      points { label: "b" set: "optimizer.learning_rate=0.2" }
      points { label: "a" set: "optimizer.learning_rate=0.1" }
    }
    seeds: [ 0, 1, 2 ]
  )pb");
  for (const std::string label : {"a", "b"}) {
    const double shift = label == "a" ? 0.0 : 0.05;
    for (int s = 0; s < 3; ++s) {
      MetricsTable t;
      t.Add(-1, 0, "train_loss", 1.0);
      // Final train loss 0.1, 0.2, 0.3 (+ shift): mean 0.2, sample std 0.1.
      AddCurve(&t, 0, "train_loss", {0.5, 0.1 * (s + 1) + shift});
      AddCurve(&t, 0, "test_accuracy", {0.5, 0.8 + 0.1 * s});
      AddCurve(&t, 1, "uc_nfc", {0.1, 0.5 + 0.1 * s});
      AddCurve(&t, 1, "c_nfc", {0.8, 0.9});
      AddCurve(&t, 2, "uc_nfc", {0.2, 0.4});
      // Seed 1's layer-2 C-NFC is undefined at the end.
      AddCurve(&t, 2, "c_nfc", {0.7, s == 1 ? kNaN : 0.6 + 0.2 * (s / 2)});
      results.runs.push_back(MakeRun({label}, s, std::move(t)));
    }
  }
  return results;
}

TEST(StudyReportTest, HeaderNamesStudyAnalysisRunsSeedsAndRegenerateCommand) {
  const std::string report = RenderStudyReport(GenericStudy(), nullptr);
  EXPECT_THAT(report, HasSubstr("# Study report: generic_test\n"));
  EXPECT_THAT(report, HasSubstr("- Analysis: GENERIC\n"));
  EXPECT_THAT(report,
              HasSubstr("- Runs: 6 (2 grid points, 3 seeds: 0, 1, 2)\n"));
  EXPECT_THAT(report, HasSubstr("`bazel run -c opt //:nfalab -- study "
                                "studies/configs/generic_test.pbtxt "
                                "--out=docs/studies/generic_test`\n"));
  EXPECT_THAT(report, ::testing::Not(HasSubstr("stopped early")));
}

TEST(StudyReportTest, RunsThatStoppedEarlyAreFlagged) {
  StudyResults results = GenericStudy();
  results.runs[1].error = "training diverged at epoch 3, step 40";
  const std::string report = RenderStudyReport(results, nullptr);
  EXPECT_THAT(report, HasSubstr("1 run(s) stopped early"));
  EXPECT_THAT(report, HasSubstr(absl::StrCat(
                          "`", results.runs[1].name,
                          "`: training diverged at epoch 3, step 40")));
}

TEST(StudyReportTest, GenericTableHasMeanAndSampleStdPerGridPoint) {
  const std::string report = RenderStudyReport(GenericStudy(), nullptr);
  EXPECT_THAT(report, HasSubstr("| grid point | runs | train loss | test "
                                "accuracy | L1 UC-NFC | L1 C-NFC | L2 UC-NFC "
                                "| L2 C-NFC |\n"));
  // No test_loss rows: no test loss column.
  EXPECT_THAT(report, Not(HasSubstr("test loss")));
  // Layer-2 C-NFC: {0.6, NaN, 0.8} -> mean 0.7, std sqrt(0.02) = 0.141.
  EXPECT_EQ(LineStartingWith(report, "| `lr=a`"),
            "| `lr=a` | 3 | 0.200 ± 0.100 | 0.900 ± 0.100 | 0.600 ± 0.100 | "
            "0.900 ± 0.000 | 0.400 ± 0.000 | 0.700 ± 0.141 (2 of 3 finite) |");
  EXPECT_EQ(LineStartingWith(report, "| `lr=b`"),
            "| `lr=b` | 3 | 0.250 ± 0.100 | 0.900 ± 0.100 | 0.600 ± 0.100 | "
            "0.900 ± 0.000 | 0.400 ± 0.000 | 0.700 ± 0.141 (2 of 3 finite) |");
  // Rows follow the sweep's order (b before a), not the alphabet.
  EXPECT_LT(report.find("| `lr=b`"), report.find("| `lr=a`"));
}

TEST(StudyReportTest, OneSeedHasNoStd) {
  StudyResults results = GenericStudy();
  results.runs.resize(1);
  const std::string report = RenderStudyReport(results, nullptr);
  EXPECT_THAT(LineStartingWith(report, "| `lr=a`"),
              HasSubstr("| `lr=a` | 1 | 0.100 ± n/a | 0.800 ± n/a |"));
}

TEST(StudyReportTest, CurvesFigurePerGridPointWithPanelPerLayerAndBands) {
  Figures figures;
  const std::string report = RenderStudyReport(GenericStudy(), &figures);
  ASSERT_EQ(figures.size(), 2u);
  EXPECT_EQ(figures[0].first, "curves_b.svg");
  EXPECT_EQ(figures[1].first, "curves_a.svg");
  for (const auto& [file, svg] : figures) {
    SCOPED_TRACE(file);
    EXPECT_THAT(report, HasSubstr(absl::StrCat("](", file, ")")));
    const FigureShape shape = Shape(svg);
    EXPECT_EQ(shape.panels, 2);  // layers 1 and 2
    EXPECT_EQ(shape.series, 4);  // UC-NFC and C-NFC per layer
    EXPECT_GE(shape.bands, 4);   // a ± std band per series
  }
}

TEST(StudyReportTest, IsDeterministic) {
  Figures a, b;
  EXPECT_EQ(RenderStudyReport(GenericStudy(), &a),
            RenderStudyReport(GenericStudy(), &b));
  EXPECT_EQ(a, b);
}

// EARLY_ALIGNMENT: one grid point, three seeds, layers 1-3 over 5 epochs.
StudyResults EarlyStudy() {
  StudyResults results;
  results.study = ParseStudy(R"pb(name: "early" analysis: EARLY_ALIGNMENT)pb");
  for (int s = 0; s < 3; ++s) {
    const double o = 0.01 * s;
    MetricsTable t;
    AddCurve(&t, 0, "train_loss", {0.5, 0.4, 0.3, 0.2, 0.1});
    // Layer 1: C > UC at epoch 0 in every seed, gap 0.7 -> 0.05: holds.
    AddCurve(&t, 1, "uc_nfc", {0.2 + o, 0.4, 0.6, 0.8, 0.85 + o});
    AddCurve(&t, 1, "c_nfc", {0.9 + o, 0.9, 0.9, 0.9, 0.9 + o});
    // Layer 2: C > UC everywhere, but the gap grows 0.3 -> 0.7.
    AddCurve(&t, 2, "uc_nfc", {0.3 + o, 0.2, 0.2, 0.1, 0.1 + o});
    AddCurve(&t, 2, "c_nfc", {0.6 + o, 0.7, 0.8, 0.8, 0.8 + o});
    // Layer 3: seed 2 has C < UC at epoch 0; the gap closes (0.1 -> 0).
    AddCurve(&t, 3, "uc_nfc", {0.3, 0.3, 0.4, 0.5, 0.5});
    AddCurve(&t, 3, "c_nfc", {s == 2 ? 0.2 : 0.5, 0.5, 0.5, 0.5, 0.5});
    for (int l = 1; l <= 3; ++l) {
      AddCurve(&t, l, "weight_change",
               {0.01 * l, 0.1 * l, 0.2 * l, 0.3 * l, 0.4 * l + o});
    }
    results.runs.push_back(MakeRun({}, s, std::move(t)));
  }
  return results;
}

TEST(StudyReportTest, EarlyAlignmentTableRowsPerLayer) {
  const std::string report = RenderStudyReport(EarlyStudy(), nullptr);
  EXPECT_THAT(report, HasSubstr("## Claim 1: early alignment"));
  EXPECT_EQ(LineStartingWith(report, "| 1 |"),
            "| 1 | 0 | 0.210 ± 0.010 | 0.910 ± 0.010 | yes (3 of 3) | "
            "0.700 ± 0.000 | 4 | 0.050 ± 0.000 | yes |");
  EXPECT_EQ(LineStartingWith(report, "| 2 |"),
            "| 2 | 0 | 0.310 ± 0.010 | 0.610 ± 0.010 | yes (3 of 3) | "
            "0.300 ± 0.000 | 4 | 0.700 ± 0.000 | no |");
  // Layer 3: C-NFC {0.5, 0.5, 0.2}: mean 0.4, std sqrt(0.03) = 0.173.
  EXPECT_EQ(LineStartingWith(report, "| 3 |"),
            "| 3 | 0 | 0.300 ± 0.000 | 0.400 ± 0.173 | no (2 of 3) | "
            "0.100 ± 0.173 | 4 | 0.000 ± 0.000 | yes |");
}

TEST(StudyReportTest, EarlyAlignmentVerdictNamesPassingAndFailingLayers) {
  const std::string report = RenderStudyReport(EarlyStudy(), nullptr);
  EXPECT_THAT(
      report,
      HasSubstr("Claim 1 holds at layer 1; at layer 2 the gap did not close "
                "(mean C-NFC − UC-NFC 0.300 at epoch 0, 0.700 at epoch 4); "
                "at layer 3 C-NFC did not exceed UC-NFC at epoch 0 in every "
                "seed (2 of 3 seeds; mean C-NFC 0.400 vs UC-NFC 0.300).\n"));
}

TEST(StudyReportTest, EarlyAlignmentAllHoldAndNoneHold) {
  StudyResults results = EarlyStudy();
  StudyResults only_layer1 = results;
  StudyResults only_layer2 = results;
  for (RunRecord& run : only_layer1.runs) {
    MetricsTable t;
    for (const MetricsTable::Row& row : run.table.rows()) {
      if (row.layer <= 1) {
        t.AddForLayer(row.epoch, row.step, row.layer, row.measure, row.value);
      }
    }
    run.table = t;
  }
  for (RunRecord& run : only_layer2.runs) {
    MetricsTable t;
    for (const MetricsTable::Row& row : run.table.rows()) {
      if (row.layer != 1 && row.layer != 3) {
        t.AddForLayer(row.epoch, row.step, row.layer, row.measure, row.value);
      }
    }
    run.table = t;
  }
  EXPECT_THAT(RenderStudyReport(only_layer1, nullptr),
              HasSubstr("Claim 1 holds at every measured layer (layer 1).\n"));
  EXPECT_THAT(RenderStudyReport(only_layer2, nullptr),
              HasSubstr("Claim 1 holds at no measured layer: at layer 2 the "
                        "gap did not close"));
}

TEST(StudyReportTest, EarlyAlignmentWeightChangeFigure) {
  Figures figures;
  const std::string report = RenderStudyReport(EarlyStudy(), &figures);
  ASSERT_EQ(figures.size(), 2u);
  EXPECT_EQ(figures[0].first, "curves_base.svg");
  EXPECT_EQ(figures[1].first, "weight_change_base.svg");
  EXPECT_THAT(report, HasSubstr("](weight_change_base.svg)"));
  const FigureShape curves = Shape(figures[0].second);
  EXPECT_EQ(curves.panels, 3);
  EXPECT_EQ(curves.series, 6);
  const FigureShape weight = Shape(figures[1].second);
  EXPECT_EQ(weight.panels, 1);
  EXPECT_EQ(weight.series, 3);  // one per layer
  EXPECT_GE(weight.bands, 3);
}

constexpr char kClaim2[] = "## Claim 2";

// DATA_DISTRIBUTION: predicted/measured early layer-1 C-NFC per point.
StudyResults DataStudy(const std::vector<std::vector<double>>& predicted,
                       const std::vector<std::vector<double>>& measured) {
  StudyResults results;
  results.study = ParseStudy(R"pb(name: "data" analysis: DATA_DISTRIBUTION)pb");
  StudyConfig::Sweep* sweep = results.study.add_sweeps();
  sweep->set_name("noise");
  for (size_t p = 0; p < predicted.size(); ++p) {
    sweep->add_points()->set_label(absl::StrCat("n", p));
    for (size_t s = 0; s < predicted[p].size(); ++s) {
      MetricsTable t;
      t.AddForLayer(-1, 0, 1, "predicted_c_nfc", predicted[p][s]);
      t.Add(-1, 0, "train_loss", 1.0);
      AddCurve(&t, 0, "train_loss", {0.9, 0.5});
      AddCurve(&t, 1, "c_nfc", {measured[p][s], 0.3});
      AddCurve(&t, 1, "uc_nfc", {0.1, 0.2});
      results.runs.push_back(MakeRun({absl::StrCat("n", p)}, s, std::move(t)));
    }
  }
  return results;
}

TEST(StudyReportTest, DataDistributionPerfectlyLinearSweepCorrelatesToOne) {
  // Predicted 0.9 - 0.2 p + 0.02 s; measured = predicted - 0.1.
  std::vector<std::vector<double>> predicted, measured;
  for (int p = 0; p < 4; ++p) {
    predicted.push_back({0.9 - 0.2 * p, 0.92 - 0.2 * p});
    measured.push_back({0.8 - 0.2 * p, 0.82 - 0.2 * p});
  }
  Figures figures;
  const std::string report =
      RenderStudyReport(DataStudy(predicted, measured), &figures);
  EXPECT_EQ(LineStartingWith(report, "| `noise=n0`", kClaim2),
            "| `noise=n0` | 2 | 0.910 ± 0.014 | 0.810 ± 0.014 | "
            "-0.100 ± 0.000 |");
  EXPECT_THAT(report, HasSubstr("across the sweep: 1.000 over the 4 grid "
                                "points' means, 1.000 over the 8 individual "
                                "runs with both values."));
  ASSERT_EQ(figures.size(), 5u);  // 4 curves + the scatter
  EXPECT_EQ(figures[4].first, "predicted_vs_measured.svg");
  EXPECT_THAT(report, HasSubstr("](predicted_vs_measured.svg)"));
  const FigureShape scatter = Shape(figures[4].second);
  EXPECT_EQ(scatter.panels, 1);
  EXPECT_EQ(scatter.series, 5);  // one per grid point + y = x
}

TEST(StudyReportTest, DataDistributionHandComputedCorrelation) {
  // x = (0.1, 0.2, 0.3), y = (0.1, 0.3, 0.2): r = 0.5 exactly; and an
  // anti-correlated sweep gives -1.
  std::string report = RenderStudyReport(
      DataStudy({{0.1}, {0.2}, {0.3}}, {{0.1}, {0.3}, {0.2}}), nullptr);
  EXPECT_THAT(report, HasSubstr("across the sweep: 0.500 over the 3 grid "
                                "points' means, 0.500 over the 3 individual "
                                "runs"));
  EXPECT_EQ(LineStartingWith(report, "| `noise=n1`", kClaim2),
            "| `noise=n1` | 1 | 0.200 ± n/a | 0.300 ± n/a | 0.100 ± n/a |");
  report = RenderStudyReport(
      DataStudy({{0.1}, {0.2}, {0.4}}, {{0.9}, {0.8}, {0.6}}), nullptr);
  EXPECT_THAT(report, HasSubstr("across the sweep: -1.000 over the 3 grid"));
  // A single grid point has no correlation.
  report = RenderStudyReport(DataStudy({{0.5}}, {{0.4}}), nullptr);
  EXPECT_THAT(report, HasSubstr("across the sweep: undefined"));
}

// SLO_VS_SGD: SGD, SLO at layer 1, SLO at layer 2; two seeds.
StudyResults SloStudy() {
  StudyResults results;
  results.study = ParseStudy(R"pb(
    name: "slo_vs_sgd"
    analysis: SLO_VS_SGD
    sweeps {
      name: "optimizer"
      points { label: "sgd" set: "optimizer.name=sgd" }
      points {
        label: "slo_l1"
        set: "optimizer.name=slo"
        set: "optimizer.options={[type.googleapis.com/nfalab.SloOptions] { target_layers: 1 }}"
      }
      points {
        label: "slo_l2"
        set: "optimizer.name=slo"
        set: "optimizer.options={[type.googleapis.com/nfalab.SloOptions] { target_layers: 2 }}"
      }
    }
    seeds: [ 0, 1 ]
  )pb");
  struct Point {
    std::string label, config;
    std::vector<double> uc1, uc2, loss;
  };
  const std::vector<Point> points = {
      {"sgd",
       R"pb(optimizer { name: "sgd" })pb",
       {0.3, 0.4},
       {0.5, 0.5},
       {0.010, 0.012}},
      {"slo_l1",
       R"pb(optimizer {
              name: "slo"
              options {
                [type.googleapis.com/nfalab.SloOptions] { target_layers: 1 }
              }
            })pb",
       {0.7, 0.8},
       {0.2, 0.2},
       {0.015, 0.017}},
      {"slo_l2",
       R"pb(optimizer {
              name: "slo"
              options {
                [type.googleapis.com/nfalab.SloOptions] { target_layers: 2 }
              }
            })pb",
       {0.1, 0.1},
       {0.6, 0.6},
       {0.05, 0.05}},
  };
  for (const Point& p : points) {
    for (int s = 0; s < 2; ++s) {
      MetricsTable t;
      AddCurve(&t, 0, "train_loss", {0.5, p.loss[s]});
      AddCurve(&t, 0, "test_loss", {0.6, 2 * p.loss[s]});
      AddCurve(&t, 0, "test_accuracy", {0.1, 0.8 + 0.02 * s});
      for (int l = 1; l <= 3; ++l) {
        AddCurve(&t, l, "uc_nfc",
                 {0.1, l == 1   ? p.uc1[s]
                       : l == 2 ? p.uc2[s]
                                : 0.3});
        AddCurve(&t, l, "c_nfc", {0.9, 0.9});
      }
      results.runs.push_back(
          MakeRun({p.label}, s, std::move(t), ParseExperiment(p.config)));
    }
  }
  return results;
}

TEST(StudyReportTest, SloTableHasRowPerTargetLayerAndOptimizer) {
  const std::string report = RenderStudyReport(SloStudy(), nullptr);
  EXPECT_THAT(report, HasSubstr("| l* | optimizer | grid point | runs | "
                                "UC-NFC at l* | C-NFC at l* | train loss | "
                                "test loss | test accuracy |\n"));
  EXPECT_THAT(report,
              HasSubstr("| 1 | SLO | `optimizer=slo_l1` | 2 | 0.750 ± 0.071 | "
                        "0.900 ± 0.000 | 0.016 ± 0.001 | 0.032 ± 0.003 | "
                        "0.810 ± 0.014 |\n"
                        "| 1 | SGD | `optimizer=sgd` | 2 | 0.350 ± 0.071 | "
                        "0.900 ± 0.000 | 0.011 ± 0.001 | 0.022 ± 0.003 | "
                        "0.810 ± 0.014 |\n"
                        "| 2 | SLO | `optimizer=slo_l2` | 2 | 0.600 ± 0.000 | "
                        "0.900 ± 0.000 | 0.050 ± 0.000 | 0.100 ± 0.000 | "
                        "0.810 ± 0.014 |\n"
                        "| 2 | SGD | `optimizer=sgd` | 2 | 0.500 ± 0.000 | "));
  // Layer 3 is no SLO target: no rows for it.
  EXPECT_THAT(report, Not(HasSubstr("| 3 | SGD |")));
}

TEST(StudyReportTest, SloVerdictsPerTargetLayer) {
  const std::string report = RenderStudyReport(SloStudy(), nullptr);
  // Layer 1: 0.75 - 0.35 = 0.4 >= 0.2; 0.016 / 0.011 = 1.4545 <= 2.
  EXPECT_THAT(report,
              HasSubstr("- At layer 1 (SLO `optimizer=slo_l1` vs SGD "
                        "`optimizer=sgd`): ΔUC-NFC = SLO − SGD = 0.400 "
                        "(0.750 vs 0.350), ≥ 0.200; train-loss ratio SLO/SGD "
                        "= 1.455 (0.016 / 0.011), ≤ 2.000. Claim 3 holds at "
                        "layer 1.\n"));
  // Layer 2: 0.6 - 0.5 = 0.1 < 0.2; 0.05 / 0.011 = 4.545 > 2.
  EXPECT_THAT(report,
              HasSubstr("- At layer 2 (SLO `optimizer=slo_l2` vs SGD "
                        "`optimizer=sgd`): ΔUC-NFC = SLO − SGD = 0.100 "
                        "(0.600 vs 0.500), not ≥ 0.200; train-loss ratio "
                        "SLO/SGD = 4.545 (0.050 / 0.011), not ≤ 2.000. Claim "
                        "3 does not hold at layer 2: the UC-NFC gain is too "
                        "small and the training loss is too high.\n"));
}

TEST(StudyReportTest, SloComparesOnlyMatchingPointsOfOtherSweeps) {
  StudyResults base = SloStudy();
  StudyResults results;
  results.study = base.study;
  StudyConfig::Sweep* data = results.study.add_sweeps();
  data->set_name("data");
  data->add_points()->set_label("d1");
  data->mutable_points(0)->add_set("data.n_train=100");
  data->add_points()->set_label("d2");
  data->mutable_points(1)->add_set("data.n_train=200");
  for (const std::string d : {"d1", "d2"}) {
    for (RunRecord run : base.runs) {
      run.point_labels.push_back(d);
      results.runs.push_back(run);
    }
  }
  const std::string report = RenderStudyReport(results, nullptr);
  EXPECT_THAT(report, HasSubstr("(SLO `optimizer=slo_l1, data=d1` vs SGD "
                                "`optimizer=sgd, data=d1`)"));
  EXPECT_THAT(report, HasSubstr("(SLO `optimizer=slo_l1, data=d2` vs SGD "
                                "`optimizer=sgd, data=d2`)"));
  EXPECT_THAT(report, Not(HasSubstr("(SLO `optimizer=slo_l1, data=d1` vs SGD "
                                    "`optimizer=sgd, data=d2`)")));
}

// CONV_ALIGNMENT: one layer's UC-NFC and C-NFC at epochs 0 and 2 (epoch 1
// halfway), after an epoch -1 row (initialisation) that must not count as the
// first measurement.
void AddConvLayer(MetricsTable* table, int layer, double uc_first,
                  double uc_last, double c_first, double c_last) {
  table->AddForLayer(-1, 0, layer, "uc_nfc", 0.0);
  table->AddForLayer(-1, 0, layer, "c_nfc", 0.0);
  AddCurve(table, layer, "uc_nfc",
           {uc_first, (uc_first + uc_last) / 2, uc_last});
  AddCurve(table, layer, "c_nfc", {c_first, (c_first + c_last) / 2, c_last});
}

// Three seeds, added in reverse seed order (the report lists seed order).
// Per seed 0, 1, 2: (UC first, UC last, C first, C last).
// Layer 1: UC (0.1, 0.2, 0.3) -> (0.5, 0.6, 0.8); C (0.7, 0.9, 0.8) -> 0.9.
// Layer 2: UC (0.5, 0.6, 0.7) -> (0.2, 0.3, 0.3); C (0.3, 0.3, 0.4) -> 0.1.
// Layer 3 (not in seed 1): UC (0.2, -, 0.4) -> 0.3; C 0.3 -> (0.5, -, 0.6).
StudyResults ConvStudy() {
  StudyResults results;
  results.study = ParseStudy(R"pb(name: "conv" analysis: CONV_ALIGNMENT)pb");
  const double uc1[3][2] = {{0.1, 0.5}, {0.2, 0.6}, {0.3, 0.8}};
  const double c1[3][2] = {{0.7, 0.9}, {0.9, 0.9}, {0.8, 0.9}};
  const double uc2[3][2] = {{0.5, 0.2}, {0.6, 0.3}, {0.7, 0.3}};
  const double c2[3][2] = {{0.3, 0.1}, {0.3, 0.1}, {0.4, 0.1}};
  const double uc3[3][2] = {{0.2, 0.3}, {kNaN, kNaN}, {0.4, 0.3}};
  const double c3[3][2] = {{0.3, 0.5}, {kNaN, kNaN}, {0.3, 0.6}};
  for (int s = 2; s >= 0; --s) {
    MetricsTable t;
    AddCurve(&t, 0, "train_loss", {0.5, 0.4, 0.3});
    AddConvLayer(&t, 1, uc1[s][0], uc1[s][1], c1[s][0], c1[s][1]);
    AddConvLayer(&t, 2, uc2[s][0], uc2[s][1], c2[s][0], c2[s][1]);
    if (s != 1) AddConvLayer(&t, 3, uc3[s][0], uc3[s][1], c3[s][0], c3[s][1]);
    results.runs.push_back(MakeRun({}, s, std::move(t)));
  }
  return results;
}

constexpr char kConvSection[] = "## Alignment over training, per layer";
constexpr char kClaimA[] = "\nClaim A: C-NFC exceeds UC-NFC";
constexpr char kClaimB[] = "\nClaim B: UC-NFC rises";
constexpr char kClaimC[] = "\nClaim C: C-NFC at the last";

// Hand-computed 95% intervals, mean ± t * s / sqrt(n):
// - 3 seeds, t_{0.975, 2} = 4.303. Values (0.1, 0.2, 0.3): mean 0.2, s 0.1,
//   half-width 4.303 * 0.1 / sqrt(3) = 0.24843 -> [-0.048, 0.448]. Any
//   three values a, a, a + 0.1 (or a + 0.1, a, a) have s = 0.057735 and
//   half-width 4.303 * 0.057735 / sqrt(3) = 0.14343. (0.5, 0.6, 0.8): mean
//   0.63333, s = sqrt(0.046667 / 2) = 0.15275, half-width 0.37949 ->
//   [0.254, 1.013].
// - 2 seeds, t_{0.975, 1} = 12.706: (a, b) has half-width
//   12.706 * |a - b| / sqrt(2) / sqrt(2) = 6.353 |a - b|; (0.2, 0.4) ->
//   0.3 ± 1.2706; (0.5, 0.6) -> 0.55 ± 0.6353.
TEST(StudyReportTest, ConvAlignmentValueTableHasMeanIntervalAndPerSeedValues) {
  const std::string report = RenderStudyReport(ConvStudy(), nullptr);
  EXPECT_THAT(report, HasSubstr("- Analysis: CONV_ALIGNMENT\n"));
  EXPECT_THAT(report, HasSubstr("| layer | seeds | first epoch | UC-NFC "
                                "(first) | C-NFC (first) | last epoch | "
                                "UC-NFC (last) | C-NFC (last) |\n"));
  EXPECT_EQ(LineStartingWith(report, "| 1 |", kConvSection),
            "| 1 | 3 of 3 (seeds 0, 1, 2) | 0 | "
            "0.200 [-0.048, 0.448] (0.100, 0.200, 0.300) | "
            "0.800 [0.552, 1.048] (0.700, 0.900, 0.800) | 2 | "
            "0.633 [0.254, 1.013] (0.500, 0.600, 0.800) | "
            "0.900 [0.900, 0.900] (0.900, 0.900, 0.900) |");
  // C-NFC first (0.3, 0.3, 0.4): 0.33333 ± 0.14343.
  EXPECT_EQ(LineStartingWith(report, "| 2 |", kConvSection),
            "| 2 | 3 of 3 (seeds 0, 1, 2) | 0 | "
            "0.600 [0.352, 0.848] (0.500, 0.600, 0.700) | "
            "0.333 [0.190, 0.477] (0.300, 0.300, 0.400) | 2 | "
            "0.267 [0.123, 0.410] (0.200, 0.300, 0.300) | "
            "0.100 [0.100, 0.100] (0.100, 0.100, 0.100) |");
}

TEST(StudyReportTest, ConvAlignmentRunWithoutTheLayerIsLeftOutOfItsRows) {
  const std::string report = RenderStudyReport(ConvStudy(), nullptr);
  // Seed 1 has no layer 3: two seeds, t_{0.975, 1} = 12.706.
  EXPECT_EQ(LineStartingWith(report, "| 3 |", kConvSection),
            "| 3 | 2 of 3 (seeds 0, 2) | 0 | "
            "0.300 [-0.971, 1.571] (0.200, 0.400) | "
            "0.300 [0.300, 0.300] (0.300, 0.300) | 2 | "
            "0.300 [0.300, 0.300] (0.300, 0.300) | "
            "0.550 [-0.085, 1.185] (0.500, 0.600) |");
  EXPECT_THAT(LineStartingWith(report, "| 3 |", kClaimC),
              HasSubstr("| 3 | 2 of 3 (seeds 0, 2) | 0.200, 0.300 |"));
}

TEST(StudyReportTest, ConvAlignmentRunMissingAMeasurementIsLeftOut) {
  StudyResults results = ConvStudy();
  // Seed 0 (added last) stopped after epoch 1; seed 1's layer-2 C-NFC is
  // undefined at epoch 0.
  MetricsTable stopped, undefined;
  for (const MetricsTable::Row& row : results.runs[2].table.rows()) {
    if (row.epoch <= 1) {
      stopped.AddForLayer(row.epoch, row.step, row.layer, row.measure,
                          row.value);
    }
  }
  for (const MetricsTable::Row& row : results.runs[1].table.rows()) {
    const bool nan = row.layer == 2 && row.measure == "c_nfc" && row.epoch == 0;
    undefined.AddForLayer(row.epoch, row.step, row.layer, row.measure,
                          nan ? kNaN : row.value);
  }
  results.runs[2].table = stopped;
  results.runs[1].table = undefined;
  // Layer 4 has UC-NFC but no C-NFC (in seed 2 only): no seed enters it.
  AddCurve(&results.runs[0].table, 4, "uc_nfc", {0.1, 0.2, 0.3});
  const std::string report = RenderStudyReport(results, nullptr);
  // The last epoch is still 2 (the other runs reach it).
  EXPECT_THAT(LineStartingWith(report, "| 1 |", kConvSection),
              HasSubstr("| 1 | 2 of 3 (seeds 1, 2) | 0 | "
                        "0.250 [-0.385, 0.885] (0.200, 0.300) |"));
  EXPECT_THAT(LineStartingWith(report, "| 2 |", kConvSection),
              HasSubstr("| 2 | 1 of 3 (seed 2) | 0 | 0.700 [n/a] (0.700) |"));
  EXPECT_THAT(LineStartingWith(report, "| 3 |", kConvSection),
              HasSubstr("| 3 | 1 of 3 (seed 2) | 0 | 0.400 [n/a] (0.400) |"));
  EXPECT_EQ(LineStartingWith(report, "| 4 |", kConvSection),
            "| 4 | 0 of 3 | n/a | n/a | n/a | n/a | n/a | n/a |");
  EXPECT_EQ(LineStartingWith(report, "| 4 |", kClaimA),
            "| 4 | 0 of 3 | n/a | n/a | inconclusive (no seed: no interval) |");
  EXPECT_THAT(report, HasSubstr("- Claim A: inconclusive at layers 1-4.\n"));
}

TEST(StudyReportTest, ConvAlignmentClaimTablesAndVerdicts) {
  const std::string report = RenderStudyReport(ConvStudy(), nullptr);
  EXPECT_THAT(report,
              HasSubstr("\nClaim A: C-NFC exceeds UC-NFC at the first "
                        "measurement. d = C-NFC − UC-NFC at the first "
                        "epoch.\n\n| layer | seeds | d per seed | mean d [95% "
                        "CI] | verdict |\n"));
  // A, layer 1: d = (0.6, 0.7, 0.5): 0.6 ± 0.24843, above 0.
  EXPECT_EQ(LineStartingWith(report, "| 1 |", kClaimA),
            "| 1 | 3 of 3 (seeds 0, 1, 2) | 0.600, 0.700, 0.500 | "
            "0.600 [0.352, 0.848] | supported: C-NFC > UC-NFC |");
  // A, layer 2: d = (-0.2, -0.3, -0.3): -0.26667 ± 0.14343, below 0.
  EXPECT_EQ(LineStartingWith(report, "| 2 |", kClaimA),
            "| 2 | 3 of 3 (seeds 0, 1, 2) | -0.200, -0.300, -0.300 | "
            "-0.267 [-0.410, -0.123] | not supported: UC-NFC > C-NFC |");
  // A, layer 3: d = (0.1, -0.1): 0 ± 12.706 * 0.1 = 1.2706.
  EXPECT_EQ(LineStartingWith(report, "| 3 |", kClaimA),
            "| 3 | 2 of 3 (seeds 0, 2) | 0.100, -0.100 | "
            "0.000 [-1.271, 1.271] | inconclusive: CI contains 0 |");
  // B, layer 1: d = (0.4, 0.4, 0.5): 0.43333 ± 0.14343.
  EXPECT_EQ(LineStartingWith(report, "| 1 |", kClaimB),
            "| 1 | 3 of 3 (seeds 0, 1, 2) | 0.400, 0.400, 0.500 | "
            "0.433 [0.290, 0.577] | supported: UC-NFC rises |");
  // B, layer 2: d = (-0.3, -0.3, -0.4): -0.33333 ± 0.14343.
  EXPECT_EQ(LineStartingWith(report, "| 2 |", kClaimB),
            "| 2 | 3 of 3 (seeds 0, 1, 2) | -0.300, -0.300, -0.400 | "
            "-0.333 [-0.477, -0.190] | not supported: UC-NFC falls |");
  EXPECT_EQ(LineStartingWith(report, "| 3 |", kClaimB),
            "| 3 | 2 of 3 (seeds 0, 2) | 0.100, -0.100 | "
            "0.000 [-1.271, 1.271] | inconclusive: no detectable change (CI "
            "contains 0) |");
  // C, layer 1: d = (0.2, 0, 0.1): 0.1 ± 0.24843, contains 0.
  EXPECT_EQ(LineStartingWith(report, "| 1 |", kClaimC),
            "| 1 | 3 of 3 (seeds 0, 1, 2) | 0.200, 0.000, 0.100 | "
            "0.100 [-0.148, 0.348] | inconclusive: no detectable change (CI "
            "contains 0) |");
  // C, layer 2: d = (-0.2, -0.2, -0.3): -0.23333 ± 0.14343.
  EXPECT_EQ(LineStartingWith(report, "| 2 |", kClaimC),
            "| 2 | 3 of 3 (seeds 0, 1, 2) | -0.200, -0.200, -0.300 | "
            "-0.233 [-0.377, -0.090] | not supported: C-NFC falls |");
  // C, layer 3: d = (0.2, 0.3): 0.25 ± 6.353 * 0.1 = 0.6353, contains 0 (a
  // z interval, 0.25 ± 0.098, or t with df 2, 0.25 ± 0.215, would not).
  EXPECT_EQ(LineStartingWith(report, "| 3 |", kClaimC),
            "| 3 | 2 of 3 (seeds 0, 2) | 0.200, 0.300 | "
            "0.250 [-0.385, 0.885] | inconclusive: no detectable change (CI "
            "contains 0) |");
}

TEST(StudyReportTest, ConvAlignmentCNfcRiseIsSupported) {
  // Layer 2's C-NFC ends at 0.9 instead of 0.1: d = 0.9 - (0.3, 0.3, 0.4) =
  // (0.6, 0.6, 0.5), 0.56667 ± 0.14343, above 0.
  StudyResults results = ConvStudy();
  for (RunRecord& run : results.runs) {
    MetricsTable t;
    for (const MetricsTable::Row& row : run.table.rows()) {
      const bool last =
          row.layer == 2 && row.measure == "c_nfc" && row.epoch == 2;
      t.AddForLayer(row.epoch, row.step, row.layer, row.measure,
                    last ? 0.9 : row.value);
    }
    run.table = t;
  }
  const std::string report = RenderStudyReport(results, nullptr);
  EXPECT_EQ(LineStartingWith(report, "| 2 |", kClaimC),
            "| 2 | 3 of 3 (seeds 0, 1, 2) | 0.600, 0.600, 0.500 | "
            "0.567 [0.423, 0.710] | supported: C-NFC rises |");
  EXPECT_THAT(report, HasSubstr("- Claim C: supported at layer 2, "
                                "inconclusive at layers 1, 3.\n"));
}

TEST(StudyReportTest, ConvAlignmentOneSeedHasNoIntervalAndNoVerdict) {
  StudyResults results = ConvStudy();
  results.runs.erase(results.runs.begin(), results.runs.begin() + 2);
  ASSERT_EQ(results.runs.size(), 1u);  // seed 0
  const std::string report = RenderStudyReport(results, nullptr);
  EXPECT_EQ(LineStartingWith(report, "| 1 |", kConvSection),
            "| 1 | 1 of 1 (seed 0) | 0 | 0.100 [n/a] (0.100) | "
            "0.700 [n/a] (0.700) | 2 | 0.500 [n/a] (0.500) | "
            "0.900 [n/a] (0.900) |");
  EXPECT_EQ(LineStartingWith(report, "| 1 |", kClaimA),
            "| 1 | 1 of 1 (seed 0) | 0.600 | 0.600 [n/a] | "
            "inconclusive (one seed: no interval) |");
  EXPECT_THAT(report, HasSubstr("- Claim A: inconclusive at layers 1-3.\n"
                                "- Claim B: inconclusive at layers 1-3.\n"
                                "- Claim C: inconclusive at layers 1-3.\n"));
}

TEST(StudyReportTest, ConvAlignmentSummaryLinesListLayersPerVerdict) {
  const std::string report = RenderStudyReport(ConvStudy(), nullptr);
  EXPECT_THAT(report,
              HasSubstr("\n- Claim A: supported at layer 1, not supported at "
                        "layer 2, inconclusive at layer 3.\n"
                        "- Claim B: supported at layer 1, not supported at "
                        "layer 2, inconclusive at layer 3.\n"
                        "- Claim C: not supported at layer 2, inconclusive "
                        "at layers 1, 3.\n"));
}

TEST(StudyReportTest, ConvAlignmentSummaryGroupsConsecutiveLayers) {
  // Eight layers: C-NFC above UC-NFC by (0.6, 0.7, 0.5) at layers 1-6, by
  // (0.1, -0.1, 0) at layers 7 and 8.
  StudyResults results;
  results.study = ParseStudy(R"pb(name: "vgg" analysis: CONV_ALIGNMENT)pb");
  const double uc[3] = {0.1, 0.2, 0.3};
  const double strong[3] = {0.7, 0.9, 0.8};
  const double weak[3] = {0.2, 0.1, 0.3};
  for (int s = 0; s < 3; ++s) {
    MetricsTable t;
    for (int layer = 1; layer <= 8; ++layer) {
      AddConvLayer(&t, layer, uc[s], uc[s] + 0.1 * layer,
                   layer <= 6 ? strong[s] : weak[s], 0.9);
    }
    results.runs.push_back(MakeRun({}, s, std::move(t)));
  }
  const std::string report = RenderStudyReport(results, nullptr);
  EXPECT_THAT(report, HasSubstr("\n- Claim A: supported at layers 1-6, "
                                "inconclusive at layers 7, 8.\n"
                                "- Claim B: supported at layers 1-8.\n"
                                "- Claim C: supported at layers 7, 8, "
                                "inconclusive at layers 1-6.\n"));
}

TEST(StudyReportTest, ConvAlignmentPerGridPointWithCurvesFigure) {
  StudyResults results = ConvStudy();
  StudyConfig::Sweep* sweep = results.study.add_sweeps();
  sweep->set_name("width");
  sweep->add_points()->set_label("w1");
  sweep->add_points()->set_label("w2");
  std::vector<RunRecord> runs;
  for (const std::string label : {"w1", "w2"}) {
    for (RunRecord run : results.runs) {
      run.point_labels = {label};
      runs.push_back(run);
    }
  }
  results.runs = runs;
  Figures figures;
  const std::string report = RenderStudyReport(results, &figures);
  ASSERT_EQ(figures.size(), 2u);  // no figure twice
  EXPECT_EQ(figures[0].first, "curves_w1.svg");
  EXPECT_EQ(figures[1].first, "curves_w2.svg");
  EXPECT_EQ(Shape(figures[0].second).panels, 3);
  const size_t section = report.find(kConvSection);
  ASSERT_NE(section, std::string::npos);
  const size_t w1 = report.find("### `width=w1`", section);
  const size_t w2 = report.find("### `width=w2`", section);
  ASSERT_NE(w1, std::string::npos);
  ASSERT_NE(w2, std::string::npos);
  EXPECT_LT(report.find("[curves_w1.svg](curves_w1.svg)", w1), w2);
  EXPECT_NE(report.find("[curves_w2.svg](curves_w2.svg)", w2),
            std::string::npos);
  // Each point has its own claim tables and summary.
  EXPECT_LT(report.find("- Claim C: ", w1), w2);
  EXPECT_NE(report.find("- Claim C: ", w2), std::string::npos);
}

TEST(StudyReportTest, WriteStudyReportWritesReportAndFigures) {
  const std::string dir = ::testing::TempDir() + "/study_report/out";
  ASSERT_THAT(WriteStudyReport(EarlyStudy(), dir), IsOk());
  Figures figures;
  const std::string expected = RenderStudyReport(EarlyStudy(), &figures);
  absl::StatusOr<std::string> report = ReadFile(dir + "/report.md");
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(*report, expected);
  for (const auto& [file, svg] : figures) {
    absl::StatusOr<std::string> written = ReadFile(dir + "/" + file);
    ASSERT_THAT(written, IsOk());
    EXPECT_EQ(*written, svg);
  }
}

}  // namespace
}  // namespace nfalab
