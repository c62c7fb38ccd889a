// Dataset: inputs X: [n, d] and targets Y: [n, C], plus class labels for
// classification tasks. Sources (datasets/dataset_source.h) produce a
// train/test split of them in float; a FLOAT64 run (training.precision)
// casts its splits to DatasetD once.
#ifndef NFALAB_DATASETS_DATASET_H_
#define NFALAB_DATASETS_DATASET_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/sample_shape.h"
#include "core/tensor.h"

namespace nfalab {

template <typename Scalar>
struct BasicDataset {
  MatrixT<Scalar> x;  // [n, d]
  MatrixT<Scalar> y;  // [n, C]
  // Class index per row in [0, num_classes) for classification; empty for
  // regression.
  std::vector<int> labels;
  int num_classes = 0;  // 0 for regression.

  // One sample's shape (rows of x are channel-major); see sample_shape().
  SampleShape shape;

  int size() const { return static_cast<int>(x.rows()); }
  // `shape` if it describes the rows of x, else flat (d, 1, 1).
  SampleShape sample_shape() const {
    return shape.size() == x.cols()
               ? shape
               : SampleShape::Flat(static_cast<int>(x.cols()));
  }
  int input_dim() const { return static_cast<int>(x.cols()); }
  int output_dim() const { return static_cast<int>(y.cols()); }
  bool is_classification() const { return num_classes > 0; }

  // InvalidArgument (prefixed by `what`) unless rows agree, labels are in
  // range and every value is finite.
  absl::Status Validate(absl::string_view what) const;

  // The same examples with X and Y in another scalar type.
  template <typename Other>
  BasicDataset<Other> Cast() const {
    return BasicDataset<Other>{x.template cast<Other>(),
                               y.template cast<Other>(), labels, num_classes,
                               shape};
  }
};

using Dataset = BasicDataset<float>;
using DatasetD = BasicDataset<double>;

// What a source read and how it turned it into the splits; the experiment
// writes it into summary.json.
struct DataProvenance {
  std::string source;  // The registry name, e.g. "fashion_mnist".
  std::string path;    // The directory or file read; empty for synthetic.
  // Examples in the files (for synthetic: generated), per split; 0 when a
  // source does not say.
  int64_t train_available = 0, test_available = 0;
  // Examples in the splits (LoadDataset sets these from the split sizes).
  int64_t train_used = 0, test_used = 0;
  // True if the splits are seeded random subsets, false if the first
  // n_train / n_test examples.
  bool random_subset = false;
  // Channels of the per-channel standardisation (or that the inputs have).
  int channels = 1;
  bool standardized = false;
  // Per channel, from the training split (after any input scaling); empty
  // unless standardized.
  std::vector<double> channel_mean, channel_std;
  // How Y was made: "one-hot minus 1/C", "one-hot" or "regression".
  std::string targets;
  // Anything else worth knowing, e.g. "data.n_train = 50000 but the training
  // files hold 26640 examples; using all 26640".
  std::vector<std::string> notes;
};

struct DatasetSplits {
  Dataset train;
  Dataset test;
  DataProvenance provenance;
};

// The rows `indices` of `data`, in that order.
template <typename Scalar>
BasicDataset<Scalar> SelectRows(const BasicDataset<Scalar>& data,
                                absl::Span<const int> indices);

extern template struct BasicDataset<float>;
extern template struct BasicDataset<double>;
extern template Dataset SelectRows(const Dataset&, absl::Span<const int>);
extern template DatasetD SelectRows(const DatasetD&, absl::Span<const int>);

}  // namespace nfalab

#endif  // NFALAB_DATASETS_DATASET_H_
