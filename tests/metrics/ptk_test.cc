// ComputePtk (paper §2.3): K_l = (1/n) sum_{i,c} g_{l,ic} g_{l,ic}^T against
// a naive double loop over finite-difference PTFs (each row checked against
// the test's own forward pass), K's symmetry, invariance to the chunk size,
// the plain sum, the readout's closed form K = I, the errors, and the float
// network against its double cast.
#include "metrics/ptk.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/random.h"
#include "core/sample_shape.h"
#include "core/tensor.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "layers/model_config.pb.h"
#include "layers/sequential.h"
#include "tests/matrix_matchers.h"
#include "tests/mlp_test_util.h"
#include "tests/status_matchers.h"
#include "tests/test_seed.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ApproxEq;
using ::nfalab::testing::CreateMlpWithRandomBiases;
using ::nfalab::testing::FiniteDifferencePtf;
using ::nfalab::testing::GaussianInputsAwayFromKinks;
using ::nfalab::testing::GaussianMlpConfig;
using ::nfalab::testing::StatusIs;
using ::nfalab::testing::TestSeed;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::SizeIs;

// Central differences, step 1e-6, in double: each PTF entry is within ~1e-10
// of the exact derivative (see tests/layers/tangent_features_test.cc), so
// the naive K built from them is within ~1e-9 of the exact K relative to its
// largest entry. Tolerance: 1e-6 relative per entry plus 1e-7 times the
// largest entry. A wrong normalisation (C, n), a missing output c or a
// wrong layer is off by O(1).
constexpr double kStep = 1e-6;
constexpr double kFdRtol = 1e-6;
constexpr double kFdAtolPerMax = 1e-7;

constexpr int kInputDim = 4;

// (1/n) sum_i sum_c g g^T, entry by entry.
MatrixD NaivePtk(const ModelD& mlp, const MatrixD& x, int layer) {
  const int k = mlp.weighted_layer(layer).units();
  MatrixD total = MatrixD::Zero(k, k);
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    const MatrixD g = FiniteDifferencePtf(mlp, x.row(i), layer, kStep);
    for (int c = 0; c < g.rows(); ++c) {
      for (int a = 0; a < k; ++a) {
        for (int b = 0; b < k; ++b) total(a, b) += g(c, a) * g(c, b);
      }
    }
  }
  return total / static_cast<double>(x.rows());
}

double MaxAbs(const MatrixD& m) { return m.cwiseAbs().maxCoeff(); }

using PtkParam = std::tuple</*activation=*/std::string, /*outputs=*/int,
                            /*bias=*/bool>;

std::string PtkParamName(const ::testing::TestParamInfo<PtkParam>& info) {
  const auto& [activation, outputs, bias] = info.param;
  return absl::StrCat(activation, "C", outputs, bias ? "Bias" : "NoBias");
}

class PtkTest : public ::testing::TestWithParam<PtkParam> {
 protected:
  static constexpr int kSamples = 7;

  void SetUp() override {
    const auto& [activation, outputs, bias] = GetParam();
    Rng rng(TestSeed(std::hash<std::string>()(
        PtkParamName(::testing::TestParamInfo<PtkParam>(GetParam(), 0)))));
    NFALAB_ASSERT_OK_AND_ASSIGN(
        mlp_, CreateMlpWithRandomBiases(
                  GaussianMlpConfig(activation, {5, 3, 6}, bias), kInputDim,
                  outputs, &rng));
    NFALAB_ASSERT_OK_AND_ASSIGN(
        x_, GaussianInputsAwayFromKinks(*mlp_, kSamples, &rng));
  }

  std::vector<int> AllLayers() const {
    std::vector<int> layers(mlp_->num_weighted_layers());
    for (int l = 0; l < mlp_->num_weighted_layers(); ++l) layers[l] = l;
    return layers;
  }

  std::optional<ModelD> mlp_;
  MatrixD x_;
};

TEST_P(PtkTest, EqualsMeanOfFiniteDifferenceFeatureOuterProducts) {
  NFALAB_ASSERT_OK_AND_ASSIGN(std::vector<MatrixD> k,
                              ComputePtk(*mlp_, x_, AllLayers(), PtkOptions()));
  ASSERT_THAT(k, SizeIs(mlp_->num_weighted_layers()));
  for (int l = 0; l < mlp_->num_weighted_layers(); ++l) {
    const MatrixD naive = NaivePtk(*mlp_, x_, l);
    EXPECT_THAT(k[l], ApproxEq(naive, kFdRtol, kFdAtolPerMax * MaxAbs(naive)))
        << "layer " << l;
  }
}

// Each sample contributes sum_c e_c e_c^T = I at the readout.
TEST_P(PtkTest, ReadoutKernelIsTheIdentity) {
  NFALAB_ASSERT_OK_AND_ASSIGN(
      std::vector<MatrixD> k,
      ComputePtk(*mlp_, x_, {mlp_->num_weighted_layers() - 1}, PtkOptions()));
  const int c = mlp_->output_dim();
  EXPECT_THAT(k[0], ApproxEq(MatrixD(MatrixD::Identity(c, c)), 1e-15, 1e-15));
}

TEST_P(PtkTest, IsExactlySymmetric) {
  NFALAB_ASSERT_OK_AND_ASSIGN(std::vector<MatrixD> k,
                              ComputePtk(*mlp_, x_, AllLayers(), PtkOptions()));
  for (const MatrixD& kl : k) {
    EXPECT_THAT(kl, ApproxEq(MatrixD(kl.transpose()), 0.0, 0.0));
  }
}

// Layers come back in the order asked for, and a layer's K does not depend
// on which other layers are computed with it.
TEST_P(PtkTest, ReturnsLayersInTheRequestedOrder) {
  NFALAB_ASSERT_OK_AND_ASSIGN(std::vector<MatrixD> all,
                              ComputePtk(*mlp_, x_, AllLayers(), PtkOptions()));
  NFALAB_ASSERT_OK_AND_ASSIGN(std::vector<MatrixD> some,
                              ComputePtk(*mlp_, x_, {2, 0, 2}, PtkOptions()));
  ASSERT_THAT(some, SizeIs(3));
  EXPECT_THAT(some[0], ApproxEq(all[2], 0.0, 0.0));
  EXPECT_THAT(some[1], ApproxEq(all[0], 0.0, 0.0));
  EXPECT_THAT(some[2], ApproxEq(all[2], 0.0, 0.0));
  NFALAB_ASSERT_OK_AND_ASSIGN(std::vector<MatrixD> none,
                              ComputePtk(*mlp_, x_, {}, PtkOptions()));
  EXPECT_THAT(none, SizeIs(0));
}

// Chunks only regroup the same sum: 1e-12 relative to the largest entry
// (summation order only; double rounding is ~1e-16 per term).
TEST_P(PtkTest, IsInvariantToTheChunkSize) {
  PtkOptions whole;
  whole.chunk_size = kSamples;
  NFALAB_ASSERT_OK_AND_ASSIGN(std::vector<MatrixD> reference,
                              ComputePtk(*mlp_, x_, AllLayers(), whole));
  for (int chunk : {1, 3, kSamples, kSamples + 5, 1024}) {
    PtkOptions options;
    options.chunk_size = chunk;
    NFALAB_ASSERT_OK_AND_ASSIGN(std::vector<MatrixD> k,
                                ComputePtk(*mlp_, x_, AllLayers(), options));
    for (size_t l = 0; l < k.size(); ++l) {
      EXPECT_THAT(k[l],
                  ApproxEq(reference[l], 1e-12, 1e-12 * MaxAbs(reference[l])))
          << "chunk " << chunk << ", layer " << l;
    }
  }
}

// One sample per chunk, from the entry bound alone.
TEST_P(PtkTest, IsInvariantToTheChunkEntryBound) {
  PtkOptions whole;
  whole.chunk_size = kSamples;
  NFALAB_ASSERT_OK_AND_ASSIGN(std::vector<MatrixD> reference,
                              ComputePtk(*mlp_, x_, AllLayers(), whole));
  PtkOptions options;
  options.max_chunk_entries = 1;
  EXPECT_EQ(PtkChunkRows(*mlp_, 0, options), 1);
  NFALAB_ASSERT_OK_AND_ASSIGN(std::vector<MatrixD> k,
                              ComputePtk(*mlp_, x_, AllLayers(), options));
  for (size_t l = 0; l < k.size(); ++l) {
    EXPECT_THAT(k[l],
                ApproxEq(reference[l], 1e-12, 1e-12 * MaxAbs(reference[l])))
        << "layer " << l;
  }
}

// (C + 1) sum_j s_j per sample over the layers from the lowest measured
// one up, counted by hand for conv(2 -> 3, 4 x 4) relu maxpool flatten
// linear(C = 2): s = 48, 48, 12, 12, 2.
TEST(PtkChunkRowsTest, BoundsTheEntriesOfTheWalk) {
  ModelConfig config;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      "layers { type: 'conv2d' out_channels: 3 } "
      "layers { type: 'activation' activation: 'relu' } "
      "layers { type: 'maxpool2d' } layers { type: 'flatten' } "
      "layers { type: 'linear' }",
      &config));
  Rng rng(1);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      ModelD model, ModelD::Create(config, SampleShape{2, 4, 4}, 2, &rng));
  const int64_t per_sample = 3 * (48 + 48 + 12 + 12 + 2);  // 366
  PtkOptions options;
  options.chunk_size = 1000;
  options.max_chunk_entries = 10 * per_sample + per_sample - 1;
  EXPECT_EQ(PtkChunkRows(model, 0, options), 10);
  // From the readout up: (C + 1) s = 3 * 2 per sample; 4025 / 6 = 670.8.
  EXPECT_EQ(PtkChunkRows(model, 1, options), 670);
  options.max_chunk_entries = int64_t{1} << 40;
  EXPECT_EQ(PtkChunkRows(model, 1, options), 1000);
  options.max_chunk_entries = 6 * 7;
  EXPECT_EQ(PtkChunkRows(model, 1, options), 7);
  options.max_chunk_entries = per_sample - 1;
  EXPECT_EQ(PtkChunkRows(model, 0, options), 1);
}

// The cache bound: C max_j s_j = 2 * 48 entries of one layer's features per
// sample, but never under ceil(512 / C) = 256 samples.
TEST(PtkChunkRowsTest, KeepsOneLayersFeaturesInCache) {
  ModelConfig config;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      "layers { type: 'conv2d' out_channels: 3 } "
      "layers { type: 'activation' activation: 'relu' } "
      "layers { type: 'flatten' } layers { type: 'linear' }",
      &config));
  Rng rng(1);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      ModelD model, ModelD::Create(config, SampleShape{2, 4, 4}, 2, &rng));
  PtkOptions options;
  options.chunk_size = 5000;
  options.max_chunk_entries = int64_t{1} << 40;
  options.cache_entries = 2 * 48 * 300 + 95;
  EXPECT_EQ(PtkChunkRows(model, 0, options), 300);
  options.cache_entries = 1;
  EXPECT_EQ(PtkChunkRows(model, 0, options), 256);
  // From the readout up, C max s = 2 * 2.
  options.cache_entries = 4 * 1000;
  EXPECT_EQ(PtkChunkRows(model, 1, options), 1000);
}

// The chunks and the order of their sums do not depend on the threads: K is
// bit-identical for 1, 2 and 3 workers, in float, at sizes where OpenBLAS
// runs its own threads (1 worker) or one per call (several), with a tail
// round and uneven chunks (m = 700 over chunks of at most 90).
TEST(PtkThreadsTest, KIsBitIdenticalForAnyNumberOfThreads) {
  Rng rng(TestSeed(23));
  NFALAB_ASSERT_OK_AND_ASSIGN(
      Model mlp, CreateMlpWithRandomBiases<float>(
                     GaussianMlpConfig("relu", {96, 64, 80}, /*bias=*/true),
                     /*input_dim=*/40, /*output_dim=*/10, &rng));
  Matrix x(700, 40);
  for (Eigen::Index k = 0; k < x.size(); ++k) {
    x.data()[k] = static_cast<float>(rng.Normal());
  }
  PtkOptions options;
  options.chunk_size = 90;
  const std::vector<int> layers = {2, 0, 1, 3};
  options.threads = 1;
  NFALAB_ASSERT_OK_AND_ASSIGN(std::vector<MatrixD> one,
                              ComputePtk(mlp, x, layers, options));
  for (int threads : {2, 3}) {
    options.threads = threads;
    NFALAB_ASSERT_OK_AND_ASSIGN(std::vector<MatrixD> k,
                                ComputePtk(mlp, x, layers, options));
    ASSERT_THAT(k, SizeIs(layers.size()));
    for (size_t l = 0; l < k.size(); ++l) {
      EXPECT_TRUE(k[l] == one[l])
          << threads << " threads, layer " << layers[l] << ": max difference "
          << (k[l] - one[l]).cwiseAbs().maxCoeff();
    }
  }
  // And the K is right: the double model on the same data, to float
  // accuracy.
  NFALAB_ASSERT_OK_AND_ASSIGN(
      std::vector<MatrixD> reference,
      ComputePtk(mlp.Cast<double>(), MatrixD(x.cast<double>()), layers,
                 options));
  for (size_t l = 0; l < one.size(); ++l) {
    EXPECT_THAT(one[l],
                ApproxEq(reference[l], 1e-4, 1e-4 * MaxAbs(reference[l])))
        << "layer " << layers[l];
  }
}

TEST_P(PtkTest, PlainSumIsNTimesTheMean) {
  NFALAB_ASSERT_OK_AND_ASSIGN(std::vector<MatrixD> mean,
                              ComputePtk(*mlp_, x_, AllLayers(), PtkOptions()));
  PtkOptions plain;
  plain.normalize_by_n = false;
  plain.chunk_size = 2;
  NFALAB_ASSERT_OK_AND_ASSIGN(std::vector<MatrixD> sum,
                              ComputePtk(*mlp_, x_, AllLayers(), plain));
  for (size_t l = 0; l < sum.size(); ++l) {
    const MatrixD expected = mean[l] * static_cast<double>(kSamples);
    EXPECT_THAT(sum[l], ApproxEq(expected, 1e-12, 1e-12 * MaxAbs(expected)))
        << "layer " << l;
  }
}

// The float network against the same weights and inputs in double. The
// float PTFs carry ~1e-6 relative rounding; K sums n C products of them,
// so 1e-4 relative to the largest entry of K is a wide margin (an error
// in the float path would be O(1)).
TEST_P(PtkTest, FloatModelMatchesItsDoubleCast) {
  const Model mlp_float = mlp_->Cast<float>();
  const Matrix x_float = x_.cast<float>();
  const ModelD mlp_double = mlp_float.Cast<double>();
  NFALAB_ASSERT_OK_AND_ASSIGN(
      std::vector<MatrixD> k_float,
      ComputePtk(mlp_float, x_float, AllLayers(), PtkOptions()));
  NFALAB_ASSERT_OK_AND_ASSIGN(
      std::vector<MatrixD> k_double,
      ComputePtk(mlp_double, MatrixD(x_float.cast<double>()), AllLayers(),
                 PtkOptions()));
  for (size_t l = 0; l < k_float.size(); ++l) {
    EXPECT_THAT(k_float[l],
                ApproxEq(k_double[l], 1e-4, 1e-4 * MaxAbs(k_double[l])))
        << "layer " << l;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Activations, PtkTest,
    ::testing::Combine(::testing::Values("relu", "tanh", "identity"),
                       ::testing::Values(1, 3), ::testing::Bool()),
    PtkParamName);

class PtkErrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Rng rng(TestSeed(11));
    NFALAB_ASSERT_OK_AND_ASSIGN(
        mlp_, CreateMlpWithRandomBiases(
                  GaussianMlpConfig("relu", {3, 4}, /*bias=*/false), kInputDim,
                  /*output_dim=*/2, &rng));
    NFALAB_ASSERT_OK_AND_ASSIGN(
        x_, GaussianInputsAwayFromKinks(*mlp_, /*n=*/3, &rng));
  }
  std::optional<ModelD> mlp_;
  MatrixD x_;
};

TEST_F(PtkErrorTest, RejectsAnEmptyInput) {
  EXPECT_THAT(ComputePtk(*mlp_, MatrixD(0, kInputDim), {0}, PtkOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("at least one sample")));
}

TEST_F(PtkErrorTest, RejectsALayerOutsideTheNetwork) {
  for (int layer : {-1, 3, 7}) {
    EXPECT_THAT(ComputePtk(*mlp_, x_, {0, layer}, PtkOptions()),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr(absl::StrCat("layer index ", layer))))
        << layer;
  }
}

TEST_F(PtkErrorTest, RejectsBadChunkingAndThreadOptions) {
  struct Case {
    std::function<void(PtkOptions*)> set;
    std::string got;
  };
  const std::vector<Case> cases = {
      {[](PtkOptions* o) { o->chunk_size = 0; },
       "got 0, 4194304, 262144 and 0"},
      {[](PtkOptions* o) { o->chunk_size = -4; }, "got -4, "},
      {[](PtkOptions* o) { o->max_chunk_entries = 0; }, "got 1024, 0, "},
      {[](PtkOptions* o) { o->cache_entries = 0; }, ", 0 and 0"},
      {[](PtkOptions* o) { o->threads = -1; }, " and -1"},
  };
  for (const Case& c : cases) {
    PtkOptions options;
    c.set(&options);
    EXPECT_THAT(ComputePtk(*mlp_, x_, {0}, options),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("PTK chunk_size, max_chunk_entries "
                                         "and cache_entries must be >= 1 and "
                                         "threads >= 0"),
                               HasSubstr(c.got))))
        << c.got;
  }
}

}  // namespace
}  // namespace nfalab
