// Training losses and their gradients with respect to the network output.
//
//   MSE:  L = 1/(n C) sum_{i,c} (f_c(x_i) - y_ic)^2   (PyTorch MSELoss, "mean")
//   CE:   L = 1/n sum_i -log softmax(f(x_i))_{label_i}
//
// Both return the loss (accumulated in double) and, if `d_output` is not null,
// write dL/df: [n, C].
#ifndef NFALAB_LAYERS_LOSS_H_
#define NFALAB_LAYERS_LOSS_H_

#include <vector>

#include "absl/types/span.h"
#include "core/tensor.h"

namespace nfalab {

template <typename Scalar>
double MseLoss(const MatrixT<Scalar>& output, const MatrixT<Scalar>& targets,
               MatrixT<Scalar>* d_output);

// `labels` are class indices in [0, C).
template <typename Scalar>
double SoftmaxCrossEntropyLoss(const MatrixT<Scalar>& output,
                               absl::Span<const int> labels,
                               MatrixT<Scalar>* d_output);

// The number of rows whose arg-max column equals the label.
template <typename Scalar>
int CountCorrect(const MatrixT<Scalar>& output, absl::Span<const int> labels);

}  // namespace nfalab

#endif  // NFALAB_LAYERS_LOSS_H_
