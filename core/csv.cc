#include "core/csv.h"

#include "absl/strings/str_split.h"

namespace nfalab {
namespace {

bool IsBlankLine(absl::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t') return false;
  }
  return true;
}

}  // namespace

std::vector<CsvRecord> SplitCsv(absl::string_view text,
                                const CsvSplitOptions& options) {
  std::vector<CsvRecord> records;
  int64_t line_number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == absl::string_view::npos) end = text.size();
    absl::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (options.skip_blank_lines && IsBlankLine(line)) continue;
    records.push_back(
        CsvRecord{line_number, line,
                  absl::StrSplit(line, absl::ByChar(options.delimiter))});
  }
  return records;
}

}  // namespace nfalab
