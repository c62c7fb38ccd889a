// svg_plot: line plots rendered to a standalone SVG 1.1 document, with no
// dependency beyond absl (no plotting program, no font files: text uses the
// generic "sans-serif" family).
//
// A PlotFigure is a grid of PlotPanels (row-major, at most `max_columns`
// per row). Each panel has a title, axis labels, line series (optionally with
// a shaded band, e.g. mean ± std), "nice" ticks (1-2-5 steps; powers of ten on
// a log axis), a legend and, when something could not be drawn, a note.
//
//   nfalab::PlotFigure figure;
//   figure.title = "teacher_mlp";
//   nfalab::PlotPanel panel;
//   panel.title = "Layer 1";
//   panel.x_label = "epoch";
//   panel.y_label = "Pearson correlation";
//   panel.y_range = nfalab::AxisRange{0.0, 1.0};    // else automatic
//   nfalab::PlotSeries uc;
//   uc.name = "UC-NFC";
//   uc.color = "#1f77b4";
//   uc.points = {{0, 0.35}, {1, 0.38}, {2, NAN}, {3, 0.41}};  // NaN: a gap
//   uc.band = {{0, 0.30, 0.40}, {1, 0.33, 0.43}};   // optional, x/lower/upper
//   panel.series.push_back(uc);
//   figure.panels.push_back(panel);
//   absl::StatusOr<std::string> svg = nfalab::RenderSvg(figure);
//
// Semantics:
// - A point (or band point) with a NaN or infinite coordinate is not drawn
//   and breaks the line (or band) into separate segments.
// - Axes: x always spans exactly the finite data (padded by a few pixels so
//   markers stay inside the frame). An automatic linear y range is the data
//   range extended outwards to the enclosing ticks, so the tick labels always
//   cover the data. A log y axis spans whole decades; non-positive values
//   cannot be drawn on it and are skipped (and counted in a note). A fixed
//   `y_range` is used as given; series are clipped to the plot frame.
// - The legend (series with a non-empty name) goes to the inside corner of
//   the plot frame that hides the fewest data points.
// - Output is deterministic: the same figure gives the same bytes (fixed
//   "%.2f" pixel coordinates, no hashing or time stamps).
//
// Document structure (stable class names, so tests and scripts can find the
// parts; pixel coordinates are absolute, there are no transforms except the
// rotation of the y-axis label):
//
//   <svg class="figure" ...>
//     <text class="figure-title">                  (if the title is set)
//     <g class="panel" data-index="i">
//       <rect class="plot-area" x y width height/>  every drawn point lies in
//       it <text class="panel-title">, <text class="note">... <g class="x-axis"
//       data-scale="linear">, <g class="y-axis"
//         data-scale="linear|log">: per tick <line class="tick" data-value=v>
//         (x1 = x2 on the x axis, y1 = y2 on the y axis) and
//         <text class="tick-label">; log axes also have class="minor-tick"
//       <text class="axis-label" data-axis="x|y">
//       <path class="band" data-name=...>          (one per band segment)
//       <g class="series" data-name=...>: <polyline class="segment"
//         points="x,y x,y ..."> per unbroken run, <circle class="marker">
//       <g class="legend">: <g class="legend-entry" data-name=...>
//     </g>
//   </svg>
#ifndef NFALAB_REPORT_SVG_PLOT_H_
#define NFALAB_REPORT_SVG_PLOT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nfalab {

struct PlotPoint {
  double x;
  double y;
};

// One point of a shaded band: the area between `lower` and `upper` at `x`.
struct BandPoint {
  double x;
  double lower;
  double upper;
};

struct PlotSeries {
  std::string name;   // legend text; empty = not in the legend
  std::string color;  // any SVG color ("#1f77b4", "green"); empty = palette
  std::string dash;   // SVG stroke-dasharray ("6,3"); empty = solid
  std::vector<PlotPoint> points;
  std::vector<BandPoint> band;  // empty = no band
  bool markers = true;          // a dot at every drawn point
};

struct AxisRange {
  double min;
  double max;
};

enum class AxisScale { kLinear, kLog };

struct PlotPanel {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<PlotSeries> series;
  AxisScale y_scale = AxisScale::kLinear;
  // Fixed y range (min < max, both > 0 on a log axis); unset = automatic.
  std::optional<AxisRange> y_range;
};

struct PlotFigure {
  std::string title;
  std::vector<PlotPanel> panels;
  int max_columns = 3;
  double panel_width = 380;   // pixels, >= 200
  double panel_height = 280;  // pixels, >= 150
};

// The figure as an SVG 1.1 document. InvalidArgument for a figure without
// panels, a bad layout (max_columns < 1, panels too small) or a bad fixed
// y range (not finite, min >= max, or not positive on a log axis).
absl::StatusOr<std::string> RenderSvg(const PlotFigure& figure);

// `text` with &, <, >, " and ' replaced by entities and the control
// characters XML 1.0 forbids replaced by spaces; usable in text and
// attribute values.
std::string XmlEscape(absl::string_view text);

// The "nice" tick step for a range of `span` split into about
// `target_intervals` intervals: 1, 2 or 5 times a power of ten.
double NiceTickStep(double span, int target_intervals);

}  // namespace nfalab

#endif  // NFALAB_REPORT_SVG_PLOT_H_
