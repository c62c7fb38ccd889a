#include "datasets/preprocess.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/check.h"

namespace nfalab {

absl::Status StandardizeChannels(int channels, Matrix* train,
                                 absl::Span<Matrix* const> others,
                                 ChannelStats* stats) {
  const int64_t n = train->rows();
  const int64_t d = train->cols();
  if (channels < 1 || d % channels != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot standardise ", channels,
                     " channels: the number of channels must divide the "
                     "input dimension ",
                     d));
  }
  const int64_t p = d / channels;
  if (n * p < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot standardise: each channel has ", n * p, " training values (", n,
        " examples x ", p,
        " positions), but the unbiased standard deviation needs at least 2"));
  }
  for (Matrix* other : others) {
    if (other->cols() != d) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot standardise: a split has ", other->cols(),
                       " inputs, the training split ", d));
    }
  }
  *stats = ChannelStats();
  const double m = static_cast<double>(n * p);
  for (int c = 0; c < channels; ++c) {
    // Two passes in double: the mean, then the centred sum of squares.
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) {
      const float* row = train->data() + i * d + c * p;
      for (int64_t j = 0; j < p; ++j) sum += row[j];
    }
    const double mean = sum / m;
    double squares = 0;
    for (int64_t i = 0; i < n; ++i) {
      const float* row = train->data() + i * d + c * p;
      for (int64_t j = 0; j < p; ++j) {
        const double delta = row[j] - mean;
        squares += delta * delta;
      }
    }
    const double std = std::sqrt(squares / (m - 1));
    stats->mean.push_back(mean);
    stats->std.push_back(std);
    double divisor = std;
    if (!(std > 0)) {
      stats->constant_channels.push_back(c);
      divisor = 1;
    }
    auto apply = [&](Matrix* x) {
      for (int64_t i = 0; i < x->rows(); ++i) {
        float* row = x->data() + i * d + c * p;
        for (int64_t j = 0; j < p; ++j) {
          row[j] = static_cast<float>((row[j] - mean) / divisor);
        }
      }
    };
    apply(train);
    for (Matrix* other : others) apply(other);
  }
  return absl::OkStatus();
}

Matrix ClassTargetMatrix(absl::Span<const int> labels, int num_classes,
                         ClassTargetKind kind) {
  const double shift =
      kind == ClassTargetKind::kCenteredOneHot ? 1.0 / num_classes : 0.0;
  const float on = static_cast<float>(1.0 - shift);
  const float off = static_cast<float>(0.0 - shift);  // +0 for one-hot.
  Matrix y = Matrix::Constant(static_cast<Eigen::Index>(labels.size()),
                              num_classes, off);
  for (size_t i = 0; i < labels.size(); ++i) {
    NFALAB_CHECK(labels[i] >= 0 && labels[i] < num_classes)
        << "label " << labels[i] << " of row " << i;
    y(static_cast<Eigen::Index>(i), labels[i]) = on;
  }
  return y;
}

}  // namespace nfalab
