#include "datasets/cifar_source.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "datasets/cifar.h"
#include "datasets/file_source.h"
#include "datasets/file_util.h"

namespace nfalab {
namespace {

struct CifarLayout {
  CifarVariant variant;
  const char* subdirectory;  // The folder the archive extracts to.
  std::vector<std::string> train_files;
  std::string test_file;
  int num_classes;
};

CifarLayout Layout(CifarVariant variant, bool coarse) {
  if (variant == CifarVariant::kCifar10) {
    return {variant,
            "cifar-10-batches-bin",
            {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
             "data_batch_4.bin", "data_batch_5.bin"},
            "test_batch.bin",
            10};
  }
  return {variant,
          "cifar-100-binary",
          {"train.bin"},
          "test.bin",
          coarse ? 20 : 100};
}

// The records of `files` in `directory`, concatenated.
absl::StatusOr<CifarRecords> ReadRecords(const std::string& directory,
                                         const std::vector<std::string>& files,
                                         CifarVariant variant) {
  CifarRecords all;
  for (const std::string& file : files) {
    const std::string path = JoinPath(directory, file);
    if (!IsRegularFile(path)) {
      return absl::NotFoundError(
          absl::StrCat("CIFAR file ", path, " not found"));
    }
    NFALAB_ASSIGN_OR_RETURN(CifarRecords records, ReadCifarFile(path, variant));
    if (all.size() == 0) {
      all = std::move(records);
      continue;
    }
    all.labels.insert(all.labels.end(), records.labels.begin(),
                      records.labels.end());
    all.coarse_labels.insert(all.coarse_labels.end(),
                             records.coarse_labels.begin(),
                             records.coarse_labels.end());
    all.pixels.append(records.pixels);
  }
  return all;
}

RawSplit ToRawSplit(CifarRecords records, bool coarse,
                    std::string description) {
  RawSplit split;
  split.description = std::move(description);
  split.size = records.size();
  split.dim = kCifarImageBytes;
  split.labels =
      coarse ? std::move(records.coarse_labels) : std::move(records.labels);
  auto pixels = std::make_shared<const std::string>(std::move(records.pixels));
  split.features = [pixels](int64_t index, float* row) {
    const unsigned char* p =
        reinterpret_cast<const unsigned char*>(pixels->data()) +
        index * kCifarImageBytes;
    for (int j = 0; j < kCifarImageBytes; ++j) row[j] = p[j];
  };
  return split;
}

absl::StatusOr<DatasetSplits> LoadCifar(const DatasetConfig& config,
                                        CifarVariant variant) {
  NFALAB_RETURN_IF_ERROR(ValidateFileSourceConfig(config));
  const bool coarse = config.cifar().coarse_labels();
  if (coarse && variant == CifarVariant::kCifar10) {
    return absl::InvalidArgumentError(
        "data.cifar.coarse_labels applies to source cifar100 only");
  }
  const CifarLayout layout = Layout(variant, coarse);
  NFALAB_ASSIGN_OR_RETURN(std::string directory,
                          ResolveDataDirectory(config, "", ""));
  // Accept the directory containing the extracted folder too.
  const std::string nested = JoinPath(directory, layout.subdirectory);
  if (!IsRegularFile(JoinPath(directory, layout.train_files[0])) &&
      IsDirectory(nested)) {
    directory = nested;
  }
  NFALAB_ASSIGN_OR_RETURN(CifarRecords train,
                          ReadRecords(directory, layout.train_files, variant));
  RawData raw;
  raw.source = config.source();
  raw.path = directory;
  raw.num_classes = layout.num_classes;
  raw.natural_channels = 3;
  raw.sample_shape = {3, 32, 32};
  raw.train =
      ToRawSplit(std::move(train), coarse,
                 absl::StrCat("the training files (",
                              absl::StrJoin(layout.train_files, ", "), ")"));
  raw.test.description = absl::StrCat("the test file (", layout.test_file, ")");
  if (config.n_test() > 0) {
    NFALAB_ASSIGN_OR_RETURN(
        CifarRecords test, ReadRecords(directory, {layout.test_file}, variant));
    raw.test = ToRawSplit(std::move(test), coarse, raw.test.description);
  } else {
    raw.notes.push_back("data.n_test = 0: the test file was not read");
  }
  if (variant == CifarVariant::kCifar100) {
    raw.notes.push_back(coarse ? "CIFAR-100 coarse labels (20 classes)"
                               : "CIFAR-100 fine labels (100 classes)");
  }
  return FinishSplits(config, std::move(raw));
}

}  // namespace

absl::StatusOr<DatasetSplits> Cifar10Source::Load(const DatasetConfig& config) {
  return LoadCifar(config, CifarVariant::kCifar10);
}

absl::StatusOr<DatasetSplits> Cifar100Source::Load(
    const DatasetConfig& config) {
  return LoadCifar(config, CifarVariant::kCifar100);
}

NFALAB_REGISTER_DATASET_SOURCE(
    "cifar10", Cifar10Source,
    "CIFAR-10 binary version (data_batch_{1..5}.bin, test_batch.bin) in "
    "data.path");
NFALAB_REGISTER_DATASET_SOURCE(
    "cifar100", Cifar100Source,
    "CIFAR-100 binary version (train.bin, test.bin) in data.path; fine "
    "labels, or coarse with data.cifar.coarse_labels");

}  // namespace nfalab
