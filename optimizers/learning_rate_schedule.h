// LearningRateSchedule: the learning rate of each epoch.
//
//   lr(epoch) = scale * c * (epoch < initial_epochs ? initial_learning_rate
//                                                   : learning_rate)
//   c = C / 10 with scale_by_classes (C classes), else 1
//
// The paper's MLP runs use initial_epochs 1, initial_learning_rate 1e-4 (the
// "epoch 0" used as the init measurement) and scale_by_classes.
#ifndef NFALAB_OPTIMIZERS_LEARNING_RATE_SCHEDULE_H_
#define NFALAB_OPTIMIZERS_LEARNING_RATE_SCHEDULE_H_

#include "absl/status/status.h"
#include "optimizers/optimizer_config.pb.h"

namespace nfalab {

// InvalidArgument naming the field for negative epochs or non-positive rates.
absl::Status ValidateSchedule(const OptimizerConfig& config);

// The learning rate for 0-based `epoch` of a run on data with
// `num_classes` classes (only read with scale_by_classes; the caller checks
// that there are classes).
double LearningRateForEpoch(const OptimizerConfig& config, int epoch,
                            int num_classes = 0);

}  // namespace nfalab

#endif  // NFALAB_OPTIMIZERS_LEARNING_RATE_SCHEDULE_H_
