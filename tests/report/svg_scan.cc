#include "tests/report/svg_scan.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace nfalab::testing {
namespace {

std::string ToString(const xmlChar* text) {
  return text == nullptr ? "" : reinterpret_cast<const char*>(text);
}

// "prefix:name", or "name" without a namespace prefix.
std::string QualifiedName(const xmlNs* ns, const xmlChar* name) {
  if (ns == nullptr || ns->prefix == nullptr) return ToString(name);
  return absl::StrCat(ToString(ns->prefix), ":", ToString(name));
}

// The element tree below `node`, with entities decoded by libxml2. Namespace
// declarations (xmlns, xmlns:p), which libxml2 keeps apart, are listed as the
// attributes they are in the text.
XmlElement Convert(const xmlNode* node) {
  XmlElement element;
  element.name = QualifiedName(node->ns, node->name);
  for (const xmlNs* ns = node->nsDef; ns != nullptr; ns = ns->next) {
    element.attributes.emplace_back(
        ns->prefix == nullptr ? "xmlns"
                              : absl::StrCat("xmlns:", ToString(ns->prefix)),
        ToString(ns->href));
  }
  for (const xmlAttr* attribute = node->properties; attribute != nullptr;
       attribute = attribute->next) {
    xmlChar* value = xmlNodeGetContent(attribute->children);
    element.attributes.emplace_back(
        QualifiedName(attribute->ns, attribute->name), ToString(value));
    xmlFree(value);
  }
  for (const xmlNode* child = node->children; child != nullptr;
       child = child->next) {
    if (child->type == XML_ELEMENT_NODE) {
      element.children.push_back(Convert(child));
    } else if (child->type == XML_TEXT_NODE ||
               child->type == XML_CDATA_SECTION_NODE) {
      element.text += ToString(child->content);
    }
  }
  return element;
}

void Collect(const XmlElement& element, absl::string_view cls,
             absl::string_view name, std::vector<const XmlElement*>* out) {
  for (const XmlElement& child : element.children) {
    if ((!cls.empty() && child.HasClass(cls)) ||
        (!name.empty() && child.name == name)) {
      out->push_back(&child);
    }
    Collect(child, cls, name, out);
  }
}

absl::StatusOr<double> RequireNumber(const XmlElement& element,
                                     absl::string_view key) {
  const double v = element.Number(key);
  if (std::isnan(v)) {
    return absl::InvalidArgumentError(
        absl::StrCat("<", element.name, "> has no numeric ", key));
  }
  return v;
}

absl::StatusOr<const XmlElement*> OnlyOne(const XmlElement& parent,
                                          absl::string_view cls) {
  std::vector<const XmlElement*> found = parent.FindByClass(cls);
  if (found.size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected one class=\"", cls, "\", found ", found.size()));
  }
  return found[0];
}

// Fits the axis through its tick marks and returns their values.
absl::StatusOr<AxisFit> FitAxis(const XmlElement& axis, bool horizontal,
                                std::vector<double>* values) {
  AxisFit fit;
  const std::string* scale = axis.Attribute("data-scale");
  fit.log = scale != nullptr && *scale == "log";
  std::vector<std::pair<double, double>> ticks;  // (t, pixel)
  for (const XmlElement* tick : axis.FindByClass("tick")) {
    const double v = tick->Number("data-value");
    const double a = tick->Number(horizontal ? "x1" : "y1");
    const double b = tick->Number(horizontal ? "x2" : "y2");
    if (std::isnan(v) || std::isnan(a) || a != b) {
      return absl::InvalidArgumentError("malformed tick mark");
    }
    if (fit.log && !(v > 0)) {
      return absl::InvalidArgumentError("non-positive tick on a log axis");
    }
    values->push_back(v);
    ticks.emplace_back(fit.log ? std::log10(v) : v, a);
  }
  if (ticks.size() < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("axis has ", ticks.size(), " tick marks, need 2"));
  }
  const auto& first = ticks.front();
  const auto& last = ticks.back();
  if (first.first == last.first) {
    return absl::InvalidArgumentError("all ticks have the same value");
  }
  fit.scale = (last.second - first.second) / (last.first - first.first);
  fit.offset = first.second - fit.scale * first.first;
  for (const auto& [t, pixel] : ticks) {
    if (std::abs(fit.offset + fit.scale * t - pixel) > 0.02) {
      return absl::InvalidArgumentError(absl::StrCat(
          "tick ", t, " at pixel ", pixel, " is off the axis' linear map"));
    }
  }
  return fit;
}

}  // namespace

const std::string* XmlElement::Attribute(absl::string_view key) const {
  for (const auto& [k, v] : attributes) {
    if (k == key) return &v;
  }
  return nullptr;
}

double XmlElement::Number(absl::string_view key) const {
  const std::string* value = Attribute(key);
  double v;
  if (value == nullptr || !absl::SimpleAtod(*value, &v)) return NAN;
  return v;
}

bool XmlElement::HasClass(absl::string_view cls) const {
  const std::string* value = Attribute("class");
  if (value == nullptr) return false;
  for (absl::string_view c : absl::StrSplit(*value, ' ', absl::SkipEmpty())) {
    if (c == cls) return true;
  }
  return false;
}

std::vector<const XmlElement*> XmlElement::FindByClass(
    absl::string_view cls) const {
  std::vector<const XmlElement*> out;
  Collect(*this, cls, "", &out);
  return out;
}

std::vector<const XmlElement*> XmlElement::FindByName(
    absl::string_view name) const {
  std::vector<const XmlElement*> out;
  Collect(*this, "", name, &out);
  return out;
}

std::string XmlElement::AllText() const {
  std::string out = text;
  for (const XmlElement& child : children) out += child.AllText();
  return out;
}

absl::StatusOr<XmlElement> ParseXml(absl::string_view document) {
  xmlParserCtxtPtr context = xmlNewParserCtxt();
  if (context == nullptr) return absl::InternalError("xmlNewParserCtxt failed");
  // No network, no recovery, and no printing: the error is returned instead.
  xmlDocPtr doc = xmlCtxtReadMemory(
      context, document.data(), static_cast<int>(document.size()), "svg.xml",
      nullptr, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  const bool well_formed = doc != nullptr && context->wellFormed;
  std::string error = "libxml2 gave no document";
  if (const xmlError* last = xmlCtxtGetLastError(context); last != nullptr) {
    error = absl::StrCat(
        "line ", last->line, ": ",
        absl::StripTrailingAsciiWhitespace(
            last->message != nullptr ? last->message : "unknown error"));
  }
  xmlFreeParserCtxt(context);
  if (!well_formed) {
    if (doc != nullptr) xmlFreeDoc(doc);
    return absl::InvalidArgumentError(
        absl::StrCat("not well-formed XML: ", error));
  }
  XmlElement root = Convert(xmlDocGetRootElement(doc));
  xmlFreeDoc(doc);
  return root;
}

absl::StatusOr<std::vector<std::pair<double, double>>> ParsePoints(
    absl::string_view points) {
  std::vector<std::pair<double, double>> out;
  for (absl::string_view pair :
       absl::StrSplit(points, ' ', absl::SkipWhitespace())) {
    std::vector<absl::string_view> xy = absl::StrSplit(pair, ',');
    double x, y;
    if (xy.size() != 2 || !absl::SimpleAtod(xy[0], &x) ||
        !absl::SimpleAtod(xy[1], &y) || !std::isfinite(x) ||
        !std::isfinite(y)) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad point \"", pair, "\""));
    }
    out.emplace_back(x, y);
  }
  return out;
}

absl::StatusOr<std::vector<std::pair<double, double>>> ParsePathPoints(
    absl::string_view d) {
  std::string pairs;
  for (absl::string_view token :
       absl::StrSplit(d, ' ', absl::SkipWhitespace())) {
    if (token == "Z") continue;
    if (token[0] != 'M' && token[0] != 'L') {
      return absl::InvalidArgumentError(absl::StrCat("bad path token ", token));
    }
    absl::StrAppend(&pairs, token.substr(1), " ");
  }
  return ParsePoints(pairs);
}

double AxisFit::ToPixel(double value) const {
  return offset + scale * (log ? std::log10(value) : value);
}

double AxisFit::ToData(double pixel) const {
  const double t = (pixel - offset) / scale;
  return log ? std::pow(10.0, t) : t;
}

absl::StatusOr<PanelView> ReadPanel(const XmlElement& panel) {
  PanelView view;
  view.group = &panel;
  absl::StatusOr<const XmlElement*> title = OnlyOne(panel, "panel-title");
  if (!title.ok()) return title.status();
  view.title = (*title)->text;
  absl::StatusOr<const XmlElement*> area = OnlyOne(panel, "plot-area");
  if (!area.ok()) return area.status();
  for (auto [key, field] :
       {std::pair<const char*, double*>{"x", &view.plot_area.x},
        {"y", &view.plot_area.y},
        {"width", &view.plot_area.width},
        {"height", &view.plot_area.height}}) {
    absl::StatusOr<double> v = RequireNumber(**area, key);
    if (!v.ok()) return v.status();
    *field = *v;
  }
  for (bool horizontal : {true, false}) {
    absl::StatusOr<const XmlElement*> axis =
        OnlyOne(panel, horizontal ? "x-axis" : "y-axis");
    if (!axis.ok()) return axis.status();
    absl::StatusOr<AxisFit> fit =
        FitAxis(**axis, horizontal, horizontal ? &view.x_ticks : &view.y_ticks);
    if (!fit.ok()) return fit.status();
    (horizontal ? view.x : view.y) = *fit;
  }
  for (const XmlElement* entry : panel.FindByClass("legend-entry")) {
    const std::string* name = entry->Attribute("data-name");
    if (name == nullptr) {
      return absl::InvalidArgumentError("legend entry without data-name");
    }
    view.legend_names.push_back(*name);
  }
  for (const XmlElement* series : panel.FindByClass("series")) {
    const std::string* name = series->Attribute("data-name");
    if (name == nullptr) {
      return absl::InvalidArgumentError("series without data-name");
    }
    view.series_names.push_back(*name);
    view.segments.emplace_back();
    for (const XmlElement* segment : series->FindByClass("segment")) {
      const std::string* points = segment->Attribute("points");
      if (points == nullptr) {
        return absl::InvalidArgumentError("segment without points");
      }
      absl::StatusOr<std::vector<std::pair<double, double>>> parsed =
          ParsePoints(*points);
      if (!parsed.ok()) return parsed.status();
      view.segments.back().push_back(*std::move(parsed));
    }
  }
  for (const XmlElement* note : panel.FindByClass("note")) {
    view.notes.push_back(note->text);
  }
  return view;
}

absl::StatusOr<std::vector<PanelView>> ReadPanels(const XmlElement& svg) {
  std::vector<PanelView> views;
  for (const XmlElement* panel : svg.FindByClass("panel")) {
    absl::StatusOr<PanelView> view = ReadPanel(*panel);
    if (!view.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("panel ", views.size(), ": ", view.status().message()));
    }
    views.push_back(*std::move(view));
  }
  return views;
}

}  // namespace nfalab::testing
