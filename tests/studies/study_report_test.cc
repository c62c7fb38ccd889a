// RenderStudyReport / WriteStudyReport on hand-made StudyResults whose
// means, sample stds, verdicts and correlations are known in closed form.
#include "studies/study_report.h"

#include <algorithm>
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
#include "studies/study_analysis.h"
#include "studies/study_results.h"
#include "tests/report/svg_scan.h"
#include "tests/status_matchers.h"
#include "tests/studies/hand_made_results.h"

namespace nfalab {
namespace {

using ::nfalab::testing::IsOk;
using ::nfalab::testing::ParseXml;
using ::nfalab::testing::StatusIs;
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

constexpr char kEarlyA[] = "\nClaim A: C-NFC exceeds UC-NFC";
constexpr char kEarlyB[] = "\nClaim B: UC-NFC rises";
constexpr char kEarlyC[] = "\nClaim C: C-NFC falls";
constexpr char kEarlyD[] = "\nClaim D: the gap";

TEST(StudyReportTest, EarlyAlignmentEndpointsPerLayer) {
  const std::string report = RenderStudyReport(EarlyStudy(), nullptr);
  EXPECT_THAT(report, HasSubstr("## Claim 1: early alignment"));
  // Layer 1: UC-NFC (0.20, 0.21, 0.22), s = 0.01, half-width
  // 4.303 * 0.01 / sqrt(3) = 0.02484.
  EXPECT_EQ(LineStartingWith(report, "| 1 |", "## Claim 1"),
            "| 1 | 3 of 3 (seeds 0, 1, 2) | 0 | 0.210 [0.185, 0.235] (0.200, "
            "0.210, 0.220) | 0.910 [0.885, 0.935] (0.900, 0.910, 0.920) | 4 | "
            "0.860 [0.835, 0.885] (0.850, 0.860, 0.870) | 0.910 [0.885, "
            "0.935] (0.900, 0.910, 0.920) |");
}

// Per-seed d of each claim (o = 0.01 s cancels in every difference):
// layer 1: A 0.7, B 0.65, C 0, D 0.65 (constant: a zero-width interval);
// layer 2: A 0.3, B -0.2, C -0.2, D -0.4;
// layer 3: A (0.2, 0.2, -0.1), B 0.2, C (0, 0, -0.3), D = A. Mean 0.1 (C:
// -0.1), s = sqrt(0.03), half-width 4.303 * sqrt(0.03) / sqrt(3) = 0.4303.
TEST(StudyReportTest, EarlyAlignmentClaimTablesSeparateUcRiseFromCFall) {
  const std::string report = RenderStudyReport(EarlyStudy(), nullptr);
  EXPECT_THAT(report,
              HasSubstr("\nClaim B: UC-NFC rises from the first to the last "
                        "measurement. d = UC-NFC(last) − UC-NFC(first); "
                        "supported if the 95% CI of mean d lies above θ = "
                        "0.000 (min_uc_rise).\n"));
  EXPECT_EQ(LineStartingWith(report, "| 1 |", kEarlyA),
            "| 1 | 3 of 3 (seeds 0, 1, 2) | 0.700, 0.700, 0.700 | "
            "0.700 [0.700, 0.700] | supported: C-NFC > UC-NFC |");
  EXPECT_EQ(LineStartingWith(report, "| 3 |", kEarlyA),
            "| 3 | 3 of 3 (seeds 0, 1, 2) | 0.200, 0.200, -0.100 | "
            "0.100 [-0.330, 0.530] | inconclusive: no detectable difference "
            "from θ (CI contains 0.000) |");
  EXPECT_EQ(LineStartingWith(report, "| 2 |", kEarlyB),
            "| 2 | 3 of 3 (seeds 0, 1, 2) | -0.200, -0.200, -0.200 | "
            "-0.200 [-0.200, -0.200] | not supported: UC-NFC does not rise |");
  EXPECT_EQ(LineStartingWith(report, "| 1 |", kEarlyC),
            "| 1 | 3 of 3 (seeds 0, 1, 2) | 0.000, 0.000, 0.000 | "
            "0.000 [0.000, 0.000] | inconclusive: no detectable difference "
            "from θ (CI contains 0.000) |");
  EXPECT_EQ(LineStartingWith(report, "| 3 |", kEarlyC),
            "| 3 | 3 of 3 (seeds 0, 1, 2) | 0.000, 0.000, -0.300 | "
            "-0.100 [-0.530, 0.330] | inconclusive: no detectable difference "
            "from θ (CI contains 0.000) |");
  EXPECT_EQ(LineStartingWith(report, "| 2 |", kEarlyD),
            "| 2 | 3 of 3 (seeds 0, 1, 2) | -0.400, -0.400, -0.400 | "
            "-0.400 [-0.400, -0.400] | not supported: the gap does not "
            "close |");
  EXPECT_THAT(report, HasSubstr("Verdicts:\n\n"
                                "- Claim A: supported at layers 1, 2, "
                                "inconclusive at layer 3.\n"
                                "- Claim B: supported at layers 1, 3, not "
                                "supported at layer 2.\n"
                                "- Claim C: not supported at layer 2, "
                                "inconclusive at layers 1, 3.\n"
                                "- Claim D: supported at layer 1, not "
                                "supported at layer 2, inconclusive at layer "
                                "3.\n"));
}

TEST(StudyReportTest, EarlyAlignmentThresholdsComeFromTheStudyConfig) {
  StudyResults results = EarlyStudy();
  results.study = ParseStudy(R"pb(
    name: "early"
    analyses {
      name: "early_alignment"
      options {
        [type.googleapis.com/nfalab.EarlyAlignmentOptions] { min_uc_rise: 0.5 }
      }
    }
  )pb");
  const std::string report = RenderStudyReport(results, nullptr);
  EXPECT_THAT(report, HasSubstr("lies above θ = 0.500 (min_uc_rise).\n"));
  // Layer 3's rise of 0.2 is now below θ; layer 1's 0.65 is above.
  EXPECT_EQ(LineStartingWith(report, "| 3 |", kEarlyB),
            "| 3 | 3 of 3 (seeds 0, 1, 2) | 0.200, 0.200, 0.200 | "
            "0.200 [0.200, 0.200] | not supported: UC-NFC does not rise |");
  EXPECT_THAT(report, HasSubstr("- Claim B: supported at layer 1, not "
                                "supported at layers 2, 3.\n"));
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

// DATA_DISTRIBUTION: three grid points, two seeds (s = 0, 1). After
// epoch 0, layer 1's C-NFC is (0.9, 0.8, 0.6) + 0.01 s and layer 2's
// (0.5, 0.6, 0.7) + 0.02 s. At epoch -1, layer 1: the closed form is the
// measured value - 0.1 (r = 1 in each seed) and the G0/K0 predictor
// (0.5, 0.7, 0.6) in both seeds: with the measured values, deviations
// (0.1333, 0.0333, -0.1667) and (-0.1, 0.1, 0), r = -0.01 /
// sqrt(0.046667 * 0.02) = -0.327 in each seed.
StudyResults DataStudy(int num_points = 3, const std::string& options = "") {
  StudyResults results;
  results.study = ParseStudy(
      options.empty()
          ? R"pb(name: "data" analysis: DATA_DISTRIBUTION)pb"
          : absl::StrCat("name: 'data' analyses { name: 'data_distribution' "
                         "options { [type.googleapis.com/"
                         "nfalab.DataDistributionOptions] { ",
                         options, " } } }"));
  StudyConfig::Sweep* sweep = results.study.add_sweeps();
  sweep->set_name("noise");
  const double layer1[] = {0.9, 0.8, 0.6}, layer2[] = {0.5, 0.6, 0.7};
  const double predictor[] = {0.5, 0.7, 0.6};
  for (int p = 0; p < num_points; ++p) {
    sweep->add_points()->set_label(absl::StrCat("n", p));
    for (int s = 0; s < 2; ++s) {
      const double measured = layer1[p] + 0.01 * s;
      MetricsTable t;
      t.AddForLayer(-1, 0, 1, "predicted_c_nfc", predictor[p]);
      t.AddForLayer(-1, 0, 1, "closed_form_c_nfc", measured - 0.1);
      t.Add(-1, 0, "train_loss", 1.0);
      AddCurve(&t, 0, "train_loss", {0.9, 0.5});
      AddCurve(&t, 1, "c_nfc", {measured, 0.3});
      AddCurve(&t, 1, "uc_nfc", {0.1, 0.2});
      AddCurve(&t, 2, "c_nfc", {layer2[p] + 0.02 * s, 0.3});
      AddCurve(&t, 2, "uc_nfc", {0.1, 0.2});
      results.runs.push_back(MakeRun({absl::StrCat("n", p)}, s, std::move(t)));
    }
  }
  return results;
}

TEST(StudyReportTest, DataDistributionTableHasBothPredictionsPerPoint) {
  Figures figures;
  const std::string report = RenderStudyReport(DataStudy(), &figures);
  // Measured (0.9, 0.91): half-width 6.353 * 0.01 = 0.0635.
  EXPECT_EQ(LineStartingWith(report, "| `noise=n0`", kClaim2),
            "| `noise=n0` | 2 | 0.905 [0.841, 0.969] | 0.500 [0.500, 0.500] "
            "| 0.805 [0.741, 0.869] | 0.100 [0.100, 0.100] |");
  EXPECT_EQ(LineStartingWith(report, "| `noise=n2`", "every layer:"),
            "| `noise=n2` | 0.605 [0.541, 0.669] | 0.710 [0.583, 0.837] |");
  ASSERT_EQ(figures.size(), 4u);  // 3 curves + the scatter
  EXPECT_EQ(figures[3].first, "predicted_vs_measured.svg");
  const FigureShape scatter = Shape(figures[3].second);
  EXPECT_EQ(scatter.panels, 1);
  EXPECT_EQ(scatter.series, 3);  // two predictions + y = x
}

TEST(StudyReportTest, DataDistributionClaimsPerSeed) {
  const std::string report = RenderStudyReport(DataStudy(), nullptr);
  EXPECT_EQ(LineStartingWith(report, "| 1 |", "\nClaim 2a:"),
            "| 1 | 2 of 2 (seeds 0, 1) | 1.000, 1.000 | 1.000 [1.000, 1.000] "
            "| supported: tracks |");
  EXPECT_EQ(LineStartingWith(report, "| 1 |", "\nClaim 2b:"),
            "| 1 | 2 of 2 (seeds 0, 1) | -0.327, -0.327 | -0.327 [-0.327, "
            "-0.327] | not supported: does not track |");
  // 2c: layer 1 changes by -0.3, layer 2 by +0.2, in both seeds.
  EXPECT_EQ(LineStartingWith(report, "| 1 |", "\nClaim 2c:"),
            "| 1 | 2 of 2 (seeds 0, 1) | -0.300, -0.300 | -0.300 [-0.300, "
            "-0.300] | supported: falls |");
  EXPECT_EQ(LineStartingWith(report, "| 2 |", "\nClaim 2c:"),
            "| 2 | 2 of 2 (seeds 0, 1) | 0.200, 0.200 | 0.200 [0.200, 0.200] "
            "| not supported: rises |");
  EXPECT_THAT(report, HasSubstr("Verdicts:\n\n- Claim 2a: supported.\n"
                                "- Claim 2b: not supported.\n"
                                "- Claim 2c: supported at layer 1, not "
                                "supported at layer 2.\n"));
}

TEST(StudyReportTest, DataDistributionThresholdComesFromTheStudyConfig) {
  const std::string report = RenderStudyReport(
      DataStudy(3, "min_tracking_correlation: -0.5"), nullptr);
  EXPECT_THAT(report, HasSubstr("lies above θ = -0.500 "
                                "(min_tracking_correlation in the study "
                                "config).\n"));
  EXPECT_THAT(report, HasSubstr("- Claim 2b: supported.\n"));
  EXPECT_THAT(
      CreateStudyAnalyses(DataStudy(3, "min_tracking_correlation: 1.5").study)
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("min_tracking_correlation must be in [-1, "
                         "1], got 1.5")));
}

TEST(StudyReportTest, DataDistributionTrackingNeedsThreeGridPoints) {
  const std::string report = RenderStudyReport(DataStudy(2), nullptr);
  EXPECT_THAT(report, HasSubstr("Claims 2a and 2b need at least three grid "
                                "points; this study has 2.\n"));
  EXPECT_THAT(report, HasSubstr("- Claim 2c: supported at layer 1, not "
                                "supported at layer 2.\n"));
}

// SLO_VS_SGD: SGD, SLO at layer 1, SLO at layer 2; two seeds.
// SLO_VS_SGD: two SGD points (sgd_a worse on test loss than sgd, the
// reference) and SLO at l* = 1 and 2, two seeds, layers 1-3. Final values
// per seed:
//   point   UC-NFC(1)   UC-NFC(2)  C-NFC(1)  train loss (test loss = 2x)
//   sgd_a   0.2, 0.2    0.5, 0.5   0.9       0.020, 0.022
//   sgd     0.3, 0.4    0.5, 0.5   0.9       0.010, 0.012
//   slo_l1  0.7, 0.8    0.2, 0.2   0.92      0.015, 0.017
//   slo_l2  0.1, 0.1    0.6, 0.6   0.9       0.050, 0.050
// UC-NFC(3) is 0.3 and C-NFC 0.9 elsewhere.
StudyResults SloStudy() {
  StudyResults results;
  results.study = ParseStudy(R"pb(
    name: "slo_vs_sgd"
    analysis: SLO_VS_SGD
    sweeps {
      name: "optimizer"
      points {
        label: "sgd_a"
        set: "optimizer.name=sgd"
        set: "optimizer.learning_rate=1"
      }
      points { label: "sgd" set: "optimizer.name=sgd" }
      points {
        label: "slo_l1"
        set: "optimizer.name=slo"
        set: "optimizer.options={[type.googleapis.com/nfalab.SloOptions] { target_layers: 1 }}"
      }
      points {
        label: "slo_l2"
        set: "optimizer.name=slo"
        set: "optimizer.options={[type.googleapis.com/nfalab.SloOptions] { target_layers: 2 mode: SCALED base_speed: 1 target_speed: 8 }}"
      }
    }
    seeds: [ 0, 1 ]
  )pb");
  struct Point {
    std::string label, config;
    std::vector<double> uc1, uc2;
    double c1;
    std::vector<double> loss;
  };
  const std::vector<Point> points = {
      {"sgd_a",
       R"pb(optimizer { name: "sgd" learning_rate: 1 })pb",
       {0.2, 0.2},
       {0.5, 0.5},
       0.9,
       {0.020, 0.022}},
      {"sgd",
       R"pb(optimizer { name: "sgd" learning_rate: 2 })pb",
       {0.3, 0.4},
       {0.5, 0.5},
       0.9,
       {0.010, 0.012}},
      {"slo_l1",
       R"pb(optimizer {
              name: "slo"
              learning_rate: 0.5
              options {
                [type.googleapis.com/nfalab.SloOptions] { target_layers: 1 }
              }
            })pb",
       {0.7, 0.8},
       {0.2, 0.2},
       0.92,
       {0.015, 0.017}},
      {"slo_l2",
       R"pb(optimizer {
              name: "slo"
              learning_rate: 2
              options {
                [type.googleapis.com/nfalab.SloOptions] {
                  target_layers: 2
                  mode: SCALED
                  base_speed: 1
                  target_speed: 8
                }
              }
            })pb",
       {0.1, 0.1},
       {0.6, 0.6},
       0.9,
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
        AddCurve(&t, l, "c_nfc", {0.9, l == 1 ? p.c1 : 0.9});
        AddCurve(&t, l, "weight_change", {0.01, 0.1 * l});
      }
      results.runs.push_back(
          MakeRun({p.label}, s, std::move(t), ParseExperiment(p.config)));
    }
  }
  return results;
}

constexpr char kClaim3a[] = "\nClaim 3a:";
constexpr char kClaim3c[] = "\nClaim 3c:";
constexpr char kClaim3d[] = "\nClaim 3d:";

TEST(StudyReportTest, SloPointTableDescribesEachOptimizer) {
  const std::string report = RenderStudyReport(SloStudy(), nullptr);
  EXPECT_THAT(report, HasSubstr("| grid point | optimizer | runs | train loss "
                                "| test loss | test accuracy |\n"));
  // Train loss (0.010, 0.012): mean 0.011, half-width 6.353 * 0.002 = 0.0127.
  EXPECT_THAT(report, HasSubstr("| `optimizer=sgd` | SGD, lr 2.000 | 2 | "
                                "0.011 [-0.002, 0.024] | "));
  EXPECT_THAT(report, HasSubstr("| `optimizer=slo_l1` | SLO normalized, l* = "
                                "1, step length 0.500 at l*, 0.050 elsewhere "
                                "| 2 |"));
  EXPECT_THAT(report, HasSubstr("| `optimizer=slo_l2` | SGD with layer 2's lr "
                                "× 8.000 (SLO scaled, speeds 8.000 / 1), lr "
                                "2.000 | 2 |"));
}

TEST(StudyReportTest, SloEveryLayerTableHasUcCAndWeightChange) {
  const std::string report = RenderStudyReport(SloStudy(), nullptr);
  const std::string layer2 =
      "\nLayer 2:\n\n| grid point | UC-NFC | C-NFC | "
      "‖ΔW‖/‖W‖ |\n";
  ASSERT_THAT(report, HasSubstr(layer2));
  EXPECT_EQ(LineStartingWith(report, "| `optimizer=slo_l1`", layer2),
            "| `optimizer=slo_l1` | 0.200 [0.200, 0.200] | 0.900 [0.900, "
            "0.900] | 0.200 [0.200, 0.200] |");
}

TEST(StudyReportTest, SloClaimsArePairedBySeedAgainstTheBestSgd) {
  const std::string report = RenderStudyReport(SloStudy(), nullptr);
  EXPECT_THAT(report, HasSubstr("Reference SGD: `optimizer=sgd` (lowest mean "
                                "final test loss).\n"));
  // 3a: l1 (0.4, 0.4) above 0.2; l2 (0.1, 0.1) below.
  EXPECT_EQ(LineStartingWith(report, "| `optimizer=slo_l1` (l* = 1)", kClaim3a),
            "| `optimizer=slo_l1` (l* = 1) | 2 of 2 (seeds 0, 1) | 0.400, "
            "0.400 | 0.400 [0.400, 0.400] | supported: UC-NFC gain > θ |");
  EXPECT_EQ(LineStartingWith(report, "| `optimizer=slo_l2` (l* = 2)", kClaim3a),
            "| `optimizer=slo_l2` (l* = 2) | 2 of 2 (seeds 0, 1) | 0.100, "
            "0.100 | 0.100 [0.100, 0.100] | not supported: UC-NFC gain < θ |");
  // 3c, l1: (1.5, 1.41667), mean 1.45833, half-width
  // 12.706 * 0.058926 / sqrt(2) = 0.52942: below 2. l2: (5, 4.16667), mean
  // 4.58333 ± 5.29417 = [-0.711, 9.8775] (its binary value rounds down):
  // contains 2.
  EXPECT_EQ(LineStartingWith(report, "| `optimizer=slo_l1` (l* = 1)", kClaim3c),
            "| `optimizer=slo_l1` (l* = 1) | 2 of 2 (seeds 0, 1) | 1.500, "
            "1.417 | 1.458 [0.929, 1.988] | supported: loss ratio < θ |");
  EXPECT_EQ(LineStartingWith(report, "| `optimizer=slo_l2` (l* = 2)", kClaim3c),
            "| `optimizer=slo_l2` (l* = 2) | 2 of 2 (seeds 0, 1) | 5.000, "
            "4.167 | 4.583 [-0.711, 9.877] | inconclusive: CI contains θ |");
  // 3d, slo_l2 at layer 1: (-0.2, -0.3), -0.25 ± 6.353 * 0.1.
  EXPECT_EQ(
      LineStartingWith(report, "| `optimizer=slo_l2` at layer 1", kClaim3d),
      "| `optimizer=slo_l2` at layer 1 | 2 of 2 (seeds 0, 1) | -0.200, "
      "-0.300 | -0.250 [-0.885, 0.385] | inconclusive: no detectable "
      "difference (CI contains 0) |");
  EXPECT_THAT(
      report,
      HasSubstr("Verdicts:\n\n"
                "- Claim 3a: supported for `optimizer=slo_l1` (l* = 1); not "
                "supported for `optimizer=slo_l2` (l* = 2).\n"
                "- Claim 3b: supported for `optimizer=slo_l1` (l* = 1); "
                "inconclusive for `optimizer=slo_l2` (l* = 2).\n"
                "- Claim 3c: supported for `optimizer=slo_l1` (l* = 1); "
                "inconclusive for `optimizer=slo_l2` (l* = 2).\n"
                "- Claim 3d: supported for `optimizer=slo_l1` at layer 2; "
                "inconclusive for `optimizer=slo_l1` at layer 3, "
                "`optimizer=slo_l2` at layer 1, `optimizer=slo_l2` at layer "
                "3.\n"));
}

TEST(StudyReportTest, SloSeedsWithoutAPartnerAreLeftOut) {
  StudyResults results = SloStudy();
  // Drop the reference's seed 1: every comparison has seed 0 only.
  results.runs.erase(std::remove_if(results.runs.begin(), results.runs.end(),
                                    [](const RunRecord& run) {
                                      return run.point_labels[0] == "sgd" &&
                                             run.seed == 1;
                                    }),
                     results.runs.end());
  const std::string report = RenderStudyReport(results, nullptr);
  EXPECT_EQ(LineStartingWith(report, "| `optimizer=slo_l1` (l* = 1)", kClaim3a),
            "| `optimizer=slo_l1` (l* = 1) | 1 of 2 (seed 0) | 0.400 | "
            "0.400 [n/a] | inconclusive (one seed: no interval) |");
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
  // Each data point has its own reference, and the runs of data=d2 pair
  // with d2's SGD runs only: the d1 runs (here equal) would give a second
  // pair per seed.
  EXPECT_THAT(report, HasSubstr("Reference SGD: `optimizer=sgd, data=d1`, "
                                "`optimizer=sgd, data=d2` (lowest mean final "
                                "test loss).\n"));
  EXPECT_EQ(LineStartingWith(report, "| `optimizer=slo_l1, data=d2` (l* = 1)",
                             kClaim3a),
            "| `optimizer=slo_l1, data=d2` (l* = 1) | 2 of 2 (seeds 0, 1) | "
            "0.400, 0.400 | 0.400 [0.400, 0.400] | supported: UC-NFC gain > "
            "θ |");
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
