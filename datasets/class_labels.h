// Class labels read from files (the csv and npy sources): which values are
// labels, and how many classes a source may infer from them.
//
// With num_classes = 0 a source infers the class count as the largest label
// + 1. A label far beyond the number of examples is nearly always a wrong
// label column or a corrupt value, and would give the model that many
// outputs (a label of 1000000 means a readout of 1000001 x width weights and
// a [chunk * C, C] tangent-feature block). So an inferred class count may be
// at most
//
//   max(1000, the number of labelled rows in the files read)
//
// (and below 2^31 - 1, the int32 limit of num_classes). A dataset with more
// classes than that states num_classes.
//
//   const std::string problem = ClassLabelProblem(
//       label, options.num_classes(), train_rows + test_rows, "data.csv");
//   if (!problem.empty()) return InvalidArgumentError(... label ... problem);
#ifndef NFALAB_DATASETS_CLASS_LABELS_H_
#define NFALAB_DATASETS_CLASS_LABELS_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace nfalab {

// The inferred class count never exceeds this unless there are more rows.
inline constexpr int64_t kMinInferredClassLimit = 1000;

// The largest class count a source may infer from `labelled_rows` labels.
int64_t InferredClassLimit(int64_t labelled_rows);

// Why `label` is not a valid class label, or "" if it is one. `num_classes`
// is the source's option (0: inferred, then limited by `labelled_rows`, the
// rows of every file read) and `options` its message's path, e.g.
// "data.csv", for naming the field to set:
//   "is not a non-negative integer"
//   "is outside [0, 3) (data.csv.num_classes = 3)"
//   "is too large: with data.csv.num_classes = 0 the class count is the
//    largest label + 1, here 1000001, but an inferred count is limited to
//    max(1000, 3 labelled rows) = 1000; set data.csv.num_classes if there
//    are that many classes"
//   "is too large: class labels must be below 2147483647
//    (data.csv.num_classes is an int32)"
std::string ClassLabelProblem(double label, int num_classes,
                              int64_t labelled_rows, absl::string_view options);

// `label` for messages: integers in full ("2147483648"), others as %.15g.
std::string FormatLabel(double label);

}  // namespace nfalab

#endif  // NFALAB_DATASETS_CLASS_LABELS_H_
