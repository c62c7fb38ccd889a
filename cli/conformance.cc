#include "cli/conformance.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/random.h"
#include "core/sample_shape.h"
#include "core/tensor.h"
#include "datasets/dataset.h"
#include "datasets/dataset_config.pb.h"
#include "datasets/dataset_source.h"
#include "layers/activation.h"
#include "layers/layer.h"
#include "layers/loss.h"
#include "layers/model_config.pb.h"
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
    return {layer, num_layers, weight, initial_weight, ptk, &ptk};
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
  const LayerContext scaled{1, 3, weight, initial_weight, ptk, &ptk};
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
      CreateOptimizer(ConformanceOptimizerConfig(name));
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
  if (const auto example =
          DatasetSourceRegistry::Global().OptionsExample(name)) {
    config.mutable_options()->PackFrom(*example);
  }
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
// Layers.

// Samples per batch, and cotangent rows per sample in the R-row check.
constexpr int kLayerBatch = 4;
constexpr int kCotangentRows = 3;
// Central differences of L = <d_y, f(x)> (in x, W or b) with step e = 1e-6:
// the truncation error e^2 |L'''| / 6 is ~1e-12 for the smooth probes, and
// the rounding of f(x + e) - f(x - e), ~1e-16 |f| per output, divided by
// 2e adds ~1e-10 per output (the built-ins show at most 4e-9 relative);
// a gradient off by 0.1% exceeds the tolerance a thousandfold.
constexpr double kLayerStep = 1e-6;
constexpr double kGradientTolerance = 1e-6;  // Relative to max(|.|, 0.1).
constexpr double kGradientFloor = 0.1;
// The same values computed twice in double, in another order (relative to
// max(|.|, 1)).
constexpr double kRoundingTolerance = 1e-10;
constexpr double kRoundingFloor = 1.0;
// float against double on the same parameters and inputs (relative to
// max(|.|, 1)): a few float roundings in sums of a few dozen terms.
constexpr double kLayerFloatTolerance = 1e-5;

// A spec and an input shape to try a layer on. Layers take options from the
// shared LayerSpec, so the probes cover the options of the built-ins; a
// layer is checked on every probe it accepts.
struct LayerProbe {
  LayerSpec spec;
  SampleShape input;
  std::string label;  // "{out_features: 3, bias: true} on [5]"
};

std::vector<LayerProbe> LayerProbes(const std::string& type) {
  std::vector<std::pair<LayerSpec, std::string>> specs;
  for (const bool bias : {true, false}) {
    LayerSpec spec;
    spec.set_out_features(3);
    spec.set_bias(bias);
    specs.push_back({spec, absl::StrCat("{out_features: 3, bias: ",
                                        bias ? "true" : "false", "}")});
  }
  for (const char* activation : {"tanh", "softplus"}) {
    LayerSpec spec;
    spec.set_activation(activation);
    specs.push_back({spec, absl::StrCat("{activation: \"", activation, "\"}")});
  }
  specs.push_back({LayerSpec(), "{}"});
  std::vector<LayerProbe> probes;
  for (const SampleShape& input :
       {SampleShape::Flat(5), SampleShape{2, 3, 4}}) {
    for (const auto& [spec, label] : specs) {
      LayerProbe& probe = probes.emplace_back();
      probe.spec = spec;
      probe.spec.set_type(type);
      probe.input = input;
      probe.label = absl::StrCat(label, " on ", input.ToString());
    }
  }
  // Image-only probes with their own shapes, each added as its own line.
  const auto add = [&](LayerSpec spec, const std::string& label,
                       const SampleShape& input) {
    LayerProbe& probe = probes.emplace_back();
    probe.spec = std::move(spec);
    probe.spec.set_type(type);
    probe.input = input;
    probe.label = absl::StrCat(label, " on ", input.ToString());
  };
  const auto kernel = [](int size, int stride) {
    LayerSpec spec;
    spec.set_kernel_size(size);
    if (stride > 0) spec.set_stride(stride);
    return spec;
  };
  // Pooling: side-by-side windows, and overlapping ones (stride < kernel)
  // on a non-square input whose last row and column no window reads.
  add(kernel(2, 0), "{kernel_size: 2}", SampleShape{2, 4, 6});
  add(kernel(3, 2), "{kernel_size: 3, stride: 2}", SampleShape{2, 6, 8});
  // Spatial probes, each on its own image shape (stride, padding, both bias
  // settings; a 2 x 2 kernel with stride 2 gives an odd leftover column).
  std::vector<std::tuple<LayerSpec, SampleShape, std::string>> spatial;
  {
    LayerSpec spec;
    spec.set_out_channels(3);
    spec.set_kernel_size(3);
    spec.set_padding(1);
    spatial.push_back({spec, SampleShape{2, 3, 4},
                       "{out_channels: 3, kernel_size: 3, padding: 1}"});
  }
  {
    LayerSpec spec;
    spec.set_out_channels(2);
    spec.set_kernel_size(2);
    spec.set_stride(2);
    spec.set_padding(0);
    spec.set_bias(false);
    spatial.push_back({spec, SampleShape{2, 4, 5},
                       "{out_channels: 2, kernel_size: 2, stride: 2, "
                       "padding: 0, bias: false}"});
  }
  for (const auto& [spec, input, label] : spatial) {
    LayerProbe& probe = probes.emplace_back();
    probe.spec = spec;
    probe.spec.set_type(type);
    probe.input = input;
    probe.label = absl::StrCat(label, " on ", input.ToString());
  }
  // A layer with options gets its registered example on every probe.
  if (const auto example = LayerRegistry::Global().OptionsExample(type)) {
    for (LayerProbe& probe : probes) {
      probe.spec.mutable_options()->PackFrom(*example);
    }
  }
  return probes;
}

// One accepted probe, built in double and in float with the same
// parameters.
struct ProbedLayer {
  std::string label;
  std::unique_ptr<BasicLayer<double>> layer;
  std::unique_ptr<BasicLayer<float>> single;
};

// Rounds to float precision, so that the float instance and input hold
// exactly the double values.
MatrixD ToFloatPrecision(const MatrixD& m) {
  return m.cast<float>().cast<double>();
}

// x: [rows, cols], uniform in [-2, 2] and at least 0.1 from 0, where kinks
// such as relu's are (far beyond the finite-difference step); in float
// precision.
MatrixD LayerInput(int rows, int cols, uint64_t seed) {
  Rng rng(seed);
  MatrixD x(rows, cols);
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    double v = 0;
    do {
      v = rng.Uniform(-2, 2);
    } while (std::abs(v) < 0.1);
    x.data()[i] = v;
  }
  return ToFloatPrecision(x);
}

// W ~ N(0, 1/p) (GAUSSIAN init) and a N(0, 1) bias, rounded to float
// precision and copied into the float instance; W0 = W in both.
void InitialiseProbe(uint64_t seed, BasicWeightedLayer<double>* layer,
                     BasicWeightedLayer<float>* single) {
  Rng rng(seed);
  layer->Initialise(ModelConfig::GAUSSIAN, 1.0, &rng);
  for (Eigen::Index i = 0; i < layer->bias().size(); ++i) {
    layer->bias()[i] = rng.Normal();
  }
  layer->weight() = ToFloatPrecision(layer->weight());
  layer->bias() = layer->bias().cast<float>().cast<double>();
  single->weight() = layer->weight().cast<float>();
  single->bias() = layer->bias().cast<float>();
  // Same shapes, checked by the caller, so these cannot fail.
  layer->SetInitialWeight(layer->weight(), "W0").IgnoreError();
  single->SetInitialWeight(single->weight(), "W0").IgnoreError();
}

// What the float and double instances of one probe disagree on, or "".
std::string InstanceMismatch(const std::string& name, const LayerProbe& probe,
                             const BasicLayer<double>& layer,
                             const BasicLayer<float>& single) {
  for (const auto& [precision, type, input] :
       {std::tuple{"double", layer.type(), layer.input_shape()},
        std::tuple{"float", single.type(), single.input_shape()}}) {
    if (type != name) {
      return absl::StrCat(precision, " type() is \"", type, "\"");
    }
    if (input != probe.input) {
      return absl::StrCat(precision, " input_shape() is ", input.ToString());
    }
  }
  if (single.output_shape() != layer.output_shape()) {
    return absl::StrCat("output_shape() is ", layer.output_shape().ToString(),
                        " in double, ", single.output_shape().ToString(),
                        " in float");
  }
  const BasicWeightedLayer<double>* weighted = layer.AsWeighted();
  const BasicWeightedLayer<float>* weighted_single = single.AsWeighted();
  if ((weighted == nullptr) != (weighted_single == nullptr)) {
    return "weighted in one precision only";
  }
  if (weighted == nullptr) return "";
  if (weighted->units() < 1 || weighted->fan_in() < 1 ||
      weighted->positions() < 1) {
    return absl::StrFormat("weight [%d, %d] at %d positions", weighted->units(),
                           weighted->fan_in(), weighted->positions());
  }
  if (weighted->units() != weighted_single->units() ||
      weighted->fan_in() != weighted_single->fan_in() ||
      weighted->positions() != weighted_single->positions() ||
      weighted->has_bias() != weighted_single->has_bias()) {
    return "the float weight's shape, positions or bias differ from double's";
  }
  if (weighted->bias().size() !=
      (weighted->has_bias() ? weighted->units() : 0)) {
    return absl::StrCat("bias has ", weighted->bias().size(), " entries for ",
                        weighted->units(), " units");
  }
  return "";
}

// Creates every probe `factory` accepts into `probes`. Fails if it accepts
// none, or if an accepted probe's instances are inconsistent.
Verdict CreateProbes(const LayerFactory& factory, const std::string& name,
                     std::vector<ProbedLayer>* probes) {
  const std::vector<LayerProbe> all = LayerProbes(name);
  std::string first_rejection;
  std::vector<std::string> accepted;
  uint64_t seed = 101;
  for (const LayerProbe& probe : all) {
    absl::StatusOr<std::unique_ptr<BasicLayer<double>>> layer =
        factory.CreateDouble(probe.spec, probe.input);
    if (!layer.ok() || *layer == nullptr) {
      if (first_rejection.empty()) {
        first_rejection = absl::StrCat(
            probe.label, ": ",
            layer.ok() ? "a null layer" : layer.status().message());
      }
      continue;
    }
    absl::StatusOr<std::unique_ptr<BasicLayer<float>>> single =
        factory.CreateFloat(probe.spec, probe.input);
    if (!single.ok() || *single == nullptr) {
      return Fail(absl::StrCat(
          probe.label, ": CreateDouble succeeded, CreateFloat ",
          single.ok() ? "gave a null layer"
                      : absl::StrCat("failed: ", single.status().message())));
    }
    const std::string mismatch =
        InstanceMismatch(name, probe, **layer, **single);
    if (!mismatch.empty()) {
      return Fail(absl::StrCat(probe.label, ": ", mismatch));
    }
    if ((*layer)->AsWeighted() != nullptr) {
      InitialiseProbe(seed++, (*layer)->AsWeighted(), (*single)->AsWeighted());
    }
    probes->push_back(
        {probe.label, std::move(layer).value(), std::move(single).value()});
    accepted.push_back(probe.label);
  }
  if (probes->empty()) {
    return Fail(absl::StrCat(
        "accepts none of the ", all.size(),
        " probes (out_features 3 with and without bias, activation tanh or "
        "softplus, no options; inputs [5] and [2, 3, 4]; kernel_size 2 on "
        "[2, 4, 6], kernel_size 3 stride 2 on [2, 6, 8]; out_channels 3 or 2 "
        "on [2, 3, 4] and [2, 4, 5]); first error: ",
        first_rejection));
  }
  if (accepted.size() == all.size()) {
    return Pass(absl::StrCat("all ", all.size(), " probes"));
  }
  return Pass(absl::StrCat(accepted.size(), " of ", all.size(),
                           " probes: ", absl::StrJoin(accepted, ", ")));
}

// The first non-finite entry of `m`, as "(row, column)", or "".
template <typename M>
std::string NonFiniteEntry(const M& m) {
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    for (Eigen::Index c = 0; c < m.cols(); ++c) {
      if (!std::isfinite(m(r, c))) {
        return absl::StrFormat("(%d, %d) = %g", r, c,
                               static_cast<double>(m(r, c)));
      }
    }
  }
  return "";
}

// Forward with its shape and finiteness checked: an issue, or "".
template <typename Scalar>
std::string RunForward(const BasicLayer<Scalar>& layer,
                       const MatrixT<Scalar>& x, MatrixT<Scalar>* y,
                       MatrixT<Scalar>* kept) {
  layer.Forward(x, y, kept);
  if (y->rows() != x.rows() || y->cols() != layer.output_size()) {
    return absl::StrCat("Forward gave ", ShapeOf(*y), " for ", ShapeOf(x),
                        ", not [", x.rows(), ", ", layer.output_size(),
                        "] (output_size())");
  }
  const std::string non_finite = NonFiniteEntry(*y);
  if (!non_finite.empty()) return absl::StrCat("Forward gave y", non_finite);
  return "";
}

// Backward's d_x alone (no parameter gradients), shape and finiteness
// checked: an issue, or "".
template <typename Scalar>
std::string RunInputBackward(const BasicLayer<Scalar>& layer,
                             const MatrixT<Scalar>& x, const MatrixT<Scalar>& y,
                             const MatrixT<Scalar>& kept,
                             const MatrixT<Scalar>& d_y, int rows_per_sample,
                             MatrixT<Scalar>* d_x) {
  layer.Backward(x, y, kept, d_y, rows_per_sample, d_x, nullptr, nullptr);
  if (d_x->rows() != d_y.rows() || d_x->cols() != layer.input_size()) {
    return absl::StrCat("Backward gave d_x ", ShapeOf(*d_x), " for d_y ",
                        ShapeOf(d_y), " (R = ", rows_per_sample, "), not [",
                        d_y.rows(), ", ", layer.input_size(), "]");
  }
  const std::string non_finite = NonFiniteEntry(*d_x);
  if (!non_finite.empty()) return absl::StrCat("Backward gave d_x", non_finite);
  return "";
}

// What one check found on one probe.
struct ProbeFinding {
  std::string issue;  // Empty if the probe passed.
  double error = 0;   // The worst relative error seen.
  bool skipped = false;
};

ProbeFinding Issue(std::string issue) { return {std::move(issue), 0, false}; }
ProbeFinding Skipped() { return {"", 0, true}; }

// Runs `check` on every probe. The first issue fails the check, naming its
// probe; otherwise it passes with the worst error against `tolerance` (none
// if 0). A check that skips every probe is not checked (`skip_reason`).
template <typename CheckFn>
Verdict OverProbes(std::vector<ProbedLayer>& probes, double tolerance,
                   const std::string& skip_reason, CheckFn check) {
  double worst = 0;
  int checked = 0;
  for (ProbedLayer& probe : probes) {
    const ProbeFinding finding = check(probe);
    if (!finding.issue.empty()) {
      return Fail(absl::StrCat(probe.label, ": ", finding.issue));
    }
    if (finding.skipped) continue;
    ++checked;
    worst = std::max(worst, finding.error);
  }
  if (checked == 0) return {CheckResult::kNotChecked, skip_reason};
  const std::string count =
      absl::StrCat(checked, checked == 1 ? " probe" : " probes");
  if (tolerance == 0) return Pass(count);
  return Pass(absl::StrFormat("max rel err %.2g (tol %.2g), %s", worst,
                              tolerance, count));
}

// Forward on n random rows gives [n, output_size()], in double and float,
// and the output shape is positive.
ProbeFinding OutputShapeFinding(const ProbedLayer& probe) {
  const SampleShape out = probe.layer->output_shape();
  if (out.channels < 1 || out.height < 1 || out.width < 1) {
    return Issue(absl::StrCat("output_shape() is ", out.ToString()));
  }
  const MatrixD x = LayerInput(kLayerBatch, probe.layer->input_size(), 61);
  MatrixD y, kept;
  std::string issue = RunForward(*probe.layer, x, &y, &kept);
  if (!issue.empty()) return Issue(absl::StrCat("double ", issue));
  Matrix y_single, kept_single;
  issue = RunForward(*probe.single, Matrix(x.cast<float>()), &y_single,
                     &kept_single);
  if (!issue.empty()) return Issue(absl::StrCat("float ", issue));
  return {};
}

// The worst of `count` entries of an analytic gradient against central
// differences, as a finding with the issue set past the tolerance.
// `numeric(i)` is the central difference for entry i (or sets `issue`);
// `where(i)` names entry i.
template <typename NumericFn, typename WhereFn>
ProbeFinding CompareWithFiniteDifferences(const double* analytic,
                                          Eigen::Index count,
                                          const std::string& what,
                                          NumericFn numeric, WhereFn where) {
  ProbeFinding finding;
  for (Eigen::Index i = 0; i < count; ++i) {
    std::string issue;
    const double expected = numeric(i, &issue);
    if (!issue.empty()) return Issue(issue);
    const double error = RelativeError(analytic[i], expected, kGradientFloor);
    if (error <= finding.error) continue;
    finding.error = error;
    if (error > kGradientTolerance) {
      finding.issue = absl::StrFormat(
          "rel err %.2g at %s: %s %.8g vs finite diff. %.8g (tol %.2g)", error,
          where(i), what, analytic[i], expected, kGradientTolerance);
    }
  }
  return finding;
}

// (L(v + e) - L(v - e)) / 2e for L = <d_y, f(x)>, where `entry` is the
// value v that f reads (an input entry or a parameter); restores it.
double CentralDifference(const BasicLayer<double>& layer, const MatrixD& x,
                         const MatrixD& d_y, double* entry,
                         std::string* issue) {
  const double saved = *entry;
  MatrixD y_plus, y_minus, unused;
  *entry = saved + kLayerStep;
  *issue = RunForward(layer, x, &y_plus, &unused);
  *entry = saved - kLayerStep;
  if (issue->empty()) *issue = RunForward(layer, x, &y_minus, &unused);
  *entry = saved;
  if (!issue->empty()) return 0;
  // The difference first: it is small, so the size of L adds no rounding.
  return d_y.cwiseProduct(y_plus - y_minus).sum() / (2 * kLayerStep);
}

// Backward's d_x against central differences of L = <d_y, f(x)> in x.
ProbeFinding InputVjpFinding(const ProbedLayer& probe) {
  const BasicLayer<double>& layer = *probe.layer;
  MatrixD x = LayerInput(kLayerBatch, layer.input_size(), 67);
  Rng rng(71);
  const MatrixD d_y = NormalMatrix(kLayerBatch, layer.output_size(), &rng);
  MatrixD y, kept, d_x;
  std::string issue = RunForward(layer, x, &y, &kept);
  if (issue.empty()) issue = RunInputBackward(layer, x, y, kept, d_y, 1, &d_x);
  if (!issue.empty()) return Issue(issue);
  const MatrixD x0 = x;
  return CompareWithFiniteDifferences(
      d_x.data(), d_x.size(), "d_x",
      [&](Eigen::Index i, std::string* error) {
        return CentralDifference(layer, x, d_y, &x.data()[i], error);
      },
      [&](Eigen::Index i) {
        return absl::StrFormat("x(%d, %d) = %.6g", i / x.cols(), i % x.cols(),
                               x0.data()[i]);
      });
}

// Backward's d_weight and d_bias (R = 1) against central differences of
// L = <d_y, f(x)> in each entry of W and b.
ProbeFinding ParameterGradientFinding(ProbedLayer& probe) {
  BasicWeightedLayer<double>* weighted = probe.layer->AsWeighted();
  if (weighted == nullptr) return Skipped();
  const BasicLayer<double>& layer = *probe.layer;
  const MatrixD x = LayerInput(kLayerBatch, layer.input_size(), 73);
  Rng rng(79);
  const MatrixD d_y = NormalMatrix(kLayerBatch, layer.output_size(), &rng);
  MatrixD y, kept;
  const std::string issue = RunForward(layer, x, &y, &kept);
  if (!issue.empty()) return Issue(issue);
  MatrixD d_weight;
  VectorD d_bias;
  layer.Backward(x, y, kept, d_y, 1, nullptr, &d_weight,
                 weighted->has_bias() ? &d_bias : nullptr);
  if (d_weight.rows() != weighted->units() ||
      d_weight.cols() != weighted->fan_in()) {
    return Issue(absl::StrCat("Backward gave d_weight ", ShapeOf(d_weight),
                              " for W ", ShapeOf(weighted->weight())));
  }
  if (weighted->has_bias() && d_bias.size() != weighted->units()) {
    return Issue(absl::StrCat("Backward gave d_bias of size ", d_bias.size(),
                              " for ", weighted->units(), " units"));
  }
  const int p = weighted->fan_in();
  ProbeFinding finding = CompareWithFiniteDifferences(
      d_weight.data(), d_weight.size(), "d_weight",
      [&](Eigen::Index i, std::string* error) {
        return CentralDifference(layer, x, d_y, &weighted->weight().data()[i],
                                 error);
      },
      [p](Eigen::Index i) {
        return absl::StrFormat("W(%d, %d)", i / p, i % p);
      });
  if (!finding.issue.empty() || !weighted->has_bias()) return finding;
  const ProbeFinding bias = CompareWithFiniteDifferences(
      d_bias.data(), d_bias.size(), "d_bias",
      [&](Eigen::Index i, std::string* error) {
        return CentralDifference(layer, x, d_y, &weighted->bias().data()[i],
                                 error);
      },
      [](Eigen::Index i) { return absl::StrFormat("b(%d)", i); });
  return bias.error > finding.error ? bias : finding;
}

// Backward with R cotangent rows per sample (rows i R + r) against R
// single-row calls, one per r.
ProbeFinding ManyRowBackwardFinding(const ProbedLayer& probe) {
  const BasicLayer<double>& layer = *probe.layer;
  const int n = kLayerBatch, rows = kCotangentRows;
  const MatrixD x = LayerInput(n, layer.input_size(), 83);
  Rng rng(89);
  const MatrixD d_y = NormalMatrix(n * rows, layer.output_size(), &rng);
  MatrixD y, kept, d_x;
  std::string issue = RunForward(layer, x, &y, &kept);
  if (issue.empty()) {
    issue = RunInputBackward(layer, x, y, kept, d_y, rows, &d_x);
  }
  if (!issue.empty()) return Issue(issue);
  ProbeFinding finding;
  for (int r = 0; r < rows; ++r) {
    MatrixD d_y_r(n, d_y.cols()), d_x_r;
    for (int i = 0; i < n; ++i) d_y_r.row(i) = d_y.row(i * rows + r);
    issue = RunInputBackward(layer, x, y, kept, d_y_r, 1, &d_x_r);
    if (!issue.empty()) return Issue(issue);
    for (int i = 0; i < n; ++i) {
      for (Eigen::Index j = 0; j < d_x.cols(); ++j) {
        const double error =
            RelativeError(d_x(i * rows + r, j), d_x_r(i, j), kRoundingFloor);
        if (error <= finding.error) continue;
        finding.error = error;
        if (error > kRoundingTolerance) {
          finding.issue = absl::StrFormat(
              "d_x(%d, %d) (sample %d, r = %d) is %.8g with R = %d, %.8g with "
              "that row alone (rel err %.2g, tol %.2g)",
              i * rows + r, j, i, r, d_x(i * rows + r, j), rows, d_x_r(i, j),
              error, kRoundingTolerance);
        }
      }
    }
  }
  return finding;
}

// A weighted layer's view (layer.h): with rows = InputRows(x): [n P, p],
// Forward(x)[i, c P + q] = (rows.row(i P + q) W^T + b^T)[c]; and
// OutputVectors(d_h)(j P + q, c) = d_h(j, c P + q), exactly.
ProbeFinding WeightedViewFinding(const ProbedLayer& probe) {
  const BasicWeightedLayer<double>* weighted = probe.layer->AsWeighted();
  if (weighted == nullptr) return Skipped();
  const int n = kLayerBatch, k = weighted->units(), p = weighted->fan_in(),
            positions = weighted->positions();
  if (static_cast<int64_t>(k) * positions != probe.layer->output_size()) {
    return Issue(
        absl::StrFormat("units() %d x positions() %d is not output_size() %d",
                        k, positions, probe.layer->output_size()));
  }
  const MatrixD x = LayerInput(n, probe.layer->input_size(), 97);
  MatrixD y, kept, rows;
  const std::string issue = RunForward(*probe.layer, x, &y, &kept);
  if (!issue.empty()) return Issue(issue);
  weighted->InputRows(x, &rows);
  if (rows.rows() != static_cast<Eigen::Index>(n) * positions ||
      rows.cols() != p) {
    return Issue(absl::StrFormat("InputRows gave %s, not [%d, %d] (n P, p)",
                                 ShapeOf(rows), n * positions, p));
  }
  MatrixD h = rows * weighted->weight().transpose();
  if (weighted->has_bias()) h.rowwise() += weighted->bias().transpose();
  ProbeFinding finding;
  for (int i = 0; i < n; ++i) {
    for (int q = 0; q < positions; ++q) {
      for (int c = 0; c < k; ++c) {
        const double actual = y(i, c * positions + q);
        const double expected = h(i * positions + q, c);
        const double error = RelativeError(actual, expected, kRoundingFloor);
        if (error <= finding.error) continue;
        finding.error = error;
        if (error > kRoundingTolerance) {
          finding.issue = absl::StrFormat(
              "Forward(%d, %d) is %.8g, but row %d of InputRows times W^T "
              "plus b gives %.8g (rel err %.2g, tol %.2g)",
              i, c * positions + q, actual, i * positions + q, expected, error,
              kRoundingTolerance);
        }
      }
    }
  }
  if (!finding.issue.empty()) return finding;
  // Two cotangent rows per sample, as the tangent features pass them.
  Rng rng(101);
  const MatrixD d_h = NormalMatrix(2 * n, k * positions, &rng);
  MatrixD vectors;
  weighted->OutputVectors(d_h, &vectors);
  if (vectors.rows() != d_h.rows() * positions || vectors.cols() != k) {
    return Issue(absl::StrFormat(
        "OutputVectors gave %s for d_h %s, not [%d, %d]", ShapeOf(vectors),
        ShapeOf(d_h), d_h.rows() * positions, k));
  }
  for (Eigen::Index j = 0; j < d_h.rows(); ++j) {
    for (int q = 0; q < positions; ++q) {
      for (int c = 0; c < k; ++c) {
        if (vectors(j * positions + q, c) != d_h(j, c * positions + q)) {
          return Issue(absl::StrFormat(
              "OutputVectors(%d, %d) is %.8g, not d_h(%d, %d) = %.8g",
              j * positions + q, c, vectors(j * positions + q, c), j,
              c * positions + q, d_h(j, c * positions + q)));
        }
      }
    }
  }
  return finding;
}

// The largest RelativeError between two matrices, "" or an issue naming
// the worst entry if it exceeds `tolerance`.
std::string Disagreement(const MatrixD& actual, const MatrixD& expected,
                         const std::string& what, double tolerance,
                         double* error) {
  if (actual.rows() != expected.rows() || actual.cols() != expected.cols()) {
    return absl::StrCat(what, " is ", ShapeOf(actual), ", not ",
                        ShapeOf(expected));
  }
  const WorstError worst = FindWorstError(actual, expected, kRoundingFloor);
  *error = std::max(*error, worst.error);
  if (worst.error <= tolerance) return "";
  const Eigen::Index i = worst.index;
  return absl::StrFormat(
      "%s(%d, %d) is %.8g, not %.8g (rel err %.2g, tol %.2g)", what,
      i / actual.cols(), i % actual.cols(), actual.data()[i],
      expected.data()[i], worst.error, tolerance);
}

// Clone(): the same type, shapes and Forward; a deep copy (changing the
// clone's W leaves the original's Forward as it was).
ProbeFinding CloneFinding(const ProbedLayer& probe) {
  const BasicLayer<double>& layer = *probe.layer;
  const std::unique_ptr<BasicLayer<double>> clone = layer.Clone();
  if (clone == nullptr) return Issue("Clone() gave null");
  if (clone->type() != layer.type() ||
      clone->input_shape() != layer.input_shape() ||
      clone->output_shape() != layer.output_shape()) {
    return Issue(absl::StrCat("the clone is \"", clone->type(), "\" ",
                              clone->input_shape().ToString(), " -> ",
                              clone->output_shape().ToString()));
  }
  const MatrixD x = LayerInput(kLayerBatch, layer.input_size(), 103);
  MatrixD y, y_clone, kept;
  std::string issue = RunForward(layer, x, &y, &kept);
  if (issue.empty()) issue = RunForward(*clone, x, &y_clone, &kept);
  if (!issue.empty()) return Issue(issue);
  ProbeFinding finding;
  issue = Disagreement(y_clone, y, "the clone's Forward", kRoundingTolerance,
                       &finding.error);
  if (!issue.empty()) return Issue(issue);
  if (layer.AsWeighted() == nullptr) return finding;
  BasicWeightedLayer<double>* weighted_clone = clone->AsWeighted();
  if (weighted_clone == nullptr) return Issue("the clone is not weighted");
  if (weighted_clone->weight().size() != layer.AsWeighted()->weight().size()) {
    return Issue(
        absl::StrCat("the clone's W is ", ShapeOf(weighted_clone->weight())));
  }
  weighted_clone->weight().array() += 1.0;
  MatrixD y_after;
  issue = RunForward(layer, x, &y_after, &kept);
  if (!issue.empty()) return Issue(issue);
  double unused = 0;
  issue = Disagreement(y_after, y, "after W += 1 in the clone, Forward",
                       kRoundingTolerance, &unused);
  if (!issue.empty()) return Issue(absl::StrCat("not a deep copy: ", issue));
  return finding;
}

// The float instance (same parameters, same inputs) against double:
// Forward and Backward's d_x.
ProbeFinding FloatAgreementFinding(const ProbedLayer& probe) {
  const BasicLayer<double>& layer = *probe.layer;
  const MatrixD x = LayerInput(kLayerBatch, layer.input_size(), 107);
  Rng rng(109);
  const MatrixD d_y =
      ToFloatPrecision(NormalMatrix(kLayerBatch, layer.output_size(), &rng));
  MatrixD y, kept, d_x;
  std::string issue = RunForward(layer, x, &y, &kept);
  if (issue.empty()) issue = RunInputBackward(layer, x, y, kept, d_y, 1, &d_x);
  if (!issue.empty()) return Issue(absl::StrCat("double ", issue));
  const Matrix x_single = x.cast<float>();
  Matrix y_single, kept_single, d_x_single;
  issue = RunForward(*probe.single, x_single, &y_single, &kept_single);
  if (issue.empty()) {
    issue = RunInputBackward(*probe.single, x_single, y_single, kept_single,
                             Matrix(d_y.cast<float>()), 1, &d_x_single);
  }
  if (!issue.empty()) return Issue(absl::StrCat("float ", issue));
  ProbeFinding finding;
  for (const auto& [what, single, reference] :
       {std::tuple{"float y", &y_single, &y},
        std::tuple{"float d_x", &d_x_single, &d_x}}) {
    issue = Disagreement(single->cast<double>(), *reference, what,
                         kLayerFloatTolerance, &finding.error);
    if (!issue.empty()) return Issue(issue);
  }
  return finding;
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

// The registered example options of `name` in `registry`, packed; none if
// it takes none.
template <typename RegistryT>
std::optional<google::protobuf::Any> ExampleOptions(const RegistryT& registry,
                                                    const std::string& name) {
  const auto example = registry.OptionsExample(name);
  if (example == nullptr) return std::nullopt;
  google::protobuf::Any any;
  any.PackFrom(*example);
  return any;
}

std::vector<ConformanceCheck> CheckActivation(const std::string& name) {
  CheckRows rows(ActivationRegistry::Global().kind(), name);
  // An activation with options gets its registered example.
  const std::optional<google::protobuf::Any> options =
      ExampleOptions(ActivationRegistry::Global(), name);
  const absl::StatusOr<std::unique_ptr<Activation>> created =
      CreateOrAddFailure(ActivationRegistry::Global(), name, "create by name",
                         &rows, options ? &*options : nullptr);
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
  // A measure with options gets its registered example.
  const std::optional<google::protobuf::Any> options =
      ExampleOptions(AlignmentMeasureRegistry::Global(), name);
  const absl::StatusOr<std::unique_ptr<AlignmentMeasure>> created =
      CreateOrAddFailure(AlignmentMeasureRegistry::Global(), name,
                         "create by name", &rows,
                         options ? &*options : nullptr);
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
  // An optimizer with options gets its registered example.
  if (const auto example = OptimizerRegistry::Global().OptionsExample(name)) {
    config.mutable_options()->PackFrom(*example);
  }
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

std::vector<ConformanceCheck> CheckLayer(const std::string& name) {
  CheckRows rows(LayerRegistry::Global().kind(), name);
  const absl::StatusOr<std::unique_ptr<LayerFactory>> factory =
      CreateOrAddFailure(LayerRegistry::Global(), name, "create on probes",
                         &rows);
  if (!factory.ok()) return rows.Take();
  std::vector<ProbedLayer> probes;
  const Verdict created = CreateProbes(**factory, name, &probes);
  rows.Add("create on probes", created);
  if (created.result == CheckResult::kFail) return rows.Take();
  rows.Add("output shape", OverProbes(probes, 0, "", OutputShapeFinding));
  rows.Add("input VJP vs finite diff.",
           OverProbes(probes, kGradientTolerance, "", InputVjpFinding));
  rows.Add("param. gradients vs finite diff.",
           OverProbes(probes, kGradientTolerance, "not a weighted layer",
                      ParameterGradientFinding));
  rows.Add(absl::StrCat(kCotangentRows, "-row backward"),
           OverProbes(probes, kRoundingTolerance, "", ManyRowBackwardFinding));
  rows.Add("weighted-layer view",
           OverProbes(probes, kRoundingTolerance, "not a weighted layer",
                      WeightedViewFinding));
  // Float first: a shallow clone would change the original's weights.
  const Verdict single =
      OverProbes(probes, kLayerFloatTolerance, "", FloatAgreementFinding);
  rows.Add("clone", OverProbes(probes, kRoundingTolerance, "", CloneFinding));
  rows.Add("float agrees with double", single);
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
  if (name.kind == LayerRegistry::Global().kind()) {
    return CheckLayer(name.name);
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
