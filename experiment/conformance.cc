#include "experiment/conformance.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <set>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/random.h"
#include "core/tensor.h"
#include "datasets/dataset.h"
#include "datasets/dataset_config.pb.h"
#include "datasets/dataset_source.h"
#include "layers/activation.h"
#include "layers/loss.h"
#include "layers/sequential.h"
#include "metrics/alignment_measure.h"
#include "optimizers/optimizer.h"

namespace nfalab {
namespace {

// The outcome of one check, before it becomes a row.
struct Verdict {
  CheckResult result;
  std::string detail;
};

Verdict Pass(std::string detail) {
  return {CheckResult::kPass, std::move(detail)};
}
Verdict Fail(std::string detail) {
  return {CheckResult::kFail, std::move(detail)};
}

// The rows of one registered name.
class CheckRows {
 public:
  CheckRows(std::string kind, std::string name)
      : kind_(std::move(kind)), name_(std::move(name)) {}

  void Add(std::string check, Verdict verdict) {
    rows_.push_back({kind_, name_, std::move(check), verdict.result,
                     std::move(verdict.detail)});
  }
  std::vector<ConformanceCheck> Take() { return std::move(rows_); }

 private:
  std::string kind_;
  std::string name_;
  std::vector<ConformanceCheck> rows_;
};

template <typename M>
std::string ShapeOf(const M& m) {
  return absl::StrCat("[", m.rows(), ", ", m.cols(), "]");
}

MatrixD NormalMatrix(int rows, int cols, Rng* rng) {
  MatrixD m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng->Normal();
  return m;
}

// |actual - expected| / max(|expected|, floor): relative error, absolute
// (scaled by 1 / floor) near zero. NaN counts as infinite.
double RelativeError(double actual, double expected, double floor) {
  const double error =
      std::abs(actual - expected) / std::max(std::abs(expected), floor);
  return std::isnan(error) ? std::numeric_limits<double>::infinity() : error;
}

struct WorstError {
  double error = 0;
  Eigen::Index index = 0;
};

// The largest RelativeError over the entries of two same-shaped matrices.
WorstError FindWorstError(const MatrixD& actual, const MatrixD& expected,
                          double floor) {
  WorstError worst;
  for (Eigen::Index i = 0; i < actual.size(); ++i) {
    const double error =
        RelativeError(actual.data()[i], expected.data()[i], floor);
    if (error > worst.error) worst = {error, i};
  }
  return worst;
}

// ---------------------------------------------------------------------------
// Activations.

// Central differences (phi(h + e) - phi(h - e)) / 2e with e = 1e-5:
// truncation error e^2 |phi'''| / 6 ~ 1e-10 and rounding ~ 1e-16 / e ~ 1e-11
// for smooth activations on [-4, 4], far below the tolerance; a derivative
// off by 0.1% exceeds it a thousandfold.
constexpr double kFiniteDifferenceStep = 1e-5;
constexpr double kDerivativeTolerance = 1e-6;  // Relative to max(|.|, 0.1).
constexpr double kDerivativeFloor = 0.1;
// Float rounding of phi and phi' (relative to max(|.|, 1)).
constexpr double kFloatTolerance = 1e-5;
constexpr double kFloatFloor = 1.0;

// Points in [-4, 4] at least 1e-2 away from 0, where relu-like kinks are.
MatrixD SamplePoints(int rows, int cols, uint64_t seed) {
  Rng rng(seed);
  MatrixD h(rows, cols);
  for (Eigen::Index i = 0; i < h.size(); ++i) {
    double x = 0;
    do {
      x = rng.Uniform(-4, 4);
    } while (std::abs(x) < 1e-2);
    h.data()[i] = x;
  }
  return h;
}

// -50, -49.75, ..., 50 as a [401, 1] column.
MatrixD WideGrid() {
  MatrixD h(401, 1);
  for (int i = 0; i < 401; ++i) h(i, 0) = -50.0 + 0.25 * i;
  return h;
}

// Runs `issue_in(h)` in double and in float; the first issue found, prefixed
// with its precision, or "" if there is none.
template <typename IssueFn>
std::string FirstIssueInBothPrecisions(const MatrixD& h, IssueFn issue_in) {
  std::string issue = issue_in(h);
  if (!issue.empty()) return absl::StrCat("double ", issue);
  issue = issue_in(Matrix(h.cast<float>()));
  if (!issue.empty()) return absl::StrCat("float ", issue);
  return "";
}

template <typename M>
std::string ShapeIssue(const Activation& phi, const M& h) {
  M value, slope;
  phi.Apply(h, &value);
  phi.Derivative(h, &slope);
  if (value.rows() != h.rows() || value.cols() != h.cols()) {
    return absl::StrCat("Apply gave ", ShapeOf(value), " for ", ShapeOf(h));
  }
  if (slope.rows() != h.rows() || slope.cols() != h.cols()) {
    return absl::StrCat("Derivative gave ", ShapeOf(slope), " for ",
                        ShapeOf(h));
  }
  return "";
}

template <typename M>
std::string NonFiniteIssue(const Activation& phi, const M& h) {
  M value, slope;
  phi.Apply(h, &value);
  phi.Derivative(h, &slope);
  for (const auto& [label, out] :
       {std::pair{"phi", &value}, {"phi'", &slope}}) {
    const Eigen::Index n = std::min(out->size(), h.size());
    for (Eigen::Index i = 0; i < n; ++i) {
      if (!std::isfinite(out->data()[i])) {
        return absl::StrFormat("%s(%g) = %g", label, h.data()[i],
                               out->data()[i]);
      }
    }
  }
  return "";
}

Verdict CheckDerivative(const Activation& phi) {
  const MatrixD h = SamplePoints(7, 9, /*seed=*/17);
  MatrixD plus, minus, slope;
  phi.Apply(MatrixD(h.array() + kFiniteDifferenceStep), &plus);
  phi.Apply(MatrixD(h.array() - kFiniteDifferenceStep), &minus);
  phi.Derivative(h, &slope);
  const std::string shape_issue = ShapeIssue(phi, h);
  if (!shape_issue.empty()) return Fail(absl::StrCat("double ", shape_issue));
  const MatrixD numeric = (plus - minus) / (2 * kFiniteDifferenceStep);
  const WorstError worst = FindWorstError(slope, numeric, kDerivativeFloor);
  if (worst.error > kDerivativeTolerance) {
    return Fail(absl::StrFormat(
        "rel err %.2g at h = %.6g: phi' %.8g vs finite diff. %.8g (tol %.2g)",
        worst.error, h.data()[worst.index], slope.data()[worst.index],
        numeric.data()[worst.index], kDerivativeTolerance));
  }
  return Pass(absl::StrFormat("max rel err %.2g (tol %.2g)", worst.error,
                              kDerivativeTolerance));
}

Verdict CheckFiniteOnWideRange(const Activation& phi) {
  const std::string issue = FirstIssueInBothPrecisions(
      WideGrid(), [&phi](const auto& h) { return NonFiniteIssue(phi, h); });
  if (!issue.empty()) return Fail(issue);
  return Pass("401 points, step 0.25, float and double");
}

Verdict CheckShapesKept(const Activation& phi) {
  const MatrixD column = WideGrid();
  for (const MatrixD& h :
       {column, MatrixD(column.transpose()), MatrixD(0, 3)}) {
    const std::string issue = FirstIssueInBothPrecisions(
        h, [&phi](const auto& x) { return ShapeIssue(phi, x); });
    if (!issue.empty()) return Fail(issue);
  }
  return Pass("[401, 1], [1, 401], [0, 3], float and double");
}

Verdict CheckFloatAgreesWithDouble(const Activation& phi) {
  const Matrix h = SamplePoints(5, 6, /*seed=*/23).cast<float>();
  const MatrixD h_double = h.cast<double>();  // The same points.
  const std::string shape_issue = FirstIssueInBothPrecisions(
      h_double, [&phi](const auto& x) { return ShapeIssue(phi, x); });
  if (!shape_issue.empty()) return Fail(shape_issue);
  WorstError worst;
  std::string worst_place = "phi";
  for (const bool derivative : {false, true}) {
    Matrix single;
    MatrixD reference;
    if (derivative) {
      phi.Derivative(h, &single);
      phi.Derivative(h_double, &reference);
    } else {
      phi.Apply(h, &single);
      phi.Apply(h_double, &reference);
    }
    const WorstError error =
        FindWorstError(single.cast<double>(), reference, kFloatFloor);
    if (error.error > worst.error) {
      worst = error;
      worst_place = absl::StrFormat(
          "%s(%g): float %.8g vs double %.8g", derivative ? "phi'" : "phi",
          h_double.data()[error.index], single.data()[error.index],
          reference.data()[error.index]);
    }
  }
  if (worst.error > kFloatTolerance) {
    return Fail(absl::StrFormat("rel err %.2g in %s (tol %.2g)", worst.error,
                                worst_place, kFloatTolerance));
  }
  return Pass(absl::StrFormat("max rel err %.2g (tol %.2g)", worst.error,
                              kFloatTolerance));
}

// ---------------------------------------------------------------------------
// Alignment measures.

// Relative change allowed under scaling (relative to max(|.|, 1e-6)).
constexpr double kScaleTolerance = 1e-9;
constexpr double kScaleFloor = 1e-6;

// A random layer: W != W0 and a positive definite K.
struct RandomLayer {
  RandomLayer(int k_out, int k_in, uint64_t seed) {
    Rng rng(seed);
    weight = OnGrid(NormalMatrix(k_out, k_in, &rng));
    initial_weight = OnGrid(NormalMatrix(k_out, k_in, &rng));
    const MatrixD g = NormalMatrix(k_out, k_out + 3, &rng);
    ptk = g * g.transpose();
  }

  // Entries on the grid 2^-10, so 3 W is exact in float and the scaling
  // check sees no rounding from the scaling itself.
  static Matrix OnGrid(const MatrixD& w) {
    return ((w.array() * 1024.0).round() / 1024.0).cast<float>().matrix();
  }

  LayerContext Context(int layer, int num_layers) const {
    return {layer, num_layers, weight, initial_weight, ptk};
  }

  Matrix weight, initial_weight;
  MatrixD ptk;
};

// Hidden (wide and narrow) and readout layers of a 3-layer network.
struct LayerShape {
  int k_out, k_in, layer, num_layers;
};
constexpr LayerShape kLayerShapes[] = {
    {6, 4, 1, 3}, {3, 8, 2, 3}, {2, 6, 3, 3}};

std::string Describe(const LayerShape& shape) {
  return absl::StrFormat("a [%d, %d] layer %d of %d", shape.k_out, shape.k_in,
                         shape.layer, shape.num_layers);
}

Verdict CheckMeasureFinite(const AlignmentMeasure& measure) {
  uint64_t seed = 31;
  int count = 0;
  for (const LayerShape& shape : kLayerShapes) {
    const RandomLayer layer(shape.k_out, shape.k_in, seed++);
    const absl::StatusOr<std::vector<MeasureValue>> values =
        measure.Compute(layer.Context(shape.layer, shape.num_layers));
    if (!values.ok()) {
      return Fail(absl::StrCat("Compute failed on ", Describe(shape), ": ",
                               values.status().message()));
    }
    if (values->empty()) {
      return Fail(absl::StrCat("no values on ", Describe(shape)));
    }
    for (const MeasureValue& value : *values) {
      if (value.name.empty()) {
        return Fail(
            absl::StrCat("a value without a name on ", Describe(shape)));
      }
      if (!std::isfinite(value.value)) {
        return Fail(absl::StrFormat("%s = %g on %s", value.name, value.value,
                                    Describe(shape)));
      }
    }
    count += static_cast<int>(values->size());
  }
  return Pass(absl::StrCat(count, " values on [6, 4], [3, 8], [2, 6] layers"));
}

// Two results of Compute: an issue if they differ in count or names, else "".
std::string DifferentNames(const std::vector<MeasureValue>& first,
                           const std::vector<MeasureValue>& second) {
  if (first.size() != second.size()) {
    return absl::StrCat(first.size(), " values, then ", second.size());
  }
  for (size_t i = 0; i < first.size(); ++i) {
    if (first[i].name != second[i].name) {
      return absl::StrCat("value ", i + 1, " named \"", first[i].name,
                          "\", then \"", second[i].name, "\"");
    }
  }
  return "";
}

Verdict CheckMeasureDeterministic(const AlignmentMeasure& measure) {
  const RandomLayer layer(6, 4, /*seed=*/41);
  const absl::StatusOr<std::vector<MeasureValue>> first =
      measure.Compute(layer.Context(1, 3));
  const absl::StatusOr<std::vector<MeasureValue>> second =
      measure.Compute(layer.Context(1, 3));
  for (const auto* values : {&first, &second}) {
    if (!values->ok()) {
      return Fail(absl::StrCat("Compute failed: ", values->status().message()));
    }
  }
  const std::string names_issue = DifferentNames(*first, *second);
  if (!names_issue.empty()) return Fail(names_issue);
  for (size_t i = 0; i < first->size(); ++i) {
    const double a = (*first)[i].value;
    const double b = (*second)[i].value;
    if (a != b && !(std::isnan(a) && std::isnan(b))) {
      return Fail(
          absl::StrFormat("%s = %.17g, then %.17g", (*first)[i].name, a, b));
    }
  }
  return Pass(absl::StrCat(first->size(),
                           first->size() == 1 ? " value" : " values",
                           " bit-identical in 2 calls"));
}

Verdict CheckScaleInvariance(const AlignmentMeasure& measure) {
  if (!measure.IsScaleInvariant()) {
    return {CheckResult::kNotChecked, "IsScaleInvariant() is false"};
  }
  const RandomLayer layer(6, 4, /*seed=*/43);
  const Matrix weight = 3.0f * layer.weight;
  const Matrix initial_weight = 3.0f * layer.initial_weight;
  const MatrixD ptk = 5.0 * layer.ptk;
  const LayerContext scaled{1, 3, weight, initial_weight, ptk};
  const absl::StatusOr<std::vector<MeasureValue>> before =
      measure.Compute(layer.Context(1, 3));
  const absl::StatusOr<std::vector<MeasureValue>> after =
      measure.Compute(scaled);
  for (const auto* values : {&before, &after}) {
    if (!values->ok()) {
      return Fail(absl::StrCat("Compute failed: ", values->status().message()));
    }
  }
  const std::string names_issue = DifferentNames(*before, *after);
  if (!names_issue.empty()) return Fail(names_issue);
  WorstError worst;
  for (size_t i = 0; i < before->size(); ++i) {
    const double error =
        RelativeError((*after)[i].value, (*before)[i].value, kScaleFloor);
    if (error > worst.error) worst = {error, static_cast<Eigen::Index>(i)};
  }
  if (worst.error > kScaleTolerance) {
    const MeasureValue& was = (*before)[worst.index];
    return Fail(absl::StrFormat(
        "declared invariant, but %s = %.10g became %.10g with W, W0 x3 and K "
        "x5 (rel change %.2g, tol %.2g)",
        was.name, was.value, (*after)[worst.index].value, worst.error,
        kScaleTolerance));
  }
  return Pass(
      absl::StrFormat("max rel change %.2g with W, W0 x3, K x5 (tol %.2g)",
                      worst.error, kScaleTolerance));
}

// ---------------------------------------------------------------------------
// Optimizers.

constexpr double kOptimizerLearningRate = 0.01;
constexpr int kOptimizerSteps = 5;

// The MSE of `mlp` on (x, y); fills `gradients` unless it is null.
double MseOf(const Model& mlp, const Matrix& x, const Matrix& y,
             Gradients* gradients) {
  ModelCache cache;
  mlp.Forward(x, &cache);
  Matrix d_output;
  const double loss = MseLoss(cache.output(), y, &d_output);
  if (gradients != nullptr) mlp.Backward(cache, d_output, gradients);
  return loss;
}

// kOptimizerSteps full-batch steps on a fixed regression problem for a
// [4 -> 8 -> 8 -> 2] tanh MLP.
Verdict CheckLossDescent(const std::string& name, bool bias) {
  absl::StatusOr<std::unique_ptr<Optimizer>> optimizer =
      OptimizerRegistry::Global().Create(name,
                                         ConformanceOptimizerConfig(name));
  if (!optimizer.ok()) return Fail(std::string(optimizer.status().message()));
  ModelConfig model;
  model.set_depth(2);
  model.set_width(8);
  model.set_activation("tanh");
  model.set_bias(bias);
  Rng rng(51);
  absl::StatusOr<Model> mlp =
      Model::Create(model, /*input_dim=*/4, /*output_dim=*/2, &rng);
  if (!mlp.ok()) {
    return Fail(
        absl::StrCat("cannot build the test MLP: ", mlp.status().message()));
  }
  const Matrix x = NormalMatrix(32, 4, &rng).cast<float>();
  const Matrix y = NormalMatrix(32, 2, &rng).cast<float>();
  const double initial = MseOf(*mlp, x, y, nullptr);
  double before_last_step = initial;
  for (int step = 1; step <= kOptimizerSteps; ++step) {
    Gradients gradients;
    before_last_step = MseOf(*mlp, x, y, &gradients);
    const absl::Status status = (*optimizer)->Step(gradients, mlp->ParameterBlocks());
    if (!status.ok()) {
      return Fail(absl::StrCat("step ", step, " failed: ", status.message()));
    }
  }
  const double final_loss = MseOf(*mlp, x, y, nullptr);
  const std::string trace =
      absl::StrFormat("MSE %.6g -> %.6g in %d steps at lr %g", initial,
                      final_loss, kOptimizerSteps, kOptimizerLearningRate);
  if (!(final_loss < initial)) return Fail(absl::StrCat(trace, ": no descent"));
  if (!(final_loss <= before_last_step)) {
    return Fail(absl::StrFormat("%s, but the last step raised it from %.6g",
                                trace, before_last_step));
  }
  return Pass(trace);
}

// ---------------------------------------------------------------------------
// Dataset sources.

constexpr char kAbsentDataPath[] = "/nonexistent/nfalab-conformance-data";
constexpr int kSourceTrain = 8;
constexpr int kSourceTest = 4;

// Load with a data.path that does not exist: a file source must return an
// error; a source that needs no files must return valid, consistent splits.
Verdict CheckLoadWithoutFiles(DatasetSource& source, const std::string& name) {
  DatasetConfig config;
  config.set_source(name);
  config.set_n_train(kSourceTrain);
  config.set_n_test(kSourceTest);
  config.set_path(kAbsentDataPath);
  const absl::StatusOr<DatasetSplits> splits = source.Load(config);
  if (!splits.ok()) {
    if (splits.status().message().empty()) {
      return Fail("an error without a message");
    }
    return Pass(absl::StrCat("error: ", splits.status().message()));
  }
  const Dataset& train = splits->train;
  const Dataset& test = splits->test;
  for (const auto& [what, split] :
       {std::pair{"train", &train}, {"test", &test}}) {
    const absl::Status valid = split->Validate(what);
    if (!valid.ok()) return Fail(std::string(valid.message()));
  }
  if (train.size() < 1 || train.size() > kSourceTrain ||
      test.size() > kSourceTest) {
    return Fail(absl::StrFormat(
        "%d + %d examples for data.n_train = %d, data.n_test = %d",
        train.size(), test.size(), kSourceTrain, kSourceTest));
  }
  if (test.size() > 0 && (test.input_dim() != train.input_dim() ||
                          test.output_dim() != train.output_dim())) {
    return Fail(absl::StrFormat("train is %d -> %d, test is %d -> %d",
                                train.input_dim(), train.output_dim(),
                                test.input_dim(), test.output_dim()));
  }
  return Pass(absl::StrFormat("needs no files: %d + %d examples, %d -> %d",
                              train.size(), test.size(), train.input_dim(),
                              train.output_dim()));
}

// ---------------------------------------------------------------------------
// Registered names and the table.

// Creates `name` from `registry`; if that fails, adds the failed `check` row
// with the error, and the caller adds no other.
template <typename RegistryT, typename... Args>
auto CreateOrAddFailure(const RegistryT& registry, const std::string& name,
                        const std::string& check, CheckRows* rows,
                        const Args&... args) {
  auto created = registry.Create(name, args...);
  if (!created.ok()) {
    rows->Add(check, Fail(std::string(created.status().message())));
  }
  return created;
}

const char* ResultText(CheckResult result) {
  switch (result) {
    case CheckResult::kPass:
      return "pass";
    case CheckResult::kFail:
      return "FAILED";
    case CheckResult::kNotChecked:
      return "not checked";
  }
  return "?";
}

}  // namespace

std::vector<ConformanceCheck> CheckActivation(const std::string& name) {
  CheckRows rows(ActivationRegistry::Global().kind(), name);
  const absl::StatusOr<std::unique_ptr<Activation>> created =
      CreateOrAddFailure(ActivationRegistry::Global(), name, "create by name",
                         &rows);
  if (!created.ok()) return rows.Take();
  const Activation& phi = **created;
  rows.Add("create by name",
           phi.name() == name
               ? Pass("name() is the registry name")
               : Fail(absl::StrCat("name() is \"", phi.name(), "\"")));
  rows.Add("derivative vs finite diff.", CheckDerivative(phi));
  rows.Add("finite on [-50, 50]", CheckFiniteOnWideRange(phi));
  rows.Add("shape kept", CheckShapesKept(phi));
  rows.Add("float agrees with double", CheckFloatAgreesWithDouble(phi));
  return rows.Take();
}

std::vector<ConformanceCheck> CheckAlignmentMeasure(const std::string& name) {
  CheckRows rows(AlignmentMeasureRegistry::Global().kind(), name);
  const absl::StatusOr<std::unique_ptr<AlignmentMeasure>> created =
      CreateOrAddFailure(AlignmentMeasureRegistry::Global(), name,
                         "create by name", &rows);
  if (!created.ok()) return rows.Take();
  rows.Add("create by name", Pass("ok"));
  rows.Add("finite on 3 layer shapes", CheckMeasureFinite(**created));
  rows.Add("deterministic", CheckMeasureDeterministic(**created));
  rows.Add("scale invariance", CheckScaleInvariance(**created));
  return rows.Take();
}

OptimizerConfig ConformanceOptimizerConfig(const std::string& name) {
  OptimizerConfig config;
  config.set_name(name);
  config.set_learning_rate(kOptimizerLearningRate);
  if (name == "slo") config.mutable_slo()->add_target_layers(1);
  return config;
}

std::vector<ConformanceCheck> CheckOptimizer(const std::string& name) {
  CheckRows rows(OptimizerRegistry::Global().kind(), name);
  if (!CreateOrAddFailure(OptimizerRegistry::Global(), name,
                          "create with default config", &rows,
                          ConformanceOptimizerConfig(name))
           .ok()) {
    return rows.Take();
  }
  rows.Add("create with default config",
           Pass(absl::StrFormat("lr %g", kOptimizerLearningRate)));
  rows.Add("loss descent (no bias)", CheckLossDescent(name, /*bias=*/false));
  rows.Add("loss descent (bias)", CheckLossDescent(name, /*bias=*/true));
  return rows.Take();
}

std::vector<ConformanceCheck> CheckDatasetSource(const std::string& name) {
  CheckRows rows(DatasetSourceRegistry::Global().kind(), name);
  const absl::StatusOr<std::unique_ptr<DatasetSource>> created =
      CreateOrAddFailure(DatasetSourceRegistry::Global(), name,
                         "create by name", &rows);
  if (!created.ok()) return rows.Take();
  rows.Add("create by name", Pass("ok"));
  rows.Add("load without data files", CheckLoadWithoutFiles(**created, name));
  rows.Add("load a working config",
           {CheckResult::kNotChecked,
            absl::StrCat("needs the source's own files and options; try nfalab "
                         "train --data.source=",
                         name)});
  return rows.Take();
}

std::string DescribeNames(const std::vector<RegisteredName>& names) {
  std::string description =
      absl::StrCat(names.size(), names.size() == 1 ? " name" : " names");
  if (names.empty()) return description;
  return absl::StrCat(
      description, " (",
      absl::StrJoin(names, ", ",
                    [](std::string* out, const RegisteredName& name) {
                      absl::StrAppend(out, name.kind, " ", name.name);
                    }),
      ")");
}

std::vector<ConformanceCheck> CheckRegisteredName(const RegisteredName& name) {
  if (name.kind == ActivationRegistry::Global().kind()) {
    return CheckActivation(name.name);
  }
  if (name.kind == AlignmentMeasureRegistry::Global().kind()) {
    return CheckAlignmentMeasure(name.name);
  }
  if (name.kind == OptimizerRegistry::Global().kind()) {
    return CheckOptimizer(name.name);
  }
  if (name.kind == DatasetSourceRegistry::Global().kind()) {
    return CheckDatasetSource(name.name);
  }
  return {{name.kind, name.name, "known kind", CheckResult::kFail,
           absl::StrCat("no checks for kind \"", name.kind, "\"")}};
}

std::string FormatConformanceTable(
    const std::vector<ConformanceCheck>& checks) {
  size_t kind_width = 4, name_width = 4, check_width = 5, result_width = 6;
  for (const ConformanceCheck& c : checks) {
    kind_width = std::max(kind_width, c.kind.size());
    name_width = std::max(name_width, c.name.size());
    check_width = std::max(check_width, c.check.size());
    result_width =
        std::max(result_width, std::string(ResultText(c.result)).size());
  }
  const auto row = [&](absl::string_view kind, absl::string_view name,
                       absl::string_view check, absl::string_view result,
                       absl::string_view detail) {
    return absl::StrFormat(
        "%-*s  %-*s  %-*s  %-*s  %s\n", static_cast<int>(kind_width), kind,
        static_cast<int>(name_width), name, static_cast<int>(check_width),
        check, static_cast<int>(result_width), result, detail);
  };
  std::string table = row("kind", "name", "check", "result", "detail");
  int passed = 0, failed = 0, not_checked = 0;
  for (const ConformanceCheck& c : checks) {
    absl::StrAppend(
        &table, row(c.kind, c.name, c.check, ResultText(c.result), c.detail));
    switch (c.result) {
      case CheckResult::kPass:
        ++passed;
        break;
      case CheckResult::kFail:
        ++failed;
        break;
      case CheckResult::kNotChecked:
        ++not_checked;
        break;
    }
  }
  absl::StrAppend(&table, checks.size(),
                  checks.size() == 1 ? " check" : " checks", ": ", passed,
                  " passed, ", failed, " failed");
  if (not_checked > 0)
    absl::StrAppend(&table, ", ", not_checked, " not checked");
  absl::StrAppend(&table, "\n");
  return table;
}

std::string FormatCheck(const ConformanceCheck& check) {
  return absl::StrCat(check.kind, " ", check.name, ", ", check.check, ": ",
                      ResultText(check.result), " (", check.detail, ")");
}

bool AnyCheckFailed(const std::vector<ConformanceCheck>& checks) {
  return std::any_of(checks.begin(), checks.end(),
                     [](const ConformanceCheck& check) {
                       return check.result == CheckResult::kFail;
                     });
}

}  // namespace nfalab
