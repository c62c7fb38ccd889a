#include "experiment/progress.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace nfalab {
namespace {

std::string HumanRate(double per_second) {
  if (per_second >= 1e6) return absl::StrFormat("%.1fM", per_second / 1e6);
  if (per_second >= 1e3) return absl::StrFormat("%.1fk", per_second / 1e3);
  return absl::StrFormat("%.0f", per_second);
}

std::string HumanDuration(double seconds) {
  if (seconds < 60) return absl::StrFormat("%.0fs", std::ceil(seconds));
  const int total = static_cast<int>(seconds + 0.5);
  return absl::StrFormat("%dm%02ds", total / 60, total % 60);
}

}  // namespace

std::string ProgressLine::Format(absl::string_view label, int64_t done,
                                 int64_t total, absl::string_view unit,
                                 double seconds) {
  std::string line = absl::StrCat(label, "  ", done, "/", total, " ", unit);
  if (seconds > 0 && done > 0) {
    const double rate = done / seconds;
    absl::StrAppend(&line, "  ", HumanRate(rate), " ", unit, "/s");
    if (done < total) {
      absl::StrAppend(&line, "  ETA ", HumanDuration((total - done) / rate));
    }
  }
  return line;
}

void ProgressLine::Start(absl::string_view label, int64_t total,
                         absl::string_view unit) {
  label_ = std::string(label);
  unit_ = std::string(unit);
  total_ = total;
  start_ = Clock::now();
  last_draw_ = start_;
}

void ProgressLine::Update(int64_t done) {
  if (!interactive_) return;
  const Clock::time_point now = Clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100) && done < total_) {
    return;
  }
  last_draw_ = now;
  const std::string line =
      Format(label_, done, total_, unit_,
             std::chrono::duration<double>(now - start_).count());
  *out_ << "\r" << line;
  if (line.size() < drawn_width_) {
    *out_ << std::string(drawn_width_ - line.size(), ' ');
  }
  *out_ << std::flush;
  drawn_width_ = line.size();
}

void ProgressLine::Clear() {
  if (!interactive_ || drawn_width_ == 0) return;
  *out_ << "\r" << std::string(drawn_width_, ' ') << "\r" << std::flush;
  drawn_width_ = 0;
}

}  // namespace nfalab
