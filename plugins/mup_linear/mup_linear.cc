// muP-style linear layer ("mup_linear"): a linear map whose output is scaled
// by the fixed factor 1/fan_in, as muP's 1/width output multiplier,
//
//   h = (1/p) x W^T + b,   x: [n, p], W: [k, p], b: [k],   p = in_features.
//
// A weighted layer with P = 1 whose rows are the scaled inputs,
// InputRows(x) = x / p, so that h = InputRows(x) W^T + b and the metrics
// (NFM W^T W, AGOP W^T K W) see the W that multiplies them; OutputVectors
// is the identity.
//
//   Backward:  dL/dx = (1/p) dL/dh W           (any R rows per sample)
//              dL/dW = (1/p) dL/dh^T x,  dL/db = column sums of dL/dh
//
// Options (LayerSpec): out_features (>= 1), bias. Both are read as given:
// model.bias and the default out_features of the last layer apply to
// `linear` only (ResolveLayers, layers/sequential.h), so set out_features on
// every mup_linear, the last one included.
//
// Config:
//   model {
//     layers { type: "mup_linear" out_features: 8 }
//     layers { type: "activation" activation: "relu" }
//     layers { type: "mup_linear" out_features: 1 }
//   }
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/check.h"
#include "layers/layer.h"

namespace nfalab {
namespace {

template <typename Scalar>
class MupLinear : public BasicWeightedLayer<Scalar> {
 public:
  MupLinear(int in_features, int out_features, bool has_bias)
      : BasicWeightedLayer<Scalar>(SampleShape::Flat(in_features),
                                   SampleShape::Flat(out_features),
                                   out_features, in_features, has_bias),
        scale_(Scalar(1) / Scalar(in_features)) {}

  static constexpr bool kTakesOutFeatures = true;

  static absl::StatusOr<std::unique_ptr<BasicLayer<Scalar>>> Create(
      const LayerSpec& spec, const SampleShape& input) {
    if (!input.is_flat()) {
      return absl::InvalidArgumentError(
          absl::StrCat("mup_linear needs a flat input [d], got ",
                       input.ToString(), "; put a flatten layer before it"));
    }
    if (spec.out_features() < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("out_features must be >= 1, got ", spec.out_features(),
                       " (mup_linear has no default, also as the last layer)"));
    }
    return std::unique_ptr<BasicLayer<Scalar>>(std::make_unique<MupLinear>(
        input.channels, spec.out_features(), spec.bias()));
  }

  void Forward(const MatrixT<Scalar>& x, MatrixT<Scalar>* h,
               MatrixT<Scalar>* /*kept*/) const override {
    h->noalias() = scale_ * (x * this->weight().transpose());
    if (this->has_bias()) h->rowwise() += this->bias().transpose();
  }

  void Backward(const MatrixT<Scalar>& x, const MatrixT<Scalar>& /*h*/,
                const MatrixT<Scalar>& /*kept*/, const MatrixT<Scalar>& d_h,
                int rows_per_sample, MatrixT<Scalar>* d_x,
                MatrixT<Scalar>* d_weight,
                VectorT<Scalar>* d_bias) const override {
    if (d_weight != nullptr) {
      NFALAB_CHECK(rows_per_sample == 1) << "parameter gradients need R = 1";
      d_weight->noalias() = scale_ * (d_h.transpose() * x);
    }
    if (d_bias != nullptr && this->has_bias()) {
      *d_bias = d_h.colwise().sum().transpose();
    }
    if (d_x != nullptr) d_x->noalias() = scale_ * (d_h * this->weight());
  }

  void InputRows(const MatrixT<Scalar>& x,
                 MatrixT<Scalar>* rows) const override {
    *rows = scale_ * x;
  }

  std::vector<ExportField> ExportFields() const override {
    return {{"in_features", absl::StrCat(this->fan_in())},
            {"out_features", absl::StrCat(this->units())},
            {"scale", absl::StrFormat("%.17g", 1.0 / this->fan_in())}};
  }

  std::unique_ptr<BasicLayer<Scalar>> Clone() const override {
    return std::make_unique<MupLinear>(*this);
  }

 private:
  Scalar scale_;  // 1/p.
};

}  // namespace

NFALAB_REGISTER_LAYER("mup_linear", MupLinear,
                      "h = x W^T / in_features (+ b), muP's 1/fan_in output "
                      "scaling; options: out_features, bias");

}  // namespace nfalab
