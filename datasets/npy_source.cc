#include "datasets/npy_source.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/npy.h"
#include "core/sample_shape.h"
#include "core/status_macros.h"
#include "datasets/class_labels.h"
#include "datasets/file_source.h"
#include "datasets/file_util.h"

namespace nfalab {
namespace {

bool IsIntegerDtype(const std::string& dtype) {
  return dtype.size() >= 2 && (dtype[1] == 'i' || dtype[1] == 'u');
}

struct NpySplit {
  std::string x_path, y_path;
  std::shared_ptr<const NpyArray> x;
  SampleShape sample_shape;  // Of one row of x.
  NpyArray y;
};

// "(2, 1, 28, 28)": NumPy's spelling of a shape, for messages.
// One sample's shape from X's: [n] and [n, d] are flat (d = 1 for [n]),
// [n, H, W] is 1 x H x W and [n, C, H, W] is C x H x W. Rows of X hold a[i]
// in C order, which for [n, C, H, W] is already channel-major (CHW).
absl::StatusOr<SampleShape> SampleShapeOf(const NpyArray& x,
                                          const std::string& path) {
  const std::vector<int64_t>& shape = x.shape;
  if (shape.size() > 4) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": inputs of shape ", NpyShapeText(shape), " have ", shape.size(),
        " dimensions; X must be [n, d], [n, H, W] or [n, C, H, W]"));
  }
  // SampleShape holds ints.
  for (size_t k = 1; k < shape.size(); ++k) {
    if (shape[k] > std::numeric_limits<int>::max()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": dimension ", k, " of shape ", NpyShapeText(shape),
                       " is too large"));
    }
  }
  switch (shape.size()) {
    case 1:
      return SampleShape::Flat(1);
    case 2:
      return SampleShape::Flat(static_cast<int>(shape[1]));
    case 3:
      return SampleShape{1, static_cast<int>(shape[1]),
                         static_cast<int>(shape[2])};
    default:
      return SampleShape{static_cast<int>(shape[1]), static_cast<int>(shape[2]),
                         static_cast<int>(shape[3])};
  }
}

absl::StatusOr<NpyArray> ReadArray(const std::string& path) {
  if (!IsRegularFile(path)) {
    return absl::NotFoundError(absl::StrCat(".npy file ", path, " not found"));
  }
  return ReadNpy(path);
}

absl::StatusOr<NpySplit> ReadSplit(const std::string& directory,
                                   const std::string& x_name,
                                   const std::string& y_name) {
  NpySplit split;
  split.x_path = JoinPath(directory, x_name);
  split.y_path = JoinPath(directory, y_name);
  NFALAB_ASSIGN_OR_RETURN(NpyArray x, ReadArray(split.x_path));
  NFALAB_ASSIGN_OR_RETURN(split.sample_shape, SampleShapeOf(x, split.x_path));
  NFALAB_RETURN_IF_ERROR(CheckFitsFloat(x, split.x_path));
  NFALAB_ASSIGN_OR_RETURN(split.y, ReadArray(split.y_path));
  if (split.y.shape.size() > 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        split.y_path, ": targets of shape ", NpyShapeText(split.y.shape), " have ",
        split.y.shape.size(), " dimensions; y must be [n] or [n, k]"));
  }
  NFALAB_RETURN_IF_ERROR(CheckFitsFloat(split.y, split.y_path));
  if (x.values.rows() != split.y.values.rows()) {
    return absl::InvalidArgumentError(
        absl::StrCat(split.x_path, " has ", x.values.rows(), " rows but ",
                     split.y_path, " has ", split.y.values.rows()));
  }
  split.x = std::make_shared<const NpyArray>(std::move(x));
  return split;
}

// Checks the class labels of a split (see datasets/class_labels.h); returns
// the largest. `labelled_rows`: the rows of both splits.
absl::StatusOr<int> CheckClassLabels(const NpySplit& split, int num_classes,
                                     int64_t labelled_rows) {
  const MatrixD& y = split.y.values;
  if (y.cols() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        split.y_path, ": class labels must have shape [n] or [n, 1], got [",
        y.rows(), ", ", y.cols(), "]"));
  }
  int max_label = -1;
  for (Eigen::Index i = 0; i < y.rows(); ++i) {
    const double label = y(i, 0);
    const std::string problem =
        ClassLabelProblem(label, num_classes, labelled_rows, "data.npy");
    if (!problem.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(split.y_path, ": label ", FormatLabel(label), " of row ",
                       i, " ", problem));
    }
    max_label = std::max(max_label, static_cast<int>(label));
  }
  return max_label;
}

RawSplit ToRawSplit(const NpySplit& split, bool classification,
                    std::string description) {
  RawSplit raw;
  raw.description = std::move(description);
  raw.size = split.x->values.rows();
  raw.dim = split.x->values.cols();
  const MatrixD& y = split.y.values;
  if (classification) {
    for (Eigen::Index i = 0; i < y.rows(); ++i) {
      raw.labels.push_back(static_cast<int>(y(i, 0)));
    }
  } else {
    raw.target_dim = y.cols();
    raw.targets.assign(y.data(), y.data() + y.size());
  }
  std::shared_ptr<const NpyArray> x = split.x;
  raw.features = [x](int64_t index, float* row) {
    const double* values = x->values.data() + index * x->values.cols();
    for (Eigen::Index j = 0; j < x->values.cols(); ++j) {
      row[j] = static_cast<float>(values[j]);
    }
  };
  return raw;
}

}  // namespace

absl::StatusOr<DatasetSplits> NpySource::Load(const DatasetConfig& config) {
  NFALAB_RETURN_IF_ERROR(ValidateFileSourceConfig(config));
  const NpyOptions& options = config.npy();
  if (!NpyOptions::Targets_IsValid(options.targets())) {
    return absl::InvalidArgumentError(
        absl::StrCat("data.npy.targets has unknown value ", options.targets()));
  }
  if (options.num_classes() < 0 || options.num_classes() == 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("data.npy.num_classes must be 0 (infer) or >= 2, got ",
                     options.num_classes()));
  }
  NFALAB_ASSIGN_OR_RETURN(const std::string directory,
                          ResolveDataDirectory(config, "", ""));
  NFALAB_ASSIGN_OR_RETURN(
      const NpySplit train,
      ReadSplit(directory, options.train_x(), options.train_y()));
  NpySplit test;
  const bool read_test = config.n_test() > 0;
  if (read_test) {
    NFALAB_ASSIGN_OR_RETURN(
        test, ReadSplit(directory, options.test_x(), options.test_y()));
  }
  bool classification = options.targets() == NpyOptions::CLASS;
  if (options.targets() == NpyOptions::AUTO) {
    classification = IsIntegerDtype(train.y.dtype);
  }
  if (read_test) {
    if (test.x->values.cols() != train.x->values.cols()) {
      return absl::InvalidArgumentError(absl::StrCat(
          test.x_path, " has ", test.x->values.cols(), " columns, but ",
          train.x_path, " has ", train.x->values.cols()));
    }
    // Same size, other layout (e.g. [n, 2, 3, 4] and [n, 6, 4]): a conv net
    // would read the test images wrongly.
    if (test.sample_shape != train.sample_shape) {
      return absl::InvalidArgumentError(absl::StrCat(
          test.x_path, " has samples of shape ", test.sample_shape.ToString(),
          ", but ", train.x_path, " has ", train.sample_shape.ToString()));
    }
    if (!classification && test.y.values.cols() != train.y.values.cols()) {
      return absl::InvalidArgumentError(absl::StrCat(
          test.y_path, " has ", test.y.values.cols(), " columns, but ",
          train.y_path, " has ", train.y.values.cols()));
    }
  }
  int num_classes = 0;
  if (classification) {
    const int64_t labelled_rows =
        train.y.values.rows() + (read_test ? test.y.values.rows() : 0);
    NFALAB_ASSIGN_OR_RETURN(
        int max_label,
        CheckClassLabels(train, options.num_classes(), labelled_rows));
    if (read_test) {
      NFALAB_ASSIGN_OR_RETURN(
          const int test_max,
          CheckClassLabels(test, options.num_classes(), labelled_rows));
      max_label = std::max(max_label, test_max);
    }
    num_classes = options.num_classes();
    if (num_classes == 0) {
      num_classes = max_label + 1;
      if (num_classes < 2) {
        return absl::InvalidArgumentError(
            absl::StrCat(train.y_path,
                         ": every label is 0; classification needs at least "
                         "2 classes (or set data.npy.targets: REGRESSION)"));
      }
    }
  }
  RawData raw;
  raw.source = config.source();
  raw.path = directory;
  raw.num_classes = num_classes;
  // Images [n, C, H, W] are standardised per channel, as CIFAR's; flat data
  // and [n, H, W] as one channel.
  raw.natural_channels =
      train.sample_shape.is_flat() ? 1 : train.sample_shape.channels;
  raw.sample_shape = train.sample_shape;
  raw.train = ToRawSplit(train, classification,
                         absl::StrCat("the training arrays ", train.x_path));
  if (read_test) {
    raw.test = ToRawSplit(test, classification,
                          absl::StrCat("the test arrays ", test.x_path));
  } else {
    raw.test.description = "the test arrays";
    raw.notes.push_back("data.n_test = 0: the test arrays were not read");
  }
  return FinishSplits(config, std::move(raw));
}

NFALAB_REGISTER_DATASET_SOURCE(
    "npy", NpySource,
    "NumPy arrays X_train.npy, y_train.npy, X_test.npy, y_test.npy in "
    "data.path (integer y: classes; float y: regression)");

}  // namespace nfalab
