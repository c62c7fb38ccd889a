// The paper's preprocessing (section 5.1), as building blocks of the file
// sources (datasets/file_source.h applies them as data.preprocess says):
//
//   StandardizeChannels   per-channel (x - mean) / std with the training
//                         split's mean and unbiased std, applied to both
//                         splits
//   ClassTargetMatrix     labels -> one-hot minus 1/C (or plain one-hot)
#ifndef NFALAB_DATASETS_PREPROCESS_H_
#define NFALAB_DATASETS_PREPROCESS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "core/tensor.h"

namespace nfalab {

struct ChannelStats {
  std::vector<double> mean;
  std::vector<double> std;  // Unbiased (divisor m - 1).
  // Channels whose training values are all equal (std 0): they are centred
  // but not divided, so they become 0 instead of NaN.
  std::vector<int> constant_channels;
};

// Splits each row of `train` ([n, d]) into `channels` consecutive blocks of
// p = d / channels columns. For channel c, computes (in double) the mean and
// the unbiased standard deviation of its n * p training values, then sets
// x <- float((x - mean) / std) in every row of `train` and of each matrix in
// `others` (which must have d columns; e.g. the test split).
//
// InvalidArgument if channels < 1, channels does not divide d, or
// n * p < 2 (no unbiased std).
absl::Status StandardizeChannels(int channels, Matrix* train,
                                 absl::Span<Matrix* const> others,
                                 ChannelStats* stats);

enum class ClassTargetKind {
  kCenteredOneHot,  // 1 - 1/C at the label, -1/C elsewhere.
  kOneHot,          // 1 at the label, 0 elsewhere.
};

// Targets [labels.size(), num_classes]; entries computed in double and
// rounded once to float. Labels must be in [0, num_classes).
Matrix ClassTargetMatrix(absl::Span<const int> labels, int num_classes,
                         ClassTargetKind kind);

}  // namespace nfalab

#endif  // NFALAB_DATASETS_PREPROCESS_H_
