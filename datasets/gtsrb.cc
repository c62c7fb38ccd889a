#include "datasets/gtsrb.h"

#include <stb/stb_image.h>

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace nfalab {
namespace {

absl::Status Error(absl::string_view name, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(name, ": ", problem));
}

bool IsPpmSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
         c == '\r';
}

// Reads the PPM header's numbers from bytes[*pos...]: whitespace and "#"
// comments, then digits.
class PpmHeaderReader {
 public:
  PpmHeaderReader(absl::string_view bytes, absl::string_view name)
      : bytes_(bytes), name_(name) {}

  size_t pos() const { return pos_; }
  void Skip(size_t n) { pos_ += n; }

  // The next number, in [1, limit].
  absl::StatusOr<int> Number(absl::string_view what, int limit) {
    SkipSpaceAndComments();
    size_t end = pos_;
    while (end < bytes_.size() && absl::ascii_isdigit(bytes_[end])) ++end;
    if (end == pos_) {
      return Error(name_, absl::StrCat("bad PPM header: expected the ", what,
                                       ", found ", Found(pos_)));
    }
    // At most 9 digits fit an int; more are over the limit anyway.
    const absl::string_view digits = bytes_.substr(pos_, end - pos_);
    int value = 0;
    if (digits.size() > 9 || !absl::SimpleAtoi(digits, &value) || value < 1 ||
        value > limit) {
      return Error(name_, absl::StrCat("bad PPM header: ", what, " ", digits,
                                       " is outside [1, ", limit, "]"));
    }
    pos_ = end;
    return value;
  }

  // "\"x\"" for the byte at `at`, or "the end of the file".
  std::string Found(size_t at) const {
    if (at >= bytes_.size()) return "the end of the file";
    return absl::StrCat("\"", absl::CHexEscape(bytes_.substr(at, 1)), "\"");
  }

 private:
  void SkipSpaceAndComments() {
    while (pos_ < bytes_.size()) {
      if (IsPpmSpace(bytes_[pos_])) {
        ++pos_;
      } else if (bytes_[pos_] == '#') {
        while (pos_ < bytes_.size() && bytes_[pos_] != '\n' &&
               bytes_[pos_] != '\r') {
          ++pos_;
        }
      } else {
        break;
      }
    }
  }

  absl::string_view bytes_;
  absl::string_view name_;
  size_t pos_ = 0;
};

constexpr char kCsvHeader[] =
    "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId";

// An optional "-" and 1 to 9 digits.
bool ParseCsvInt(absl::string_view field, int* value) {
  absl::string_view digits = field;
  if (!digits.empty() && digits.front() == '-') digits.remove_prefix(1);
  if (digits.empty() || digits.size() > 9) return false;
  for (char c : digits) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  return absl::SimpleAtoi(field, value);
}

// The inclusive ROI range first..last of `axis` ("columns" or "rows"),
// checked against the image's `size` along it.
absl::Status CheckRoi(absl::string_view where, absl::string_view axis,
                      absl::string_view first_name, int first,
                      absl::string_view last_name, int last, int size) {
  if (first > last) {
    return Error(where, absl::StrCat(first_name, " ", first, " > ", last_name,
                                     " ", last));
  }
  if (first < 0 || last >= size) {
    return Error(where, absl::StrCat("ROI ", axis, " ", first, "..", last,
                                     " are outside the image's ", axis, " 0..",
                                     size - 1));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PpmImage> ParsePpm(absl::string_view bytes,
                                  absl::string_view name) {
  if (bytes.size() < 2 || bytes[0] != 'P' || bytes[1] != '6') {
    return Error(name,
                 absl::StrCat("not a binary PPM (P6) image: the file "
                              "starts with \"",
                              absl::CHexEscape(bytes.substr(0, 2)), "\""));
  }
  PpmHeaderReader reader(bytes, name);
  reader.Skip(2);
  if (reader.pos() >= bytes.size() || !IsPpmSpace(bytes[reader.pos()])) {
    return Error(name, absl::StrCat("bad PPM header: expected whitespace "
                                    "after \"P6\", found ",
                                    reader.Found(reader.pos())));
  }
  PpmImage image;
  absl::StatusOr<int> width = reader.Number("width", kMaxGtsrbImageSide);
  if (!width.ok()) return width.status();
  absl::StatusOr<int> height = reader.Number("height", kMaxGtsrbImageSide);
  if (!height.ok()) return height.status();
  absl::StatusOr<int> maxval = reader.Number("maxval", 65535);
  if (!maxval.ok()) return maxval.status();
  if (*maxval != 255) {
    return Error(name, absl::StrCat("maxval is ", *maxval,
                                    "; only 8-bit PPM (maxval 255) is "
                                    "supported"));
  }
  if (reader.pos() >= bytes.size() || !IsPpmSpace(bytes[reader.pos()])) {
    return Error(name, absl::StrCat("bad PPM header: expected one whitespace "
                                    "byte after the maxval, found ",
                                    reader.Found(reader.pos())));
  }
  const int64_t expected = int64_t{3} * *width * *height;
  const int64_t available = static_cast<int64_t>(bytes.size()) -
                            static_cast<int64_t>(reader.pos()) - 1;
  if (available < expected) {
    return Error(name, absl::StrCat("truncated pixel data: ", available,
                                    " bytes, expected 3 x ", *width, " x ",
                                    *height, " = ", expected));
  }
  int w = 0, h = 0, channels = 0;
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()),
                            static_cast<int>(reader.pos() + 1 + expected), &w,
                            &h, &channels, 3),
      stbi_image_free);
  if (pixels == nullptr || w != *width || h != *height) {
    // Not expected after the checks above.
    return Error(name, absl::StrCat("stb_image cannot decode the PPM image: ",
                                    pixels == nullptr ? stbi_failure_reason()
                                                      : "size differs"));
  }
  image.width = w;
  image.height = h;
  image.pixels.assign(reinterpret_cast<const char*>(pixels.get()), expected);
  return image;
}

absl::StatusOr<std::vector<GtsrbRow>> ParseGtsrbCsv(absl::string_view text,
                                                    absl::string_view name) {
  std::vector<GtsrbRow> rows;
  bool header_seen = false;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    const std::string where = absl::StrCat(name, ": line ", line_number);
    if (!header_seen) {
      if (line != kCsvHeader) {
        return Error(where, absl::StrCat("header is \"", absl::CHexEscape(line),
                                         "\", expected \"", kCsvHeader, "\""));
      }
      header_seen = true;
      continue;
    }
    const std::vector<absl::string_view> fields = absl::StrSplit(line, ';');
    if (fields.size() != 8) {
      return Error(where, absl::StrCat(fields.size(), " fields, expected 8 (",
                                       kCsvHeader, ")"));
    }
    GtsrbRow row;
    row.line = line_number;
    row.filename = std::string(fields[0]);
    if (row.filename.empty() ||
        row.filename.find_first_of("/") != std::string::npos ||
        row.filename == "." || row.filename == "..") {
      return Error(where,
                   absl::StrCat("Filename \"", absl::CHexEscape(row.filename),
                                "\" is not a plain file name"));
    }
    static constexpr const char* kNames[] = {
        "Width", "Height", "Roi.X1", "Roi.Y1", "Roi.X2", "Roi.Y2", "ClassId"};
    int* targets[] = {&row.width, &row.height, &row.x1,      &row.y1,
                      &row.x2,    &row.y2,     &row.class_id};
    for (int i = 0; i < 7; ++i) {
      if (!ParseCsvInt(fields[i + 1], targets[i])) {
        return Error(where, absl::StrCat(kNames[i], " \"",
                                         absl::CHexEscape(fields[i + 1]),
                                         "\" is not an integer"));
      }
    }
    for (int i = 0; i < 2; ++i) {
      if (*targets[i] < 1 || *targets[i] > kMaxGtsrbImageSide) {
        return Error(
            where, absl::StrCat(kNames[i], " ", *targets[i], " is outside [1, ",
                                kMaxGtsrbImageSide, "]"));
      }
    }
    absl::Status roi = CheckRoi(where, "columns", "Roi.X1", row.x1, "Roi.X2",
                                row.x2, row.width);
    if (roi.ok()) {
      roi = CheckRoi(where, "rows", "Roi.Y1", row.y1, "Roi.Y2", row.y2,
                     row.height);
    }
    if (!roi.ok()) return roi;
    if (row.class_id < 0 || row.class_id >= kGtsrbClasses) {
      return Error(where, absl::StrCat("ClassId ", row.class_id,
                                       " is outside [0, ", kGtsrbClasses, ")"));
    }
    rows.push_back(std::move(row));
  }
  if (!header_seen) {
    return Error(name, absl::StrCat("empty file: expected the header \"",
                                    kCsvHeader, "\""));
  }
  return rows;
}

}  // namespace nfalab
