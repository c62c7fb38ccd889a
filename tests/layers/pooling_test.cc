// The pooling layers (maxpool2d, avgpool2d, global_avgpool): Forward and the
// R-row Backward against naive loops in double over (c, h, w) indices and
// against central differences, with side-by-side, overlapping (stride <
// kernel) and skipping (stride > kernel) windows on non-square 3-channel
// inputs; maxpool's routing (overlaps, ties); the options and every bad
// input through Model::Create, so that the errors name the layer and the
// sizes; and maxpool2d -> flatten -> linear against a hand computation.
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/random.h"
#include "core/sample_shape.h"
#include "core/tensor.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "layers/layer.h"
#include "layers/model_config.pb.h"
#include "layers/sequential.h"
#include "tests/model_test_util.h"
#include "tests/random_matrix.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::BuildModel;
using ::nfalab::testing::GaussianMatrix;
using ::nfalab::testing::ParseModel;
using ::nfalab::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

// One pooling configuration: kernel k and stride s (0: unset) on (C, H, W).
struct Case {
  std::string type;
  int kernel;
  int stride;
  SampleShape input;
};

LayerSpec SpecOf(const Case& c) {
  LayerSpec spec;
  spec.set_type(c.type);
  if (c.kernel > 0) spec.set_kernel_size(c.kernel);
  if (c.stride > 0) spec.set_stride(c.stride);
  return spec;
}

std::unique_ptr<BasicLayer<double>> MakeLayer(const Case& c) {
  absl::StatusOr<std::unique_ptr<BasicLayer<double>>> layer =
      CreateLayer<double>(SpecOf(c), c.input);
  EXPECT_TRUE(layer.ok()) << layer.status();
  return layer.ok() ? std::move(layer).value() : nullptr;
}

// The cases: default stride (= kernel), overlapping and skipping windows,
// rows and columns no window reads, square kernels on non-square inputs.
std::vector<Case> WindowCases(const std::string& type) {
  return {{type, 2, 0, {3, 4, 6}}, {type, 3, 1, {3, 5, 4}},
          {type, 3, 2, {3, 7, 6}}, {type, 2, 3, {3, 8, 7}},
          {type, 1, 2, {2, 5, 3}}, {type, 4, 0, {1, 4, 9}}};
}

// Naive pooling of one sample in double: the window of output (c, oh, ow)
// is rows oh s .. oh s + k - 1, columns ow s .. ow s + k - 1. `argmax`
// receives the flat index of each window's first maximum.
struct Naive {
  std::vector<double> y;
  std::vector<int> argmax;
};

Naive NaivePool(const Case& c, const double* x) {
  const int k = c.kernel, s = c.stride > 0 ? c.stride : c.kernel;
  const int h_in = c.input.height, w_in = c.input.width;
  const int h_out = (h_in - k) / s + 1, w_out = (w_in - k) / s + 1;
  Naive out;
  for (int ch = 0; ch < c.input.channels; ++ch) {
    for (int oh = 0; oh < h_out; ++oh) {
      for (int ow = 0; ow < w_out; ++ow) {
        double sum = 0, best = -1e300;
        int best_index = -1;
        for (int a = 0; a < k; ++a) {
          for (int b = 0; b < k; ++b) {
            const int index = (ch * h_in + oh * s + a) * w_in + ow * s + b;
            sum += x[index];
            if (x[index] > best) {
              best = x[index];
              best_index = index;
            }
          }
        }
        out.y.push_back(c.type == "maxpool2d" ? best : sum / (k * k));
        out.argmax.push_back(best_index);
      }
    }
  }
  return out;
}

// d_x of one cotangent row in double, from the naive windows.
std::vector<double> NaivePoolBackward(const Case& c, const double* x,
                                      const double* d_y) {
  const int k = c.kernel, s = c.stride > 0 ? c.stride : c.kernel;
  const int h_in = c.input.height, w_in = c.input.width;
  const int h_out = (h_in - k) / s + 1, w_out = (w_in - k) / s + 1;
  const Naive pooled = NaivePool(c, x);
  std::vector<double> d_x(c.input.size(), 0.0);
  int o = 0;
  for (int ch = 0; ch < c.input.channels; ++ch) {
    for (int oh = 0; oh < h_out; ++oh) {
      for (int ow = 0; ow < w_out; ++ow, ++o) {
        if (c.type == "maxpool2d") {
          d_x[pooled.argmax[o]] += d_y[o];
          continue;
        }
        for (int a = 0; a < k; ++a) {
          for (int b = 0; b < k; ++b) {
            d_x[(ch * h_in + oh * s + a) * w_in + ow * s + b] +=
                d_y[o] / (k * k);
          }
        }
      }
    }
  }
  return d_x;
}

// Uniform inputs: ties have probability 0.
MatrixD RandomInput(int rows, int cols, uint64_t seed) {
  Rng rng(seed);
  MatrixD x(rows, cols);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = rng.Uniform(-2, 2);
  return x;
}

class WindowedPoolingTest : public ::testing::TestWithParam<std::string> {};

TEST_P(WindowedPoolingTest, ForwardMatchesNaiveLoops) {
  for (const Case& c : WindowCases(GetParam())) {
    SCOPED_TRACE(::testing::Message() << "k " << c.kernel << " s " << c.stride
                                      << " on " << c.input.ToString());
    std::unique_ptr<BasicLayer<double>> layer = MakeLayer(c);
    ASSERT_NE(layer, nullptr);
    const int s = c.stride > 0 ? c.stride : c.kernel;
    EXPECT_EQ(
        layer->output_shape(),
        (SampleShape{c.input.channels, (c.input.height - c.kernel) / s + 1,
                     (c.input.width - c.kernel) / s + 1}));
    const MatrixD x = RandomInput(3, layer->input_size(), 11);
    MatrixD y, kept;
    layer->Forward(x, &y, &kept);
    ASSERT_EQ(y.rows(), 3);
    ASSERT_EQ(y.cols(), layer->output_size());
    for (int i = 0; i < 3; ++i) {
      const Naive expected = NaivePool(c, x.row(i).data());
      ASSERT_EQ(static_cast<int>(expected.y.size()), y.cols());
      for (int o = 0; o < y.cols(); ++o) {
        EXPECT_NEAR(y(i, o), expected.y[o], 1e-14)
            << "sample " << i << " o " << o;
      }
    }
  }
}

TEST_P(WindowedPoolingTest, BackwardMatchesNaiveLoopsForOneAndThreeRows) {
  for (const Case& c : WindowCases(GetParam())) {
    SCOPED_TRACE(::testing::Message() << "k " << c.kernel << " s " << c.stride
                                      << " on " << c.input.ToString());
    std::unique_ptr<BasicLayer<double>> layer = MakeLayer(c);
    ASSERT_NE(layer, nullptr);
    const int n = 2;
    const MatrixD x = RandomInput(n, layer->input_size(), 13);
    MatrixD y, kept;
    layer->Forward(x, &y, &kept);
    for (const int r_count : {1, 3}) {
      Rng rng(17 + r_count);
      const MatrixD d_y =
          GaussianMatrix<double>(n * r_count, layer->output_size(), &rng);
      MatrixD d_x;
      layer->Backward(x, y, kept, d_y, r_count, &d_x, nullptr, nullptr);
      ASSERT_EQ(d_x.rows(), n * r_count);
      ASSERT_EQ(d_x.cols(), layer->input_size());
      for (int i = 0; i < n; ++i) {
        for (int r = 0; r < r_count; ++r) {
          const int j = i * r_count + r;
          const std::vector<double> expected =
              NaivePoolBackward(c, x.row(i).data(), d_y.row(j).data());
          for (int e = 0; e < d_x.cols(); ++e) {
            EXPECT_NEAR(d_x(j, e), expected[e], 1e-14)
                << "R " << r_count << " row " << j << " entry " << e;
          }
        }
      }
    }
  }
}

// (L(x + e) - L(x - e)) / 2e for L = <d_y, f(x)>, one input entry at a time.
MatrixD CentralDifferences(const BasicLayer<double>& layer, MatrixD x,
                           const MatrixD& d_y) {
  constexpr double kStep = 1e-6;
  MatrixD grad(x.rows(), x.cols());
  MatrixD y_plus, y_minus, kept;
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    for (Eigen::Index e = 0; e < x.cols(); ++e) {
      const double saved = x(i, e);
      x(i, e) = saved + kStep;
      layer.Forward(x, &y_plus, &kept);
      x(i, e) = saved - kStep;
      layer.Forward(x, &y_minus, &kept);
      x(i, e) = saved;
      grad(i, e) = d_y.row(i).dot(y_plus.row(i) - y_minus.row(i)) / (2 * kStep);
    }
  }
  return grad;
}

TEST_P(WindowedPoolingTest, BackwardMatchesCentralDifferencesForEveryRow) {
  for (const Case& c : WindowCases(GetParam())) {
    SCOPED_TRACE(::testing::Message() << "k " << c.kernel << " s " << c.stride
                                      << " on " << c.input.ToString());
    std::unique_ptr<BasicLayer<double>> layer = MakeLayer(c);
    ASSERT_NE(layer, nullptr);
    const int n = 2, r_count = 3;
    const MatrixD x = RandomInput(n, layer->input_size(), 19);
    Rng rng(23);
    const MatrixD d_y =
        GaussianMatrix<double>(n * r_count, layer->output_size(), &rng);
    MatrixD y, kept, d_x;
    layer->Forward(x, &y, &kept);
    layer->Backward(x, y, kept, d_y, r_count, &d_x, nullptr, nullptr);
    for (int r = 0; r < r_count; ++r) {
      MatrixD d_y_r(n, d_y.cols());
      for (int i = 0; i < n; ++i) d_y_r.row(i) = d_y.row(i * r_count + r);
      const MatrixD numeric = CentralDifferences(*layer, x, d_y_r);
      for (int i = 0; i < n; ++i) {
        for (Eigen::Index e = 0; e < x.cols(); ++e) {
          EXPECT_NEAR(d_x(i * r_count + r, e), numeric(i, e), 1e-7)
              << "r " << r << " sample " << i << " entry " << e;
        }
      }
    }
  }
}

TEST_P(WindowedPoolingTest, ExportsKernelSizeAndStride) {
  std::unique_ptr<BasicLayer<double>> layer =
      MakeLayer({GetParam(), 3, 0, {1, 5, 5}});
  ASSERT_NE(layer, nullptr);
  const std::vector<ExportField> fields = layer->ExportFields();
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0].key, "kernel_size");
  EXPECT_EQ(fields[0].json, "3");
  EXPECT_EQ(fields[1].key, "stride");
  EXPECT_EQ(fields[1].json, "3");  // The default: the kernel size.
}

INSTANTIATE_TEST_SUITE_P(Pooling, WindowedPoolingTest,
                         ::testing::Values("maxpool2d", "avgpool2d"));

TEST(MaxPoolTest, AValueThatIsTheMaxOfOverlappingWindowsGetsEveryCotangent) {
  // 1 x 3 x 3, kernel 2 stride 1: the centre is in all four windows.
  std::unique_ptr<BasicLayer<double>> layer =
      MakeLayer({"maxpool2d", 2, 1, {1, 3, 3}});
  ASSERT_NE(layer, nullptr);
  MatrixD x(1, 9);
  x << 1, 2, 3,  //
      4, 9, 5,   //
      6, 7, 8;
  MatrixD y, kept, d_x;
  layer->Forward(x, &y, &kept);
  EXPECT_EQ(y, (MatrixD(1, 4) << 9, 9, 9, 9).finished());
  const MatrixD d_y = (MatrixD(1, 4) << 1, 10, 100, 1000).finished();
  layer->Backward(x, y, kept, d_y, 1, &d_x, nullptr, nullptr);
  EXPECT_EQ(d_x, (MatrixD(1, 9) << 0, 0, 0, 0, 1111, 0, 0, 0, 0).finished());
}

TEST(MaxPoolTest, TiesGoToTheFirstMaximumInRowMajorWindowOrder) {
  std::unique_ptr<BasicLayer<double>> layer =
      MakeLayer({"maxpool2d", 2, 0, {1, 2, 4}});
  ASSERT_NE(layer, nullptr);
  MatrixD x(1, 8);
  x << 0, 5, 3, 3,  //
      5, 5, 3, 1;
  MatrixD y, kept, d_x;
  layer->Forward(x, &y, &kept);
  EXPECT_EQ(y, (MatrixD(1, 2) << 5, 3).finished());
  layer->Backward(x, y, kept, (MatrixD(1, 2) << 1, 2).finished(), 1, &d_x,
                  nullptr, nullptr);
  EXPECT_EQ(d_x, (MatrixD(1, 8) << 0, 1, 2, 0, 0, 0, 0, 0).finished());
}

TEST(GlobalAvgPoolTest, ForwardAndBackwardMatchNaiveLoopsAndDifferences) {
  for (const SampleShape& input :
       {SampleShape{3, 4, 5}, SampleShape{3, 1, 7}, SampleShape{1, 2, 2}}) {
    SCOPED_TRACE(input.ToString());
    LayerSpec spec;
    spec.set_type("global_avgpool");
    NFALAB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<BasicLayer<double>> layer,
                                CreateLayer<double>(spec, input));
    EXPECT_EQ(layer->output_shape(), (SampleShape{input.channels, 1, 1}));
    EXPECT_TRUE(layer->ExportFields().empty());
    const int n = 2, hw = input.height * input.width;
    const MatrixD x = RandomInput(n, layer->input_size(), 29);
    MatrixD y, kept;
    layer->Forward(x, &y, &kept);
    ASSERT_EQ(y.rows(), n);
    ASSERT_EQ(y.cols(), input.channels);
    for (int i = 0; i < n; ++i) {
      for (int c = 0; c < input.channels; ++c) {
        double sum = 0;
        for (int h = 0; h < input.height; ++h) {
          for (int w = 0; w < input.width; ++w) {
            sum += x(i, (c * input.height + h) * input.width + w);
          }
        }
        EXPECT_NEAR(y(i, c), sum / hw, 1e-14);
      }
    }
    for (const int r_count : {1, 3}) {
      Rng rng(31 + r_count);
      const MatrixD d_y =
          GaussianMatrix<double>(n * r_count, input.channels, &rng);
      MatrixD d_x;
      layer->Backward(x, y, kept, d_y, r_count, &d_x, nullptr, nullptr);
      ASSERT_EQ(d_x.rows(), n * r_count);
      ASSERT_EQ(d_x.cols(), layer->input_size());
      for (int i = 0; i < n; ++i) {
        for (int r = 0; r < r_count; ++r) {
          const int j = i * r_count + r;
          MatrixD d_y_r = d_y.row(j);
          const MatrixD numeric = CentralDifferences(*layer, x.row(i), d_y_r);
          for (int e = 0; e < d_x.cols(); ++e) {
            const int c = e / hw;
            EXPECT_NEAR(d_x(j, e), d_y(j, c) / hw, 1e-14);
            EXPECT_NEAR(d_x(j, e), numeric(0, e), 1e-7);
          }
        }
      }
    }
  }
}

absl::StatusOr<Model> Build(const std::string& text, SampleShape input,
                            int outputs = 3) {
  return BuildModel(text, input, outputs);
}

TEST(PoolingModelTest, AFlatInputIsRefusedNamingTheLayer) {
  for (const char* type : {"maxpool2d", "avgpool2d", "global_avgpool"}) {
    EXPECT_THAT(
        Build(absl::StrCat("layers { type: '", type,
                           "' } layers { type: 'linear' }"),
              SampleShape::Flat(784))
            .status(),
        StatusIs(
            absl::StatusCode::kInvalidArgument,
            AllOf(HasSubstr(absl::StrCat("model.layers[0] (", type,
                                         "), whose input is [784] from "
                                         "the data")),
                  HasSubstr(absl::StrCat(
                      type, " needs an image input [C, H, W], got [784]")))));
  }
}

// A pool's 1 x 1 output is still an image ([3, 1, 1], not [3]), as VGG's
// pools leave a 32 x 32 image.
TEST(GlobalAvgPoolTest, AOneByOneMapPassesThroughUnchanged) {
  absl::StatusOr<Model> model = Build(
      "layers { type: 'maxpool2d' } layers { type: 'global_avgpool' } "
      "layers { type: 'linear' }",
      SampleShape{3, 2, 2});
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->layer(0).output_shape().ToString(), "[3, 1, 1]");
  EXPECT_EQ(model->layer(1).output_shape().ToString(), "[3]");
  const Matrix x = (Matrix(2, 3) << 1, -2, 3, 4, 5, -6).finished();
  Matrix y, kept;
  model->layer(1).Forward(x, &y, &kept);
  EXPECT_EQ(y, x);
  Matrix d_x;
  model->layer(1).Backward(x, y, kept, x, 1, &d_x, nullptr, nullptr);
  EXPECT_EQ(d_x, x);
}

TEST(PoolingModelTest, AKernelLargerThanTheInputIsRefusedNamingTheSizes) {
  EXPECT_THAT(
      Build(R"pb(
              layers { type: "avgpool2d" kernel_size: 5 }
              layers { type: "flatten" }
              layers { type: "linear" }
            )pb",
            {2, 3, 6})
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("model.layers[0] (avgpool2d), whose input is "
                               "[2, 3, 6] from the data"),
                     HasSubstr("avgpool2d kernel 5 stride 5 on 3 x 6 gives an "
                               "empty output: the kernel is larger than the "
                               "input"))));
}

TEST(PoolingModelTest, ASizeThatReachesZeroAfterTwoPoolsNamesTheSecond) {
  // 3 x 3 -> 1 x 1: still an image (a pool's output), too small for 2 x 2.
  EXPECT_THAT(
      Build(R"pb(
              layers { type: "maxpool2d" }
              layers { type: "maxpool2d" }
              layers { type: "flatten" }
              layers { type: "linear" }
            )pb",
            {2, 3, 3})
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("model.layers[1] (maxpool2d), whose input is "
                               "[2, 1, 1] from model.layers[0] (maxpool2d)"),
                     HasSubstr("maxpool2d kernel 2 stride 2 on 1 x 1 gives an "
                               "empty output"))));
  // 3 x 6 -> 1 x 3: an image still, too short for the second kernel.
  EXPECT_THAT(
      Build(R"pb(
              layers { type: "maxpool2d" }
              layers { type: "maxpool2d" }
              layers { type: "flatten" }
              layers { type: "linear" }
            )pb",
            {2, 3, 6})
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("model.layers[1] (maxpool2d), whose input is "
                               "[2, 1, 3] from model.layers[0] (maxpool2d)"),
                     HasSubstr("maxpool2d kernel 2 stride 2 on 1 x 3 gives an "
                               "empty output"))));
}

TEST(PoolingModelTest, BadOptionsAreRefusedNamingTheOption) {
  const struct {
    const char* options;
    const char* message;
  } cases[] = {
      {"padding: 1", "maxpool2d supports padding 0 only, got padding 1"},
      {"kernel_size: 0", "maxpool2d kernel_size must be positive, got 0"},
      {"kernel_size: -2", "maxpool2d kernel_size must be positive, got -2"},
      {"stride: 0", "maxpool2d stride must be positive, got 0"},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(Build(absl::StrCat("layers { type: 'maxpool2d' ", c.options,
                                   " } layers { type: 'flatten' } "
                                   "layers { type: 'linear' }"),
                      {1, 4, 4})
                    .status(),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("model.layers[0] (maxpool2d)"),
                               HasSubstr(c.message))))
        << c.options;
  }
  // padding: 0 is PyTorch's default and accepted.
  EXPECT_TRUE(Build("layers { type: 'maxpool2d' padding: 0 } "
                    "layers { type: 'flatten' } layers { type: 'linear' }",
                    {1, 4, 4})
                  .ok());
}

TEST(PoolingModelTest, MaxPoolFlattenLinearMatchesAHandComputation) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Model model, Build(R"pb(
                                                   layers { type: "maxpool2d" }
                                                   layers { type: "flatten" }
                                                   layers { type: "linear" }
                                                 )pb",
                                                 {2, 2, 4}, 2));
  ASSERT_EQ(model.num_weighted_layers(), 1);
  // (2, 2, 4) -> (2, 1, 2) -> [4] -> [2].
  MatrixD weight(2, 4);
  weight << 1, -2, 0.5, 3,  //
      -1, 0.25, 2, -0.5;
  model.weighted_layer(0).weight() = weight.cast<float>();
  MatrixD x(1, 16);
  x << 1, 7, -3, 2,    // channel 0, row 0
      4, -5, 6, 0,     // channel 0, row 1
      -1, -2, 8, 9,    // channel 1, row 0
      -3, -4, 10, -7;  // channel 1, row 1
  ModelCache cache;
  model.Forward(x.cast<float>(), &cache);
  // Window maxima: channel 0: max(1, 7, 4, -5) = 7, max(-3, 2, 6, 0) = 6;
  // channel 1: max(-1, -2, -3, -4) = -1, max(8, 9, 10, -7) = 10.
  const VectorD pooled = (VectorD(4) << 7, 6, -1, 10).finished();
  const VectorD expected = weight * pooled;  // 7 - 12 - 0.5 + 30, ...
  ASSERT_EQ(cache.output().rows(), 1);
  ASSERT_EQ(cache.output().cols(), 2);
  EXPECT_NEAR(cache.output()(0, 0), 24.5, 1e-5);
  EXPECT_NEAR(cache.output()(0, 0), expected[0], 1e-5);
  EXPECT_NEAR(cache.output()(0, 1), expected[1], 1e-5);
}

}  // namespace
}  // namespace nfalab
