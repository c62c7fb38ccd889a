// The dropout layer: evaluation (Forward) is the identity; the training
// mask takes the values 0 and 1 / (1 - p) only, is drawn in storage order
// from the given generator and drops a fraction p of the entries; y = x m;
// the R-row Backward multiplies every cotangent row by its sample's mask (or
// is the identity after an evaluation pass), against naive loops and
// central differences with the mask held fixed; rate 0 is the identity even
// in training; bad rates through Model::Create name the layer; the export.
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/random.h"
#include "core/sample_shape.h"
#include "core/tensor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "layers/layer.h"
#include "layers/model_config.pb.h"
#include "layers/sequential.h"
#include "tests/random_matrix.h"
#include "tests/status_matchers.h"
#include "tests/test_seed.h"

namespace nfalab {
namespace {

using ::nfalab::testing::GaussianMatrix;
using ::nfalab::testing::StatusIs;
using ::nfalab::testing::TestSeed;
using ::testing::AllOf;
using ::testing::HasSubstr;

template <typename Scalar = double>
std::unique_ptr<BasicLayer<Scalar>> MakeDropout(
    const SampleShape& input, std::optional<double> rate = std::nullopt) {
  LayerSpec spec;
  spec.set_type("dropout");
  if (rate.has_value()) spec.set_rate(*rate);
  absl::StatusOr<std::unique_ptr<BasicLayer<Scalar>>> layer =
      CreateLayer<Scalar>(spec, input);
  EXPECT_TRUE(layer.ok()) << layer.status();
  return layer.ok() ? std::move(layer).value() : nullptr;
}

TEST(DropoutTest, EvaluationForwardIsTheIdentityAndKeepsNothing) {
  for (const SampleShape& input :
       {SampleShape::Flat(7), SampleShape{2, 3, 4}}) {
    SCOPED_TRACE(input.ToString());
    std::unique_ptr<BasicLayer<double>> layer = MakeDropout(input, 0.5);
    ASSERT_NE(layer, nullptr);
    EXPECT_EQ(layer->type(), "dropout");
    EXPECT_EQ(layer->output_shape(), input);
    EXPECT_EQ(layer->AsWeighted(), nullptr);
    EXPECT_TRUE(layer->acts_in_training());
    Rng rng(TestSeed(1));
    const MatrixD x = GaussianMatrix(5, layer->input_size(), &rng);
    // A mask left over from a training pass must not survive.
    MatrixD y, kept = MatrixD::Ones(5, layer->input_size());
    layer->Forward(x, &y, &kept);
    EXPECT_EQ(y, x);
    EXPECT_EQ(kept.size(), 0);
  }
}

// The mask: entry k is 0 if the k-th Uniform() of the generator (storage
// order) is below p, else 1 / (1 - p); so y = x m.
TEST(DropoutTest, TrainingMaskIsDrawnInStorageOrderAndScalesTheKept) {
  for (const double p : {0.1, 0.5, 0.8}) {
    SCOPED_TRACE(p);
    std::unique_ptr<BasicLayer<double>> layer =
        MakeDropout(SampleShape{2, 3, 5}, p);
    ASSERT_NE(layer, nullptr);
    Rng data_rng(TestSeed(2));
    const MatrixD x = GaussianMatrix(4, layer->input_size(), &data_rng);
    Rng rng(TestSeed(3));
    Rng replay = rng;
    MatrixD y, kept;
    layer->ForwardTraining(x, &y, &kept, &rng);
    ASSERT_EQ(kept.rows(), x.rows());
    ASSERT_EQ(kept.cols(), x.cols());
    ASSERT_EQ(y.rows(), x.rows());
    ASSERT_EQ(y.cols(), x.cols());
    for (Eigen::Index k = 0; k < kept.size(); ++k) {
      const double expected = replay.Uniform() < p ? 0.0 : 1.0 / (1.0 - p);
      ASSERT_EQ(kept.data()[k], expected) << "entry " << k;
    }
    // The generator advanced by exactly one draw per entry.
    EXPECT_EQ(rng.SaveState(), replay.SaveState());
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      for (Eigen::Index e = 0; e < x.cols(); ++e) {
        EXPECT_EQ(y(i, e), x(i, e) * kept(i, e)) << i << ", " << e;
      }
    }
  }
}

// Over 10^5 entries the dropped fraction is within 4 standard deviations
// sqrt(p (1 - p) / N) of p, in float as in double, and the mask's mean is
// within 4 of its standard deviations of 1 (dropout keeps E[y] = x).
TEST(DropoutTest, DropsAFractionPOfTheEntriesAndKeepsTheMean) {
  constexpr int kRows = 100, kCols = 1000;
  constexpr double kN = double{kRows} * kCols;
  for (const double p : {0.05, 0.3, 0.5, 0.9}) {
    SCOPED_TRACE(p);
    std::unique_ptr<BasicLayer<float>> layer =
        MakeDropout<float>(SampleShape::Flat(kCols), p);
    ASSERT_NE(layer, nullptr);
    const Matrix x = Matrix::Ones(kRows, kCols);
    Rng rng(TestSeed(4));
    Matrix y, kept;
    layer->ForwardTraining(x, &y, &kept, &rng);
    ASSERT_EQ(kept.size(), kRows * kCols);
    const float scale = static_cast<float>(1.0 / (1.0 - p));
    int64_t dropped = 0, other = 0;
    double sum = 0;
    for (Eigen::Index k = 0; k < kept.size(); ++k) {
      const float m = kept.data()[k];
      if (m == 0.0f) {
        ++dropped;
      } else if (m != scale) {
        ++other;
      }
      sum += m;
    }
    EXPECT_EQ(other, 0) << "mask values other than 0 and 1 / (1 - p)";
    const double sigma = std::sqrt(p * (1 - p) / kN);
    EXPECT_NEAR(dropped / kN, p, 4 * sigma);
    // Var(m) = p / (1 - p).
    EXPECT_NEAR(sum / kN, 1.0, 4 * std::sqrt(p / (1 - p) / kN));
    EXPECT_EQ(y, kept);  // x = 1.
  }
}

TEST(DropoutTest, TwoTrainingPassesDrawDifferentMasks) {
  std::unique_ptr<BasicLayer<double>> layer =
      MakeDropout(SampleShape::Flat(50), 0.5);
  ASSERT_NE(layer, nullptr);
  const MatrixD x = MatrixD::Ones(4, 50);
  Rng rng(TestSeed(5));
  MatrixD y, first, second;
  layer->ForwardTraining(x, &y, &first, &rng);
  layer->ForwardTraining(x, &y, &second, &rng);
  EXPECT_NE(first, second);
}

// d_x[i R + r, e] = d_y[i R + r, e] m[i, e], by a naive loop, through
// Backward and BackwardInPlace.
TEST(DropoutTest, BackwardMultipliesEveryCotangentRowByItsSamplesMask) {
  std::unique_ptr<BasicLayer<double>> layer =
      MakeDropout(SampleShape{2, 2, 3}, 0.4);
  ASSERT_NE(layer, nullptr);
  EXPECT_TRUE(layer->backward_in_place());
  const int n = 3, d = layer->input_size();
  Rng rng(TestSeed(6));
  const MatrixD x = GaussianMatrix(n, d, &rng);
  MatrixD y, kept;
  layer->ForwardTraining(x, &y, &kept, &rng);
  // Both values occur, or the test could not tell a wrong row apart.
  ASSERT_GT((kept.array() == 0).count(), 0);
  ASSERT_GT((kept.array() != 0).count(), 0);
  for (const int r_count : {1, 3}) {
    SCOPED_TRACE(r_count);
    const MatrixD d_y = GaussianMatrix(n * r_count, d, &rng);
    MatrixD expected(n * r_count, d);
    for (int i = 0; i < n; ++i) {
      for (int r = 0; r < r_count; ++r) {
        for (int e = 0; e < d; ++e) {
          expected(i * r_count + r, e) = d_y(i * r_count + r, e) * kept(i, e);
        }
      }
    }
    MatrixD d_x;
    layer->Backward(x, y, kept, d_y, r_count, &d_x, nullptr, nullptr);
    EXPECT_EQ(d_x, expected);
    MatrixD in_place = d_y;
    ASSERT_TRUE(layer->BackwardInPlace(x, y, kept, r_count, &in_place));
    EXPECT_EQ(in_place, expected);
  }
}

TEST(DropoutTest, BackwardAfterAnEvaluationPassIsTheIdentity) {
  std::unique_ptr<BasicLayer<double>> layer =
      MakeDropout(SampleShape::Flat(6), 0.5);
  ASSERT_NE(layer, nullptr);
  Rng rng(TestSeed(7));
  const MatrixD x = GaussianMatrix(2, 6, &rng);
  MatrixD y, kept;
  layer->Forward(x, &y, &kept);
  for (const int r_count : {1, 3}) {
    const MatrixD d_y = GaussianMatrix(2 * r_count, 6, &rng);
    MatrixD d_x;
    layer->Backward(x, y, kept, d_y, r_count, &d_x, nullptr, nullptr);
    EXPECT_EQ(d_x, d_y);
  }
}

// Central differences of <d_y, f(x)> for the training-mode f with the mask
// held fixed: every evaluation replays the same generator state, so it
// draws the mask of the pass that Backward is checked at.
TEST(DropoutTest, TrainingBackwardMatchesCentralDifferencesWithTheMaskFixed) {
  std::unique_ptr<BasicLayer<double>> layer =
      MakeDropout(SampleShape{2, 2, 2}, 0.3);
  ASSERT_NE(layer, nullptr);
  const int n = 3, d = layer->input_size();
  Rng data_rng(TestSeed(8));
  MatrixD x = GaussianMatrix(n, d, &data_rng);
  const MatrixD d_y = GaussianMatrix(n, d, &data_rng);
  const Rng::State mask_state = Rng(TestSeed(9)).SaveState();
  auto forward = [&](const MatrixD& at, MatrixD* y, MatrixD* kept) {
    Rng rng = Rng::FromState(mask_state);
    layer->ForwardTraining(at, y, kept, &rng);
  };
  MatrixD y, kept, d_x;
  forward(x, &y, &kept);
  ASSERT_GT((kept.array() == 0).count(), 0);
  layer->Backward(x, y, kept, d_y, 1, &d_x, nullptr, nullptr);
  constexpr double kStep = 1e-6;
  MatrixD y_plus, y_minus, kept_plus, kept_minus;
  for (int i = 0; i < n; ++i) {
    for (int e = 0; e < d; ++e) {
      const double saved = x(i, e);
      x(i, e) = saved + kStep;
      forward(x, &y_plus, &kept_plus);
      x(i, e) = saved - kStep;
      forward(x, &y_minus, &kept_minus);
      x(i, e) = saved;
      ASSERT_EQ(kept_plus, kept);
      ASSERT_EQ(kept_minus, kept);
      const double numeric =
          (d_y.array() * (y_plus - y_minus).array()).sum() / (2 * kStep);
      EXPECT_NEAR(d_x(i, e), numeric, 1e-8) << "sample " << i << " entry " << e;
    }
  }
}

TEST(DropoutTest, RateZeroIsTheIdentityEvenInTrainingAndDrawsNothing) {
  std::unique_ptr<BasicLayer<double>> layer =
      MakeDropout(SampleShape{1, 2, 3}, 0.0);
  ASSERT_NE(layer, nullptr);
  EXPECT_FALSE(layer->acts_in_training());
  Rng rng(TestSeed(10));
  const MatrixD x = GaussianMatrix(4, 6, &rng);
  const Rng::State before = rng.SaveState();
  MatrixD y, kept;
  layer->ForwardTraining(x, &y, &kept, &rng);
  EXPECT_EQ(y, x);
  EXPECT_EQ(kept.size(), 0);
  EXPECT_EQ(rng.SaveState(), before);
  const MatrixD d_y = GaussianMatrix(4, 6, &rng);
  MatrixD d_x;
  layer->Backward(x, y, kept, d_y, 1, &d_x, nullptr, nullptr);
  EXPECT_EQ(d_x, d_y);
}

TEST(DropoutTest, CloneKeepsTheRate) {
  std::unique_ptr<BasicLayer<double>> layer =
      MakeDropout(SampleShape::Flat(40), 0.75);
  ASSERT_NE(layer, nullptr);
  const std::unique_ptr<BasicLayer<double>> clone = layer->Clone();
  const MatrixD x = MatrixD::Ones(10, 40);
  MatrixD y, kept, y_clone, kept_clone;
  Rng rng(TestSeed(11));
  Rng same = rng;
  layer->ForwardTraining(x, &y, &kept, &rng);
  clone->ForwardTraining(x, &y_clone, &kept_clone, &same);
  EXPECT_EQ(kept_clone, kept);
  EXPECT_EQ(y_clone, y);
  ASSERT_EQ(clone->ExportFields().size(), 1u);
  EXPECT_EQ(clone->ExportFields()[0].json, "0.75");
}

TEST(DropoutTest, ExportsTheRateWithDefaultOneHalf) {
  std::unique_ptr<BasicLayer<double>> by_default =
      MakeDropout(SampleShape::Flat(3));
  ASSERT_NE(by_default, nullptr);
  std::vector<ExportField> fields = by_default->ExportFields();
  ASSERT_EQ(fields.size(), 1u);
  EXPECT_EQ(fields[0].key, "rate");
  EXPECT_EQ(fields[0].json, "0.5");
  std::unique_ptr<BasicLayer<double>> quarter =
      MakeDropout(SampleShape::Flat(3), 0.25);
  ASSERT_NE(quarter, nullptr);
  fields = quarter->ExportFields();
  ASSERT_EQ(fields.size(), 1u);
  EXPECT_EQ(fields[0].key, "rate");
  EXPECT_EQ(fields[0].json, "0.25");
}

// linear -> dropout(rate) -> linear on [4] inputs.
absl::StatusOr<Model> ModelWithDropoutRate(double rate) {
  ModelConfig config;
  LayerSpec* linear = config.add_layers();
  linear->set_type("linear");
  linear->set_out_features(5);
  LayerSpec* dropout = config.add_layers();
  dropout->set_type("dropout");
  dropout->set_rate(rate);
  config.add_layers()->set_type("linear");
  Rng rng(1);
  return Model::Create(config, SampleShape::Flat(4), 2, &rng);
}

TEST(DropoutTest, RatesOutsideZeroToOneAreRefusedNamingTheLayer) {
  for (const double rate :
       {-0.1, 1.0, 1.5, std::numeric_limits<double>::quiet_NaN(),
        std::numeric_limits<double>::infinity()}) {
    SCOPED_TRACE(rate);
    EXPECT_THAT(ModelWithDropoutRate(rate).status(),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("model.layers[1] (dropout)"),
                               HasSubstr("rate must be in [0, 1), got"))));
  }
  for (const double rate : {0.0, 0.999}) {
    SCOPED_TRACE(rate);
    EXPECT_TRUE(ModelWithDropoutRate(rate).ok());
  }
}

}  // namespace
}  // namespace nfalab
