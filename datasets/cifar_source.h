// The "cifar10" and "cifar100" dataset sources: the CIFAR binary version
// (datasets/cifar.h), from the directory data.path (required): either the
// extracted folder itself (cifar-10-batches-bin/, cifar-100-binary/) or the
// directory containing it.
//
//   cifar10   data_batch_1.bin .. data_batch_5.bin (50000 training images,
//             concatenated in that order) and test_batch.bin (10000); 10
//             classes
//   cifar100  train.bin (50000) and test.bin (10000); the 100 fine labels,
//             or with data.cifar.coarse_labels the 20 coarse labels
//
// Each example is the 3 x 32 x 32 image as stored, channel-major (d = 3072,
// pixel bytes as floats 0..255), with 3 channels. Then
// datasets/file_source.h: the first n_train / n_test examples (or a random
// subset), per-channel standardisation with the training statistics and
// one-hot minus 1/C targets by default (data.preprocess). The test file is
// not read when data.n_test is 0.
//
//   data {
//     source: "cifar10"
//     path: "/data/cifar-10-batches-bin"
//     n_train: 50000
//     n_test: 10000
//   }
//
// Errors name the file: NotFound for a missing directory or file,
// InvalidArgument for a truncated file or a label out of range.
#ifndef NFALAB_DATASETS_CIFAR_SOURCE_H_
#define NFALAB_DATASETS_CIFAR_SOURCE_H_

#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "datasets/dataset_config.pb.h"
#include "datasets/dataset_source.h"

namespace nfalab {

class Cifar10Source : public DatasetSource {
 public:
  absl::StatusOr<DatasetSplits> Load(const DatasetConfig& config) override;
};

class Cifar100Source : public DatasetSource {
 public:
  absl::StatusOr<DatasetSplits> Load(const DatasetConfig& config) override;
};

}  // namespace nfalab

#endif  // NFALAB_DATASETS_CIFAR_SOURCE_H_
