#include "optimizers/learning_rate_schedule.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace nfalab {

absl::Status ValidateSchedule(const OptimizerConfig& config) {
  const LearningRateSchedule& schedule = config.schedule();
  if (schedule.initial_epochs() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("optimizer.schedule.initial_epochs must be >= 0, got ",
                     schedule.initial_epochs()));
  }
  if (schedule.initial_epochs() > 0 &&
      (!(schedule.initial_learning_rate() > 0) ||
       !std::isfinite(schedule.initial_learning_rate()))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "optimizer.schedule.initial_learning_rate must be positive and "
        "finite, got ",
        schedule.initial_learning_rate()));
  }
  if (!(schedule.scale() > 0) || !std::isfinite(schedule.scale())) {
    return absl::InvalidArgumentError(
        absl::StrCat("optimizer.schedule.scale must be positive and finite, "
                     "got ",
                     schedule.scale()));
  }
  return absl::OkStatus();
}

double LearningRateForEpoch(const OptimizerConfig& config, int epoch,
                            int num_classes) {
  const LearningRateSchedule& schedule = config.schedule();
  const double base = epoch < schedule.initial_epochs()
                          ? schedule.initial_learning_rate()
                          : config.learning_rate();
  const double classes = schedule.scale_by_classes() ? num_classes / 10.0 : 1.0;
  return schedule.scale() * classes * base;
}

}  // namespace nfalab
