// Every registered layer (the built-ins linear, conv2d, activation, flatten,
// the pooling layers, dropout and the layers of //plugins:all) passes
// CheckLayer (cli/conformance.h): built on the probes it accepts;
// output shape; input VJP and parameter gradients against central
// differences; R-row Backward against one-row calls; the weighted-layer view
// (InputRows, OutputVectors); Clone; float agrees with double. Correct test
// layers (also one with P = 2 positions) pass, and planted faults show that
// each check fails.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "core/registry.h"
#include "core/sample_shape.h"
#include "core/tensor.h"
#include "cli/conformance.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "layers/layer.h"
#include "tests/plugins/conformance_test_util.h"
#include "tests/plugins/planted_faults.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ExpectNoFailedCheck;
using ::nfalab::testing::RowOf;
using ::nfalab::testing::TanhFault;
using ::nfalab::testing::TanhLayer;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

constexpr char kCreate[] = "create on probes";
constexpr char kOutputShape[] = "output shape";
constexpr char kVjp[] = "input VJP vs finite diff.";
constexpr char kParameterGradients[] = "param. gradients vs finite diff.";
constexpr char kManyRows[] = "3-row backward";
constexpr char kView[] = "weighted-layer view";
constexpr char kClone[] = "clone";
constexpr char kFloat[] = "float agrees with double";

class LayerConformanceTest : public ::testing::TestWithParam<std::string> {};

TEST_P(LayerConformanceTest, PassesEveryCheck) {
  const std::vector<ConformanceCheck> checks = CheckLayer(GetParam());
  ASSERT_EQ(checks.size(), 8u) << FormatCheck(checks.front());
  ExpectNoFailedCheck(checks);
}

INSTANTIATE_TEST_SUITE_P(AllLayers, LayerConformanceTest,
                         ::testing::ValuesIn(LayerRegistry::Global().Names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

TEST(LayerChecksTest, ReportRowsInOrderForLinear) {
  const std::vector<ConformanceCheck> checks = CheckLayer("linear");
  EXPECT_THAT(checks,
              ElementsAre(Field(&ConformanceCheck::check, kCreate),
                          Field(&ConformanceCheck::check, kOutputShape),
                          Field(&ConformanceCheck::check, kVjp),
                          Field(&ConformanceCheck::check, kParameterGradients),
                          Field(&ConformanceCheck::check, kManyRows),
                          Field(&ConformanceCheck::check, kView),
                          Field(&ConformanceCheck::check, kClone),
                          Field(&ConformanceCheck::check, kFloat)));
  for (const ConformanceCheck& check : checks) {
    EXPECT_EQ(check.kind, "layer");
    EXPECT_EQ(check.name, "linear");
    EXPECT_EQ(check.result, CheckResult::kPass) << FormatCheck(check);
  }
  EXPECT_EQ(checks[0].detail,
            "2 of 14 probes: {out_features: 3, bias: true} on [5], "
            "{out_features: 3, bias: false} on [5]");
  EXPECT_THAT(checks[2].detail,
              MatchesRegex("max rel err [-+.e0-9]+ \\(tol 1e-06\\), 2 probes"));
}

TEST(LayerChecksTest, ProbesOfTheBuiltins) {
  EXPECT_EQ(RowOf(CheckLayer("activation"), kCreate).detail,
            "4 of 14 probes: {activation: \"tanh\"} on [5], {activation: "
            "\"softplus\"} on [5], {activation: \"tanh\"} on [2, 3, 4], "
            "{activation: \"softplus\"} on [2, 3, 4]");
  EXPECT_EQ(RowOf(CheckLayer("flatten"), kCreate).detail, "all 14 probes");
  // global_avgpool takes the 9 image probes; dropout any shape
  // (evaluation mode, the identity: the suite runs Forward;
  // tests/layers/dropout_test.cc covers the training mask).
  const std::pair<const char*, int> any_image[] = {{"global_avgpool", 9},
                                                   {"dropout", 14}};
  for (const auto& [layer, accepted] : any_image) {
    const std::vector<ConformanceCheck> checks = CheckLayer(layer);
    EXPECT_THAT(RowOf(checks, kCreate).detail,
                StartsWith(accepted == 14 ? "all 14 probes"
                                          : absl::StrCat(accepted, " of 14")))
        << layer;
    EXPECT_THAT(RowOf(checks, kVjp).detail,
                HasSubstr(absl::StrCat(", ", accepted, " probes")))
        << layer;
  }
  // The windowed pooling layers take every image probe (ignoring
  // out_features and activation) but the conv probe with padding 1, which
  // they refuse; so the finite differences cover overlapping windows.
  const std::pair<const char*, int> poolings[] = {{"maxpool2d", 8},
                                                  {"avgpool2d", 8}};
  for (const auto& [pooling, accepted] : poolings) {
    const std::vector<ConformanceCheck> checks = CheckLayer(pooling);
    EXPECT_THAT(RowOf(checks, kCreate).detail,
                AllOf(StartsWith(absl::StrCat(accepted, " of 14 probes: ")),
                      HasSubstr("{kernel_size: 3, stride: 2} on [2, 6, 8]")))
        << pooling;
    EXPECT_THAT(RowOf(checks, kVjp).detail,
                HasSubstr(absl::StrCat(", ", accepted, " probes")))
        << pooling;
  }
  // conv2d: both spatial probes, so every check (finite differences, R rows,
  // the P > 1 view) runs over padding 1 and stride 2 without bias.
  const std::vector<ConformanceCheck> conv = CheckLayer("conv2d");
  EXPECT_EQ(RowOf(conv, kCreate).detail,
            "2 of 14 probes: {out_channels: 3, kernel_size: 3, padding: 1} "
            "on [2, 3, 4], {out_channels: 2, kernel_size: 2, stride: 2, "
            "padding: 0, bias: false} on [2, 4, 5]");
  for (const char* check : {kVjp, kParameterGradients, kManyRows, kView}) {
    EXPECT_THAT(RowOf(conv, check).detail, HasSubstr("2 probes")) << check;
  }
}

TEST(LayerChecksTest, WeightChecksAreNotCheckedWithoutAWeight) {
  const std::vector<ConformanceCheck> checks = CheckLayer("activation");
  for (const char* check : {kParameterGradients, kView}) {
    const ConformanceCheck row = RowOf(checks, check);
    EXPECT_EQ(row.result, CheckResult::kNotChecked) << check;
    EXPECT_EQ(row.detail, "not a weighted layer");
  }
}

TEST(LayerChecksTest, CheckRegisteredNameRunsTheLayerChecks) {
  const std::vector<ConformanceCheck> checks =
      CheckRegisteredName({"layer", "flatten"});
  ASSERT_EQ(checks.size(), 8u);
  EXPECT_EQ(checks[0].kind, "layer");
  EXPECT_EQ(checks[0].name, "flatten");
}

TEST(LayerChecksTest, UnknownNameGivesOneFailedCreateRow) {
  const std::vector<ConformanceCheck> checks = CheckLayer("no_such_layer");
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].check, kCreate);
  EXPECT_EQ(checks[0].result, CheckResult::kFail);
  EXPECT_THAT(checks[0].detail, HasSubstr("no layer named \"no_such_layer\""));
}

// ---------------------------------------------------------------------------
// Test layers: correct ones, and each with one planted fault.

template <template <typename> class T>
LayerRegistry::Factory FactoryFor(const std::string& name) {
  return [name]() -> absl::StatusOr<std::unique_ptr<LayerFactory>> {
    return std::unique_ptr<LayerFactory>(
        std::make_unique<LayerFactoryFor<T>>(name));
  };
}

// Registers T as `name` for the scope and returns its check rows.
template <template <typename> class T>
std::vector<ConformanceCheck> CheckPlanted(const std::string& name) {
  const ScopedRegistration<LayerRegistry> planted(LayerRegistry::Global(), name,
                                                  FactoryFor<T>(name));
  return CheckLayer(name);
}

// Every row except `failing` passes (or is not checked).
void ExpectOnlyFailure(const std::vector<ConformanceCheck>& checks,
                       const std::string& failing) {
  for (const ConformanceCheck& check : checks) {
    if (check.check == failing) {
      EXPECT_EQ(check.result, CheckResult::kFail) << FormatCheck(check);
    } else {
      EXPECT_NE(check.result, CheckResult::kFail) << FormatCheck(check);
    }
  }
}

enum class LinearFault {
  kNone,
  // dL/dW averaged over the batch: 1/n of the gradient.
  kAveragedWeightGradient,
  // h = 2 x W^T + b (Backward consistent), but InputRows is left the
  // identity, so the metrics would see the wrong rows.
  kUnscaledInputRows,
  // Clone() copies everything but W, which it leaves zero.
  kCloneLosesWeights,
};

// h = s x W^T + b on flat inputs (s = 1 unless kUnscaledInputRows).
template <typename Scalar, LinearFault fault>
class PlantedLinear : public BasicWeightedLayer<Scalar> {
 public:
  PlantedLinear(int in, int out, bool bias)
      : BasicWeightedLayer<Scalar>(SampleShape::Flat(in),
                                   SampleShape::Flat(out), out, in, bias) {}

  static absl::StatusOr<std::unique_ptr<BasicLayer<Scalar>>> Create(
      const LayerSpec& spec, const SampleShape& input) {
    if (!input.is_flat() || spec.out_features() < 1) {
      return absl::InvalidArgumentError("needs a flat input and out_features");
    }
    return std::unique_ptr<BasicLayer<Scalar>>(std::make_unique<PlantedLinear>(
        input.channels, spec.out_features(), spec.bias()));
  }

  void Forward(const MatrixT<Scalar>& x, MatrixT<Scalar>* h,
               MatrixT<Scalar>* /*kept*/) const override {
    *h = kScale * x * this->weight().transpose();
    if (this->has_bias()) h->rowwise() += this->bias().transpose();
  }
  void Backward(const MatrixT<Scalar>& x, const MatrixT<Scalar>& /*h*/,
                const MatrixT<Scalar>& /*kept*/, const MatrixT<Scalar>& d_h,
                int /*rows_per_sample*/, MatrixT<Scalar>* d_x,
                MatrixT<Scalar>* d_weight,
                VectorT<Scalar>* d_bias) const override {
    if (d_weight != nullptr) {
      *d_weight = kScale * d_h.transpose() * x;
      if (fault == LinearFault::kAveragedWeightGradient) {
        *d_weight /= static_cast<Scalar>(x.rows());
      }
    }
    if (d_bias != nullptr && this->has_bias()) {
      *d_bias = d_h.colwise().sum().transpose();
    }
    if (d_x != nullptr) *d_x = kScale * d_h * this->weight();
  }
  std::unique_ptr<BasicLayer<Scalar>> Clone() const override {
    auto clone = std::make_unique<PlantedLinear>(*this);
    if (fault == LinearFault::kCloneLosesWeights) clone->weight().setZero();
    return clone;
  }

 private:
  static constexpr Scalar kScale =
      fault == LinearFault::kUnscaledInputRows ? Scalar(2) : Scalar(1);
};

// W: [k, p] applied at P = 2 positions, the two halves of each sample's
// values (any shape of even size 2 p), as a convolution with two patches:
//   h_i[c, q] = W x_i[q p : (q + 1) p] + b,   output entry c P + q.
template <typename Scalar, bool kPositionMajorVectors>
class TwoPositionLinear : public BasicWeightedLayer<Scalar> {
 public:
  static constexpr int kPositions = 2;

  TwoPositionLinear(const SampleShape& input, int out, bool bias)
      : BasicWeightedLayer<Scalar>(
            input, SampleShape::Flat(out * kPositions), out,
            static_cast<int>(input.size()) / kPositions, bias) {}

  static absl::StatusOr<std::unique_ptr<BasicLayer<Scalar>>> Create(
      const LayerSpec& spec, const SampleShape& input) {
    if (input.size() % kPositions != 0 || spec.out_features() < 1) {
      return absl::InvalidArgumentError("needs an even size and out_features");
    }
    return std::unique_ptr<BasicLayer<Scalar>>(
        std::make_unique<TwoPositionLinear>(input, spec.out_features(),
                                            spec.bias()));
  }

  int positions() const override { return kPositions; }

  void Forward(const MatrixT<Scalar>& x, MatrixT<Scalar>* h,
               MatrixT<Scalar>* /*kept*/) const override {
    const int k = this->units(), p = this->fan_in();
    h->resize(x.rows(), k * kPositions);
    for (int q = 0; q < kPositions; ++q) {
      MatrixT<Scalar> at_q =
          x.middleCols(q * p, p) * this->weight().transpose();
      if (this->has_bias()) at_q.rowwise() += this->bias().transpose();
      for (int c = 0; c < k; ++c) h->col(c * kPositions + q) = at_q.col(c);
    }
  }
  void Backward(const MatrixT<Scalar>& x, const MatrixT<Scalar>& /*h*/,
                const MatrixT<Scalar>& /*kept*/, const MatrixT<Scalar>& d_h,
                int /*rows_per_sample*/, MatrixT<Scalar>* d_x,
                MatrixT<Scalar>* d_weight,
                VectorT<Scalar>* d_bias) const override {
    const int k = this->units(), p = this->fan_in();
    if (d_x != nullptr) d_x->resize(d_h.rows(), p * kPositions);
    if (d_weight != nullptr) d_weight->setZero(k, p);
    if (d_bias != nullptr && this->has_bias()) d_bias->setZero(k);
    for (int q = 0; q < kPositions; ++q) {
      MatrixT<Scalar> d_at_q(d_h.rows(), k);
      for (int c = 0; c < k; ++c) d_at_q.col(c) = d_h.col(c * kPositions + q);
      if (d_x != nullptr) d_x->middleCols(q * p, p) = d_at_q * this->weight();
      if (d_weight != nullptr) {
        *d_weight += d_at_q.transpose() * x.middleCols(q * p, p);
      }
      if (d_bias != nullptr && this->has_bias()) {
        *d_bias += d_at_q.colwise().sum().transpose();
      }
    }
  }
  void InputRows(const MatrixT<Scalar>& x,
                 MatrixT<Scalar>* rows) const override {
    const int p = this->fan_in();
    rows->resize(x.rows() * kPositions, p);
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      for (int q = 0; q < kPositions; ++q) {
        rows->row(i * kPositions + q) = x.row(i).segment(q * p, p);
      }
    }
  }
  void OutputVectors(const MatrixT<Scalar>& d_h,
                     MatrixT<Scalar>* vectors) const override {
    const int k = this->units();
    vectors->resize(d_h.rows() * kPositions, k);
    for (Eigen::Index j = 0; j < d_h.rows(); ++j) {
      for (int q = 0; q < kPositions; ++q) {
        for (int c = 0; c < k; ++c) {
          // The planted fault reads the output as position-major, q k + c.
          (*vectors)(j * kPositions + q, c) =
              d_h(j, kPositionMajorVectors ? q * k + c : c * kPositions + q);
        }
      }
    }
  }
  std::unique_ptr<BasicLayer<Scalar>> Clone() const override {
    return std::make_unique<TwoPositionLinear>(*this);
  }
};

template <typename S>
using GoodTanh = TanhLayer<S, TanhFault::kNone>;
template <typename S>
using GoodLinear = PlantedLinear<S, LinearFault::kNone>;
template <typename S>
using GoodTwoPositions = TwoPositionLinear<S, false>;

TEST(LayerChecksTest, CorrectTestLayersPassEveryCheck) {
  for (const std::vector<ConformanceCheck>& checks :
       {CheckPlanted<GoodTanh>("test_tanh"),
        CheckPlanted<GoodLinear>("test_linear"),
        CheckPlanted<GoodTwoPositions>("test_two_positions")}) {
    ASSERT_EQ(checks.size(), 8u) << FormatCheck(checks.front());
    ExpectNoFailedCheck(checks);
  }
  // P = 2: the view is checked on the image probes (even size 24, p = 12).
  const ConformanceCheck view =
      RowOf(CheckPlanted<GoodTwoPositions>("test_two_positions"), kView);
  EXPECT_EQ(view.result, CheckResult::kPass);
  EXPECT_THAT(view.detail, HasSubstr("2 probes"));
}

// Planted faults, each failing one check.

template <typename Scalar>
class AcceptsNoProbe : public GoodTanh<Scalar> {
 public:
  static absl::StatusOr<std::unique_ptr<BasicLayer<Scalar>>> Create(
      const LayerSpec&, const SampleShape&) {
    return absl::InvalidArgumentError("needs out_features: 7");
  }
};

TEST(LayerChecksTest, LayerAcceptingNoProbeFailsClearly) {
  const std::vector<ConformanceCheck> checks =
      CheckPlanted<AcceptsNoProbe>("test_picky");
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].check, kCreate);
  EXPECT_EQ(checks[0].result, CheckResult::kFail);
  EXPECT_EQ(checks[0].detail,
            "accepts none of the 14 probes (out_features 3 with and without "
            "bias, activation tanh or softplus, no options; inputs [5] and "
            "[2, 3, 4]; kernel_size 2 on [2, 4, 6], kernel_size 3 stride 2 on "
            "[2, 6, 8]; out_channels 3 or 2 on [2, 3, 4] and [2, 4, 5]); "
            "first error: {out_features: 3, bias: true} on [5]: "
            "needs out_features: 7");
}

// Builds in double only.
class DoubleOnlyFactory : public LayerFactory {
 public:
  absl::StatusOr<std::unique_ptr<BasicLayer<float>>> CreateFloat(
      const LayerSpec&, const SampleShape&) const override {
    return absl::UnimplementedError("no float version");
  }
  absl::StatusOr<std::unique_ptr<BasicLayer<double>>> CreateDouble(
      const LayerSpec& spec, const SampleShape& input) const override {
    return LayerFactoryFor<GoodTanh>("test_double_only")
        .CreateDouble(spec, input);
  }
};

TEST(LayerChecksTest, LayerWithoutAFloatVersionFails) {
  const ScopedRegistration<LayerRegistry> planted(
      LayerRegistry::Global(), "test_double_only",
      []() -> absl::StatusOr<std::unique_ptr<LayerFactory>> {
        return std::unique_ptr<LayerFactory>(
            std::make_unique<DoubleOnlyFactory>());
      });
  const std::vector<ConformanceCheck> checks = CheckLayer("test_double_only");
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].result, CheckResult::kFail);
  EXPECT_EQ(checks[0].detail,
            "{out_features: 3, bias: true} on [5]: CreateDouble succeeded, "
            "CreateFloat failed: no float version");
}

template <typename S>
using TanhWithExtraColumn = TanhLayer<S, TanhFault::kExtraOutputColumn>;

TEST(LayerChecksTest, ForwardWiderThanOutputSizeFails) {
  const std::vector<ConformanceCheck> checks =
      CheckPlanted<TanhWithExtraColumn>("test_extra_column");
  const ConformanceCheck shape = RowOf(checks, kOutputShape);
  EXPECT_EQ(shape.result, CheckResult::kFail);
  EXPECT_EQ(shape.detail,
            "{out_features: 3, bias: true} on [5]: double Forward gave [4, 6] "
            "for [4, 5], not [4, 5] (output_size())");
  // The other checks report the same instead of reading past the output.
  EXPECT_THAT(RowOf(checks, kVjp).detail, HasSubstr("Forward gave [4, 6]"));
  EXPECT_EQ(RowOf(checks, kCreate).result, CheckResult::kPass);
}

template <typename S>
using TanhWithVjpOff = TanhLayer<S, TanhFault::kVjpOffByATenthPercent>;

TEST(LayerChecksTest, VjpOffByATenthPercentFails) {
  const std::vector<ConformanceCheck> checks =
      CheckPlanted<TanhWithVjpOff>("test_vjp_off");
  ExpectOnlyFailure(checks, kVjp);
  const ConformanceCheck vjp = RowOf(checks, kVjp);
  EXPECT_EQ(vjp.name, "test_vjp_off");
  EXPECT_THAT(vjp.detail,
              MatchesRegex("\\{out_features: 3, bias: true\\} on \\[5\\]: rel "
                           "err 0\\.001 at x\\([0-9], [0-9]\\) = [-+.e0-9]+: "
                           "d_x [-+.e0-9]+ vs finite diff\\. [-+.e0-9]+ \\(tol "
                           "1e-06\\)"));
  EXPECT_THAT(FormatCheck(vjp),
              StartsWith("layer test_vjp_off, input VJP vs finite diff.: "
                         "FAILED ({out_features: 3, bias: true} on [5]: rel "
                         "err 0.001"));
}

template <typename S>
using AveragedGradient = PlantedLinear<S, LinearFault::kAveragedWeightGradient>;

TEST(LayerChecksTest, AveragedWeightGradientFails) {
  const std::vector<ConformanceCheck> checks =
      CheckPlanted<AveragedGradient>("test_averaged");
  ExpectOnlyFailure(checks, kParameterGradients);
  // d_weight is 1/4 of dL/dW: rel err 3/4 where |dL/dW| >= 0.1.
  EXPECT_THAT(RowOf(checks, kParameterGradients).detail,
              MatchesRegex("\\{out_features: 3, bias: true\\} on \\[5\\]: rel "
                           "err 0\\.75 at W\\([0-2], [0-4]\\): d_weight "
                           "[-+.e0-9]+ vs finite diff\\. [-+.e0-9]+ \\(tol "
                           "1e-06\\)"));
}

template <typename S>
using TanhWithSampleMajorRows = TanhLayer<S, TanhFault::kSampleMajorRows>;

TEST(LayerChecksTest, ManyRowsReadAsSampleMajorFail) {
  const std::vector<ConformanceCheck> checks =
      CheckPlanted<TanhWithSampleMajorRows>("test_sample_major");
  ExpectOnlyFailure(checks, kManyRows);
  EXPECT_THAT(RowOf(checks, kManyRows).detail,
              MatchesRegex("\\{out_features: 3, bias: true\\} on \\[5\\]: "
                           "d_x\\([0-9]+, [0-4]\\) \\(sample [0-3], r = "
                           "[0-2]\\) is [-+.e0-9]+ with R = 3, [-+.e0-9]+ with "
                           "that row alone \\(rel err [.0-9e-]+, tol "
                           "1e-10\\)"));
}

template <typename S>
using UnscaledInputRows = PlantedLinear<S, LinearFault::kUnscaledInputRows>;

TEST(LayerChecksTest, InputRowsThatMissTheScaleFail) {
  const std::vector<ConformanceCheck> checks =
      CheckPlanted<UnscaledInputRows>("test_unscaled_rows");
  ExpectOnlyFailure(checks, kView);
  EXPECT_THAT(RowOf(checks, kView).detail,
              MatchesRegex("\\{out_features: 3, bias: true\\} on \\[5\\]: "
                           "Forward\\([0-3], [0-2]\\) is [-+.e0-9]+, but row "
                           "[0-3] of InputRows times W\\^T plus b gives "
                           "[-+.e0-9]+ \\(rel err [.0-9]+, tol 1e-10\\)"));
}

template <typename S>
using PositionMajorVectors = TwoPositionLinear<S, true>;

TEST(LayerChecksTest, OutputVectorsInTheWrongLayoutFail) {
  const std::vector<ConformanceCheck> checks =
      CheckPlanted<PositionMajorVectors>("test_position_major");
  ExpectOnlyFailure(checks, kView);
  // vectors(0, 1) must be d_h(0, 1 P + 0) = d_h(0, 2); the fault reads
  // d_h(0, 0 k + 1).
  EXPECT_THAT(RowOf(checks, kView).detail,
              MatchesRegex("\\{out_features: 3, bias: true\\} on \\[2, 3, "
                           "4\\]: OutputVectors\\(0, 1\\) is [-+.e0-9]+, not "
                           "d_h\\(0, 2\\) = [-+.e0-9]+"));
}

template <typename S>
using CloneLosesWeights = PlantedLinear<S, LinearFault::kCloneLosesWeights>;

TEST(LayerChecksTest, CloneWithoutTheWeightsFails) {
  const std::vector<ConformanceCheck> checks =
      CheckPlanted<CloneLosesWeights>("test_clone_loses");
  ExpectOnlyFailure(checks, kClone);
  EXPECT_THAT(
      RowOf(checks, kClone).detail,
      MatchesRegex("\\{out_features: 3, bias: true\\} on \\[5\\]: "
                   "the clone's Forward\\([0-3], [0-2]\\) is "
                   "[-+.e0-9]+, not [-+.e0-9]+ \\(rel err [.0-9e-]+, tol "
                   "1e-10\\)"));
}

template <typename S>
using TanhWithFloatOffset = TanhLayer<S, TanhFault::kFloatOffset>;

TEST(LayerChecksTest, FloatPathThatDiffersFails) {
  const std::vector<ConformanceCheck> checks =
      CheckPlanted<TanhWithFloatOffset>("test_float_offset");
  ExpectOnlyFailure(checks, kFloat);
  // 1e-3 / max(|y|, 1), up to float rounding.
  EXPECT_THAT(RowOf(checks, kFloat).detail,
              MatchesRegex("\\{out_features: 3, bias: true\\} on \\[5\\]: "
                           "float y\\([0-3], [0-4]\\) is [-+.e0-9]+, not "
                           "[-+.e0-9]+ \\(rel err 0\\.001, tol 1e-05\\)"));
}

}  // namespace
}  // namespace nfalab
