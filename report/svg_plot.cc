#include "report/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "report/palette.h"

namespace nfalab {
namespace {

// Panel layout, in pixels from the panel's corner.
constexpr double kMarginLeft = 66;
constexpr double kMarginRight = 18;
constexpr double kMarginTop = 42;
constexpr double kMarginBottom = 46;
constexpr double kFigureTitleHeight = 34;
// Data maps this far inside the plot frame, so markers at the ends of the
// range are not cut by the frame.
constexpr double kInset = 8;
constexpr double kMarkerRadius = 2.6;
constexpr double kLineWidth = 1.8;
// Average glyph width of the generic sans-serif font at 11 px, for sizing
// the legend box.
constexpr double kCharWidth = 6.3;
// Relative slack when snapping to ticks, so 0.30000000000000004 / 0.1 is 3.
constexpr double kTickEpsilon = 1e-9;

struct Rect {
  double left;
  double top;
  double right;
  double bottom;
  bool Contains(double x, double y) const {
    return x >= left && x <= right && y >= top && y <= bottom;
  }
};

struct PixelPoint {
  double x;
  double y;
};

// Fixed-precision pixel coordinate ("-0.00" never appears).
std::string Px(double v) {
  std::string s = absl::StrFormat("%.2f", v);
  return s == "-0.00" ? "0.00" : s;
}

struct Tick {
  double value;
  std::string data_value;  // machine-readable value
  std::string label;       // SVG text content (may contain a <tspan>)
  bool major;
};

// A data range mapped onto a pixel interval.
struct Axis {
  double lo = 0;
  double hi = 1;
  bool log = false;
  double pixel_lo = 0;  // the pixel of `lo`
  double pixel_hi = 1;  // the pixel of `hi`
  std::vector<Tick> ticks;

  double ToPixel(double v) const {
    const double t = log ? (std::log10(v) - std::log10(lo)) /
                               (std::log10(hi) - std::log10(lo))
                         : (v - lo) / (hi - lo);
    return pixel_lo + t * (pixel_hi - pixel_lo);
  }
};

int CountCodePoints(absl::string_view text) {
  int n = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

// Plain decimals with as many places as the step needs ("0.15", "-1.0",
// "1000010"), or scientific notation ("2.5e-7", "1.2e8") when that would
// take more than 7 characters.
std::string FormatLinearTick(double value, double step, double max_abs) {
  const int decimals =
      std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
  const int integer_digits =
      max_abs >= 1 ? static_cast<int>(std::floor(std::log10(max_abs))) + 1 : 1;
  if (integer_digits + (decimals > 0 ? decimals + 1 : 0) <= 7) {
    return absl::StrFormat("%.*f", decimals, value);
  }
  if (value == 0) return "0";
  const int exponent = static_cast<int>(std::floor(std::log10(max_abs)));
  const double scale = std::pow(10.0, exponent);
  const int mantissa_decimals = std::max(
      0, -static_cast<int>(std::floor(std::log10(step / scale) + 1e-9)));
  return absl::StrFormat("%.*fe%d", mantissa_decimals, value / scale, exponent);
}

// Major ticks k * step inside [lo, hi].
std::vector<Tick> LinearTicks(double lo, double hi, double step) {
  std::vector<Tick> ticks;
  const double k_lo = std::ceil(lo / step - kTickEpsilon);
  const double k_hi = std::floor(hi / step + kTickEpsilon);
  const double max_abs = std::max(std::abs(k_lo), std::abs(k_hi)) * step;
  for (double k = k_lo; k <= k_hi; ++k) {
    double value = k * step;
    if (k == 0) value = 0;  // never "-0"
    ticks.push_back(Tick{value, absl::StrFormat("%.12g", value),
                         FormatLinearTick(value, step, max_abs),
                         /*major=*/true});
  }
  return ticks;
}

// Powers of ten inside [lo, hi] (every `stride`-th decade if there are many)
// and, over at most five decades, unlabelled minor ticks at 2..9 x 10^e.
std::vector<Tick> LogTicks(double lo, double hi) {
  std::vector<Tick> ticks;
  const int e_lo = static_cast<int>(std::ceil(std::log10(lo) - kTickEpsilon));
  const int e_hi = static_cast<int>(std::floor(std::log10(hi) + kTickEpsilon));
  const int decades = e_hi - e_lo;
  const int stride = std::max(1, (decades + 5) / 6);
  for (int e = e_lo; e <= e_hi; e += stride) {
    ticks.push_back(
        Tick{std::pow(10.0, e), absl::StrFormat("1e%d", e),
             absl::StrCat("10<tspan dy=\"-5\" font-size=\"8\">", e, "</tspan>"),
             /*major=*/true});
  }
  if (std::log10(hi) - std::log10(lo) <= 5 + kTickEpsilon) {
    const int first = static_cast<int>(std::floor(std::log10(lo)));
    for (int e = first; std::pow(10.0, e) <= hi; ++e) {
      for (int m = 2; m <= 9; ++m) {
        const double v = m * std::pow(10.0, e);
        if (v < lo || v > hi) continue;
        ticks.push_back(Tick{v, absl::StrFormat("%de%d", m, e), "", false});
      }
    }
  }
  return ticks;
}

// Pads a degenerate [v, v] range.
void WidenIfEmpty(double* lo, double* hi) {
  if (*hi > *lo) return;
  const double pad = *lo == 0 ? 1.0 : std::abs(*lo) * 0.1;
  *lo -= pad;
  *hi += pad;
}

bool Drawable(double x, double y, bool log) {
  return std::isfinite(x) && std::isfinite(y) && (!log || y > 0);
}

// What a panel's data needs from its axes.
struct DataExtent {
  double x_min = INFINITY, x_max = -INFINITY;
  double y_min = INFINITY, y_max = -INFINITY;
  int skipped_non_positive = 0;  // log axis only
  bool any() const { return x_min <= x_max; }
};

DataExtent MeasureExtent(const PlotPanel& panel) {
  const bool log = panel.y_scale == AxisScale::kLog;
  DataExtent extent;
  auto add = [&](double x, double y) {
    if (std::isfinite(x) && std::isfinite(y) && log && y <= 0) {
      ++extent.skipped_non_positive;
    }
    if (!Drawable(x, y, log)) return;
    extent.x_min = std::min(extent.x_min, x);
    extent.x_max = std::max(extent.x_max, x);
    extent.y_min = std::min(extent.y_min, y);
    extent.y_max = std::max(extent.y_max, y);
  };
  for (const PlotSeries& series : panel.series) {
    for (const PlotPoint& p : series.points) add(p.x, p.y);
    for (const BandPoint& b : series.band) {
      add(b.x, b.lower);
      add(b.x, b.upper);
    }
  }
  return extent;
}

Axis MakeXAxis(const DataExtent& extent, const Rect& frame) {
  Axis axis;
  if (extent.any()) {
    axis.lo = extent.x_min;
    axis.hi = extent.x_max;
  }
  WidenIfEmpty(&axis.lo, &axis.hi);
  axis.pixel_lo = frame.left + kInset;
  axis.pixel_hi = frame.right - kInset;
  // Fewer ticks while neighbouring labels would touch.
  for (int intervals = std::max(
           2, static_cast<int>(std::lround((frame.right - frame.left) / 75.0)));
       ; --intervals) {
    const double step = NiceTickStep(axis.hi - axis.lo, intervals);
    axis.ticks = LinearTicks(axis.lo, axis.hi, step);
    size_t widest = 0;
    for (const Tick& t : axis.ticks) widest = std::max(widest, t.label.size());
    const double spacing =
        step / (axis.hi - axis.lo) * (axis.pixel_hi - axis.pixel_lo);
    if (intervals == 1 || spacing >= widest * kCharWidth + 10) break;
  }
  return axis;
}

Axis MakeYAxis(const PlotPanel& panel, const DataExtent& extent,
               const Rect& frame) {
  Axis axis;
  axis.log = panel.y_scale == AxisScale::kLog;
  axis.pixel_lo = frame.bottom - kInset;
  axis.pixel_hi = frame.top + kInset;
  const int intervals = std::max(
      2, static_cast<int>(std::lround((frame.bottom - frame.top) / 45.0)));
  if (panel.y_range.has_value()) {
    axis.lo = panel.y_range->min;
    axis.hi = panel.y_range->max;
  } else if (axis.log) {
    axis.lo = 1;
    axis.hi = 10;
    if (extent.any()) {
      const double e_lo = std::floor(std::log10(extent.y_min) + kTickEpsilon);
      double e_hi = std::ceil(std::log10(extent.y_max) - kTickEpsilon);
      if (e_hi <= e_lo) e_hi = e_lo + 1;
      axis.lo = std::pow(10.0, e_lo);
      axis.hi = std::pow(10.0, e_hi);
    }
  } else {
    axis.lo = 0;
    axis.hi = 1;
    if (extent.any()) {
      axis.lo = extent.y_min;
      axis.hi = extent.y_max;
      WidenIfEmpty(&axis.lo, &axis.hi);
      // The step of the data's span; the extended range keeps it, so its
      // ends are ticks.
      const double step = NiceTickStep(axis.hi - axis.lo, intervals);
      axis.lo = std::floor(axis.lo / step + kTickEpsilon) * step;
      axis.hi = std::ceil(axis.hi / step - kTickEpsilon) * step;
      axis.ticks = LinearTicks(axis.lo, axis.hi, step);
      return axis;
    }
  }
  axis.ticks = axis.log
                   ? LogTicks(axis.lo, axis.hi)
                   : LinearTicks(axis.lo, axis.hi,
                                 NiceTickStep(axis.hi - axis.lo, intervals));
  return axis;
}

// The unbroken runs of drawable points, in pixels.
std::vector<std::vector<PixelPoint>> Segments(const PlotSeries& series,
                                              const Axis& x, const Axis& y) {
  std::vector<std::vector<PixelPoint>> segments(1);
  for (const PlotPoint& p : series.points) {
    if (Drawable(p.x, p.y, y.log)) {
      segments.back().push_back({x.ToPixel(p.x), y.ToPixel(p.y)});
    } else if (!segments.back().empty()) {
      segments.emplace_back();
    }
  }
  if (segments.back().empty()) segments.pop_back();
  return segments;
}

// Band outlines: upper edge left to right, then lower edge back.
std::vector<std::string> BandPaths(const PlotSeries& series, const Axis& x,
                                   const Axis& y) {
  std::vector<std::vector<const BandPoint*>> runs(1);
  for (const BandPoint& b : series.band) {
    if (Drawable(b.x, b.lower, y.log) && Drawable(b.x, b.upper, y.log)) {
      runs.back().push_back(&b);
    } else if (!runs.back().empty()) {
      runs.emplace_back();
    }
  }
  std::vector<std::string> paths;
  for (const auto& run : runs) {
    if (run.empty()) continue;
    std::string d;
    for (size_t i = 0; i < run.size(); ++i) {
      absl::StrAppend(&d, i == 0 ? "M" : " L", Px(x.ToPixel(run[i]->x)), ",",
                      Px(y.ToPixel(run[i]->upper)));
    }
    for (size_t i = run.size(); i-- > 0;) {
      absl::StrAppend(&d, " L", Px(x.ToPixel(run[i]->x)), ",",
                      Px(y.ToPixel(run[i]->lower)));
    }
    absl::StrAppend(&d, " Z");
    paths.push_back(std::move(d));
  }
  return paths;
}

std::string SeriesColor(const PlotSeries& series, int index) {
  return series.color.empty() ? PaletteColor(index) : series.color;
}

absl::Status ValidatePanel(const PlotPanel& panel, int index) {
  if (!panel.y_range.has_value()) return absl::OkStatus();
  const AxisRange& r = *panel.y_range;
  const std::string where =
      absl::StrCat("panel ", index, " (\"", panel.title, "\"): y_range [",
                   r.min, ", ", r.max, "]");
  if (!std::isfinite(r.min) || !std::isfinite(r.max) || r.min >= r.max) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, " must be finite with min < max"));
  }
  if (panel.y_scale == AxisScale::kLog && r.min <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, " must be positive on a log axis"));
  }
  return absl::OkStatus();
}

void AppendText(std::string* svg, double x, double y, absl::string_view cls,
                absl::string_view attributes, absl::string_view content) {
  absl::StrAppend(svg, "<text class=\"", cls, "\" x=\"", Px(x), "\" y=\"",
                  Px(y), "\"", attributes, ">", content, "</text>\n");
}

void RenderAxes(const Axis& x, const Axis& y, const Rect& frame,
                std::string* svg) {
  // Grid lines under the data.
  absl::StrAppend(svg, "<g class=\"grid\" stroke=\"#e8e8e8\" ",
                  "stroke-width=\"1\">\n");
  for (const Tick& t : x.ticks) {
    const double px = x.ToPixel(t.value);
    absl::StrAppend(svg, "<line x1=\"", Px(px), "\" y1=\"", Px(frame.top),
                    "\" x2=\"", Px(px), "\" y2=\"", Px(frame.bottom), "\"/>\n");
  }
  for (const Tick& t : y.ticks) {
    if (!t.major) continue;
    const double py = y.ToPixel(t.value);
    const bool zero = !y.log && t.value == 0;
    absl::StrAppend(svg, "<line x1=\"", Px(frame.left), "\" y1=\"", Px(py),
                    "\" x2=\"", Px(frame.right), "\" y2=\"", Px(py), "\"",
                    zero ? " stroke=\"#b0b0b0\"" : "", "/>\n");
  }
  absl::StrAppend(svg, "</g>\n");

  absl::StrAppend(svg, "<g class=\"x-axis\" data-scale=\"linear\" ",
                  "stroke=\"#444444\" font-size=\"11\" ",
                  "text-anchor=\"middle\">\n");
  for (const Tick& t : x.ticks) {
    const double px = x.ToPixel(t.value);
    absl::StrAppend(svg, "<line class=\"tick\" data-value=\"", t.data_value,
                    "\" x1=\"", Px(px), "\" y1=\"", Px(frame.bottom),
                    "\" x2=\"", Px(px), "\" y2=\"", Px(frame.bottom + 5),
                    "\"/>\n");
    AppendText(svg, px, frame.bottom + 17, "tick-label",
               " stroke=\"none\" fill=\"#333333\"", t.label);
  }
  absl::StrAppend(svg, "</g>\n");

  absl::StrAppend(
      svg, "<g class=\"y-axis\" data-scale=\"", y.log ? "log" : "linear",
      "\" stroke=\"#444444\" font-size=\"11\" ", "text-anchor=\"end\">\n");
  for (const Tick& t : y.ticks) {
    const double py = y.ToPixel(t.value);
    absl::StrAppend(svg, "<line class=\"", t.major ? "tick" : "minor-tick",
                    "\" data-value=\"", t.data_value, "\" x1=\"",
                    Px(frame.left - (t.major ? 5 : 3)), "\" y1=\"", Px(py),
                    "\" x2=\"", Px(frame.left), "\" y2=\"", Px(py), "\"/>\n");
    if (t.major) {
      AppendText(svg, frame.left - 8, py + 4, "tick-label",
                 " stroke=\"none\" fill=\"#333333\"", t.label);
    }
  }
  absl::StrAppend(svg, "</g>\n");
}

// Places the legend in the inside corner that covers the fewest line
// points (sampled along every segment).
void RenderLegend(const PlotPanel& panel,
                  const std::vector<std::vector<std::vector<PixelPoint>>>&
                      segments_per_series,
                  const Rect& frame, std::string* svg) {
  std::vector<int> entries;
  int max_chars = 0;
  for (size_t i = 0; i < panel.series.size(); ++i) {
    if (panel.series[i].name.empty()) continue;
    entries.push_back(static_cast<int>(i));
    max_chars = std::max(max_chars, CountCodePoints(panel.series[i].name));
  }
  if (entries.empty()) return;
  constexpr double kRow = 16;
  const double width = 44 + max_chars * kCharWidth;
  const double height = 8 + kRow * entries.size();
  const double pad = 6;
  const PixelPoint corners[] = {
      {frame.right - pad - width, frame.top + pad},              // top right
      {frame.left + pad, frame.top + pad},                       // top left
      {frame.right - pad - width, frame.bottom - pad - height},  // bottom right
      {frame.left + pad, frame.bottom - pad - height},           // bottom left
  };
  std::vector<PixelPoint> samples;
  for (const auto& segments : segments_per_series) {
    for (const auto& segment : segments) {
      for (size_t i = 0; i < segment.size(); ++i) {
        samples.push_back(segment[i]);
        if (i + 1 == segment.size()) continue;
        for (int s = 1; s < 10; ++s) {
          const double t = s / 10.0;
          samples.push_back(
              {segment[i].x + t * (segment[i + 1].x - segment[i].x),
               segment[i].y + t * (segment[i + 1].y - segment[i].y)});
        }
      }
    }
  }
  int best = 0;
  size_t best_hits = samples.size() + 1;
  for (int c = 0; c < 4; ++c) {
    const Rect box{corners[c].x, corners[c].y, corners[c].x + width,
                   corners[c].y + height};
    size_t hits = 0;
    for (const PixelPoint& p : samples) hits += box.Contains(p.x, p.y);
    if (hits < best_hits) {
      best_hits = hits;
      best = c;
    }
  }
  const double bx = corners[best].x;
  const double by = corners[best].y;
  absl::StrAppend(svg, "<g class=\"legend\" font-size=\"11\">\n", "<rect x=\"",
                  Px(bx), "\" y=\"", Px(by), "\" width=\"", Px(width),
                  "\" height=\"", Px(height),
                  "\" fill=\"#ffffff\" fill-opacity=\"0.85\" ",
                  "stroke=\"#cccccc\" rx=\"3\"/>\n");
  for (size_t e = 0; e < entries.size(); ++e) {
    const PlotSeries& series = panel.series[entries[e]];
    const std::string color = XmlEscape(SeriesColor(series, entries[e]));
    const double y = by + 4 + kRow * (e + 0.5);
    absl::StrAppend(svg, "<g class=\"legend-entry\" data-name=\"",
                    XmlEscape(series.name), "\">\n");
    absl::StrAppend(svg, "<line x1=\"", Px(bx + 8), "\" y1=\"", Px(y),
                    "\" x2=\"", Px(bx + 32), "\" y2=\"", Px(y), "\" stroke=\"",
                    color, "\" stroke-width=\"", Px(kLineWidth), "\"");
    if (!series.dash.empty()) {
      absl::StrAppend(svg, " stroke-dasharray=\"", XmlEscape(series.dash),
                      "\"");
    }
    absl::StrAppend(svg, "/>\n");
    if (series.markers) {
      absl::StrAppend(svg, "<circle cx=\"", Px(bx + 20), "\" cy=\"", Px(y),
                      "\" r=\"", Px(kMarkerRadius), "\" fill=\"", color,
                      "\"/>\n");
    }
    AppendText(svg, bx + 38, y + 4, "legend-label", " fill=\"#222222\"",
               XmlEscape(series.name));
    absl::StrAppend(svg, "</g>\n");
  }
  absl::StrAppend(svg, "</g>\n");
}

void RenderPanel(const PlotPanel& panel, int index, double px, double py,
                 double width, double height, std::string* svg) {
  const Rect frame{px + kMarginLeft, py + kMarginTop, px + width - kMarginRight,
                   py + height - kMarginBottom};
  const DataExtent extent = MeasureExtent(panel);
  const Axis x = MakeXAxis(extent, frame);
  const Axis y = MakeYAxis(panel, extent, frame);
  const std::string clip_id = absl::StrCat("clip-", index);

  absl::StrAppend(svg, "<g class=\"panel\" data-index=\"", index, "\">\n");
  absl::StrAppend(svg, "<clipPath id=\"", clip_id, "\"><rect x=\"",
                  Px(frame.left), "\" y=\"", Px(frame.top), "\" width=\"",
                  Px(frame.right - frame.left), "\" height=\"",
                  Px(frame.bottom - frame.top), "\"/></clipPath>\n");
  absl::StrAppend(svg, "<rect class=\"plot-area\" x=\"", Px(frame.left),
                  "\" y=\"", Px(frame.top), "\" width=\"",
                  Px(frame.right - frame.left), "\" height=\"",
                  Px(frame.bottom - frame.top),
                  "\" fill=\"#ffffff\" stroke=\"none\"/>\n");
  AppendText(svg, (frame.left + frame.right) / 2, py + 20, "panel-title",
             " font-size=\"13\" font-weight=\"bold\" text-anchor=\"middle\" "
             "fill=\"#111111\"",
             XmlEscape(panel.title));
  std::vector<std::string> notes;
  if (!extent.any()) notes.push_back("no data");
  if (extent.skipped_non_positive > 0) {
    notes.push_back(absl::StrCat(extent.skipped_non_positive,
                                 " non-positive value",
                                 extent.skipped_non_positive == 1 ? "" : "s",
                                 " not shown on the log axis"));
  }
  for (size_t i = 0; i < notes.size(); ++i) {
    AppendText(svg, (frame.left + frame.right) / 2, py + 34 + 11 * i, "note",
               " font-size=\"10\" font-style=\"italic\" "
               "text-anchor=\"middle\" fill=\"#8a4b00\"",
               XmlEscape(notes[i]));
  }

  RenderAxes(x, y, frame, svg);
  AppendText(svg, (frame.left + frame.right) / 2, frame.bottom + 36,
             "axis-label",
             " data-axis=\"x\" font-size=\"12\" text-anchor=\"middle\" "
             "fill=\"#222222\"",
             XmlEscape(panel.x_label));
  const double label_x = px + 16;
  const double label_y = (frame.top + frame.bottom) / 2;
  AppendText(svg, label_x, label_y, "axis-label",
             absl::StrCat(" data-axis=\"y\" font-size=\"12\" "
                          "text-anchor=\"middle\" fill=\"#222222\" "
                          "transform=\"rotate(-90 ",
                          Px(label_x), " ", Px(label_y), ")\""),
             XmlEscape(panel.y_label));

  // Bands first, so that no band covers a line.
  for (size_t s = 0; s < panel.series.size(); ++s) {
    const PlotSeries& series = panel.series[s];
    for (const std::string& d : BandPaths(series, x, y)) {
      absl::StrAppend(svg, "<path class=\"band\" data-name=\"",
                      XmlEscape(series.name), "\" clip-path=\"url(#", clip_id,
                      ")\" d=\"", d, "\" fill=\"",
                      XmlEscape(SeriesColor(series, s)),
                      "\" fill-opacity=\"0.18\" stroke=\"none\"/>\n");
    }
  }
  std::vector<std::vector<std::vector<PixelPoint>>> segments_per_series;
  for (size_t s = 0; s < panel.series.size(); ++s) {
    const PlotSeries& series = panel.series[s];
    const std::string color = XmlEscape(SeriesColor(series, s));
    segments_per_series.push_back(Segments(series, x, y));
    absl::StrAppend(svg, "<g class=\"series\" data-name=\"",
                    XmlEscape(series.name), "\" clip-path=\"url(#", clip_id,
                    ")\">\n");
    for (const std::vector<PixelPoint>& segment : segments_per_series.back()) {
      std::vector<std::string> points;
      for (const PixelPoint& p : segment) {
        points.push_back(absl::StrCat(Px(p.x), ",", Px(p.y)));
      }
      absl::StrAppend(svg, "<polyline class=\"segment\" points=\"",
                      absl::StrJoin(points, " "), "\" fill=\"none\" stroke=\"",
                      color, "\" stroke-width=\"", Px(kLineWidth),
                      "\" stroke-linejoin=\"round\" stroke-linecap=\"round\"");
      if (!series.dash.empty()) {
        absl::StrAppend(svg, " stroke-dasharray=\"", XmlEscape(series.dash),
                        "\"");
      }
      absl::StrAppend(svg, "/>\n");
    }
    for (const std::vector<PixelPoint>& segment : segments_per_series.back()) {
      // A lone point has no line, so it always gets a marker.
      if (!series.markers && segment.size() > 1) continue;
      for (const PixelPoint& p : segment) {
        absl::StrAppend(svg, "<circle class=\"marker\" cx=\"", Px(p.x),
                        "\" cy=\"", Px(p.y), "\" r=\"", Px(kMarkerRadius),
                        "\" fill=\"", color, "\"/>\n");
      }
    }
    absl::StrAppend(svg, "</g>\n");
  }
  absl::StrAppend(svg, "<rect class=\"frame\" x=\"", Px(frame.left), "\" y=\"",
                  Px(frame.top), "\" width=\"", Px(frame.right - frame.left),
                  "\" height=\"", Px(frame.bottom - frame.top),
                  "\" fill=\"none\" stroke=\"#444444\" stroke-width=\"1\"/>\n");
  RenderLegend(panel, segments_per_series, frame, svg);
  absl::StrAppend(svg, "</g>\n");
}

}  // namespace

double NiceTickStep(double span, int target_intervals) {
  const double raw = span / std::max(1, target_intervals);
  if (!(raw > 0) || !std::isfinite(raw)) return 1;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / magnitude;
  const double nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  return nice * magnitude;
}

std::string XmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' &&
            c != '\r') {
          out += ' ';
        } else {
          out += c;
        }
    }
  }
  return out;
}

absl::StatusOr<std::string> RenderSvg(const PlotFigure& figure) {
  if (figure.panels.empty()) {
    return absl::InvalidArgumentError("a figure needs at least one panel");
  }
  if (figure.max_columns < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_columns must be at least 1, got ", figure.max_columns));
  }
  if (!(figure.panel_width >= 200) || !(figure.panel_height >= 150) ||
      !std::isfinite(figure.panel_width) ||
      !std::isfinite(figure.panel_height)) {
    return absl::InvalidArgumentError(
        absl::StrCat("panels must be at least 200 x 150 pixels, got ",
                     figure.panel_width, " x ", figure.panel_height));
  }
  for (size_t i = 0; i < figure.panels.size(); ++i) {
    absl::Status status = ValidatePanel(figure.panels[i], i);
    if (!status.ok()) return status;
  }
  const int n = static_cast<int>(figure.panels.size());
  const int columns = std::min(figure.max_columns, n);
  const int rows = (n + columns - 1) / columns;
  const double top = figure.title.empty() ? 0 : kFigureTitleHeight;
  const double width = columns * figure.panel_width;
  const double height = top + rows * figure.panel_height;

  std::string svg = absl::StrCat(
      "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n",
      "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" ",
      "class=\"figure\" width=\"", Px(width), "\" height=\"", Px(height),
      "\" viewBox=\"0 0 ", Px(width), " ", Px(height),
      "\" font-family=\"sans-serif\">\n");
  absl::StrAppend(&svg, "<rect class=\"background\" x=\"0\" y=\"0\" width=\"",
                  Px(width), "\" height=\"", Px(height),
                  "\" fill=\"#ffffff\"/>\n");
  if (!figure.title.empty()) {
    AppendText(&svg, width / 2, 23, "figure-title",
               " font-size=\"16\" font-weight=\"bold\" text-anchor=\"middle\" "
               "fill=\"#111111\"",
               XmlEscape(figure.title));
  }
  for (int i = 0; i < n; ++i) {
    RenderPanel(figure.panels[i], i, (i % columns) * figure.panel_width,
                top + (i / columns) * figure.panel_height, figure.panel_width,
                figure.panel_height, &svg);
  }
  absl::StrAppend(&svg, "</svg>\n");
  return svg;
}

}  // namespace nfalab
