// Dropout ("dropout"), as torch.nn.Dropout: while training, every entry is
// zeroed with probability p and the others are scaled by 1 / (1 - p); in
// evaluation (Forward, and so every measurement) it is the identity.
//
//   training:  y = x * m,  m_ij = 0 with probability p, else 1 / (1 - p)
//   Backward:  dL/dx = dL/dy * m  (each of sample i's R rows), or dL/dy
//              after an evaluation pass
//
// The mask m is drawn from the run's training stream in storage order and
// kept for Backward. Options (LayerSpec): rate (p, default 0.5).
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/check.h"
#include "layers/layer.h"

namespace nfalab {
namespace {

constexpr double kDefaultRate = 0.5;

template <typename Scalar>
class Dropout : public BasicLayer<Scalar> {
 public:
  Dropout(const SampleShape& shape, double rate)
      : BasicLayer<Scalar>(shape, shape), rate_(rate) {}

  static absl::StatusOr<std::unique_ptr<BasicLayer<Scalar>>> Create(
      const LayerSpec& spec, const SampleShape& input) {
    const double rate = spec.has_rate() ? spec.rate() : kDefaultRate;
    // !(rate >= 0) also catches NaN.
    if (!(rate >= 0.0) || !(rate < 1.0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("rate must be in [0, 1), got ", rate));
    }
    return std::unique_ptr<BasicLayer<Scalar>>(
        std::make_unique<Dropout>(input, rate));
  }

  void Forward(const MatrixT<Scalar>& x, MatrixT<Scalar>* y,
               MatrixT<Scalar>* kept) const override {
    *y = x;
    if (kept != nullptr) kept->resize(0, 0);
  }

  void ForwardTraining(const MatrixT<Scalar>& x, MatrixT<Scalar>* y,
                       MatrixT<Scalar>* kept, Rng* rng) const override {
    NFALAB_CHECK(kept != nullptr) << "dropout keeps its mask for Backward";
    if (rate_ == 0.0) {
      Forward(x, y, kept);
      return;
    }
    const Scalar scale = static_cast<Scalar>(1.0 / (1.0 - rate_));
    kept->resize(x.rows(), x.cols());
    for (Eigen::Index k = 0; k < kept->size(); ++k) {
      kept->data()[k] = rng->Uniform() < rate_ ? Scalar(0) : scale;
    }
    *y = x.cwiseProduct(*kept);
  }
  bool acts_in_training() const override { return rate_ > 0.0; }

  void Backward(const MatrixT<Scalar>& x, const MatrixT<Scalar>& y,
                const MatrixT<Scalar>& kept, const MatrixT<Scalar>& d_y,
                int rows_per_sample, MatrixT<Scalar>* d_x,
                MatrixT<Scalar>* /*d_weight*/,
                VectorT<Scalar>* /*d_bias*/) const override {
    if (d_x == nullptr) return;
    *d_x = d_y;
    BackwardInPlace(x, y, kept, rows_per_sample, d_x);
  }
  bool BackwardInPlace(const MatrixT<Scalar>& x, const MatrixT<Scalar>& /*y*/,
                       const MatrixT<Scalar>& kept, int rows_per_sample,
                       MatrixT<Scalar>* d) const override {
    if (kept.size() == 0) return true;  // An evaluation pass.
    NFALAB_DCHECK(kept.rows() == x.rows() &&
                  d->rows() == x.rows() * rows_per_sample);
    const int r = rows_per_sample;
    for (Eigen::Index i = 0; i < kept.rows(); ++i) {
      d->middleRows(i * r, r).array().rowwise() *= kept.row(i).array();
    }
    return true;
  }
  bool backward_in_place() const override { return true; }

  std::vector<ExportField> ExportFields() const override {
    return {{"rate", absl::StrFormat("%.17g", rate_)}};
  }
  std::unique_ptr<BasicLayer<Scalar>> Clone() const override {
    return std::make_unique<Dropout>(*this);
  }

 private:
  double rate_;
};

}  // namespace

NFALAB_REGISTER_LAYER("dropout", Dropout,
                      "zeroes entries with probability `rate` while "
                      "training (scaling the rest); identity in evaluation");

}  // namespace nfalab
