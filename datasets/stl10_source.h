// The "stl10" dataset source: the STL-10 binary version (datasets/stl10.h)
// from the directory data.path (required): stl10_binary/ itself or the
// directory containing it, with train_X.bin / train_y.bin (5000 images) and
// test_X.bin / test_y.bin (8000). The unlabeled images are not read. nfalab
// never downloads: fetch stl10_binary.tar.gz yourself.
//
// Each example is the 3 x 96 x 96 image channel-major (d = 27648, pixels as
// floats 0..255), 3 channels, labels 0..9 (the files' 1..10 minus 1). The
// paper resizes STL-10 to 32 x 32 (paper.md §5.1); its config sets
// data.preprocess.resize_to: 32 for that. Then datasets/file_source.h as for
// the other file sources. The test files are not read when data.n_test is 0.
//
//   data {
//     source: "stl10"
//     path: "data/stl10_binary"
//     n_train: 5000
//     n_test: 8000
//   }
//
// Errors name the file: NotFound for a missing directory or file,
// InvalidArgument for an empty or truncated file, a label out of range or an
// image/label count mismatch.
#ifndef NFALAB_DATASETS_STL10_SOURCE_H_
#define NFALAB_DATASETS_STL10_SOURCE_H_

#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "datasets/dataset_config.pb.h"
#include "datasets/dataset_source.h"

namespace nfalab {

class Stl10Source : public DatasetSource {
 public:
  absl::StatusOr<DatasetSplits> Load(const DatasetConfig& config) override;
};

}  // namespace nfalab

#endif  // NFALAB_DATASETS_STL10_SOURCE_H_
