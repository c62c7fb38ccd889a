#include "tests/report/svg_scan.h"

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

bool IsNameChar(char c, bool first) {
  if (absl::ascii_isalpha(c) || c == '_' || c == ':') return true;
  return !first && (absl::ascii_isdigit(c) || c == '-' || c == '.');
}

void AppendUtf8(uint32_t code, std::string* out) {
  if (code < 0x80) {
    *out += static_cast<char>(code);
  } else if (code < 0x800) {
    *out += static_cast<char>(0xC0 | (code >> 6));
    *out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    *out += static_cast<char>(0xE0 | (code >> 12));
    *out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (code >> 18));
    *out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

class Parser {
 public:
  explicit Parser(absl::string_view doc) : doc_(doc) {}

  absl::StatusOr<XmlElement> Document() {
    SkipMisc();
    if (Peek("<?xml")) {
      const size_t end = doc_.find("?>", pos_);
      if (end == absl::string_view::npos) return Error("unterminated prolog");
      pos_ = end + 2;
    }
    SkipMisc();
    XmlElement root;
    absl::Status status = Element(&root);
    if (!status.ok()) return status;
    SkipMisc();
    if (pos_ != doc_.size()) return Error("content after the root element");
    return root;
  }

 private:
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("not well-formed at byte ", pos_, ": ", what));
  }
  bool Peek(absl::string_view s) const {
    return doc_.substr(pos_, s.size()) == s;
  }
  void SkipSpace() {
    while (pos_ < doc_.size() && absl::ascii_isspace(doc_[pos_])) ++pos_;
  }
  // Whitespace and comments.
  void SkipMisc() {
    for (;;) {
      SkipSpace();
      if (!Peek("<!--")) return;
      const size_t end = doc_.find("-->", pos_ + 4);
      pos_ = end == absl::string_view::npos ? doc_.size() : end + 3;
    }
  }
  absl::StatusOr<std::string> Name() {
    const size_t start = pos_;
    if (pos_ >= doc_.size() || !IsNameChar(doc_[pos_], true)) {
      return Error("expected a name");
    }
    while (pos_ < doc_.size() && IsNameChar(doc_[pos_], false)) ++pos_;
    return std::string(doc_.substr(start, pos_ - start));
  }
  // Decodes character data up to (not including) any of `stops`.
  absl::StatusOr<std::string> CharData(absl::string_view stops) {
    std::string out;
    while (pos_ < doc_.size() && stops.find(doc_[pos_]) == stops.npos) {
      const char c = doc_[pos_];
      if (c == '<') return Error("raw '<'");
      if (c != '&') {
        out += c;
        ++pos_;
        continue;
      }
      const size_t semi = doc_.find(';', pos_);
      if (semi == absl::string_view::npos || semi - pos_ > 10) {
        return Error("unterminated entity");
      }
      const absl::string_view entity = doc_.substr(pos_ + 1, semi - pos_ - 1);
      if (entity == "amp") {
        out += '&';
      } else if (entity == "lt") {
        out += '<';
      } else if (entity == "gt") {
        out += '>';
      } else if (entity == "quot") {
        out += '"';
      } else if (entity == "apos") {
        out += '\'';
      } else if (!entity.empty() && entity[0] == '#') {
        uint32_t code = 0;
        const bool hex = entity.size() > 1 && entity[1] == 'x';
        const std::string digits(entity.substr(hex ? 2 : 1));
        char* end = nullptr;
        code = static_cast<uint32_t>(
            std::strtoul(digits.c_str(), &end, hex ? 16 : 10));
        if (digits.empty() || *end != '\0') return Error("bad character ref");
        AppendUtf8(code, &out);
      } else {
        return Error(absl::StrCat("unknown entity &", entity, ";"));
      }
      pos_ = semi + 1;
    }
    return out;
  }
  absl::Status Element(XmlElement* element) {
    if (!Peek("<")) return Error("expected '<'");
    ++pos_;
    absl::StatusOr<std::string> name = Name();
    if (!name.ok()) return name.status();
    element->name = *name;
    for (;;) {
      const size_t before = pos_;
      SkipSpace();
      if (Peek("/>")) {
        pos_ += 2;
        return absl::OkStatus();
      }
      if (Peek(">")) {
        ++pos_;
        break;
      }
      if (pos_ == before) return Error("expected whitespace before attribute");
      absl::StatusOr<std::string> key = Name();
      if (!key.ok()) return key.status();
      if (element->Attribute(*key) != nullptr) {
        return Error(absl::StrCat("duplicate attribute ", *key));
      }
      SkipSpace();
      if (!Peek("=")) return Error("expected '='");
      ++pos_;
      SkipSpace();
      if (!Peek("\"") && !Peek("'")) return Error("unquoted attribute value");
      const char quote = doc_[pos_++];
      absl::StatusOr<std::string> value = CharData(std::string(1, quote));
      if (!value.ok()) return value.status();
      if (pos_ >= doc_.size()) return Error("unterminated attribute value");
      ++pos_;
      element->attributes.emplace_back(*key, *value);
    }
    for (;;) {
      absl::StatusOr<std::string> text = CharData("<");
      if (!text.ok()) return text.status();
      element->text += *text;
      if (pos_ >= doc_.size()) {
        return Error(absl::StrCat("<", element->name, "> is never closed"));
      }
      if (Peek("<!--")) {
        SkipMisc();
        continue;
      }
      if (Peek("</")) {
        pos_ += 2;
        absl::StatusOr<std::string> closing = Name();
        if (!closing.ok()) return closing.status();
        if (*closing != element->name) {
          return Error(
              absl::StrCat("</", *closing, "> closes <", element->name, ">"));
        }
        SkipSpace();
        if (!Peek(">")) return Error("expected '>'");
        ++pos_;
        return absl::OkStatus();
      }
      element->children.emplace_back();
      absl::Status status = Element(&element->children.back());
      if (!status.ok()) return status;
    }
  }

  absl::string_view doc_;
  size_t pos_ = 0;
};

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
  return Parser(document).Document();
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
