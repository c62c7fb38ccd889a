#include "layers/tangent_features.h"

#include "core/check.h"

namespace nfalab {

template <typename Scalar>
void ComputeTangentFeatures(const BasicSequential<Scalar>& model,
                            const MatrixT<Scalar>& x,
                            std::vector<MatrixT<Scalar>>* features,
                            BasicModelCache<Scalar>* cache, int lowest,
                            const std::function<void(int layer)>& ready) {
  NFALAB_CHECK(lowest >= 0 && lowest < model.num_weighted_layers())
      << "lowest weighted layer " << lowest;
  BasicModelCache<Scalar> local_cache;
  BasicModelCache<Scalar>& forward = cache != nullptr ? *cache : local_cache;
  model.Forward(x, &forward);
  const Eigen::Index m = x.rows();
  const int c = model.output_dim();
  features->resize(model.num_weighted_layers());

  // g walks down: the cotangent rows at the output of layer j. A layer
  // writes straight into the features of the weighted layer below when only
  // in-place layers (activations) lie between, as the MLP's do, so that no
  // extra pass or buffer is needed and the features' storage is reused.
  MatrixT<Scalar> scratch[2];
  const int last = model.num_layers() - 1;
  int l = model.num_weighted_layers() - 1;  // Highest weighted layer <= j.
  // Where the cotangent at the output of layer `position` goes.
  auto destination = [&](int position, const MatrixT<Scalar>* avoid) {
    if (l >= 0) {
      int k = position;
      while (k > model.weighted_position(l) &&
             model.layer(k).backward_in_place()) {
        --k;
      }
      if (k == model.weighted_position(l)) return &(*features)[l];
    }
    return avoid == &scratch[0] ? &scratch[1] : &scratch[0];
  };
  MatrixT<Scalar>* g = destination(last, nullptr);
  // The output's cotangents are the unit vectors e_c.
  g->setZero(m * c, c);
  for (Eigen::Index i = 0; i < m; ++i) g->middleRows(i * c, c).setIdentity();
  const int stop = model.weighted_position(lowest);
  for (int j = last; j > stop; --j) {
    if (j == model.weighted_position(l)) {
      if (ready) ready(l);
      --l;
    }
    const BasicLayer<Scalar>& layer = model.layer(j);
    if (layer.BackwardInPlace(forward.LayerInput(j), forward.outputs[j],
                              forward.kept[j], c, g)) {
      continue;
    }
    MatrixT<Scalar>* below = destination(j - 1, g);
    layer.Backward(forward.LayerInput(j), forward.outputs[j], forward.kept[j],
                   *g, c, below, nullptr, nullptr);
    g = below;
  }
  if (ready) ready(lowest);
}

template void ComputeTangentFeatures(const BasicSequential<float>&,
                                     const Matrix&, std::vector<Matrix>*,
                                     BasicModelCache<float>*, int,
                                     const std::function<void(int)>&);
template void ComputeTangentFeatures(const BasicSequential<double>&,
                                     const MatrixD&, std::vector<MatrixD>*,
                                     BasicModelCache<double>*, int,
                                     const std::function<void(int)>&);

}  // namespace nfalab
