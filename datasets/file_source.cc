#include "datasets/file_source.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "datasets/file_util.h"
#include "datasets/image_resize.h"
#include "datasets/preprocess.h"

namespace nfalab {
namespace {

absl::Status FieldError(absl::string_view field, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(field, " ", message));
}

// With `resize`, each example's image of shape `from` is resized to `to`
// as it is copied, through one example's scratch buffer.
struct Resize {
  SampleShape from, to;
};

// Builds the Dataset of the examples `indices` of `split`.
absl::StatusOr<Dataset> BuildSplit(const RawSplit& split,
                                   absl::Span<const int64_t> indices,
                                   int num_classes, double input_scale,
                                   ClassTargetKind kind,
                                   const std::optional<Resize>& resize,
                                   absl::string_view what) {
  const int64_t n = static_cast<int64_t>(indices.size());
  const int64_t dim = resize ? resize->to.size() : split.dim;
  if (static_cast<double>(n) * static_cast<double>(dim) >
      static_cast<double>(kMaxFileSplitFloats)) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " would need ", n, " x ", dim,
        " floats, more than the limit of 2^31 - 1; reduce data.n_train / "
        "data.n_test"));
  }
  Dataset data;
  data.x.resize(n, dim);
  std::vector<float> scratch(resize ? split.dim : 0);
  for (int64_t r = 0; r < n; ++r) {
    float* row = data.x.data() + r * dim;
    if (!resize) {
      split.features(indices[r], row);
      continue;
    }
    split.features(indices[r], scratch.data());
    NFALAB_RETURN_IF_ERROR(ResizeImage(
        scratch.data(), resize->from.channels, resize->from.height,
        resize->from.width, resize->to.height, resize->to.width, row));
  }
  if (input_scale != 1.0) {
    for (Eigen::Index i = 0; i < data.x.size(); ++i) {
      data.x.data()[i] = static_cast<float>(data.x.data()[i] * input_scale);
    }
  }
  if (num_classes > 0) {
    data.num_classes = num_classes;
    data.labels.reserve(n);
    for (int64_t index : indices) data.labels.push_back(split.labels[index]);
    data.y = ClassTargetMatrix(data.labels, num_classes, kind);
  } else {
    data.y.resize(n, split.target_dim);
    for (int64_t r = 0; r < n; ++r) {
      for (int64_t k = 0; k < split.target_dim; ++k) {
        data.y(r, k) = static_cast<float>(
            split.targets[indices[r] * split.target_dim + k]);
      }
    }
  }
  return data;
}

// Zero-pads the images of `data` to size x size, centred.
absl::Status PadImages(int size, Dataset* data) {
  const SampleShape from = data->sample_shape();
  if (from.is_flat()) {
    return FieldError(
        "data.preprocess.pad_to",
        absl::StrCat("needs image data, but the samples are flat vectors ",
                     from.ToString()));
  }
  if (size < from.height || size < from.width) {
    return FieldError("data.preprocess.pad_to",
                      absl::StrCat("= ", size, " is smaller than the images, ",
                                   from.height, " x ", from.width));
  }
  const SampleShape to{from.channels, size, size};
  const int top = (size - from.height) / 2, left = (size - from.width) / 2;
  Matrix padded = Matrix::Zero(data->x.rows(), to.size());
  for (Eigen::Index i = 0; i < data->x.rows(); ++i) {
    for (int c = 0; c < from.channels; ++c) {
      for (int h = 0; h < from.height; ++h) {
        const int64_t source = (int64_t{c} * from.height + h) * from.width;
        const int64_t target = (int64_t{c} * size + top + h) * size + left;
        padded.row(i).segment(target, from.width) =
            data->x.row(i).segment(source, from.width);
      }
    }
  }
  data->x = std::move(padded);
  data->shape = to;
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateFileSourceConfig(const DatasetConfig& config) {
  if (config.n_train() < 1) {
    return FieldError("data.n_train",
                      absl::StrCat("must be >= 1, got ", config.n_train()));
  }
  if (config.n_test() < 0) {
    return FieldError("data.n_test",
                      absl::StrCat("must be >= 0, got ", config.n_test()));
  }
  const PreprocessOptions& pre = config.preprocess();
  if (pre.channels() < 0) {
    return FieldError("data.preprocess.channels",
                      absl::StrCat("must be >= 0 (0: the source's own), got ",
                                   pre.channels()));
  }
  if (!std::isfinite(pre.input_scale()) || !(pre.input_scale() > 0)) {
    return FieldError(
        "data.preprocess.input_scale",
        absl::StrCat("must be finite and > 0, got ", pre.input_scale()));
  }
  for (auto [field, size, off] :
       {std::make_tuple("pad_to", pre.pad_to(), "padding"),
        std::make_tuple("resize_to", pre.resize_to(), "resizing")}) {
    if (size < 0) {
      return FieldError(
          absl::StrCat("data.preprocess.", field),
          absl::StrCat("must be >= 0 (0: no ", off, "), got ", size));
    }
  }
  if (!PreprocessOptions::ClassTargets_IsValid(pre.class_targets())) {
    return FieldError("data.preprocess.class_targets",
                      absl::StrCat("has unknown value ", pre.class_targets()));
  }
  return absl::OkStatus();
}

std::vector<int64_t> ChooseExamples(int64_t available, int64_t requested,
                                    Rng* rng) {
  const int64_t k = std::max<int64_t>(0, std::min(requested, available));
  if (rng == nullptr || k == available) {
    std::vector<int64_t> first(k);
    std::iota(first.begin(), first.end(), 0);
    return first;
  }
  std::vector<int64_t> all(available);
  std::iota(all.begin(), all.end(), 0);
  for (int64_t i = 0; i < k; ++i) {
    const int64_t j = i + static_cast<int64_t>(rng->UniformInt(available - i));
    std::swap(all[i], all[j]);
  }
  all.resize(k);
  std::sort(all.begin(), all.end());
  return all;
}

absl::StatusOr<std::string> ResolveDataDirectory(
    const DatasetConfig& config, absl::string_view default_directory,
    absl::string_view hint) {
  const std::string directory =
      config.path().empty() ? std::string(default_directory) : config.path();
  if (directory.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("data.path is required by source \"", config.source(),
                     "\" (the directory holding its files)"));
  }
  if (IsDirectory(directory)) return directory;
  if (IsRegularFile(directory)) {
    return absl::FailedPreconditionError(
        absl::StrCat("data.path: ", directory, " is not a directory"));
  }
  return absl::NotFoundError(absl::StrCat("data.path: directory ", directory,
                                          " does not exist",
                                          hint.empty() ? "" : "; ", hint));
}

absl::StatusOr<DatasetSplits> FinishSplits(const DatasetConfig& config,
                                           RawData raw) {
  NFALAB_RETURN_IF_ERROR(ValidateFileSourceConfig(config));
  const PreprocessOptions& pre = config.preprocess();
  DataProvenance provenance;
  provenance.source = raw.source;
  provenance.path = raw.path;
  provenance.train_available = raw.train.size;
  provenance.test_available = raw.test.size;
  provenance.random_subset = config.random_subset();
  provenance.notes = std::move(raw.notes);
  if (raw.test.size == 0) {
    raw.test.dim = raw.train.dim;
    raw.test.target_dim = raw.train.target_dim;
  }
  if (raw.train.dim < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        raw.train.description, ": the examples have no features (d = 0)"));
  }
  if (raw.test.dim != raw.train.dim) {
    return absl::InvalidArgumentError(
        absl::StrCat(raw.test.description, " have ", raw.test.dim,
                     " features per example, but ", raw.train.description,
                     " have ", raw.train.dim));
  }

  Rng root(config.seed());
  Rng train_rng = root.Fork();
  Rng test_rng = root.Fork();
  const bool random = config.random_subset();
  const std::vector<int64_t> train_indices = ChooseExamples(
      raw.train.size, config.n_train(), random ? &train_rng : nullptr);
  const std::vector<int64_t> test_indices = ChooseExamples(
      raw.test.size, config.n_test(), random ? &test_rng : nullptr);
  for (auto [split, requested, field] :
       {std::make_tuple(&raw.train, config.n_train(), "data.n_train"),
        std::make_tuple(&raw.test, config.n_test(), "data.n_test")}) {
    if (requested > split->size) {
      provenance.notes.push_back(absl::StrCat(
          field, " = ", requested, " but ", split->description, " hold ",
          split->size, " examples; using all ", split->size));
    }
  }

  const ClassTargetKind kind = pre.class_targets() == PreprocessOptions::ONE_HOT
                                   ? ClassTargetKind::kOneHot
                                   : ClassTargetKind::kCenteredOneHot;
  std::optional<Resize> resize;
  SampleShape shape = raw.sample_shape;
  if (pre.resize_to() > 0) {
    if (raw.sample_shape.is_flat() ||
        raw.sample_shape.size() != raw.train.dim) {
      return FieldError(
          "data.preprocess.resize_to",
          absl::StrCat("needs image data, but the samples are flat vectors ",
                       SampleShape::Flat(raw.train.dim).ToString()));
    }
    shape = SampleShape::Image(raw.sample_shape.channels, pre.resize_to(),
                               pre.resize_to());
    resize = Resize{raw.sample_shape, shape};
    provenance.notes.push_back(absl::StrCat(
        "images resized from ", raw.sample_shape.height, " x ",
        raw.sample_shape.width, " to ", pre.resize_to(), " x ", pre.resize_to(),
        " (bilinear, antialiased, as PIL; not rounded)"));
  }
  DatasetSplits splits;
  NFALAB_ASSIGN_OR_RETURN(
      splits.train,
      BuildSplit(raw.train, train_indices, raw.num_classes, pre.input_scale(),
                 kind, resize, "the training split"));
  NFALAB_ASSIGN_OR_RETURN(
      splits.test,
      BuildSplit(raw.test, test_indices, raw.num_classes, pre.input_scale(),
                 kind, resize, "the test split"));
  splits.train.shape = shape;
  splits.test.shape = shape;
  if (raw.num_classes > 0) {
    provenance.targets =
        kind == ClassTargetKind::kOneHot ? "one-hot" : "one-hot minus 1/C";
  } else {
    provenance.targets = "regression";
  }
  if (pre.input_scale() != 1.0) {
    provenance.notes.push_back(
        absl::StrCat("inputs multiplied by data.preprocess.input_scale = ",
                     pre.input_scale()));
  }

  provenance.channels =
      pre.channels() > 0 ? pre.channels() : raw.natural_channels;
  if (pre.standardize()) {
    ChannelStats stats;
    Matrix* others[] = {&splits.test.x};
    absl::Status status = StandardizeChannels(provenance.channels,
                                              &splits.train.x, others, &stats);
    if (!status.ok()) {
      return AnnotateStatus(status, absl::StrCat("data.preprocess (channels = ",
                                                 provenance.channels, ")"));
    }
    provenance.standardized = true;
    provenance.channel_mean = std::move(stats.mean);
    provenance.channel_std = std::move(stats.std);
    if (!stats.constant_channels.empty()) {
      provenance.notes.push_back(absl::StrCat(
          "channels {", absl::StrJoin(stats.constant_channels, ", "),
          "} are constant in the training split: centred, not scaled"));
    }
  }
  if (pre.pad_to() > 0) {
    NFALAB_RETURN_IF_ERROR(PadImages(pre.pad_to(), &splits.train));
    NFALAB_RETURN_IF_ERROR(PadImages(pre.pad_to(), &splits.test));
    provenance.notes.push_back(absl::StrCat(
        "images zero-padded from ", shape.height, " x ", shape.width, " to ",
        pre.pad_to(), " x ", pre.pad_to(), " after standardisation"));
  }
  splits.provenance = std::move(provenance);
  return splits;
}

}  // namespace nfalab
