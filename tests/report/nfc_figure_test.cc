// nfc_figure: which panels a MetricsTable gives, and that the drawn points
// map back (through the tick marks) to the table's values.
#include "report/nfc_figure.h"

#include <cmath>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "report/metrics_table.h"
#include "tests/report/svg_scan.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::IsOk;
using ::nfalab::testing::PanelView;
using ::nfalab::testing::ParseXml;
using ::nfalab::testing::ReadPanels;
using ::nfalab::testing::XmlElement;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr int kEpochs = 5;
constexpr int kStepsPerEpoch = 32;

// Hand-picked values, distinct per layer, epoch and measure.
double UcNfc(int layer, int epoch) { return 0.1 * layer + 0.05 * epoch; }
double CNfc(int layer, int epoch) { return 0.95 - 0.1 * layer - 0.03 * epoch; }
double WeightChange(int layer, int epoch) { return 0.02 * layer * (epoch + 1); }
double TrainLoss(int epoch) { return 0.5 * std::pow(0.3, epoch + 1); }
double TestLoss(int epoch) { return 0.6 * std::pow(0.4, epoch + 1); }

// A run with `layers` measured layers over kEpochs epochs, written the way
// the trainer writes it (losses at epoch -1 too).
MetricsTable MakeTable(int layers, bool weight_change, bool test_loss = true) {
  MetricsTable table;
  for (int epoch = -1; epoch < kEpochs; ++epoch) {
    const int64_t step = (epoch + 1) * kStepsPerEpoch;
    table.Add(epoch, step, "learning_rate", 0.1);
    table.Add(epoch, step, "train_loss", TrainLoss(epoch));
    if (test_loss) table.Add(epoch, step, "test_loss", TestLoss(epoch));
    if (epoch < 0) continue;
    for (int l = 1; l <= layers; ++l) {
      table.AddForLayer(epoch, step, l, "uc_nfc", UcNfc(l, epoch));
      table.AddForLayer(epoch, step, l, "uc_nfc_cos", 0.99);
      table.AddForLayer(epoch, step, l, "c_nfc", CNfc(l, epoch));
      if (weight_change) {
        table.AddForLayer(epoch, step, l, "weight_change",
                          WeightChange(l, epoch));
      }
    }
  }
  return table;
}

struct Figure {
  std::string svg;
  XmlElement root;
  std::vector<PanelView> panels;
};

void Render(const MetricsTable& table, absl::string_view title, Figure* out) {
  out->svg = RenderNfcFigure(table, title);
  absl::StatusOr<XmlElement> root = ParseXml(out->svg);
  ASSERT_THAT(root, IsOk()) << out->svg;
  out->root = *std::move(root);
  absl::StatusOr<std::vector<PanelView>> panels = ReadPanels(out->root);
  ASSERT_THAT(panels, IsOk());
  out->panels = *std::move(panels);
}

std::vector<std::string> Titles(const Figure& figure) {
  std::vector<std::string> titles;
  for (const PanelView& panel : figure.panels) titles.push_back(panel.title);
  return titles;
}

// The drawn points of series `s`, mapped back to data through the axes.
std::vector<std::pair<double, double>> DataPoints(const PanelView& panel,
                                                  size_t s) {
  std::vector<std::pair<double, double>> points;
  for (const auto& segment : panel.segments[s]) {
    for (const auto& [px, py] : segment) {
      points.emplace_back(panel.x.ToData(px), panel.y.ToData(py));
    }
  }
  return points;
}

TEST(NfcFigureTest, ThreeLayersGiveThreeNfcPanelsThenLossThenWeightChange) {
  Figure f;
  ASSERT_NO_FATAL_FAILURE(
      Render(MakeTable(3, /*weight_change=*/true), "run", &f));
  EXPECT_THAT(Titles(f), ElementsAre("Layer 1", "Layer 2", "Layer 3", "Loss",
                                     "Relative weight change"));
  EXPECT_EQ(f.root.FindByClass("figure-title")[0]->text, "run");
}

TEST(NfcFigureTest, WithoutWeightChangeRowsThereIsNoWeightChangePanel) {
  Figure f;
  ASSERT_NO_FATAL_FAILURE(
      Render(MakeTable(3, /*weight_change=*/false), "run", &f));
  EXPECT_THAT(Titles(f), ElementsAre("Layer 1", "Layer 2", "Layer 3", "Loss"));
}

TEST(NfcFigureTest, WithoutMeasuredLayersOnlyTheLossPanelIsDrawn) {
  Figure f;
  ASSERT_NO_FATAL_FAILURE(
      Render(MakeTable(0, /*weight_change=*/false), "", &f));
  EXPECT_THAT(Titles(f), ElementsAre("Loss"));
  EXPECT_THAT(f.root.FindByClass("figure-title"), SizeIs(0));
}

TEST(NfcFigureTest, WithoutLossRowsThereIsNoLossPanel) {
  // As `nfalab measure` writes: per-layer measures only.
  const MetricsTable run = MakeTable(2, true);
  MetricsTable table;
  for (const MetricsTable::Row& row : run.rows()) {
    if (row.layer > 0) {
      table.AddForLayer(row.epoch, row.step, row.layer, row.measure, row.value);
    }
  }
  Figure f;
  ASSERT_NO_FATAL_FAILURE(Render(table, "", &f));
  EXPECT_THAT(Titles(f),
              ElementsAre("Layer 1", "Layer 2", "Relative weight change"));
}

TEST(NfcFigureTest, NfcPanelsShowUcAndCNfcWithTheTablesValues) {
  Figure f;
  ASSERT_NO_FATAL_FAILURE(Render(MakeTable(3, true), "run", &f));
  for (int l = 1; l <= 3; ++l) {
    SCOPED_TRACE(absl::StrCat("layer ", l));
    const PanelView& p = f.panels[l - 1];
    EXPECT_THAT(p.legend_names, ElementsAre("UC-NFC", "C-NFC"));
    EXPECT_THAT(p.series_names, ElementsAre("UC-NFC", "C-NFC"));
    ASSERT_THAT(p.segments, SizeIs(2));
    const auto uc = DataPoints(p, 0);
    const auto c = DataPoints(p, 1);
    ASSERT_THAT(uc, SizeIs(kEpochs));
    ASSERT_THAT(c, SizeIs(kEpochs));
    // Pixels have 2 decimals on a ~176 px unit range: 1e-4 is ~2x the
    // rounding error.
    for (int e = 0; e < kEpochs; ++e) {
      EXPECT_NEAR(uc[e].first, e, 1e-3);
      EXPECT_NEAR(uc[e].second, UcNfc(l, e), 1e-4);
      EXPECT_NEAR(c[e].first, e, 1e-3);
      EXPECT_NEAR(c[e].second, CNfc(l, e), 1e-4);
    }
    // Blue UC, green C, as in the paper's plots.
    const std::vector<const XmlElement*> lines =
        p.group->FindByClass("segment");
    ASSERT_THAT(lines, SizeIs(2));
    EXPECT_EQ(*lines[0]->Attribute("stroke"), "#1f77b4");
    EXPECT_EQ(*lines[1]->Attribute("stroke"), "#2ca02c");
    for (const auto& segment : p.segments[0]) {
      for (const auto& [x, y] : segment) {
        EXPECT_TRUE(p.plot_area.Contains(x, y));
      }
    }
  }
}

TEST(NfcFigureTest, NfcYAxisIsZeroToOneUnlessAValueIsNegative) {
  Figure f;
  ASSERT_NO_FATAL_FAILURE(Render(MakeTable(2, false), "run", &f));
  EXPECT_EQ(f.panels[0].y_ticks.front(), 0);
  EXPECT_EQ(f.panels[0].y_ticks.back(), 1);

  MetricsTable table = MakeTable(2, false);
  table.AddForLayer(kEpochs, 999, 2, "c_nfc", -0.25);
  ASSERT_NO_FATAL_FAILURE(Render(table, "run", &f));
  EXPECT_EQ(f.panels[0].y_ticks.front(), 0);  // layer 1 is all >= 0
  EXPECT_EQ(f.panels[1].y_ticks.front(), -1);
  EXPECT_EQ(f.panels[1].y_ticks.back(), 1);
  const auto c = DataPoints(f.panels[1], 1);
  ASSERT_THAT(c, SizeIs(kEpochs + 1));
  EXPECT_NEAR(c.back().first, kEpochs, 1e-3);
  EXPECT_NEAR(c.back().second, -0.25, 2e-4);
}

TEST(NfcFigureTest, LossPanelIsLogScaleFromEpochMinusOne) {
  Figure f;
  ASSERT_NO_FATAL_FAILURE(Render(MakeTable(3, true), "run", &f));
  const PanelView& p = f.panels[3];
  ASSERT_EQ(p.title, "Loss");
  EXPECT_TRUE(p.y.log);
  for (double t : p.y_ticks) {
    EXPECT_DOUBLE_EQ(std::log10(t), std::round(std::log10(t))) << t;
  }
  EXPECT_THAT(p.legend_names, ElementsAre("train", "test"));
  const auto train = DataPoints(p, 0);
  const auto test = DataPoints(p, 1);
  ASSERT_THAT(train, SizeIs(kEpochs + 1));
  ASSERT_THAT(test, SizeIs(kEpochs + 1));
  for (int i = 0; i <= kEpochs; ++i) {
    const int epoch = i - 1;
    EXPECT_NEAR(train[i].first, epoch, 1e-3);
    EXPECT_NEAR(test[i].first, epoch, 1e-3);
    // Relative: the log axis spans ~4 decades over ~176 px.
    EXPECT_NEAR(train[i].second / TrainLoss(epoch), 1, 1e-3);
    EXPECT_NEAR(test[i].second / TestLoss(epoch), 1, 1e-3);
  }
  EXPECT_LE(p.y_ticks.front(), TrainLoss(kEpochs - 1));
  EXPECT_GE(p.y_ticks.back(), TestLoss(-1));
  // The test loss is dashed.
  const std::vector<const XmlElement*> lines = p.group->FindByClass("segment");
  ASSERT_THAT(lines, SizeIs(2));
  EXPECT_EQ(lines[0]->Attribute("stroke-dasharray"), nullptr);
  EXPECT_NE(lines[1]->Attribute("stroke-dasharray"), nullptr);
}

TEST(NfcFigureTest, LossPanelWithoutTestLossHasOnlyTheTrainSeries) {
  Figure f;
  ASSERT_NO_FATAL_FAILURE(
      Render(MakeTable(1, false, /*test_loss=*/false), "run", &f));
  EXPECT_THAT(f.panels[1].legend_names, ElementsAre("train"));
}

TEST(NfcFigureTest, NonPositiveLossIsSkippedWithANote) {
  MetricsTable table = MakeTable(1, false);
  table.Add(kEpochs, 999, "train_loss", 0.0);
  Figure f;
  ASSERT_NO_FATAL_FAILURE(Render(table, "run", &f));
  EXPECT_THAT(DataPoints(f.panels[1], 0), SizeIs(kEpochs + 1));
  ASSERT_THAT(f.panels[1].notes, SizeIs(1));
  EXPECT_THAT(f.panels[1].notes[0], HasSubstr("1 non-positive value"));
}

TEST(NfcFigureTest, WeightChangePanelHasOneSeriesPerLayer) {
  Figure f;
  ASSERT_NO_FATAL_FAILURE(Render(MakeTable(3, true), "run", &f));
  const PanelView& p = f.panels[4];
  EXPECT_THAT(p.legend_names, ElementsAre("layer 1", "layer 2", "layer 3"));
  EXPECT_FALSE(p.y.log);
  for (int l = 1; l <= 3; ++l) {
    const auto points = DataPoints(p, l - 1);
    ASSERT_THAT(points, SizeIs(kEpochs));
    for (int e = 0; e < kEpochs; ++e) {
      EXPECT_NEAR(points[e].first, e, 1e-3);
      EXPECT_NEAR(points[e].second, WeightChange(l, e), 1e-4);
    }
  }
}

TEST(NfcFigureTest, NanCNfcLeavesAGap) {
  MetricsTable table;
  for (int epoch = 0; epoch < 4; ++epoch) {
    table.Add(epoch, epoch, "train_loss", 1.0 / (epoch + 1));
    table.AddForLayer(epoch, epoch, 1, "uc_nfc", 0.5);
    table.AddForLayer(epoch, epoch, 1, "c_nfc", epoch == 1 ? NAN : 0.7);
  }
  Figure f;
  ASSERT_NO_FATAL_FAILURE(Render(table, "gap", &f));
  const PanelView& p = f.panels[0];
  ASSERT_THAT(p.segments[1], SizeIs(2));
  EXPECT_THAT(p.segments[1][0], SizeIs(1));
  EXPECT_THAT(p.segments[1][1], SizeIs(2));
  EXPECT_THAT(p.segments[0], SizeIs(1));
  EXPECT_THAT(f.svg, ::testing::Not(HasSubstr("nan")));
}

TEST(NfcFigureTest, RowsAreDrawnInEpochOrder) {
  MetricsTable table;
  for (int epoch : {3, 0, 2, 1}) {
    table.Add(epoch, 10 * epoch, "train_loss", 1.0 / (epoch + 1));
    table.AddForLayer(epoch, 10 * epoch, 1, "uc_nfc", 0.1 * epoch);
  }
  Figure f;
  ASSERT_NO_FATAL_FAILURE(Render(table, "order", &f));
  const auto uc = DataPoints(f.panels[0], 0);
  ASSERT_THAT(uc, SizeIs(4));
  for (int e = 0; e < 4; ++e) {
    EXPECT_NEAR(uc[e].first, e, 1e-3);
    EXPECT_NEAR(uc[e].second, 0.1 * e, 1e-4);
  }
}

TEST(NfcFigureTest, EarlyPredictorIsADotAtEpochMinusOne) {
  MetricsTable table = MakeTable(2, false);
  table.AddForLayer(-1, 0, 2, "predicted_c_nfc", 0.8);
  table.AddForLayer(-1, 0, 2, "predicted_c_nfc_cos", 0.9);
  Figure f;
  ASSERT_NO_FATAL_FAILURE(Render(table, "run", &f));
  EXPECT_THAT(f.panels[0].legend_names, ElementsAre("UC-NFC", "C-NFC"));
  const PanelView& p = f.panels[1];
  EXPECT_THAT(p.legend_names,
              ElementsAre("UC-NFC", "C-NFC", "predicted C-NFC"));
  const auto predicted = DataPoints(p, 2);
  ASSERT_THAT(predicted, SizeIs(1));
  EXPECT_NEAR(predicted[0].first, -1, 1e-3);
  EXPECT_NEAR(predicted[0].second, 0.8, 1e-4);
}

TEST(NfcFigureTest, PanelsAreLaidOutInRowsOfAtMostThree) {
  Figure f;
  ASSERT_NO_FATAL_FAILURE(Render(MakeTable(5, true), "run", &f));
  ASSERT_THAT(f.panels, SizeIs(7));
  std::set<double> columns, rows;
  for (const PanelView& p : f.panels) {
    columns.insert(p.plot_area.x);
    rows.insert(p.plot_area.y);
  }
  EXPECT_THAT(columns, SizeIs(3));
  EXPECT_THAT(rows, SizeIs(3));
}

TEST(NfcFigureTest, TitleIsEscapedAndOutputIsDeterministic) {
  const MetricsTable table = MakeTable(3, true);
  const std::string title = "lr<0.1 & width>64";
  Figure f;
  ASSERT_NO_FATAL_FAILURE(Render(table, title, &f));
  EXPECT_THAT(f.svg, HasSubstr("lr&lt;0.1 &amp; width&gt;64"));
  EXPECT_EQ(f.root.FindByClass("figure-title")[0]->text, title);
  EXPECT_EQ(RenderNfcFigure(table, title), f.svg);
}

}  // namespace
}  // namespace nfalab
