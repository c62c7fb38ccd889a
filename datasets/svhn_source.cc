#include "datasets/svhn_source.h"

#include <string>
#include <utility>

#include "core/status_macros.h"
#include "datasets/file_source.h"
#include "datasets/file_util.h"
#include "datasets/image_records.h"
#include "datasets/svhn.h"

namespace nfalab {

absl::StatusOr<DatasetSplits> SvhnSource::Load(const DatasetConfig& config) {
  NFALAB_RETURN_IF_ERROR(ValidateFileSourceConfig(config));
  NFALAB_ASSIGN_OR_RETURN(std::string directory,
                          ResolveDataDirectory(config, "", ""));
  NFALAB_ASSIGN_OR_RETURN(
      ImageRecords train,
      ReadSvhnMatFile(JoinPath(directory, "train_32x32.mat")));
  RawData raw;
  raw.source = config.source();
  raw.path = directory;
  raw.num_classes = 10;
  raw.natural_channels = 3;
  raw.sample_shape = {3, 32, 32};
  raw.train = ImageRecordsToRawSplit(std::move(train),
                                     "the training file (train_32x32.mat)");
  raw.test.description = "the test file (test_32x32.mat)";
  if (config.n_test() > 0) {
    NFALAB_ASSIGN_OR_RETURN(
        ImageRecords test,
        ReadSvhnMatFile(JoinPath(directory, "test_32x32.mat")));
    raw.test = ImageRecordsToRawSplit(std::move(test), raw.test.description);
  } else {
    raw.notes.push_back("data.n_test = 0: the test file was not read");
  }
  return FinishSplits(config, std::move(raw));
}

NFALAB_REGISTER_DATASET_SOURCE(
    "svhn", SvhnSource,
    "SVHN cropped digits (train_32x32.mat, test_32x32.mat, read with "
    "libmatio) in data.path; label 10 is the digit 0");

}  // namespace nfalab
