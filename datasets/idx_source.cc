#include "datasets/idx_source.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "datasets/file_source.h"
#include "datasets/file_util.h"
#include "datasets/idx.h"

namespace nfalab {
namespace {

constexpr absl::string_view kInstallHint =
    "install it with: apt-get install dataset-fashion-mnist";

// `name` (+ ".gz" first, unless it already ends in .gz) in `directory`.
absl::StatusOr<std::string> FindIdxFile(const std::string& directory,
                                        const std::string& name) {
  std::vector<std::string> candidates;
  if (!absl::EndsWith(name, ".gz")) {
    candidates.push_back(absl::StrCat(name, ".gz"));
  }
  candidates.push_back(name);
  for (const std::string& candidate : candidates) {
    const std::string path = JoinPath(directory, candidate);
    if (IsRegularFile(path)) return path;
  }
  return absl::NotFoundError(absl::StrCat(
      "IDX file ", JoinPath(directory, name),
      absl::EndsWith(name, ".gz") ? "" : " (or .gz)", " not found"));
}

// Images and labels of one split.
struct IdxSplit {
  RawSplit raw;
  SampleShape shape;  // (1, H, W) for 3-d image files, else flat.
  std::string labels_path;
  int max_label = -1;
};

absl::StatusOr<IdxSplit> ReadIdxSplit(const std::string& directory,
                                      const std::string& images_name,
                                      const std::string& labels_name,
                                      absl::string_view description) {
  NFALAB_ASSIGN_OR_RETURN(const std::string images_path,
                          FindIdxFile(directory, images_name));
  NFALAB_ASSIGN_OR_RETURN(const std::string labels_path,
                          FindIdxFile(directory, labels_name));
  NFALAB_ASSIGN_OR_RETURN(IdxArray images, ReadIdxFile(images_path));
  NFALAB_ASSIGN_OR_RETURN(IdxArray labels, ReadIdxFile(labels_path));

  const int64_t n = images.dims[0];
  int64_t d = 1;
  for (size_t i = 1; i < images.dims.size(); ++i) {
    // Bounded even when n = 0 leaves the data empty whatever the other
    // dimensions say.
    if (images.dims[i] > kMaxFileSplitFloats / std::max<int64_t>(d, 1)) {
      return absl::InvalidArgumentError(absl::StrCat(
          images_path, ": an image has more than 2^31 - 1 pixels"));
    }
    d *= images.dims[i];
  }
  IdxSplit split;
  if (images.dims.size() == 3) {
    split.shape = {1, static_cast<int>(images.dims[1]),
                   static_cast<int>(images.dims[2])};
  } else {
    split.shape = SampleShape::Flat(static_cast<int>(d));
  }
  if (n > 0 && d == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        images_path, ": the images have no pixels (a zero dimension)"));
  }
  if (!IdxTypeIsInteger(labels.type)) {
    return absl::InvalidArgumentError(
        absl::StrCat(labels_path, ": labels must have an integer type, got ",
                     IdxTypeName(labels.type)));
  }
  if (labels.dims.size() > 2 ||
      (labels.dims.size() == 2 && labels.dims[1] != 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        labels_path, ": labels must have shape [n] or [n, 1], got ",
        labels.dims.size(), " dimensions"));
  }
  if (labels.dims[0] != n) {
    return absl::InvalidArgumentError(
        absl::StrCat(images_path, " has ", n, " images but ", labels_path,
                     " has ", labels.dims[0], " labels"));
  }
  split.labels_path = labels_path;
  split.raw.description = std::string(description);
  split.raw.size = n;
  split.raw.dim = d;
  split.raw.labels.reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    const double label = labels.Get(i);
    if (label < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          labels_path, ": label ", label, " of example ", i, " is negative"));
    }
    split.raw.labels.push_back(static_cast<int>(label));
    split.max_label = std::max(split.max_label, static_cast<int>(label));
  }
  auto shared = std::make_shared<const IdxArray>(std::move(images));
  if (shared->type == IdxType::kUint8) {
    split.raw.features = [shared, d](int64_t index, float* row) {
      const unsigned char* pixels =
          reinterpret_cast<const unsigned char*>(shared->data.data()) +
          index * d;
      for (int64_t j = 0; j < d; ++j) row[j] = pixels[j];
    };
  } else {
    split.raw.features = [shared, d](int64_t index, float* row) {
      for (int64_t j = 0; j < d; ++j) {
        row[j] = static_cast<float>(shared->Get(index * d + j));
      }
    };
  }
  return split;
}

absl::Status CheckLabels(const IdxSplit& split, int num_classes) {
  if (split.max_label < num_classes) return absl::OkStatus();
  const auto& labels = split.raw.labels;
  const int64_t i =
      std::find_if(labels.begin(), labels.end(),
                   [&](int label) { return label >= num_classes; }) -
      labels.begin();
  return absl::InvalidArgumentError(
      absl::StrCat(split.labels_path, ": label ", labels[i], " of example ", i,
                   " is outside [0, ", num_classes,
                   ") (data.idx.num_classes = ", num_classes, ")"));
}

absl::StatusOr<DatasetSplits> LoadIdx(const DatasetConfig& config,
                                      absl::string_view default_directory,
                                      absl::string_view hint) {
  NFALAB_RETURN_IF_ERROR(ValidateFileSourceConfig(config));
  const IdxOptions& options = config.idx();
  if (options.num_classes() < 0 || options.num_classes() == 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("data.idx.num_classes must be 0 (infer) or >= 2, got ",
                     options.num_classes()));
  }
  NFALAB_ASSIGN_OR_RETURN(
      const std::string directory,
      ResolveDataDirectory(config, default_directory, hint));
  NFALAB_ASSIGN_OR_RETURN(
      IdxSplit train,
      ReadIdxSplit(directory, options.train_images(), options.train_labels(),
                   "the training files"));
  IdxSplit test;
  test.raw.description = "the test files";
  if (config.n_test() > 0) {
    NFALAB_ASSIGN_OR_RETURN(
        test, ReadIdxSplit(directory, options.test_images(),
                           options.test_labels(), "the test files"));
  }
  int num_classes = options.num_classes();
  if (num_classes == 0) {
    num_classes = std::max(train.max_label, test.max_label) + 1;
    if (num_classes < 2) {
      return absl::InvalidArgumentError(
          absl::StrCat(train.labels_path, ": the labels name ", num_classes,
                       " class(es); classification needs at least 2"));
    }
  }
  NFALAB_RETURN_IF_ERROR(CheckLabels(train, num_classes));
  NFALAB_RETURN_IF_ERROR(CheckLabels(test, num_classes));

  RawData raw;
  raw.source = config.source();
  raw.path = directory;
  raw.train = std::move(train.raw);
  raw.test = std::move(test.raw);
  raw.num_classes = num_classes;
  raw.natural_channels = 1;
  raw.sample_shape = train.shape;
  if (config.n_test() == 0) {
    raw.notes.push_back("data.n_test = 0: the test files were not read");
  }
  return FinishSplits(config, std::move(raw));
}

}  // namespace

absl::StatusOr<DatasetSplits> IdxSource::Load(const DatasetConfig& config) {
  return LoadIdx(config, "",
                 absl::StrCat("(for Fashion-MNIST, ", kInstallHint, ")"));
}

absl::StatusOr<DatasetSplits> FashionMnistSource::Load(
    const DatasetConfig& config) {
  return LoadIdx(config, kFashionMnistDirectory, kInstallHint);
}

NFALAB_REGISTER_DATASET_SOURCE(
    "fashion_mnist", FashionMnistSource,
    "Fashion-MNIST (IDX files, by default from "
    "/usr/share/datasets/fashion-mnist: apt-get install "
    "dataset-fashion-mnist)");
NFALAB_REGISTER_DATASET_SOURCE(
    "idx", IdxSource,
    "MNIST-family IDX files (gzipped or not) in the directory data.path");

}  // namespace nfalab
