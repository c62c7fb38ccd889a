#include "datasets/npy_source.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/npy.h"
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
  NpyArray y;
};

absl::StatusOr<NpyArray> ReadArray(const std::string& path) {
  if (!IsRegularFile(path)) {
    return absl::NotFoundError(absl::StrCat(".npy file ", path, " not found"));
  }
  return ReadNpy(path);
}

// InvalidArgument naming `path` and the first NaN or infinite entry.
absl::Status CheckFinite(const NpyArray& array, const std::string& path) {
  const MatrixD& values = array.values;
  for (Eigen::Index i = 0; i < values.rows(); ++i) {
    for (Eigen::Index j = 0; j < values.cols(); ++j) {
      const double value = values(i, j);
      if (std::isfinite(value)) continue;
      const std::string index = array.shape.size() == 1
                                    ? absl::StrCat("[", i, "]")
                                    : absl::StrCat("[", i, ", ", j, "]");
      const char* what =
          std::isnan(value) ? "NaN" : (value > 0 ? "inf" : "-inf");
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": element ", index, " is ", what,
                       "; every value must be finite"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<NpySplit> ReadSplit(const std::string& directory,
                                   const std::string& x_name,
                                   const std::string& y_name) {
  NpySplit split;
  split.x_path = JoinPath(directory, x_name);
  split.y_path = JoinPath(directory, y_name);
  NFALAB_ASSIGN_OR_RETURN(NpyArray x, ReadArray(split.x_path));
  NFALAB_RETURN_IF_ERROR(CheckFinite(x, split.x_path));
  NFALAB_ASSIGN_OR_RETURN(split.y, ReadArray(split.y_path));
  NFALAB_RETURN_IF_ERROR(CheckFinite(split.y, split.y_path));
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
  raw.natural_channels = 1;
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
