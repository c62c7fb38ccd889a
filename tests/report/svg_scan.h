// Test-only reading of the SVG documents written by report/svg_plot.h:
// libxml2's parser, turned into a small element tree (so a test can assert
// well-formedness and walk the tree), and helpers that invert the axis transforms from the tick
// marks (so a test can map drawn pixels back to data values).
//
//   NFALAB_ASSERT_OK_AND_ASSIGN(XmlElement svg, ParseXml(document));
//   for (const XmlElement* panel : svg.FindByClass("panel")) {
//     NFALAB_ASSERT_OK_AND_ASSIGN(PanelView view, ReadPanel(*panel));
//     double y = view.y.ToData(pixel_y);
//   }
#ifndef NFALAB_TESTS_REPORT_SVG_SCAN_H_
#define NFALAB_TESTS_REPORT_SVG_SCAN_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nfalab::testing {

struct XmlElement {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attributes;  // decoded
  std::vector<XmlElement> children;
  std::string text;  // decoded character data directly inside this element

  // The attribute's decoded value, or nullptr.
  const std::string* Attribute(absl::string_view key) const;
  // The attribute parsed as a double; NaN if absent or not a number.
  double Number(absl::string_view key) const;
  bool HasClass(absl::string_view cls) const;
  // Descendants (not this element) with the class, in document order.
  std::vector<const XmlElement*> FindByClass(absl::string_view cls) const;
  // Descendants with the element name, in document order.
  std::vector<const XmlElement*> FindByName(absl::string_view name) const;
  // This element's text followed by its descendants' text, depth first.
  std::string AllText() const;
};

// Parses a document with libxml2 (no network, no recovery).
// InvalidArgument, with libxml2's line and message, for anything not
// well-formed: unbalanced or mismatched tags, unquoted or duplicate
// attributes, a raw '<' or an unknown entity, content after the root.
absl::StatusOr<XmlElement> ParseXml(absl::string_view document);

// "x1,y1 x2,y2 ..." (a polyline's points) as pairs.
absl::StatusOr<std::vector<std::pair<double, double>>> ParsePoints(
    absl::string_view points);

// The (x, y) pairs of an SVG path made of M/L/Z commands with "x,y" pairs.
absl::StatusOr<std::vector<std::pair<double, double>>> ParsePathPoints(
    absl::string_view d);

// pixel = offset + scale * t with t = value (linear) or log10(value) (log),
// fitted through the axis' major tick marks.
struct AxisFit {
  bool log = false;
  double offset = 0;
  double scale = 1;
  double ToPixel(double value) const;
  double ToData(double pixel) const;
};

struct Rect {
  double x = 0, y = 0, width = 0, height = 0;
  bool Contains(double px, double py) const {
    return px >= x && px <= x + width && py >= y && py <= y + height;
  }
};

// One <g class="panel"> of a figure, decoded.
struct PanelView {
  const XmlElement* group = nullptr;
  std::string title;
  Rect plot_area;
  AxisFit x;
  AxisFit y;
  std::vector<double> x_ticks;  // major tick values, in order
  std::vector<double> y_ticks;
  std::vector<std::string> legend_names;
  std::vector<std::string> series_names;  // every <g class="series">
  // Per series (same order): the drawn points of each polyline segment.
  std::vector<std::vector<std::vector<std::pair<double, double>>>> segments;
  std::vector<std::string> notes;
};

// Decodes a panel group; an error if a part is missing, the tick marks are
// not evenly spaced in data (or log10 data) or a coordinate is not a number.
absl::StatusOr<PanelView> ReadPanel(const XmlElement& panel);

// All panels of a parsed figure, in document order.
absl::StatusOr<std::vector<PanelView>> ReadPanels(const XmlElement& svg);

}  // namespace nfalab::testing

#endif  // NFALAB_TESTS_REPORT_SVG_SCAN_H_
