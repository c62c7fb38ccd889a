// ActivationLayer ("activation"): y = phi(x) elementwise, for any registered
// activation phi (layers/activation.h), on any sample shape.
//
//   Backward:  dL/dx_i = dL/dy_i * phi'(x_i)   (each of sample i's R rows)
//
// Options (LayerSpec): activation (a registered name).
#ifndef NFALAB_LAYERS_ACTIVATION_LAYER_H_
#define NFALAB_LAYERS_ACTIVATION_LAYER_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "layers/activation.h"
#include "layers/layer.h"

namespace nfalab {

template <typename Scalar>
class BasicActivationLayer : public BasicLayer<Scalar> {
 public:
  BasicActivationLayer(std::shared_ptr<const Activation> activation,
                       const SampleShape& shape);

  // NotFound (from the activation registry) for an unknown name.
  static absl::StatusOr<std::unique_ptr<BasicLayer<Scalar>>> Create(
      const LayerSpec& spec, const SampleShape& input);

  const Activation& activation() const { return *activation_; }

  void Forward(const MatrixT<Scalar>& x, MatrixT<Scalar>* y,
               MatrixT<Scalar>* kept = nullptr) const override;
  void Backward(const MatrixT<Scalar>& x, const MatrixT<Scalar>& y,
                const MatrixT<Scalar>& kept, const MatrixT<Scalar>& d_y,
                int rows_per_sample, MatrixT<Scalar>* d_x,
                MatrixT<Scalar>* d_weight,
                VectorT<Scalar>* d_bias) const override;
  bool BackwardInPlace(const MatrixT<Scalar>& x, const MatrixT<Scalar>& y,
                       const MatrixT<Scalar>& kept, int rows_per_sample,
                       MatrixT<Scalar>* d) const override;
  bool backward_in_place() const override { return true; }
  std::vector<ExportField> ExportFields() const override;
  std::unique_ptr<BasicLayer<Scalar>> Clone() const override {
    return std::make_unique<BasicActivationLayer>(*this);
  }

 private:
  std::shared_ptr<const Activation> activation_;
};

extern template class BasicActivationLayer<float>;
extern template class BasicActivationLayer<double>;

}  // namespace nfalab

#endif  // NFALAB_LAYERS_ACTIVATION_LAYER_H_
