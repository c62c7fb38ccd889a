// Conv2d against a naive direct convolution written here in double (seven
// nested loops, no im2col): Forward, Backward (d_x for R = 1 and R = 3
// cotangent rows, dW, db) over strides 1 and 2, padding 0 and 1, kernels
// 1, 2, 3, with and without bias, on a non-square 2-channel input; InputRows
// and OutputVectors against the same loops; the defaults, the export shape
// and fields; and the option errors through Model::Create.
#include "layers/conv2d.h"

#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <memory>
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
#include "tests/matrix_matchers.h"
#include "tests/random_matrix.h"
#include "tests/status_matchers.h"
#include "tests/test_seed.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ApproxEq;
using ::nfalab::testing::GaussianMatrix;
using ::nfalab::testing::StatusIs;
using ::nfalab::testing::TestSeed;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The GEMM path and the loops sum the same products in other orders.
constexpr double kTol = 1e-12;

struct Case {
  int kernel, stride, padding;
  bool bias;
  std::string Label() const {
    return absl::StrCat("kernel ", kernel, " stride ", stride, " padding ",
                        padding, " bias ", bias);
  }
};

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  for (int kernel : {1, 2, 3}) {
    for (int stride : {1, 2}) {
      for (int padding : {0, 1}) {
        for (bool bias : {true, false}) {
          cases.push_back({kernel, stride, padding, bias});
        }
      }
    }
  }
  return cases;
}

constexpr int kIn = 2, kOut = 3, kHeight = 5, kWidth = 4, kBatch = 3;

// The geometry the test computes on its own.
struct Dims {
  int oh, ow;
  explicit Dims(const Case& c)
      : oh((kHeight + 2 * c.padding - c.kernel) / c.stride + 1),
        ow((kWidth + 2 * c.padding - c.kernel) / c.stride + 1) {}
};

double X(const MatrixD& x, int i, int c, int y, int xx) {
  if (y < 0 || y >= kHeight || xx < 0 || xx >= kWidth) return 0;
  return x(i, (c * kHeight + y) * kWidth + xx);
}
double Wt(const MatrixD& w, const Case& cs, int o, int c, int dy, int dx) {
  return w(o, (c * cs.kernel + dy) * cs.kernel + dx);
}

MatrixD NaiveForward(const Case& cs, const MatrixD& w, const VectorD& b,
                     const MatrixD& x) {
  const Dims d(cs);
  MatrixD h(x.rows(), kOut * d.oh * d.ow);
  for (int i = 0; i < x.rows(); ++i) {
    for (int o = 0; o < kOut; ++o) {
      for (int oy = 0; oy < d.oh; ++oy) {
        for (int ox = 0; ox < d.ow; ++ox) {
          double sum = cs.bias ? b[o] : 0.0;
          for (int c = 0; c < kIn; ++c) {
            for (int dy = 0; dy < cs.kernel; ++dy) {
              for (int dx = 0; dx < cs.kernel; ++dx) {
                sum += Wt(w, cs, o, c, dy, dx) *
                       X(x, i, c, oy * cs.stride - cs.padding + dy,
                         ox * cs.stride - cs.padding + dx);
              }
            }
          }
          h(i, (o * d.oh + oy) * d.ow + ox) = sum;
        }
      }
    }
  }
  return h;
}

// d_x for any number of rows (each row of d_h on its own), dW and db summed
// over the rows with sample i = row / rows_per_sample.
void NaiveBackward(const Case& cs, const MatrixD& w, const MatrixD& x,
                   const MatrixD& d_h, int rows_per_sample, MatrixD* d_x,
                   MatrixD* d_w, VectorD* d_b) {
  const Dims d(cs);
  *d_x = MatrixD::Zero(d_h.rows(), kIn * kHeight * kWidth);
  *d_w = MatrixD::Zero(w.rows(), w.cols());
  *d_b = VectorD::Zero(kOut);
  for (int j = 0; j < d_h.rows(); ++j) {
    const int i = j / rows_per_sample;
    for (int o = 0; o < kOut; ++o) {
      for (int oy = 0; oy < d.oh; ++oy) {
        for (int ox = 0; ox < d.ow; ++ox) {
          const double g = d_h(j, (o * d.oh + oy) * d.ow + ox);
          (*d_b)[o] += g;
          for (int c = 0; c < kIn; ++c) {
            for (int dy = 0; dy < cs.kernel; ++dy) {
              for (int dx = 0; dx < cs.kernel; ++dx) {
                const int y = oy * cs.stride - cs.padding + dy;
                const int xx = ox * cs.stride - cs.padding + dx;
                if (y < 0 || y >= kHeight || xx < 0 || xx >= kWidth) continue;
                (*d_x)(j, (c * kHeight + y) * kWidth + xx) +=
                    g * Wt(w, cs, o, c, dy, dx);
                (*d_w)(o, (c * cs.kernel + dy) * cs.kernel + dx) +=
                    g * X(x, i, c, y, xx);
              }
            }
          }
        }
      }
    }
  }
}

LayerSpec SpecOf(const Case& cs) {
  LayerSpec spec;
  spec.set_type("conv2d");
  spec.set_out_channels(kOut);
  spec.set_kernel_size(cs.kernel);
  spec.set_stride(cs.stride);
  spec.set_padding(cs.padding);
  spec.set_bias(cs.bias);
  return spec;
}

std::unique_ptr<BasicLayer<double>> RandomLayer(const Case& cs, Rng* rng) {
  absl::StatusOr<std::unique_ptr<BasicLayer<double>>> layer =
      CreateLayer<double>(SpecOf(cs), SampleShape{kIn, kHeight, kWidth});
  EXPECT_TRUE(layer.ok()) << layer.status();
  BasicWeightedLayer<double>* weighted = (*layer)->AsWeighted();
  weighted->weight() = GaussianMatrix(kOut, kIn * cs.kernel * cs.kernel, rng);
  if (cs.bias) weighted->bias() = GaussianMatrix(kOut, 1, rng);
  return std::move(layer).value();
}

TEST(Conv2dTest, ShapesFollowTheOutputSizeFormula) {
  Rng rng(TestSeed(1));
  for (const Case& cs : AllCases()) {
    SCOPED_TRACE(cs.Label());
    const std::unique_ptr<BasicLayer<double>> layer = RandomLayer(cs, &rng);
    const Dims d(cs);
    EXPECT_EQ(layer->type(), "conv2d");
    EXPECT_EQ(layer->output_shape(), (SampleShape{kOut, d.oh, d.ow}));
    const BasicWeightedLayer<double>& w = *layer->AsWeighted();
    EXPECT_EQ(w.positions(), d.oh * d.ow);
    EXPECT_EQ(w.units(), kOut);
    EXPECT_EQ(w.fan_in(), kIn * cs.kernel * cs.kernel);
    EXPECT_EQ(w.has_bias(), cs.bias);
  }
}

TEST(Conv2dTest, ForwardMatchesDirectConvolution) {
  Rng rng(TestSeed(2));
  for (const Case& cs : AllCases()) {
    SCOPED_TRACE(cs.Label());
    const std::unique_ptr<BasicLayer<double>> layer = RandomLayer(cs, &rng);
    const BasicWeightedLayer<double>& w = *layer->AsWeighted();
    const MatrixD x = GaussianMatrix(kBatch, kIn * kHeight * kWidth, &rng);
    MatrixD h, kept;
    layer->Forward(x, &h, &kept);
    const VectorD b = cs.bias ? w.bias() : VectorD::Zero(kOut);
    EXPECT_THAT(h, ApproxEq(NaiveForward(cs, w.weight(), b, x), kTol, kTol));
  }
}

TEST(Conv2dTest, FloatForwardMatchesDirectConvolution) {
  Rng rng(TestSeed(3));
  const Case cs{3, 2, 1, true};
  const std::unique_ptr<BasicLayer<double>> layer = RandomLayer(cs, &rng);
  absl::StatusOr<std::unique_ptr<BasicLayer<float>>> single =
      CreateLayer<float>(SpecOf(cs), SampleShape{kIn, kHeight, kWidth});
  ASSERT_TRUE(single.ok()) << single.status();
  (*single)->AsWeighted()->weight() =
      layer->AsWeighted()->weight().cast<float>();
  (*single)->AsWeighted()->bias() = layer->AsWeighted()->bias().cast<float>();
  const MatrixD x = GaussianMatrix(kBatch, kIn * kHeight * kWidth, &rng);
  Matrix h, kept;
  (*single)->Forward(x.cast<float>(), &h, &kept);
  EXPECT_THAT(MatrixD(h.cast<double>()),
              ApproxEq(NaiveForward(cs, layer->AsWeighted()->weight(),
                                    layer->AsWeighted()->bias(), x),
                       1e-5, 1e-5));
}

TEST(Conv2dTest, BackwardMatchesDirectConvolution) {
  Rng rng(TestSeed(4));
  for (const Case& cs : AllCases()) {
    SCOPED_TRACE(cs.Label());
    const std::unique_ptr<BasicLayer<double>> layer = RandomLayer(cs, &rng);
    const BasicWeightedLayer<double>& w = *layer->AsWeighted();
    const MatrixD x = GaussianMatrix(kBatch, kIn * kHeight * kWidth, &rng);
    MatrixD h, kept;
    layer->Forward(x, &h, &kept);
    const MatrixD d_h = GaussianMatrix(kBatch, layer->output_size(), &rng);
    MatrixD d_x, d_w;
    VectorD d_b;
    layer->Backward(x, h, kept, d_h, 1, &d_x, &d_w, &d_b);
    MatrixD want_x, want_w;
    VectorD want_b;
    NaiveBackward(cs, w.weight(), x, d_h, 1, &want_x, &want_w, &want_b);
    EXPECT_THAT(d_x, ApproxEq(want_x, kTol, kTol));
    EXPECT_THAT(d_w, ApproxEq(want_w, kTol, kTol));
    if (cs.bias) {
      EXPECT_THAT(MatrixD(d_b), ApproxEq(MatrixD(want_b), kTol, kTol));
    }
  }
}

// A batch larger than one chunk (BasicConv2d::kMaxChunkEntries): every
// chunk boundary must hand over the right rows, and dW sum across chunks.
TEST(Conv2dTest, ABatchOfManyChunksMatchesDirectConvolution) {
  Rng rng(TestSeed(11));
  for (const Case& cs : {Case{3, 1, 1, true}, Case{2, 2, 0, true}}) {
    SCOPED_TRACE(cs.Label());
    const std::unique_ptr<BasicLayer<double>> layer = RandomLayer(cs, &rng);
    const BasicWeightedLayer<double>& w = *layer->AsWeighted();
    const int64_t per_row =
        int64_t{w.positions()} * std::max(w.fan_in(), w.units());
    const int rows =
        static_cast<int>(2 * BasicConv2d<double>::kMaxChunkEntries / per_row +
                         7);  // Two full chunks and part of a third.
    const MatrixD x = GaussianMatrix(rows, kIn * kHeight * kWidth, &rng);
    MatrixD h, kept;
    layer->Forward(x, &h, &kept);
    EXPECT_THAT(
        h, ApproxEq(NaiveForward(cs, w.weight(), w.bias(), x), kTol, kTol));
    const MatrixD d_h = GaussianMatrix(rows, layer->output_size(), &rng);
    MatrixD d_x, d_w;
    VectorD d_b;
    layer->Backward(x, h, kept, d_h, 1, &d_x, &d_w, &d_b);
    MatrixD want_x, want_w;
    VectorD want_b;
    NaiveBackward(cs, w.weight(), x, d_h, 1, &want_x, &want_w, &want_b);
    EXPECT_THAT(d_x, ApproxEq(want_x, kTol, kTol));
    // Sums over ~10^5 rows: rounding grows with the count.
    EXPECT_THAT(d_w, ApproxEq(want_w, 1e-9, 1e-9));
    EXPECT_THAT(MatrixD(d_b), ApproxEq(MatrixD(want_b), 1e-9, 1e-9));
  }
}

// Chunks run on worker threads (core/parallel.h): in float, Forward, d_x
// and dW are bit-identical for 1, 2 and 3 workers over a batch of several
// chunks (dW sums the chunks in chunk order whatever the workers).
TEST(Conv2dTest, ResultsAreBitIdenticalForAnyNumberOfThreads) {
  Rng rng(TestSeed(12));
  for (const Case& cs : {Case{3, 1, 1, true}, Case{3, 2, 1, false}}) {
    SCOPED_TRACE(cs.Label());
    absl::StatusOr<std::unique_ptr<BasicLayer<float>>> layer =
        CreateLayer<float>(SpecOf(cs), SampleShape{kIn, kHeight, kWidth});
    ASSERT_TRUE(layer.ok()) << layer.status();
    BasicWeightedLayer<float>& w = *(*layer)->AsWeighted();
    w.weight() = GaussianMatrix(kOut, w.fan_in(), &rng).cast<float>();
    if (cs.bias) w.bias() = GaussianMatrix(kOut, 1, &rng).cast<float>();
    const int64_t per_row =
        int64_t{w.positions()} * std::max(w.fan_in(), w.units());
    const int rows = static_cast<int>(
        3 * BasicConv2d<float>::kMaxChunkEntries / per_row + 5);
    const Matrix x =
        GaussianMatrix(rows, kIn * kHeight * kWidth, &rng).cast<float>();
    const Matrix d_h =
        GaussianMatrix(rows, (*layer)->output_size(), &rng).cast<float>();
    Matrix h[3], d_x[3], d_w[3], kept;
    Vector d_b[3];
    for (int threads = 1; threads <= 3; ++threads) {
      ASSERT_EQ(setenv("NFALAB_THREADS", absl::StrCat(threads).c_str(), 1), 0);
      const int t = threads - 1;
      (*layer)->Forward(x, &h[t], &kept);
      (*layer)->Backward(x, h[t], kept, d_h, 1, &d_x[t], &d_w[t], &d_b[t]);
    }
    ASSERT_EQ(unsetenv("NFALAB_THREADS"), 0);
    for (int t = 1; t < 3; ++t) {
      EXPECT_TRUE(h[t] == h[0]) << t + 1 << " threads, forward";
      EXPECT_TRUE(d_x[t] == d_x[0]) << t + 1 << " threads, d_x";
      EXPECT_TRUE(d_w[t] == d_w[0]) << t + 1 << " threads, dW";
    }
  }
}

TEST(Conv2dTest, BackwardTakesThreeCotangentRowsPerSample) {
  Rng rng(TestSeed(5));
  constexpr int kRows = 3;
  for (const Case& cs : AllCases()) {
    SCOPED_TRACE(cs.Label());
    const std::unique_ptr<BasicLayer<double>> layer = RandomLayer(cs, &rng);
    const MatrixD x = GaussianMatrix(kBatch, kIn * kHeight * kWidth, &rng);
    MatrixD h, kept;
    layer->Forward(x, &h, &kept);
    const MatrixD d_h =
        GaussianMatrix(kBatch * kRows, layer->output_size(), &rng);
    MatrixD d_x;
    layer->Backward(x, h, kept, d_h, kRows, &d_x, nullptr, nullptr);
    MatrixD want_x, want_w;
    VectorD want_b;
    NaiveBackward(cs, layer->AsWeighted()->weight(), x, d_h, kRows, &want_x,
                  &want_w, &want_b);
    EXPECT_THAT(d_x, ApproxEq(want_x, kTol, kTol));
  }
}

TEST(Conv2dTest, InputRowsAreThePatchesAndOutputVectorsThePositions) {
  Rng rng(TestSeed(6));
  for (const Case& cs : AllCases()) {
    SCOPED_TRACE(cs.Label());
    const std::unique_ptr<BasicLayer<double>> layer = RandomLayer(cs, &rng);
    const BasicWeightedLayer<double>& w = *layer->AsWeighted();
    const Dims d(cs);
    const int positions = d.oh * d.ow;
    const MatrixD x = GaussianMatrix(kBatch, kIn * kHeight * kWidth, &rng);
    MatrixD rows;
    w.InputRows(x, &rows);
    ASSERT_EQ(rows.rows(), kBatch * positions);
    ASSERT_EQ(rows.cols(), kIn * cs.kernel * cs.kernel);
    for (int i = 0; i < kBatch; ++i) {
      for (int oy = 0; oy < d.oh; ++oy) {
        for (int ox = 0; ox < d.ow; ++ox) {
          for (int c = 0; c < kIn; ++c) {
            for (int dy = 0; dy < cs.kernel; ++dy) {
              for (int dx = 0; dx < cs.kernel; ++dx) {
                ASSERT_EQ(rows(i * positions + oy * d.ow + ox,
                               (c * cs.kernel + dy) * cs.kernel + dx),
                          X(x, i, c, oy * cs.stride - cs.padding + dy,
                            ox * cs.stride - cs.padding + dx));
              }
            }
          }
        }
      }
    }
    const MatrixD d_h = GaussianMatrix(5, layer->output_size(), &rng);
    MatrixD vectors;
    w.OutputVectors(d_h, &vectors);
    ASSERT_EQ(vectors.rows(), 5 * positions);
    ASSERT_EQ(vectors.cols(), kOut);
    for (int j = 0; j < 5; ++j) {
      for (int q = 0; q < positions; ++q) {
        for (int c = 0; c < kOut; ++c) {
          ASSERT_EQ(vectors(j * positions + q, c), d_h(j, c * positions + q));
        }
      }
    }
  }
}

TEST(Conv2dTest, DefaultsAreKernel3Stride1Padding1WithBias) {
  LayerSpec spec;
  spec.set_type("conv2d");
  spec.set_out_channels(4);
  absl::StatusOr<std::unique_ptr<BasicLayer<float>>> layer =
      CreateLayer<float>(spec, SampleShape{3, 6, 5});
  ASSERT_TRUE(layer.ok()) << layer.status();
  EXPECT_EQ((*layer)->output_shape(), (SampleShape{4, 6, 5}));
  const BasicWeightedLayer<float>& w = *(*layer)->AsWeighted();
  EXPECT_TRUE(w.has_bias());
  EXPECT_EQ(w.fan_in(), 27);
  EXPECT_THAT(w.ExportWeightShape(), ElementsAre(4, 3, 3, 3));
  std::vector<std::string> fields;
  for (const ExportField& field : (*layer)->ExportFields()) {
    fields.push_back(absl::StrCat(field.key, "=", field.json));
  }
  EXPECT_THAT(fields, ElementsAre("in_channels=3", "out_channels=4",
                                  "kernel_size=3", "stride=1", "padding=1"));
}

// A model whose first layer is `conv` on (2, 3, 3) inputs; the error of
// Create, or OK.
absl::Status CreateWithConv(const LayerSpec& conv) {
  ModelConfig config;
  LayerSpec* first = config.add_layers();
  *first = conv;
  first->set_type("conv2d");
  config.add_layers()->set_type("flatten");
  config.add_layers()->set_type("linear");
  Rng rng(TestSeed(7));
  return Model::Create(config, SampleShape{2, 3, 3}, 1, &rng).status();
}

TEST(Conv2dTest, BadOptionsAreInvalidArgumentsNamingTheLayer) {
  LayerSpec spec;
  spec.set_out_channels(2);
  spec.set_kernel_size(5);
  spec.set_padding(0);
  EXPECT_THAT(
      CreateWithConv(spec),
      StatusIs(absl::StatusCode::kInvalidArgument,
               ::testing::AllOf(
                   HasSubstr("model.layers[0] (conv2d)"),
                   HasSubstr("conv2d kernel 5 is larger than the padded "
                             "input 3 x 3 (padding 0)"))));
  spec.set_padding(1);  // 5 x 5 padded: fits.
  NFALAB_ASSERT_OK(CreateWithConv(spec));

  const struct {
    const char* field;
    int value;
    const char* message;
  } kBad[] = {
      {"out_channels", 0, "conv2d needs out_channels >= 1, got 0"},
      {"kernel_size", 0, "conv2d kernel_size must be >= 1, got 0"},
      {"stride", 0, "conv2d stride must be >= 1, got 0"},
      {"stride", -2, "conv2d stride must be >= 1, got -2"},
      {"padding", -1, "conv2d padding must be >= 0, got -1"},
  };
  for (const auto& bad : kBad) {
    SCOPED_TRACE(bad.field);
    LayerSpec options;
    options.set_out_channels(2);
    const std::string field = bad.field;
    if (field == "out_channels") options.set_out_channels(bad.value);
    if (field == "kernel_size") options.set_kernel_size(bad.value);
    if (field == "stride") options.set_stride(bad.value);
    if (field == "padding") options.set_padding(bad.value);
    EXPECT_THAT(CreateWithConv(options),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         ::testing::AllOf(HasSubstr("model.layers[0] (conv2d)"),
                                          HasSubstr(bad.message))));
  }
  EXPECT_THAT(CreateWithConv(LayerSpec()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("conv2d needs out_channels >= 1, got none")));
}

TEST(Conv2dTest, AConvModelOnFlatDataIsRefused) {
  ModelConfig config;
  LayerSpec* conv = config.add_layers();
  conv->set_type("conv2d");
  conv->set_out_channels(2);
  config.add_layers()->set_type("flatten");
  config.add_layers()->set_type("linear");
  Rng rng(TestSeed(8));
  EXPECT_THAT(
      Model::Create(config, SampleShape::Flat(12), 1, &rng).status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               ::testing::AllOf(
                   HasSubstr("model.layers[0] (conv2d), whose input is [12] "
                             "from the data"),
                   HasSubstr("conv2d needs an image input [C, H, W], got "
                             "[12]; the data has no spatial shape"))));
}

}  // namespace
}  // namespace nfalab
