#include "core/system_memory.h"

#include <sys/sysinfo.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace nfalab {

absl::StatusOr<int64_t> ParseMemAvailable(absl::string_view meminfo) {
  for (absl::string_view line : absl::StrSplit(meminfo, '\n')) {
    if (!absl::ConsumePrefix(&line, "MemAvailable:")) continue;
    const std::vector<absl::string_view> fields =
        absl::StrSplit(line, ' ', absl::SkipWhitespace());
    int64_t kib = 0;
    if (fields.size() != 2 || fields[1] != "kB" ||
        !absl::SimpleAtoi(fields[0], &kib) || kib < 0 ||
        kib > std::numeric_limits<int64_t>::max() / 1024) {
      return absl::InvalidArgumentError(
          absl::StrCat("malformed MemAvailable line \"MemAvailable:", line,
                       "\" in /proc/meminfo"));
    }
    return kib * 1024;
  }
  return absl::NotFoundError("no MemAvailable line in /proc/meminfo");
}

absl::StatusOr<int64_t> AvailableMemoryBytes() {
  // Read with a plain stream: /proc files report a size of 0 to stat().
  std::ifstream in("/proc/meminfo");
  if (in) {
    std::ostringstream text;
    text << in.rdbuf();
    absl::StatusOr<int64_t> available = ParseMemAvailable(text.str());
    if (available.ok()) return available;
  }
  struct sysinfo info;
  if (sysinfo(&info) != 0) {
    return absl::UnavailableError(
        "cannot tell the available memory: no MemAvailable in /proc/meminfo "
        "and sysinfo() failed");
  }
  const double bytes = (static_cast<double>(info.freeram) +
                        static_cast<double>(info.bufferram)) *
                       info.mem_unit;
  return static_cast<int64_t>(std::min(
      bytes, static_cast<double>(std::numeric_limits<int64_t>::max())));
}

}  // namespace nfalab
