// The "svhn" dataset source: SVHN cropped digits (datasets/svhn.h) from the
// directory data.path (required) holding train_32x32.mat (73257 images) and
// test_32x32.mat (26032), read through libmatio. nfalab never downloads:
// fetch them from http://ufldl.stanford.edu/housenumbers/ yourself.
//
// Each example is the 3 x 32 x 32 image channel-major (d = 3072, pixels as
// floats 0..255, as torchvision's SVHN), 3 channels, labels 0..9 (the files'
// 10 is the digit 0). Then datasets/file_source.h: the first n_train /
// n_test examples (or a random subset), per-channel standardisation with the
// training statistics, one-hot minus 1/C targets by default. The test file
// is not read when data.n_test is 0.
//
//   data {
//     source: "svhn"
//     path: "data/svhn"
//     n_train: 50000
//     n_test: 10000
//   }
//
// Errors name the file: NotFound for a missing directory or file,
// InvalidArgument for a file libmatio cannot read or whose X / y are wrong.
#ifndef NFALAB_DATASETS_SVHN_SOURCE_H_
#define NFALAB_DATASETS_SVHN_SOURCE_H_

#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "datasets/dataset_config.pb.h"
#include "datasets/dataset_source.h"

namespace nfalab {

class SvhnSource : public DatasetSource {
 public:
  absl::StatusOr<DatasetSplits> Load(const DatasetConfig& config) override;
};

}  // namespace nfalab

#endif  // NFALAB_DATASETS_SVHN_SOURCE_H_
