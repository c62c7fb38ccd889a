// AlignmentMeasure: a per-layer quantity computed at every measurement
// (UC-NFC, C-NFC, ...). Built-ins and plugins use exactly this API.
//
// A measure receives a LayerContext with a weighted layer's current weight
// W, its initial weight W0 (read them with WeightOf / WeightChangeOf, which
// use the double weights of a FLOAT64 run) and the PTK covariance K (at the
// current weights, on the measurement subset; K at initialisation too for a
// measure that NeedsInitialPtk()), and returns one or more named values (each
// becomes a `measure` in metrics.csv):
//
//   class TraceRatio : public AlignmentMeasure {
//    public:
//     absl::StatusOr<std::vector<MeasureValue>> Compute(
//         const LayerContext& layer) const override {
//       return std::vector<MeasureValue>{{"trace_ratio", ...}};
//     }
//   };
//   NFALAB_REGISTER_ALIGNMENT_MEASURE("trace_ratio", TraceRatio,
//                                     "tr(AGOP) / tr(NFM)");
//
// and is selected in a config by name: measurement { measures: "trace_ratio" }.
#ifndef NFALAB_METRICS_ALIGNMENT_MEASURE_H_
#define NFALAB_METRICS_ALIGNMENT_MEASURE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/registry.h"
#include "core/tensor.h"
#include "google/protobuf/any.pb.h"

namespace nfalab {

struct LayerContext {
  // The weighted layer's number l (1-based); the last one (the readout) is
  // num_layers.
  int layer;
  int num_layers;
  bool is_readout() const { return layer == num_layers; }
  // W_l and W_l^(0): [k, p] (layers/layer.h; for linear [k_l, k_{l-1}]).
  const Matrix& weight;
  const Matrix& initial_weight;
  // K_l: [k, k] (divided by the number of samples unless the run uses the
  // plain sum).
  const MatrixD& ptk;
  // K_l at initialisation, on the same subset: set when a measure of the
  // run NeedsInitialPtk() (e.g. c_nfc_k0), null otherwise.
  const MatrixD* initial_ptk = nullptr;
  // W_l and W_l^(0) in double, set in a FLOAT64 run (training.precision);
  // `weight` and `initial_weight` are then their float roundings, too
  // coarse for W - W0 early on (a step at lr 1e-4 moves an entry by about a
  // float ulp). Read W and W - W0 through WeightOf / WeightChangeOf.
  const MatrixD* weight_f64 = nullptr;
  const MatrixD* initial_weight_f64 = nullptr;
};

// W_l in double: weight_f64 when set, else the float W_l.
inline MatrixD WeightOf(const LayerContext& layer) {
  if (layer.weight_f64 != nullptr) return *layer.weight_f64;
  return layer.weight.cast<double>();
}

// W_l - W_l^(0) in double: the double difference in a FLOAT64 run, else
// the float difference (so a float run's values stay as they were).
inline MatrixD WeightChangeOf(const LayerContext& layer) {
  if (layer.weight_f64 != nullptr && layer.initial_weight_f64 != nullptr) {
    return *layer.weight_f64 - *layer.initial_weight_f64;
  }
  return (layer.weight - layer.initial_weight).cast<double>();
}

struct MeasureValue {
  std::string name;  // The `measure` column in metrics.csv.
  double value;
};

class AlignmentMeasure {
 public:
  virtual ~AlignmentMeasure() = default;
  virtual absl::StatusOr<std::vector<MeasureValue>> Compute(
      const LayerContext& layer) const = 0;

  // True if every value is unchanged when W and W0 are scaled by the same
  // positive factor and K by any (independent) positive factor: e.g. a
  // Pearson or cosine correlation of two matrices that each scale by a
  // positive factor (uc_nfc, c_nfc), or a ratio of norms of W - W0 and W
  // (weight_change). Analyses that compare runs with differently scaled
  // weights or PTKs (a sum instead of a mean, another width) can rely on it.
  // False (the default) unless the measure's maths guarantees it.
  virtual bool IsScaleInvariant() const { return false; }

  // True if Compute reads LayerContext::initial_ptk: the run then computes K
  // at initialisation once and keeps it (in the checkpoint too).
  virtual bool NeedsInitialPtk() const { return false; }
};

// Factories take the measure's options (null: none given), from
// measurement.measure_options.
using AlignmentMeasureRegistry =
    Registry<AlignmentMeasure, const google::protobuf::Any*>;
template <>
AlignmentMeasureRegistry& AlignmentMeasureRegistry::Global();

}  // namespace nfalab

// Registers `Type` (a default-constructible AlignmentMeasure) under `name`.
#define NFALAB_REGISTER_ALIGNMENT_MEASURE(name, Type, description)           \
  NFALAB_REGISTER_ENTRY_(                                                    \
      ::nfalab::AlignmentMeasureRegistry::Global(), name, description,       \
      [](const ::google::protobuf::Any*)                                     \
          -> ::absl::StatusOr<std::unique_ptr<::nfalab::AlignmentMeasure>> { \
        return std::unique_ptr<::nfalab::AlignmentMeasure>(                  \
            std::make_unique<Type>());                                       \
      })

// Registers `factory` (absl::StatusOr<std::unique_ptr<AlignmentMeasure>>(
// const google::protobuf::Any* options)) for a measure with options;
// `example` is an instance of its options message, the type it unpacks
// from measurement.measure_options (also used by the conformance checks).
#define NFALAB_REGISTER_ALIGNMENT_MEASURE_WITH_OPTIONS(name, factory,        \
                                                       description, example) \
  NFALAB_REGISTER_ENTRY_WITH_OPTIONS_(                                       \
      ::nfalab::AlignmentMeasureRegistry::Global(), name, description,       \
      factory, example)

#endif  // NFALAB_METRICS_ALIGNMENT_MEASURE_H_
