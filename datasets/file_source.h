// The common second half of the file dataset sources (fashion_mnist, idx,
// cifar10, cifar100, csv, npy): subset selection, targets, preprocessing and
// provenance. A source reads its files into a RawData and hands it over:
//
//   absl::StatusOr<DatasetSplits> MySource::Load(const DatasetConfig& config) {
//     NFALAB_RETURN_IF_ERROR(ValidateFileSourceConfig(config));
//     RawData raw;
//     raw.source = "my_source";
//     raw.train.size = ...; raw.train.dim = ...;
//     raw.train.features = [...](int64_t i, float* row) { ... };
//     raw.train.labels = ...; raw.num_classes = 10;
//     ...
//     return FinishSplits(config, std::move(raw));
//   }
//
// FinishSplits, in order:
//   1. chooses the examples of each split: the first min(n, available), or
//      with data.random_subset a uniformly random subset of that size
//      (partial Fisher-Yates with Rng(data.seed): the training split uses
//      its first Fork(), the test split its second; the chosen indices are
//      sorted, so examples keep their file order). If a split has fewer
//      examples than requested, all are used and a note says so;
//   2. copies their features into X, resizing each image as it is copied
//      if data.preprocess.resize_to is set (the sample shape becomes
//      (C, resize_to, resize_to); one example's scratch buffer, no second
//      copy of the split), and multiplies by data.preprocess.input_scale;
//   3. builds Y: for classification ClassTargetMatrix per
//      data.preprocess.class_targets, for regression the targets as read;
//   4. standardises per channel (data.preprocess.standardize, channels or
//      the source's natural count) with the training statistics;
//   5. zero-pads the images to data.preprocess.pad_to, if set;
//   6. fills DatasetSplits::provenance.
#ifndef NFALAB_DATASETS_FILE_SOURCE_H_
#define NFALAB_DATASETS_FILE_SOURCE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/random.h"
#include "core/sample_shape.h"
#include "datasets/dataset.h"
#include "datasets/dataset_config.pb.h"

namespace nfalab {

// One split as read from its files.
struct RawSplit {
  // What the split was read from, for notes ("the training files").
  std::string description;
  int64_t size = 0;  // Examples available.
  int64_t dim = 0;   // Features per example.
  // Writes the `dim` features of example `index` (in [0, size)) to `row`.
  std::function<void(int64_t index, float* row)> features;
  // Classification: one label per example, in [0, RawData::num_classes).
  std::vector<int> labels;
  // Regression: [size, target_dim], row-major.
  std::vector<double> targets;
  int64_t target_dim = 0;
};

struct RawData {
  std::string source;  // Registry name.
  std::string path;    // The directory or file read.
  RawSplit train;
  RawSplit test;        // size 0 if there is no test data (or n_test = 0).
  int num_classes = 0;  // > 0: classification; 0: regression.
  // Channels of the inputs as stored (1 for IDX, 3 for CIFAR); the default
  // of data.preprocess.channels.
  int natural_channels = 1;
  // One example's shape (IDX images [H, W] are (1, H, W); CIFAR (3, 32,
  // 32)); flat (dim, 1, 1) when left as it is.
  SampleShape sample_shape;
  std::vector<std::string> notes;
};

// InvalidArgument naming the field unless n_train >= 1, n_test >= 0 and
// data.preprocess is valid (channels >= 0, input_scale finite and > 0,
// pad_to >= 0, resize_to >= 0, a known class_targets). Reads no file.
absl::Status ValidateFileSourceConfig(const DatasetConfig& config);

// The indices of the examples to use out of `available`: 0 .. k-1 with
// k = min(requested, available), or (rng != nullptr) k distinct indices
// drawn uniformly with a partial Fisher-Yates shuffle, sorted.
std::vector<int64_t> ChooseExamples(int64_t available, int64_t requested,
                                    Rng* rng);

// The directory a file source reads: data.path, or `default_directory` if
// that is empty. InvalidArgument if both are empty (data.path is required),
// NotFound naming the path if it does not exist (followed by `hint`, e.g.
// "install it with: apt-get install dataset-fashion-mnist", if not empty),
// FailedPrecondition if it is not a directory.
absl::StatusOr<std::string> ResolveDataDirectory(
    const DatasetConfig& config, absl::string_view default_directory,
    absl::string_view hint);

// See the file comment. Errors: InvalidArgument from the preprocessing
// (e.g. channels not dividing d, resize_to or pad_to on flat samples).
absl::StatusOr<DatasetSplits> FinishSplits(const DatasetConfig& config,
                                           RawData raw);

// The largest number of floats one split's X may hold (as the synthetic
// source): 2^31 - 1.
inline constexpr int64_t kMaxFileSplitFloats = (int64_t{1} << 31) - 1;

}  // namespace nfalab

#endif  // NFALAB_DATASETS_FILE_SOURCE_H_
