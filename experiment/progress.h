// ProgressLine: a self-updating "label  done/total unit  rate  ETA" line for
// long phases on a terminal. When the output is not a terminal it prints
// nothing (the per-epoch lines are the plain record).
//
//   ProgressLine progress(&std::cout, /*interactive=*/isatty(1));
//   progress.Start("epoch 3", n, "samples");
//   for (...) progress.Update(done);
//   progress.Clear();
#ifndef NFALAB_EXPERIMENT_PROGRESS_H_
#define NFALAB_EXPERIMENT_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

#include "absl/strings/string_view.h"

namespace nfalab {

class ProgressLine {
 public:
  ProgressLine(std::ostream* out, bool interactive)
      : out_(out), interactive_(interactive && out != nullptr) {}

  void Start(absl::string_view label, int64_t total, absl::string_view unit);
  // Redraws at most ten times a second.
  void Update(int64_t done);
  // Erases the line if one is shown.
  void Clear();

  // The text of the line, e.g. "epoch 3  1200/4000 samples  2.1k/s  ETA 1s".
  static std::string Format(absl::string_view label, int64_t done,
                            int64_t total, absl::string_view unit,
                            double seconds);

 private:
  using Clock = std::chrono::steady_clock;

  std::ostream* out_;
  bool interactive_;
  std::string label_, unit_;
  int64_t total_ = 0;
  Clock::time_point start_, last_draw_;
  size_t drawn_width_ = 0;
};

}  // namespace nfalab

#endif  // NFALAB_EXPERIMENT_PROGRESS_H_
