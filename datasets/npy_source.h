// The "npy" dataset source: NumPy .npy arrays (read with core/npy.h's
// ReadNpy: format 1.0-3.0, dtypes <f4 <f8 <i4 <i8 |u1 |i1, C order).
//
// Files (NpyOptions), relative to data.path (required):
//   X_train.npy  inputs, which also give the sample shape (Dataset::shape):
//                [n, d] flat (a 1-D [n] array is read as d = 1),
//                [n, H, W] images of 1 x H x W,
//                [n, C, H, W] images of C x H x W (rows are a[i] in C
//                order, i.e. channel-major as the layers expect)
//   y_train.npy  [n] or [n, k] targets
//   X_test.npy, y_test.npy: the test split (not read when data.n_test is 0)
// data.npy.targets AUTO (the default) treats an integer-dtype y as class
// labels and a floating-point y as regression targets (k outputs); CLASS
// requires y of shape [n] or [n, 1] with non-negative integer values
// (checked exactly, any dtype); REGRESSION uses y as it is. num_classes is
// data.npy.num_classes or one more than the largest label of either split.
//
// Then datasets/file_source.h: the first n_train / n_test rows (or a random
// subset), standardisation by default per channel for [n, C, H, W] inputs
// and of all inputs together as one channel otherwise
// (data.preprocess.channels = d standardises each input on its own) and
// one-hot minus 1/C targets for classes (data.preprocess). Values are read
// as double and rounded to float.
//
//   np.save("X_train.npy", X.astype(np.float32)); np.save("y_train.npy", y)
//
//   data {
//     source: "npy"
//     path: "/data/my_task"
//     n_train: 1000
//     n_test: 200
//   }
//
// Errors name the file: NotFound for a missing directory or file,
// InvalidArgument / Unimplemented from ReadNpy for malformed or unsupported
// files, InvalidArgument (naming the shape) for X of more than 4 or y of
// more than 2 dimensions, X and y with different row counts, class labels
// that are not non-negative integers or not below num_classes, and train /
// test arrays of different widths or sample shapes.
#ifndef NFALAB_DATASETS_NPY_SOURCE_H_
#define NFALAB_DATASETS_NPY_SOURCE_H_

#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "datasets/dataset_config.pb.h"
#include "datasets/dataset_source.h"

namespace nfalab {

class NpySource : public DatasetSource {
 public:
  absl::StatusOr<DatasetSplits> Load(const DatasetConfig& config) override;
};

}  // namespace nfalab

#endif  // NFALAB_DATASETS_NPY_SOURCE_H_
