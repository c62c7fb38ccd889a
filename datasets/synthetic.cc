#include "datasets/synthetic.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/random.h"
#include "core/status_macros.h"
#include "core/teacher_network.h"
#include "core/tensor.h"

namespace nfalab {
namespace {

constexpr absl::string_view kDescription =
    "Gaussian or spherical inputs (optionally with appended label-irrelevant "
    "Gaussian coordinates); teacher-MLP (regression or arg-max "
    "classification) or single/multi-index polynomial targets";

absl::Status FieldError(absl::string_view field, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(field, " ", message));
}

// InvalidArgument naming `what` if `count` (computed in double, so products
// of int32 values cannot overflow) exceeds kMaxFloats.
absl::Status CheckSize(double count, absl::string_view what) {
  if (count <= static_cast<double>(SyntheticSource::kMaxFloats)) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      what, " would need ", count, " floats, more than the limit of 2^31 - 1 (",
      SyntheticSource::kMaxFloats, "); reduce the sizes"));
}

// The registry name of the teacher network (layers/teacher_mlp.cc).
constexpr char kTeacherNetwork[] = "mlp";

TeacherNetworkSpec TeacherSpec(const SyntheticOptions& options) {
  TeacherNetworkSpec spec;
  spec.input_dim = options.input_dim();
  spec.outputs = options.num_outputs();
  spec.depth = options.teacher_depth();
  spec.width = options.teacher_width();
  spec.activation = options.teacher_activation();
  return spec;
}

absl::StatusOr<std::unique_ptr<TeacherNetworkFactory>> TeacherFactory() {
  absl::StatusOr<std::unique_ptr<TeacherNetworkFactory>> factory =
      TeacherNetworkRegistry::Global().Create(kTeacherNetwork);
  if (!factory.ok()) {
    return AnnotateStatus(factory.status(),
                          "data.synthetic.target TEACHER_MLP");
  }
  return factory;
}

int NumOutputs(const SyntheticOptions& options) {
  return options.target() == SyntheticOptions::TEACHER_MLP
             ? options.num_outputs()
             : 1;
}

// Draws `n` rows of inputs from `rng`.
Matrix DrawInputs(const SyntheticOptions& options, int64_t n, Rng* rng) {
  const int d = options.input_dim();
  Matrix x(n, d);
  if (options.inputs() == SyntheticOptions::GAUSSIAN) {
    for (Eigen::Index i = 0; i < x.size(); ++i) {
      x.data()[i] = static_cast<float>(rng->Normal());
    }
    return x;
  }
  // SPHERE: a normalised Gaussian vector, scaled to radius sqrt(d).
  VectorD v(d);
  for (int64_t row = 0; row < n; ++row) {
    double norm = 0;
    while (norm == 0) {  // An all-zero draw has probability ~0; redraw.
      for (int j = 0; j < d; ++j) v[j] = rng->Normal();
      norm = v.norm();
    }
    x.row(row) = (v * (std::sqrt(static_cast<double>(d)) / norm))
                     .transpose()
                     .cast<float>();
  }
  return x;
}

// Draws `n` rows of `k` label-irrelevant coordinates, N(0, scale^2) each,
// row by row from `rng` (exact zeros, without drawing, for scale 0).
Matrix DrawIrrelevant(int64_t n, int k, double scale, Rng* rng) {
  Matrix z(n, k);
  if (scale == 0) {
    z.setZero();
    return z;
  }
  for (int64_t row = 0; row < n; ++row) {
    for (int j = 0; j < k; ++j) {
      z(row, j) = static_cast<float>(scale * rng->Normal());
    }
  }
  return z;
}

// r orthonormal directions in R^d as the rows of [r, d], by (twice
// repeated) Gram-Schmidt on Gaussian vectors drawn from `rng`.
MatrixD DrawDirections(int d, int r, Rng* rng) {
  MatrixD directions(r, d);
  VectorD v(d);
  for (int j = 0; j < r; ++j) {
    double norm = 0;
    // A draw (numerically) in the span of the previous directions has
    // probability ~0; redraw it.
    while (!(norm > 1e-6)) {
      for (int k = 0; k < d; ++k) v[k] = rng->Normal();
      const double raw_norm = v.norm();
      for (int pass = 0; pass < 2; ++pass) {
        for (int k = 0; k < j; ++k) {
          v -= directions.row(k).transpose().dot(v) *
               directions.row(k).transpose();
        }
      }
      norm = v.norm() / raw_norm;
    }
    directions.row(j) = (v / v.norm()).transpose();
  }
  return directions;
}

double EvaluatePolynomial(const std::vector<double>& coefficients, double z) {
  double value = 0;
  for (auto it = coefficients.rbegin(); it != coefficients.rend(); ++it) {
    value = value * z + *it;
  }
  return value;
}

// The clean target function Y = f(X) of a validated config.
class TargetFunction {
 public:
  static absl::StatusOr<TargetFunction> Create(const SyntheticOptions& options,
                                               Rng* rng) {
    TargetFunction target;
    if (options.target() == SyntheticOptions::TEACHER_MLP) {
      NFALAB_ASSIGN_OR_RETURN(std::unique_ptr<TeacherNetworkFactory> factory,
                              TeacherFactory());
      absl::StatusOr<std::unique_ptr<TeacherNetwork>> teacher =
          factory->Create(TeacherSpec(options), rng);
      if (!teacher.ok()) {
        return AnnotateStatus(teacher.status(), "data.synthetic (teacher)");
      }
      target.teacher_ = std::move(teacher).value();
      return target;
    }
    const int r = options.target() == SyntheticOptions::MULTI_INDEX
                      ? options.num_directions()
                      : 1;
    target.directions_ = DrawDirections(options.input_dim(), r, rng);
    if (options.polynomial_coefficients_size() == 0) {
      target.coefficients_ = {-1.0, 0.0, 1.0};  // He_2(z) = z^2 - 1.
    } else {
      target.coefficients_.assign(options.polynomial_coefficients().begin(),
                                  options.polynomial_coefficients().end());
    }
    return target;
  }

  // x: [n, d] -> Y: [n, C].
  Matrix Evaluate(const Matrix& x) const {
    if (teacher_ != nullptr) return teacher_->Predict(x);
    const MatrixD z = x.cast<double>() * directions_.transpose();  // [n, r]
    const double scale = 1.0 / std::sqrt(static_cast<double>(z.cols()));
    Matrix y(x.rows(), 1);
    for (Eigen::Index i = 0; i < z.rows(); ++i) {
      double sum = 0;
      for (Eigen::Index j = 0; j < z.cols(); ++j) {
        sum += EvaluatePolynomial(coefficients_, z(i, j));
      }
      y(i, 0) = static_cast<float>(sum * scale);
    }
    return y;
  }

 private:
  TargetFunction() = default;

  std::shared_ptr<const TeacherNetwork> teacher_;
  MatrixD directions_;  // [r, d], orthonormal rows.
  std::vector<double> coefficients_;
};

// Turns raw teacher outputs into arg-max labels and one-hot - 1/C targets.
void MakeClassification(Dataset* data) {
  const int c = data->output_dim();
  const float on = static_cast<float>(1.0 - 1.0 / c);
  const float off = static_cast<float>(-1.0 / c);
  data->num_classes = c;
  data->labels.resize(data->size());
  for (int i = 0; i < data->size(); ++i) {
    Eigen::Index label = 0;
    data->y.row(i).maxCoeff(&label);  // The first maximum on a tie.
    data->labels[i] = static_cast<int>(label);
    data->y.row(i).setConstant(off);
    data->y(i, label) = on;
  }
}

void AddNoise(double sigma, Rng* rng, Matrix* y) {
  for (Eigen::Index i = 0; i < y->size(); ++i) {
    float& value = y->data()[i];
    value =
        static_cast<float>(static_cast<double>(value) + sigma * rng->Normal());
  }
}

}  // namespace

absl::Status SyntheticSource::Validate(const DatasetConfig& config) {
  const SyntheticOptions& options = config.synthetic();
  if (config.n_train() < 1) {
    return FieldError("data.n_train",
                      absl::StrCat("must be >= 1, got ", config.n_train()));
  }
  if (config.n_test() < 0) {
    return FieldError("data.n_test",
                      absl::StrCat("must be >= 0, got ", config.n_test()));
  }
  if (config.has_preprocess()) {
    return FieldError("data.preprocess",
                      "applies to the file sources only; the synthetic "
                      "source's inputs and targets are used as generated");
  }
  const int d = options.input_dim();
  if (d < 1) {
    return FieldError("data.synthetic.input_dim",
                      absl::StrCat("must be >= 1, got ", d));
  }
  if (!SyntheticOptions::InputDistribution_IsValid(options.inputs())) {
    return FieldError("data.synthetic.inputs",
                      absl::StrCat("has unknown value ", options.inputs()));
  }
  if (!(options.label_noise() >= 0) || !std::isfinite(options.label_noise())) {
    return FieldError(
        "data.synthetic.label_noise",
        absl::StrCat("must be finite and >= 0, got ", options.label_noise()));
  }
  if (options.irrelevant_dims() < 0) {
    return FieldError(
        "data.synthetic.irrelevant_dims",
        absl::StrCat("must be >= 0, got ", options.irrelevant_dims()));
  }
  if (!(options.irrelevant_scale() >= 0) ||
      !std::isfinite(options.irrelevant_scale())) {
    return FieldError("data.synthetic.irrelevant_scale",
                      absl::StrCat("must be finite and >= 0, got ",
                                   options.irrelevant_scale()));
  }
  const SyntheticOptions::Target target = options.target();
  switch (target) {
    case SyntheticOptions::TEACHER_MLP: {
      if (options.teacher_depth() < 1) {
        return FieldError(
            "data.synthetic.teacher_depth",
            absl::StrCat("must be >= 1, got ", options.teacher_depth()));
      }
      if (options.teacher_width() < 1) {
        return FieldError(
            "data.synthetic.teacher_width",
            absl::StrCat("must be >= 1, got ", options.teacher_width()));
      }
      if (options.num_outputs() < 1) {
        return FieldError(
            "data.synthetic.num_outputs",
            absl::StrCat("must be >= 1, got ", options.num_outputs()));
      }
      NFALAB_ASSIGN_OR_RETURN(std::unique_ptr<TeacherNetworkFactory> factory,
                              TeacherFactory());
      const absl::Status activation = factory->Check(TeacherSpec(options));
      if (!activation.ok()) {
        return AnnotateStatus(activation, "data.synthetic.teacher_activation");
      }
      if (options.classify()) {
        if (options.num_outputs() < 2) {
          return FieldError(
              "data.synthetic.num_outputs",
              absl::StrCat("must be >= 2 (classes) when data.synthetic."
                           "classify is true, got ",
                           options.num_outputs()));
        }
        if (options.label_noise() > 0) {
          return FieldError(
              "data.synthetic.label_noise",
              absl::StrCat("must be 0 when data.synthetic.classify is true "
                           "(noise applies to regression targets only), got ",
                           options.label_noise()));
        }
      }
      break;
    }
    case SyntheticOptions::SINGLE_INDEX:
    case SyntheticOptions::MULTI_INDEX: {
      const std::string target_name = SyntheticOptions::Target_Name(target);
      if (options.classify()) {
        return FieldError("data.synthetic.classify",
                          absl::StrCat("requires data.synthetic.target "
                                       "TEACHER_MLP, got ",
                                       target_name));
      }
      if (options.num_outputs() != 1) {
        return FieldError(
            "data.synthetic.num_outputs",
            absl::StrCat("must be 1 for data.synthetic.target ", target_name,
                         " (index models have one output), got ",
                         options.num_outputs()));
      }
      for (int k = 0; k < options.polynomial_coefficients_size(); ++k) {
        if (!std::isfinite(options.polynomial_coefficients(k))) {
          return FieldError(
              absl::StrCat("data.synthetic.polynomial_coefficients[", k, "]"),
              absl::StrCat("must be finite, got ",
                           options.polynomial_coefficients(k)));
        }
      }
      if (target == SyntheticOptions::MULTI_INDEX &&
          (options.num_directions() < 1 || options.num_directions() > d)) {
        return FieldError(
            "data.synthetic.num_directions",
            absl::StrCat("must be in [1, data.synthetic.input_dim = ", d,
                         "], got ", options.num_directions()));
      }
      break;
    }
    default:
      return FieldError("data.synthetic.target",
                        absl::StrCat("has unknown value ", target));
  }

  // Sizes, checked before anything is allocated.
  // rows >= 1, so this also keeps d + k within an int.
  const double rows = static_cast<double>(config.n_train()) + config.n_test();
  const int k = options.irrelevant_dims();
  if (k == 0) {
    NFALAB_RETURN_IF_ERROR(CheckSize(
        rows * d, absl::StrCat("the inputs ([data.n_train + data.n_test, "
                               "data.synthetic.input_dim] = [",
                               rows, ", ", d, "])")));
  } else {
    NFALAB_RETURN_IF_ERROR(
        CheckSize(rows * (static_cast<double>(d) + k),
                  absl::StrCat("the inputs ([data.n_train + data.n_test, "
                               "data.synthetic.input_dim + "
                               "data.synthetic.irrelevant_dims] = [",
                               rows, ", ", d, " + ", k, "])")));
  }
  const int c = NumOutputs(options);
  NFALAB_RETURN_IF_ERROR(CheckSize(
      rows * c, absl::StrCat("the targets ([data.n_train + data.n_test, "
                             "data.synthetic.num_outputs] = [",
                             rows, ", ", c, "])")));
  if (target == SyntheticOptions::TEACHER_MLP) {
    const double width = options.teacher_width();
    const double parameters =
        d * width + (options.teacher_depth() - 1.0) * width * width + width * c;
    NFALAB_RETURN_IF_ERROR(CheckSize(
        parameters,
        absl::StrCat("the teacher's weights (data.synthetic.teacher_depth = ",
                     options.teacher_depth(),
                     ", data.synthetic.teacher_width = ", width, ")")));
    // Model::Predict holds up to 4096 rows of hidden activations at a time.
    NFALAB_RETURN_IF_ERROR(
        CheckSize(std::min(rows, 4096.0) * width,
                  absl::StrCat("the teacher's hidden activations "
                               "(data.synthetic.teacher_width = ",
                               width, ")")));
  }
  return absl::OkStatus();
}

absl::StatusOr<DatasetSplits> SyntheticSource::Load(
    const DatasetConfig& config) {
  NFALAB_RETURN_IF_ERROR(Validate(config));
  const SyntheticOptions& options = config.synthetic();

  Rng root(config.seed());
  Rng model_rng = root.Fork();
  Rng input_rng = root.Fork();
  Rng noise_rng = root.Fork();
  Rng irrelevant_rng = root.Fork();  // Forked last: the streams above are
                                     // those of a config without it.

  NFALAB_ASSIGN_OR_RETURN(TargetFunction target,
                          TargetFunction::Create(options, &model_rng));

  DatasetSplits splits;
  for (auto [data, n] : {std::make_pair(&splits.train, config.n_train()),
                         std::make_pair(&splits.test, config.n_test())}) {
    data->x = DrawInputs(options, n, &input_rng);
    data->y = target.Evaluate(data->x);  // On the relevant block only.
    const int k = options.irrelevant_dims();
    if (k > 0) {
      Matrix x(n, static_cast<Eigen::Index>(options.input_dim()) + k);
      x.leftCols(options.input_dim()) = data->x;
      x.rightCols(k) =
          DrawIrrelevant(n, k, options.irrelevant_scale(), &irrelevant_rng);
      data->x = std::move(x);
    }
  }
  for (Dataset* data : {&splits.train, &splits.test}) {
    if (options.classify()) MakeClassification(data);
    if (options.label_noise() > 0) {
      AddNoise(options.label_noise(), &noise_rng, &data->y);
    }
  }
  DataProvenance& provenance = splits.provenance;
  provenance.source = config.source();
  provenance.train_available = config.n_train();
  provenance.test_available = config.n_test();
  provenance.channels = 1;
  provenance.targets = options.classify() ? "one-hot minus 1/C" : "regression";
  provenance.notes.push_back(absl::StrCat(
      "synthetic ", SyntheticOptions::Target_Name(options.target()),
      " targets on ",
      SyntheticOptions::InputDistribution_Name(options.inputs()),
      " inputs, d = ", options.input_dim(), ", seed ", config.seed()));
  if (options.irrelevant_dims() > 0) {
    provenance.notes.push_back(absl::StrCat(
        "plus k = ", options.irrelevant_dims(), " label-irrelevant N(0, ",
        options.irrelevant_scale(), "^2) input coordinates (columns ",
        options.input_dim(), " to ",
        options.input_dim() + options.irrelevant_dims() - 1,
        "); the targets depend on the first d = ", options.input_dim(),
        " columns only"));
  }
  return splits;
}

NFALAB_REGISTER_DATASET_SOURCE("synthetic", SyntheticSource, kDescription);

}  // namespace nfalab
