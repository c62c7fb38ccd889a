#include "datasets/stl10_source.h"

#include <string>
#include <utility>

#include "core/status_macros.h"
#include "datasets/file_source.h"
#include "datasets/file_util.h"
#include "datasets/image_records.h"
#include "datasets/stl10.h"

namespace nfalab {
namespace {

// The split `prefix` ("train", "test") of `directory`.
absl::StatusOr<ImageRecords> ReadSplit(const std::string& directory,
                                       const std::string& prefix) {
  return ReadStl10Files(JoinPath(directory, prefix + "_X.bin"),
                        JoinPath(directory, prefix + "_y.bin"));
}

}  // namespace

absl::StatusOr<DatasetSplits> Stl10Source::Load(const DatasetConfig& config) {
  NFALAB_RETURN_IF_ERROR(ValidateFileSourceConfig(config));
  NFALAB_ASSIGN_OR_RETURN(std::string directory,
                          ResolveDataDirectory(config, "", ""));
  // Accept the directory containing the extracted folder too.
  const std::string nested = JoinPath(directory, "stl10_binary");
  if (!IsRegularFile(JoinPath(directory, "train_X.bin")) &&
      IsDirectory(nested)) {
    directory = nested;
  }
  NFALAB_ASSIGN_OR_RETURN(ImageRecords train, ReadSplit(directory, "train"));
  RawData raw;
  raw.source = config.source();
  raw.path = directory;
  raw.num_classes = 10;
  raw.natural_channels = 3;
  raw.sample_shape = {3, kStl10Side, kStl10Side};
  raw.train = ImageRecordsToRawSplit(
      std::move(train), "the training files (train_X.bin, train_y.bin)");
  raw.test.description = "the test files (test_X.bin, test_y.bin)";
  if (config.n_test() > 0) {
    NFALAB_ASSIGN_OR_RETURN(ImageRecords test, ReadSplit(directory, "test"));
    raw.test = ImageRecordsToRawSplit(std::move(test), raw.test.description);
  } else {
    raw.notes.push_back("data.n_test = 0: the test files were not read");
  }
  return FinishSplits(config, std::move(raw));
}

NFALAB_REGISTER_DATASET_SOURCE(
    "stl10", Stl10Source,
    "STL-10 binary version (train_X.bin, train_y.bin, test_X.bin, "
    "test_y.bin) in data.path; 3 x 96 x 96, labels 1..10 read as 0..9");

}  // namespace nfalab
