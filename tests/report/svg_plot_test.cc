// svg_plot: the structure of the rendered SVG (panels, series, points,
// ticks, legend), read back with a strict XML parser, and the mapping from
// data to pixels inverted through the tick marks.
#include "report/svg_plot.h"

#include <cmath>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/report/svg_scan.h"
#include "tests/status_matchers.h"
#include "tests/test_seed.h"

namespace nfalab {
namespace {

using ::nfalab::testing::IsOk;
using ::nfalab::testing::PanelView;
using ::nfalab::testing::ParsePathPoints;
using ::nfalab::testing::ParseXml;
using ::nfalab::testing::ReadPanels;
using ::nfalab::testing::StatusIs;
using ::nfalab::testing::XmlElement;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

// Pixel coordinates are printed with 2 decimals (error <= 0.005 px) and the
// axis fit through the ticks adds at most about as much again.
constexpr double kPixelTolerance = 0.02;

PlotSeries Series(std::string name, std::vector<PlotPoint> points) {
  PlotSeries series;
  series.name = std::move(name);
  series.points = std::move(points);
  return series;
}

PlotPanel Panel(std::string title, std::vector<PlotSeries> series) {
  PlotPanel panel;
  panel.title = std::move(title);
  panel.x_label = "epoch";
  panel.y_label = "value";
  panel.series = std::move(series);
  return panel;
}

PlotFigure OnePanelFigure(PlotPanel panel) {
  PlotFigure figure;
  figure.panels.push_back(std::move(panel));
  return figure;
}

// Renders, parses and decodes every panel; fails the test on any error.
struct Rendered {
  std::string svg;
  XmlElement root;
  std::vector<PanelView> panels;
};

void Render(const PlotFigure& figure, Rendered* out) {
  absl::StatusOr<std::string> svg = RenderSvg(figure);
  ASSERT_THAT(svg, IsOk());
  out->svg = *svg;
  absl::StatusOr<XmlElement> root = ParseXml(out->svg);
  ASSERT_THAT(root, IsOk()) << out->svg;
  out->root = *std::move(root);
  absl::StatusOr<std::vector<PanelView>> panels = ReadPanels(out->root);
  ASSERT_THAT(panels, IsOk());
  out->panels = *std::move(panels);
}

int CountPoints(const PanelView& panel, size_t series) {
  int n = 0;
  for (const auto& segment : panel.segments[series]) n += segment.size();
  return n;
}

bool IsOneTwoOrFiveTimesAPowerOfTen(double step) {
  const double mantissa = step / std::pow(10.0, std::floor(std::log10(step)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (std::abs(mantissa - m) < 1e-9 * m) return true;
  }
  return false;
}

TEST(SvgPlotTest, LaysPanelsOutRowByRowWithAtMostMaxColumns) {
  PlotFigure figure;
  figure.title = "grid";
  figure.max_columns = 3;
  for (int i = 0; i < 5; ++i) {
    figure.panels.push_back(Panel(absl::StrCat("panel ", i),
                                  {Series("s", {{0, 1.0 * i}, {1, 2}})}));
  }
  Rendered r;
  ASSERT_NO_FATAL_FAILURE(Render(figure, &r));
  ASSERT_THAT(r.panels, SizeIs(5));
  EXPECT_EQ(r.root.name, "svg");
  EXPECT_EQ(r.root.Number("width"), 3 * figure.panel_width);
  // The figure title takes a strip above two rows of panels.
  EXPECT_GT(r.root.Number("height"), 2 * figure.panel_height);
  std::set<double> columns, rows;
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(r.panels[i].title, absl::StrCat("panel ", i));
    columns.insert(r.panels[i].plot_area.x);
    rows.insert(r.panels[i].plot_area.y);
    // Row-major: panel i is in column i % 3 and row i / 3.
    EXPECT_DOUBLE_EQ(r.panels[i].plot_area.x - r.panels[i % 3].plot_area.x, 0);
    EXPECT_NEAR(r.panels[i].plot_area.y - r.panels[0].plot_area.y,
                (i / 3) * figure.panel_height, 1e-9);
    // Plot areas lie inside the document.
    EXPECT_LE(r.panels[i].plot_area.x + r.panels[i].plot_area.width,
              r.root.Number("width"));
    EXPECT_LE(r.panels[i].plot_area.y + r.panels[i].plot_area.height,
              r.root.Number("height"));
  }
  EXPECT_THAT(columns, SizeIs(3));
  EXPECT_THAT(rows, SizeIs(2));
  const std::vector<const XmlElement*> title =
      r.root.FindByClass("figure-title");
  ASSERT_THAT(title, SizeIs(1));
  EXPECT_EQ(title[0]->text, "grid");
}

TEST(SvgPlotTest, FewerPanelsThanColumnsGiveOneRowOfThatWidth) {
  PlotFigure figure;
  figure.panels = {Panel("a", {}), Panel("b", {})};
  Rendered r;
  ASSERT_NO_FATAL_FAILURE(Render(figure, &r));
  EXPECT_EQ(r.root.Number("width"), 2 * figure.panel_width);
  EXPECT_EQ(r.root.Number("height"), figure.panel_height);  // no title strip
  EXPECT_THAT(r.root.FindByClass("figure-title"), SizeIs(0));
}

TEST(SvgPlotTest, AxisLabelsAreRendered) {
  PlotPanel panel = Panel("t", {Series("s", {{0, 1}, {1, 2}})});
  panel.x_label = "epoch";
  panel.y_label = "loss";
  Rendered r;
  ASSERT_NO_FATAL_FAILURE(Render(OnePanelFigure(panel), &r));
  std::vector<std::string> labels;
  for (const XmlElement* label : r.root.FindByClass("axis-label")) {
    labels.push_back(*label->Attribute("data-axis") + "=" + label->text);
  }
  EXPECT_THAT(labels, ElementsAre("x=epoch", "y=loss"));
}

TEST(SvgPlotTest, EverySeriesHasItsPointsAndNamedSeriesHaveALegendEntry) {
  PlotSeries unnamed = Series("", {{0, 0}, {1, 1}});
  PlotPanel panel =
      Panel("p", {Series("first", {{0, 1}, {1, 2}, {2, 3}}),
                  Series("second", {{0, 3}, {1, 1}, {2, 0}, {3, 2}}), unnamed});
  panel.series[1].markers = false;
  Rendered r;
  ASSERT_NO_FATAL_FAILURE(Render(OnePanelFigure(panel), &r));
  ASSERT_THAT(r.panels, SizeIs(1));
  const PanelView& p = r.panels[0];
  EXPECT_THAT(p.series_names, ElementsAre("first", "second", ""));
  EXPECT_THAT(p.legend_names, ElementsAre("first", "second"));
  EXPECT_EQ(CountPoints(p, 0), 3);
  EXPECT_EQ(CountPoints(p, 1), 4);
  EXPECT_EQ(CountPoints(p, 2), 2);
  const std::vector<const XmlElement*> series = p.group->FindByClass("series");
  EXPECT_THAT(series[0]->FindByClass("marker"), SizeIs(3));
  EXPECT_THAT(series[1]->FindByClass("marker"), SizeIs(0));
  EXPECT_THAT(series[2]->FindByClass("marker"), SizeIs(2));
}

TEST(SvgPlotTest, PointsMapBackToTheirDataThroughTheTickMarks) {
  std::mt19937 rng(::nfalab::testing::TestSeed(0));
  std::uniform_real_distribution<double> value(-3.0, 7.0);
  std::vector<PlotPoint> a, b;
  for (int i = 0; i < 12; ++i) {
    a.push_back({0.5 * i - 1, value(rng)});
    b.push_back({0.25 * i, 1e3 * value(rng)});
  }
  PlotFigure figure;
  figure.panels = {Panel("a", {Series("a", a)}), Panel("b", {Series("b", b)})};
  Rendered r;
  ASSERT_NO_FATAL_FAILURE(Render(figure, &r));
  for (int k = 0; k < 2; ++k) {
    const std::vector<PlotPoint>& data = k == 0 ? a : b;
    const PanelView& p = r.panels[k];
    ASSERT_THAT(p.segments[0], SizeIs(1));
    const auto& drawn = p.segments[0][0];
    ASSERT_EQ(drawn.size(), data.size());
    for (size_t i = 0; i < data.size(); ++i) {
      EXPECT_NEAR(drawn[i].first, p.x.ToPixel(data[i].x), kPixelTolerance);
      EXPECT_NEAR(drawn[i].second, p.y.ToPixel(data[i].y), kPixelTolerance);
      EXPECT_TRUE(p.plot_area.Contains(drawn[i].first, drawn[i].second))
          << "point " << i << " of panel " << k << " is outside the plot area";
    }
  }
}

TEST(SvgPlotTest, EveryDrawnElementLiesInsideThePlotArea) {
  std::mt19937 rng(::nfalab::testing::TestSeed(1));
  std::normal_distribution<double> noise(0.0, 1.0);
  std::vector<PlotPoint> points;
  PlotSeries series = Series("s", {});
  for (int i = 0; i < 40; ++i) {
    const double y = 1e-4 * noise(rng);
    series.points.push_back({1e6 + i, y});
    series.band.push_back({1e6 + i, y - 2e-5, y + 2e-5});
  }
  Rendered r;
  ASSERT_NO_FATAL_FAILURE(Render(OnePanelFigure(Panel("tiny", {series})), &r));
  const PanelView& p = r.panels[0];
  EXPECT_EQ(CountPoints(p, 0), 40);
  for (const auto& segment : p.segments[0]) {
    for (const auto& [x, y] : segment) EXPECT_TRUE(p.plot_area.Contains(x, y));
  }
  for (const XmlElement* marker : p.group->FindByClass("marker")) {
    EXPECT_TRUE(
        p.plot_area.Contains(marker->Number("cx"), marker->Number("cy")));
  }
  const std::vector<const XmlElement*> bands = p.group->FindByClass("band");
  ASSERT_THAT(bands, SizeIs(1));
  absl::StatusOr<std::vector<std::pair<double, double>>> outline =
      ParsePathPoints(*bands[0]->Attribute("d"));
  ASSERT_THAT(outline, IsOk());
  EXPECT_THAT(*outline, SizeIs(80));
  for (const auto& [x, y] : *outline) {
    EXPECT_TRUE(p.plot_area.Contains(x, y));
  }
}

TEST(SvgPlotTest, AutomaticTicksAreNiceAndCoverTheData) {
  std::mt19937 rng(::nfalab::testing::TestSeed(2));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int trial = 0; trial < 30; ++trial) {
    // Ranges from 1e-7 to 1e7 wide, sometimes crossing zero.
    const double scale = std::pow(10.0, -7 + 14 * unit(rng));
    const double center = (unit(rng) - 0.3) * 4 * scale;
    std::vector<PlotPoint> points;
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < 6; ++i) {
      const double y = center + scale * (unit(rng) - 0.5);
      points.push_back({static_cast<double>(i), y});
      lo = std::min(lo, y);
      hi = std::max(hi, y);
    }
    SCOPED_TRACE(absl::StrCat("data range [", lo, ", ", hi, "]"));
    Rendered r;
    ASSERT_NO_FATAL_FAILURE(
        Render(OnePanelFigure(Panel("p", {Series("s", points)})), &r));
    const std::vector<double>& ticks = r.panels[0].y_ticks;
    ASSERT_GE(ticks.size(), 3u);
    EXPECT_LE(ticks.size(), 12u);
    const double step = ticks[1] - ticks[0];
    EXPECT_TRUE(IsOneTwoOrFiveTimesAPowerOfTen(step)) << step;
    for (size_t i = 1; i < ticks.size(); ++i) {
      EXPECT_NEAR(ticks[i] - ticks[i - 1], step, 1e-6 * step);
    }
    EXPECT_LE(ticks.front(), lo + 1e-9 * step);
    EXPECT_GE(ticks.back(), hi - 1e-9 * step);
    // The labels read back as the tick values.
    const std::vector<const XmlElement*> labels =
        r.panels[0].group->FindByClass("y-axis")[0]->FindByClass("tick-label");
    ASSERT_EQ(labels.size(), ticks.size());
    for (size_t i = 0; i < ticks.size(); ++i) {
      double parsed;
      ASSERT_TRUE(absl::SimpleAtod(labels[i]->text, &parsed))
          << labels[i]->text;
      EXPECT_NEAR(parsed, ticks[i], 1e-6 * step) << labels[i]->text;
      EXPECT_LE(labels[i]->text.size(), 8u) << labels[i]->text;
    }
  }
}

TEST(SvgPlotTest, TickLabelsAreShortAndExact) {
  PlotPanel panel = Panel("p", {Series("s", {{0, 0.1}, {1, 0.3}})});
  Rendered r;
  ASSERT_NO_FATAL_FAILURE(Render(OnePanelFigure(panel), &r));
  std::vector<std::string> labels;
  for (const XmlElement* label :
       r.panels[0].group->FindByClass("y-axis")[0]->FindByClass("tick-label")) {
    labels.push_back(label->text);
  }
  EXPECT_THAT(labels, ElementsAre("0.10", "0.15", "0.20", "0.25", "0.30"));
  std::vector<std::string> x_labels;
  for (const XmlElement* label :
       r.panels[0].group->FindByClass("x-axis")[0]->FindByClass("tick-label")) {
    x_labels.push_back(label->text);
  }
  EXPECT_THAT(x_labels, ElementsAre("0.0", "0.2", "0.4", "0.6", "0.8", "1.0"));
}

TEST(SvgPlotTest, NiceTickStepIsOneTwoOrFiveTimesAPowerOfTen) {
  EXPECT_DOUBLE_EQ(NiceTickStep(2.0, 4), 0.5);   // raw 0.5
  EXPECT_DOUBLE_EQ(NiceTickStep(1.0, 4), 0.2);   // raw 0.25
  EXPECT_DOUBLE_EQ(NiceTickStep(20.0, 4), 5.0);  // raw 5
  EXPECT_DOUBLE_EQ(NiceTickStep(6.9, 1), 5.0);
  EXPECT_DOUBLE_EQ(NiceTickStep(7.0, 1), 10.0);
  EXPECT_DOUBLE_EQ(NiceTickStep(1.4e-6, 1), 1e-6);
  EXPECT_DOUBLE_EQ(NiceTickStep(0.0, 4), 1.0);  // degenerate
  std::mt19937 rng(::nfalab::testing::TestSeed(3));
  std::uniform_real_distribution<double> exponent(-12, 12);
  for (int i = 0; i < 200; ++i) {
    const double span = std::pow(10.0, exponent(rng));
    const double step = NiceTickStep(span, 5);
    EXPECT_TRUE(IsOneTwoOrFiveTimesAPowerOfTen(step)) << span;
    // Heckbert's rounding keeps the step within [0.67, 1.67] x span / 5.
    EXPECT_GE(span / 5 / step, 0.6 - 1e-12) << span;
    EXPECT_LT(span / 5 / step, 1.5 + 1e-12) << span;
  }
}

TEST(SvgPlotTest, NanAndInfinityBreakTheLineIntoSegments) {
  PlotPanel panel = Panel("gaps", {Series("s", {{0, 1},
                                                {1, 2},
                                                {2, NAN},
                                                {3, 1},
                                                {4, INFINITY},
                                                {5, 2},
                                                {NAN, 5},
                                                {7, 3},
                                                {8, 1}})});
  Rendered r;
  ASSERT_NO_FATAL_FAILURE(Render(OnePanelFigure(panel), &r));
  const PanelView& p = r.panels[0];
  ASSERT_THAT(p.segments[0], SizeIs(4));
  EXPECT_THAT(p.segments[0][0], SizeIs(2));
  EXPECT_THAT(p.segments[0][1], SizeIs(1));  // lone point: marker only
  EXPECT_THAT(p.segments[0][2], SizeIs(1));
  EXPECT_THAT(p.segments[0][3], SizeIs(2));
  EXPECT_NEAR(p.x.ToData(p.segments[0][1][0].first), 3, 1e-3);
  EXPECT_NEAR(p.x.ToData(p.segments[0][3][0].first), 7, 1e-3);
  EXPECT_THAT(p.group->FindByClass("marker"), SizeIs(6));
  // Neither the ranges nor the path saw a non-finite value.
  EXPECT_THAT(r.svg, Not(HasSubstr("nan")));
  EXPECT_THAT(r.svg, Not(HasSubstr("inf")));
  EXPECT_LE(p.y_ticks.front(), 1);
  EXPECT_GE(p.y_ticks.back(), 3);
  EXPECT_LT(p.y_ticks.back(), 5);  // the NaN-x point did not widen y
}

TEST(SvgPlotTest, AMarkerlessLonePointStillGetsAMarker) {
  PlotSeries series = Series("s", {{0, 1}, {1, NAN}, {2, 2}, {3, 3}});
  series.markers = false;
  Rendered r;
  ASSERT_NO_FATAL_FAILURE(Render(OnePanelFigure(Panel("p", {series})), &r));
  EXPECT_THAT(r.panels[0].group->FindByClass("marker"), SizeIs(1));
}

TEST(SvgPlotTest, LogAxisTicksArePowersOfTenCoveringTheData) {
  PlotPanel panel = Panel(
      "loss",
      {Series("train",
              {{-1, 0.54}, {0, 0.13}, {1, 0.031}, {2, 0.0042}, {3, 0.0031}})});
  panel.y_scale = AxisScale::kLog;
  Rendered r;
  ASSERT_NO_FATAL_FAILURE(Render(OnePanelFigure(panel), &r));
  const PanelView& p = r.panels[0];
  ASSERT_TRUE(p.y.log);
  EXPECT_THAT(p.y_ticks, ElementsAre(1e-3, 1e-2, 1e-1, 1.0));
  for (double t : p.y_ticks) {
    EXPECT_DOUBLE_EQ(std::log10(t), std::round(std::log10(t))) << t;
  }
  // Points map back through the log transform.
  const auto& drawn = p.segments[0][0];
  ASSERT_THAT(drawn, SizeIs(5));
  EXPECT_NEAR(p.y.ToData(drawn[2].second), 0.031, 0.031 * 1e-3);
  EXPECT_NEAR(p.y.ToData(drawn[4].second), 0.0031, 0.0031 * 1e-3);
  // Minor ticks at 2..9 x 10^e, unlabelled.
  const XmlElement& axis = *p.group->FindByClass("y-axis")[0];
  EXPECT_THAT(axis.FindByClass("minor-tick"), SizeIs(3 * 8));
  std::vector<std::string> labels;
  for (const XmlElement* label : axis.FindByClass("tick-label")) {
    labels.push_back(label->AllText());
  }
  EXPECT_THAT(labels, ElementsAre("10-3", "10-2", "10-1", "100"));
}

TEST(SvgPlotTest, LogAxisSkipsNonPositiveValuesWithANote) {
  PlotPanel panel = Panel(
      "loss", {Series("s", {{0, 1}, {1, 0.1}, {2, 0}, {3, 0.01}, {4, -2}})});
  panel.y_scale = AxisScale::kLog;
  Rendered r;
  ASSERT_NO_FATAL_FAILURE(Render(OnePanelFigure(panel), &r));
  const PanelView& p = r.panels[0];
  ASSERT_THAT(p.segments[0], SizeIs(2));  // the 0 breaks the line
  EXPECT_THAT(p.segments[0][0], SizeIs(2));
  EXPECT_THAT(p.segments[0][1], SizeIs(1));
  ASSERT_THAT(p.notes, SizeIs(1));
  EXPECT_THAT(p.notes[0], HasSubstr("2 non-positive values"));
  EXPECT_THAT(p.y_ticks, ElementsAre(1e-2, 1e-1, 1.0));
}

TEST(SvgPlotTest, LogAxisOverManyDecadesLabelsFewPowersOfTen) {
  PlotPanel panel = Panel("wide", {Series("s", {{0, 3e-13}, {1, 2e4}})});
  panel.y_scale = AxisScale::kLog;
  Rendered r;
  ASSERT_NO_FATAL_FAILURE(Render(OnePanelFigure(panel), &r));
  const std::vector<double>& ticks = r.panels[0].y_ticks;
  EXPECT_GE(ticks.size(), 3u);
  EXPECT_LE(ticks.size(), 7u);
  for (double t : ticks) {
    EXPECT_DOUBLE_EQ(std::log10(t), std::round(std::log10(t))) << t;
  }
  EXPECT_LE(ticks.front(), 3e-13);
  EXPECT_THAT(r.panels[0].group->FindByClass("minor-tick"), SizeIs(0));
}

TEST(SvgPlotTest, FixedYRangeIsUsedAsGivenAndSeriesAreClipped) {
  PlotPanel panel = Panel("corr", {Series("s", {{0, 0.2}, {1, 0.5}})});
  panel.y_range = AxisRange{-1, 1};
  Rendered r;
  ASSERT_NO_FATAL_FAILURE(Render(OnePanelFigure(panel), &r));
  const PanelView& p = r.panels[0];
  EXPECT_THAT(p.y_ticks, ElementsAre(-1, -0.5, 0, 0.5, 1));
  // -1 and 1 map just inside the bottom and top of the plot area.
  const double bottom = p.plot_area.y + p.plot_area.height;
  EXPECT_GT(p.y.ToPixel(-1), bottom - 12);
  EXPECT_LT(p.y.ToPixel(-1), bottom);
  EXPECT_LT(p.y.ToPixel(1), p.plot_area.y + 12);
  EXPECT_GT(p.y.ToPixel(1), p.plot_area.y);
  const std::vector<const XmlElement*> series = p.group->FindByClass("series");
  ASSERT_THAT(series, SizeIs(1));
  const std::string* clip = series[0]->Attribute("clip-path");
  ASSERT_NE(clip, nullptr);
  EXPECT_THAT(*clip, HasSubstr("url(#clip-0)"));
  const std::vector<const XmlElement*> clip_paths =
      p.group->FindByName("clipPath");
  ASSERT_THAT(clip_paths, SizeIs(1));
  EXPECT_EQ(*clip_paths[0]->Attribute("id"), "clip-0");

  PlotPanel unit = Panel("unit", {Series("s", {{0, 0.2}, {1, 0.5}})});
  unit.y_range = AxisRange{0, 1};
  ASSERT_NO_FATAL_FAILURE(Render(OnePanelFigure(unit), &r));
  EXPECT_THAT(r.panels[0].y_ticks, ElementsAre(0, 0.2, 0.4, 0.6, 0.8, 1));
}

TEST(SvgPlotTest, TextIsXmlEscaped) {
  const std::string nasty = "a<b & c>d \"q\" 'x'";
  PlotFigure figure;
  figure.title = nasty;
  PlotPanel panel = Panel(nasty, {Series(nasty, {{0, 1}, {1, 2}})});
  panel.x_label = nasty;
  panel.series[0].color = "\"red";
  figure.panels.push_back(panel);
  Rendered r;
  ASSERT_NO_FATAL_FAILURE(Render(figure, &r));
  EXPECT_THAT(r.svg,
              HasSubstr("a&lt;b &amp; c&gt;d &quot;q&quot; &apos;x&apos;"));
  EXPECT_THAT(r.svg, Not(HasSubstr("a<b")));
  EXPECT_EQ(r.root.FindByClass("figure-title")[0]->text, nasty);
  EXPECT_EQ(r.panels[0].title, nasty);
  EXPECT_THAT(r.panels[0].legend_names, ElementsAre(nasty));
  EXPECT_THAT(r.panels[0].series_names, ElementsAre(nasty));
  EXPECT_EQ(r.root.FindByClass("axis-label")[0]->text, nasty);
}

TEST(SvgPlotTest, XmlEscapeReplacesMarkupAndForbiddenControlCharacters) {
  EXPECT_EQ(XmlEscape("<&>\"'"), "&lt;&amp;&gt;&quot;&apos;");
  EXPECT_EQ(XmlEscape(std::string("a\x01"
                                  "b\tc\x1f",
                                  6)),
            "a b\tc ");
  EXPECT_EQ(XmlEscape("\u2016W\u2016"), "\u2016W\u2016");  // UTF-8 kept
}

TEST(SvgPlotTest, OutputIsAWellFormedSvgDocument) {
  PlotFigure figure;
  figure.title = "t";
  PlotPanel panel = Panel("p", {Series("s", {{0, 1}, {1, 2}})});
  panel.series[0].band = {{0, 0.5, 1.5}, {1, 1.5, 2.5}};
  panel.series[0].dash = "6,3";
  figure.panels = {panel, panel};
  figure.panels[1].y_scale = AxisScale::kLog;
  Rendered r;
  ASSERT_NO_FATAL_FAILURE(Render(figure, &r));
  EXPECT_EQ(r.root.name, "svg");
  EXPECT_EQ(*r.root.Attribute("xmlns"), "http://www.w3.org/2000/svg");
  EXPECT_EQ(*r.root.Attribute("version"), "1.1");
  EXPECT_EQ(*r.root.Attribute("font-family"), "sans-serif");
  EXPECT_THAT(r.svg, ::testing::StartsWith("<?xml version=\"1.0\""));
  // The parser used above does reject unbalanced documents.
  EXPECT_THAT(ParseXml("<svg><g></svg>"), Not(IsOk()));
  EXPECT_THAT(ParseXml("<svg><g>"), Not(IsOk()));
  EXPECT_THAT(ParseXml("<svg a=\"1\" a=\"2\"/>"), Not(IsOk()));
  EXPECT_THAT(ParseXml("<svg>a < b</svg>"), Not(IsOk()));
  EXPECT_THAT(ParseXml("<svg>a &c; b</svg>"), Not(IsOk()));
  EXPECT_THAT(ParseXml("<svg/><svg/>"), Not(IsOk()));
  // The truncated output is not well-formed either.
  EXPECT_THAT(ParseXml(r.svg.substr(0, r.svg.size() - 8)), Not(IsOk()));
}

TEST(SvgPlotTest, RenderingIsDeterministic) {
  std::mt19937 rng(::nfalab::testing::TestSeed(4));
  std::normal_distribution<double> noise(0.0, 1.0);
  PlotFigure figure;
  figure.title = "same";
  for (int k = 0; k < 4; ++k) {
    PlotSeries s = Series(absl::StrCat("s", k), {});
    for (int i = 0; i < 25; ++i) {
      const double y = std::exp(noise(rng));
      s.points.push_back({static_cast<double>(i), y});
      s.band.push_back({static_cast<double>(i), 0.9 * y, 1.1 * y});
    }
    figure.panels.push_back(Panel(absl::StrCat("p", k), {s}));
  }
  figure.panels[1].y_scale = AxisScale::kLog;
  const PlotFigure copy = figure;
  absl::StatusOr<std::string> first = RenderSvg(figure);
  absl::StatusOr<std::string> second = RenderSvg(copy);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(*first, *second);
}

TEST(SvgPlotTest, BandIsAClosedOutlineThatBreaksAtNan) {
  PlotSeries series = Series("mean", {{0, 1}, {1, 2}, {2, 3}, {3, 4}});
  series.band = {{0, 0.5, 1.5}, {1, 1.5, 2.5}, {2, NAN, 3.5}, {3, 3.5, 4.5}};
  Rendered r;
  ASSERT_NO_FATAL_FAILURE(Render(OnePanelFigure(Panel("band", {series})), &r));
  const PanelView& p = r.panels[0];
  const std::vector<const XmlElement*> bands = p.group->FindByClass("band");
  ASSERT_THAT(bands, SizeIs(2));
  const std::string& d = *bands[0]->Attribute("d");
  EXPECT_THAT(d, ::testing::EndsWith("Z"));
  absl::StatusOr<std::vector<std::pair<double, double>>> outline =
      ParsePathPoints(d);
  ASSERT_THAT(outline, IsOk());
  ASSERT_THAT(*outline, SizeIs(4));  // upper 0, 1, then lower 1, 0
  EXPECT_NEAR(p.y.ToData((*outline)[0].second), 1.5, 1e-3);
  EXPECT_NEAR(p.y.ToData((*outline)[1].second), 2.5, 1e-3);
  EXPECT_NEAR(p.y.ToData((*outline)[2].second), 1.5, 1e-3);
  EXPECT_NEAR(p.y.ToData((*outline)[3].second), 0.5, 1e-3);
  EXPECT_NEAR(p.x.ToData((*outline)[3].first), 0, 1e-3);
  // The band widens the automatic y range: 0.5 and 4.5 are covered.
  EXPECT_LE(p.y_ticks.front(), 0.5);
  EXPECT_GE(p.y_ticks.back(), 4.5);
}

TEST(SvgPlotTest, LegendGoesToTheCornerAwayFromTheData) {
  // A line along the top of the panel: both top corners would hide it.
  std::vector<PlotPoint> points;
  for (int i = 0; i <= 20; ++i) points.push_back({1.0 * i, 1.0 - 0.001 * i});
  PlotPanel panel = Panel("p", {Series("high", points)});
  panel.y_range = AxisRange{0, 1};
  Rendered r;
  ASSERT_NO_FATAL_FAILURE(Render(OnePanelFigure(panel), &r));
  const PanelView& p = r.panels[0];
  const std::vector<const XmlElement*> legend = p.group->FindByClass("legend");
  ASSERT_THAT(legend, SizeIs(1));
  const XmlElement* box = legend[0]->FindByName("rect")[0];
  const nfalab::testing::Rect rect{box->Number("x"), box->Number("y"),
                                   box->Number("width"), box->Number("height")};
  EXPECT_GT(rect.y, p.plot_area.y + p.plot_area.height / 2);  // bottom half
  for (const auto& [x, y] : p.segments[0][0]) {
    EXPECT_FALSE(rect.Contains(x, y));
  }
  // The box lies in the plot area.
  EXPECT_TRUE(p.plot_area.Contains(rect.x, rect.y));
  EXPECT_TRUE(p.plot_area.Contains(rect.x + rect.width, rect.y + rect.height));
}

TEST(SvgPlotTest, APanelWithoutDataSaysSo) {
  PlotPanel panel = Panel("empty", {Series("s", {{NAN, 1}, {0, NAN}})});
  Rendered r;
  ASSERT_NO_FATAL_FAILURE(Render(OnePanelFigure(panel), &r));
  EXPECT_THAT(r.panels[0].notes, ElementsAre("no data"));
  EXPECT_THAT(r.panels[0].segments[0], SizeIs(0));
}

TEST(SvgPlotTest, InvalidFiguresAreRejected) {
  EXPECT_THAT(RenderSvg(PlotFigure{}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("at least one panel")));
  PlotFigure figure = OnePanelFigure(Panel("p", {}));
  figure.max_columns = 0;
  EXPECT_THAT(RenderSvg(figure), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("max_columns")));
  figure = OnePanelFigure(Panel("p", {}));
  figure.panel_width = 50;
  EXPECT_THAT(RenderSvg(figure), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("at least 200 x 150")));
  for (AxisRange range : {AxisRange{1, 1}, AxisRange{2, 1}, AxisRange{0, NAN},
                          AxisRange{-INFINITY, 0}}) {
    PlotPanel panel = Panel("bad range", {});
    panel.y_range = range;
    EXPECT_THAT(RenderSvg(OnePanelFigure(panel)),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("\"bad range\"")));
  }
  PlotPanel log_panel = Panel("log", {});
  log_panel.y_scale = AxisScale::kLog;
  log_panel.y_range = AxisRange{0, 1};
  EXPECT_THAT(RenderSvg(OnePanelFigure(log_panel)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("positive on a log axis")));
}

}  // namespace
}  // namespace nfalab
