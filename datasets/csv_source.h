// The "csv" dataset source: numeric CSV files (datasets/csv.h), one example
// per line: a label column and the features.
//
// Files (CsvOptions): data.path/train.csv and data.path/test.csv (the test
// file is not read when data.n_test is 0). data.path may also name the
// training file itself; the test split then comes from data.csv.test_file
// (relative to the training file's directory) only if that is set, and is
// empty otherwise.
//
// Columns: data.csv.label_column (default 0, the first; -1 the last) holds
// the label, every other column is a feature, in file order. With label_type
// CLASS (the default) labels are non-negative integers ("3" or "3.0") and
// num_classes is data.csv.num_classes or one more than the largest label of
// either file (at least 2); with REGRESSION the label is a real target (one
// output). Both files must have the same number of columns.
//
// Then datasets/file_source.h: the first n_train / n_test rows (or a random
// subset), standardisation of all features together as one channel by
// default (data.preprocess.channels = d standardises each feature on its
// own) and one-hot minus 1/C targets for classes (data.preprocess).
//
//   data {
//     source: "csv"
//     path: "/data/iris"
//     n_train: 120
//     n_test: 30
//     csv { header: true label_column: -1 }
//   }
//
// Errors name the file and line: NotFound for a missing directory or file;
// InvalidArgument for an empty file, ragged rows, non-numeric fields (see
// datasets/csv.h), a label column outside the row, a label that is not a
// non-negative integer or not below num_classes, files with different
// column counts.
#ifndef NFALAB_DATASETS_CSV_SOURCE_H_
#define NFALAB_DATASETS_CSV_SOURCE_H_

#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "datasets/dataset_config.pb.h"
#include "datasets/dataset_source.h"

namespace nfalab {

class CsvSource : public DatasetSource {
 public:
  absl::StatusOr<DatasetSplits> Load(const DatasetConfig& config) override;
};

}  // namespace nfalab

#endif  // NFALAB_DATASETS_CSV_SOURCE_H_
