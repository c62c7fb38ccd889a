#include "layers/loss.h"

#include <cmath>

#include "core/check.h"

namespace nfalab {

template <typename Scalar>
double MseLoss(const MatrixT<Scalar>& output, const MatrixT<Scalar>& targets,
               MatrixT<Scalar>* d_output) {
  NFALAB_CHECK(output.rows() == targets.rows() &&
               output.cols() == targets.cols())
      << "MSE shapes differ";
  const double count = static_cast<double>(output.size());
  const double loss =
      (output - targets).template cast<double>().squaredNorm() / count;
  if (d_output != nullptr) {
    *d_output = (output - targets) * static_cast<Scalar>(2.0 / count);
  }
  return loss;
}

template <typename Scalar>
double SoftmaxCrossEntropyLoss(const MatrixT<Scalar>& output,
                               absl::Span<const int> labels,
                               MatrixT<Scalar>* d_output) {
  const Eigen::Index n = output.rows();
  NFALAB_CHECK(static_cast<Eigen::Index>(labels.size()) == n)
      << "one label per row";
  if (d_output != nullptr) d_output->resize(n, output.cols());
  double total = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const int label = labels[i];
    NFALAB_CHECK(label >= 0 && label < output.cols()) << "label " << label;
    // Shift by the row max so exp never overflows.
    const double row_max = output.row(i).maxCoeff();
    const Eigen::Array<double, 1, Eigen::Dynamic> shifted =
        output.row(i).template cast<double>().array() - row_max;
    const Eigen::Array<double, 1, Eigen::Dynamic> exps = shifted.exp();
    const double sum = exps.sum();
    total += std::log(sum) - shifted(label);
    if (d_output != nullptr) {
      d_output->row(i) = (exps / (sum * static_cast<double>(n)))
                             .template cast<Scalar>()
                             .matrix();
      (*d_output)(i, label) -= static_cast<Scalar>(1.0 / n);
    }
  }
  return total / static_cast<double>(n);
}

template <typename Scalar>
int CountCorrect(const MatrixT<Scalar>& output, absl::Span<const int> labels) {
  NFALAB_CHECK(static_cast<Eigen::Index>(labels.size()) == output.rows())
      << "one label per row";
  int correct = 0;
  for (Eigen::Index i = 0; i < output.rows(); ++i) {
    Eigen::Index best;
    output.row(i).maxCoeff(&best);
    if (best == labels[i]) ++correct;
  }
  return correct;
}

template double MseLoss(const Matrix&, const Matrix&, Matrix*);
template double MseLoss(const MatrixD&, const MatrixD&, MatrixD*);
template double SoftmaxCrossEntropyLoss(const Matrix&, absl::Span<const int>,
                                        Matrix*);
template double SoftmaxCrossEntropyLoss(const MatrixD&, absl::Span<const int>,
                                        MatrixD*);
template int CountCorrect(const Matrix&, absl::Span<const int>);
template int CountCorrect(const MatrixD&, absl::Span<const int>);

}  // namespace nfalab
