// The "synthetic" dataset source: random inputs x in R^d (optionally followed
// by k label-irrelevant coordinates) and targets from a known function of the
// first d, so the feature a network should learn is known exactly.
//
// Inputs (SyntheticOptions.inputs):
//   GAUSSIAN  x ~ N(0, I_d).
//   SPHERE    x uniform on the sphere of radius sqrt(d) (a Gaussian vector,
//             normalised in double), so |x|^2 = d exactly as E|x|^2 for
//             GAUSSIAN.
//
// Label-irrelevant directions (irrelevant_dims = k > 0, irrelevant_scale =
// s): k extra columns are appended after the d relevant ones, so X is
// [n, d + k]; they are i.i.d. N(0, s^2) (drawn in double, rounded once to
// float; exact zeros for s = 0), independent of the relevant inputs and the
// targets, also for SPHERE inputs (only the relevant block lies on the
// sphere of radius sqrt(d)). The targets below are functions of the first d
// columns only: the relevant block, the teacher / directions, the targets,
// the labels and the label noise are bit-identical to those of the same
// config with k = 0. This is
// the "data distribution" knob of docs/paper.md section 3.2: input variance
// that carries no label information (raise k or s to let it dominate the
// input covariance X^T X).
//
// Targets (SyntheticOptions.target), Y: [n, C]:
//   TEACHER_MLP   y = g(x) for a random teacher MLP g with teacher_depth
//                 hidden layers of teacher_width units, teacher_activation,
//                 num_outputs = C outputs, no biases and weights
//                 N(0, 1/fan_in) (ModelConfig init GAUSSIAN, init_scale 1).
//                 The outputs are NOT rescaled: for a relu teacher,
//                 averaged over teachers, E[y_c^2] = |x|^2/d *
//                 2^-teacher_depth (about 0.5 for depth 1, 0.125 for depth
//                 3, for either input law), and saturating activations
//                 (tanh, sigmoid) give other scales; normalise downstream if
//                 a unit scale matters.
//   SINGLE_INDEX  y = p(<beta, x>) for a random unit vector beta (C = 1).
//   MULTI_INDEX   y = sum_j p(<beta_j, x>) / sqrt(r) for r = num_directions
//                 orthonormal beta_j (Gram-Schmidt on Gaussian vectors),
//                 C = 1. SINGLE_INDEX is MULTI_INDEX with r = 1.
//   p(z) = sum_k polynomial_coefficients[k] z^k, by default z^2 - 1 (He_2).
//   Index targets are evaluated in double from the stored float inputs and
//   then rounded to float, so Y is an exact function of X up to that one
//   rounding.
//
// Classification (classify: true, TEACHER_MLP only, C >= 2): the label of a
// row is the arg-max of its C teacher outputs (the lowest index on a tie),
// num_classes = C, and the row of Y is one-hot minus 1/C: the entries are
// float(1 - 1/C) at the label and float(-1/C) elsewhere (computed in double,
// rounded once).
//
// Label noise (label_noise = sigma > 0): N(0, sigma^2), drawn independently
// for every entry of Y, is added to the regression targets (in double, then
// rounded to float). Classification configs with label_noise > 0 are
// rejected: the labels are the clean teacher arg-max, and noisy one-hot
// targets would have no clear meaning.
//
// Reproducibility: the same DatasetConfig gives bit-identical splits. The
// streams are
//   Rng root(config.seed);
//   Rng model_rng = root.Fork();  // teacher weights (Model::Create) or betas
//   Rng input_rng = root.Fork();  // the n_train + n_test inputs, in order
//   Rng noise_rng = root.Fork();  // label noise, train rows then test rows
//   Rng irrelevant_rng = root.Fork();  // the irrelevant columns, row by row,
//                                      // train rows then test rows
// (irrelevant_rng is forked last, so the first three streams are those of a
// config with k = 0, and the irrelevant columns of the training split do not
// depend on n_test, d or the targets).
// The first n_train inputs form the training split and the next n_test the
// test split, so both come from the same distribution, are disjoint draws,
// and the training split does not depend on n_test. The teacher / directions
// do not depend on n_train, n_test, label_noise or the polynomial.
//
// Config (the `data` field of the experiment config, a DatasetConfig):
//
//   data {
//     source: "synthetic"
//     n_train: 4000
//     n_test: 1000
//     seed: 7
//     synthetic {
//       input_dim: 32
//       inputs: SPHERE
//       target: TEACHER_MLP
//       teacher_depth: 2
//       teacher_width: 64
//       teacher_activation: "relu"
//       num_outputs: 10
//       classify: true
//     }
//   }
//
// or a single-index task y = He_3(<beta, x>) + noise:
//
//   data {
//     source: "synthetic"
//     synthetic {
//       input_dim: 64
//       target: SINGLE_INDEX
//       polynomial_coefficients: [0, -3, 0, 1]
//       label_noise: 0.1
//     }
//   }
//
// or a teacher on 16 relevant sphere coordinates plus 48 label-irrelevant
// N(0, 2^2) ones (the model sees 64 inputs):
//
//   data {
//     source: "synthetic"
//     seed: 3
//     synthetic {
//       input_dim: 16
//       inputs: SPHERE
//       num_outputs: 4
//       classify: true
//       irrelevant_dims: 48
//       irrelevant_scale: 2.0
//     }
//   }
//
// data.path and data.random_subset are ignored; a data.preprocess message is
// rejected (the inputs and targets are used as generated). The provenance
// (DatasetSplits::provenance) records the source, the sizes, the targets
// ("one-hot minus 1/C" or "regression") and a note naming the target, input
// law, d and seed, plus, for k > 0, a second note describing the irrelevant
// columns; standardized is false.
//
// Errors: Validate (called by Load) returns InvalidArgument naming the field
// as written in the config (e.g. "data.synthetic.input_dim must be >= 1, got
// 0"), NotFound for an unknown teacher_activation (annotated with
// "data.synthetic.teacher_activation"), and InvalidArgument for sizes that
// would need more than 2^31 - 1 floats (8 GiB) in one matrix (the inputs
// count d + k columns) (this also
// keeps every row count within Dataset::size()'s int).
#ifndef NFALAB_DATASETS_SYNTHETIC_H_
#define NFALAB_DATASETS_SYNTHETIC_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "datasets/dataset_config.pb.h"
#include "datasets/dataset_source.h"

namespace nfalab {

class SyntheticSource : public DatasetSource {
 public:
  // The largest number of floats one generated matrix (or the teacher's
  // weights) may hold: 2^31 - 1.
  static constexpr int64_t kMaxFloats = (int64_t{1} << 31) - 1;

  // Checks config.n_train, config.n_test and config.synthetic without
  // allocating anything; usable for up-front config validation.
  static absl::Status Validate(const DatasetConfig& config);

  absl::StatusOr<DatasetSplits> Load(const DatasetConfig& config) override;
};

}  // namespace nfalab

#endif  // NFALAB_DATASETS_SYNTHETIC_H_
