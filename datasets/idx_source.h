// The "fashion_mnist" and "idx" dataset sources: MNIST-family IDX files
// (datasets/idx.h), gzipped or not.
//
//   fashion_mnist  Fashion-MNIST (60000 training and 10000 test images of
//                  28 x 28, 10 classes) from data.path, by default
//                  /usr/share/datasets/fashion-mnist, where the Debian
//                  package dataset-fashion-mnist installs it.
//   idx            the same reader for any directory in that layout (MNIST,
//                  KMNIST, EMNIST, ...); data.path is required.
//
// Files (IdxOptions; each name is tried with ".gz" first, then as given):
//   train-images-idx3-ubyte  [n, h, w] (any IDX type, any number of trailing
//                            dimensions; each example is flattened to d =
//                            product of the trailing dimensions)
//   train-labels-idx1-ubyte  [n] (or [n, 1]), an integer type, labels in
//                            [0, data.idx.num_classes) (default 10)
//   t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte: the test split (not read
//                            when data.n_test is 0)
// Pixels become floats as stored (0..255 for bytes); the images have one
// channel. Then datasets/file_source.h: the first n_train / n_test examples
// (or a random subset), per-channel standardisation with the training
// statistics and one-hot minus 1/C targets by default (data.preprocess).
//
//   data {
//     source: "fashion_mnist"
//     n_train: 50000
//     n_test: 10000
//   }
//
//   data {
//     source: "idx"
//     path: "/data/kmnist"
//     idx { train_images: "kmnist-train-imgs" }  # and so on
//   }
//
// Errors name the file: NotFound for a missing directory (with the hint
// "install it with: apt-get install dataset-fashion-mnist") or file, and
// InvalidArgument for a malformed file (see datasets/idx.h), images and
// labels with different counts, labels outside [0, num_classes), test images
// of another size than the training images.
#ifndef NFALAB_DATASETS_IDX_SOURCE_H_
#define NFALAB_DATASETS_IDX_SOURCE_H_

#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "datasets/dataset_config.pb.h"
#include "datasets/dataset_source.h"

namespace nfalab {

inline constexpr char kFashionMnistDirectory[] =
    "/usr/share/datasets/fashion-mnist";

class IdxSource : public DatasetSource {
 public:
  absl::StatusOr<DatasetSplits> Load(const DatasetConfig& config) override;
};

class FashionMnistSource : public DatasetSource {
 public:
  absl::StatusOr<DatasetSplits> Load(const DatasetConfig& config) override;
};

}  // namespace nfalab

#endif  // NFALAB_DATASETS_IDX_SOURCE_H_
