// Measurement's warnings about NaN or infinite measures: their text, once per
// (layer, measure), and in a run's log and summary.json. Which layers are
// measured by default (MeasuredLayers, ImageInputLayers: an MLP's hidden
// layers, a conv net's layers on image input, include_classifier,
// include_readout, explicit layers), and drop_bias (K of a copy whose conv
// biases are zero, against ComputePtk on such a copy made by hand).
#include "experiment/measurement.h"

#include <cmath>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/check.h"
#include "core/file_io.h"
#include "core/random.h"
#include "experiment/config_io.h"
#include "experiment/trainer.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "layers/sequential.h"
#include "metrics/ptk.h"
#include "tests/matrix_matchers.h"
#include "tests/model_test_util.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ApproxEq;
using ::nfalab::testing::ParseModel;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A 3-hidden-layer ReLU MLP (width 5) on 10 random samples, 4 inputs and 2
// outputs.
class MeasurementWarningsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Rng rng(7);
    train_.x = Matrix(10, 4);
    train_.y = Matrix(10, 2);
    for (Eigen::Index i = 0; i < train_.x.size(); ++i) {
      train_.x.data()[i] = static_cast<float>(rng.Normal());
    }
    for (Eigen::Index i = 0; i < train_.y.size(); ++i) {
      train_.y.data()[i] = static_cast<float>(rng.Normal());
    }
    ModelConfig model_config;
    model_config.set_depth(3);
    model_config.set_width(5);
    NFALAB_ASSERT_OK_AND_ASSIGN(model_,
                                Model::Create(model_config, 4, 2, &rng));
    config_.add_measures("uc_nfc");
    config_.add_measures("weight_change");
  }

  // Records epoch `epoch` at the model's weights.
  void Record(Measurement* measurement, int epoch) {
    NFALAB_ASSERT_OK_AND_ASSIGN(std::vector<MatrixD> ptk,
                                measurement->ComputeKernels(*model_));
    NFALAB_ASSERT_OK(
        measurement->Record(*model_, ptk, epoch, 0, &table_, nullptr));
  }

  Dataset train_;
  std::optional<Model> model_;  // Model has no default constructor.
  MeasurementConfig config_;
  MetricsTable table_;
};

TEST_F(MeasurementWarningsTest, FiniteMeasuresGiveNoWarning) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Measurement measurement,
                              Measurement::Create(config_, 4, train_));
  Record(&measurement, 0);
  EXPECT_THAT(measurement.warnings(), IsEmpty());
  EXPECT_THAT(measurement.TakeNewWarnings(), IsEmpty());
}

// W1 = 0 zeroes every later activation, so every hidden K is 0: uc_nfc is
// 0/0 everywhere, and weight_change |W0| / |0| is infinite on layer 1.
TEST_F(MeasurementWarningsTest, ZeroLayerWarnsPerMeasureValueAndCause) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Measurement measurement,
                              Measurement::Create(config_, 4, train_));
  model_->weighted_layer(0).weight().setZero();
  Record(&measurement, 0);
  EXPECT_THAT(
      measurement.TakeNewWarnings(),
      ElementsAre(
          "uc_nfc is nan on layer 1 at epoch 0: K = 0, the tangent features "
          "vanished; W = 0 (depth 3, activation relu)",
          "weight_change is infinite on layer 1 at epoch 0: K = 0, the "
          "tangent features vanished; W = 0 (depth 3, activation relu)",
          "uc_nfc is nan on layers 2-3 at epoch 0: K = 0, the tangent "
          "features vanished; W = W0, the layer has not moved (depth 3, "
          "activation relu)"));
  // The rows are recorded as they are.
  int nan_rows = 0;
  for (const MetricsTable::Row& row : table_.rows()) {
    nan_rows += std::isnan(row.value);
  }
  EXPECT_EQ(nan_rows, 3 * 2);  // uc_nfc and uc_nfc_cos on three layers.
}

TEST_F(MeasurementWarningsTest, EachLayerAndMeasureIsWarnedAboutOnce) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Measurement measurement,
                              Measurement::Create(config_, 4, train_));
  model_->weighted_layer(0).weight().setZero();
  Record(&measurement, 0);
  EXPECT_EQ(measurement.TakeNewWarnings().size(), 3);
  Record(&measurement, 1);
  Record(&measurement, 2);
  EXPECT_THAT(measurement.TakeNewWarnings(), IsEmpty());
  EXPECT_EQ(measurement.warnings().size(), 3);
}

TEST_F(MeasurementWarningsTest, EarlyPredictorWarnsAtInitialisation) {
  config_.set_early_predictor(true);
  NFALAB_ASSERT_OK_AND_ASSIGN(Measurement measurement,
                              Measurement::Create(config_, 4, train_));
  model_->weighted_layer(0).weight().setZero();
  NFALAB_ASSERT_OK(measurement.RecordEarlyPredictor(
      *model_, train_, TrainingConfig::MSE, &table_));
  EXPECT_THAT(measurement.warnings(),
              ElementsAre("predicted_c_nfc is nan on layers 1-3 at "
                          "initialisation: K = 0, the tangent features "
                          "vanished; G0 = 0 (depth 3, activation relu)"));
}

// With weights of 1e-30 the activations underflow to 0 from layer 2 on, so
// no tangent feature survives and nothing trains.
TEST(MeasurementWarningsRunTest, RunLogsEachWarningOnceAndSummarisesThem) {
  absl::StatusOr<ExperimentConfig> config = ParseConfig(
      R"pb(
        data {
          source: "synthetic"
          n_train: 64
          n_test: 0
          synthetic { input_dim: 4 }
        }
        model { depth: 3 width: 8 init: GAUSSIAN init_scale: 1e-30 }
        training { epochs: 3 batch_size: 32 }
        measurement { measures: "uc_nfc" early_predictor: false }
      )pb",
      "underflow");
  ASSERT_TRUE(config.ok()) << config.status();
  std::ostringstream log;
  RunOptions options;
  options.out_dir = ::testing::TempDir() + "/measurement_test_underflow";
  options.log = &log;
  NFALAB_ASSERT_OK(RunExperiment(*config, options).status());
  const std::string warning =
      "uc_nfc is nan on layers 1-3 at epoch 0: K = 0, the tangent features "
      "vanished; W = W0, the layer has not moved (depth 3, activation relu)";
  const std::string text = log.str();
  size_t count = 0;
  for (size_t pos = text.find("warning: "); pos != std::string::npos;
       pos = text.find("warning: ", pos + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 1) << text;
  EXPECT_THAT(text, HasSubstr(absl::StrCat("warning: ", warning, "\n")));
  NFALAB_ASSERT_OK_AND_ASSIGN(std::string summary,
                              ReadFile(options.out_dir + "/summary.json"));
  EXPECT_THAT(summary,
              HasSubstr(absl::StrCat("\"warnings\": [\"", warning, "\"],\n")));
}

// 0..n-1.
std::vector<int> Range(int n) {
  std::vector<int> range(n);
  for (int i = 0; i < n; ++i) range[i] = i;
  return range;
}

// A VGG's 11 weighted layers: 8 convolutions on images, then the two hidden
// classifier layers and the readout on flat input.
std::vector<bool> VggImageInput() {
  std::vector<bool> image_input(11, false);
  for (int l = 0; l < 8; ++l) image_input[l] = true;
  return image_input;
}

TEST(MeasuredLayersTest, AConvNetMeasuresItsLayersOnImagesByDefault) {
  MeasurementConfig config;
  EXPECT_EQ(MeasuredLayers(config, 11, VggImageInput()), Range(8));
  config.set_include_classifier(true);
  EXPECT_EQ(MeasuredLayers(config, 11, VggImageInput()), Range(10));
  config.set_include_readout(true);
  EXPECT_EQ(MeasuredLayers(config, 11, VggImageInput()), Range(11));
  config.set_include_classifier(false);
  EXPECT_THAT(MeasuredLayers(config, 11, VggImageInput()),
              ElementsAre(0, 1, 2, 3, 4, 5, 6, 7, 10));
}

TEST(MeasuredLayersTest, ExplicitLayersWinOverEveryDefault) {
  MeasurementConfig config;
  config.add_layers(10);
  config.add_layers(2);
  config.set_include_classifier(true);
  config.set_include_readout(true);
  EXPECT_THAT(MeasuredLayers(config, 11, VggImageInput()), ElementsAre(9, 1));
}

TEST(MeasuredLayersTest, AnMlpMeasuresItsHiddenLayersAsBefore) {
  MeasurementConfig config;
  EXPECT_EQ(MeasuredLayers(config, 11, std::vector<bool>(11, false)),
            Range(10));
  EXPECT_EQ(MeasuredLayers(config, 11), Range(10));
  // include_classifier means nothing without layers on images.
  config.set_include_classifier(true);
  EXPECT_EQ(MeasuredLayers(config, 11, std::vector<bool>(11, false)),
            Range(10));
  config.set_include_readout(true);
  EXPECT_EQ(MeasuredLayers(config, 11), Range(11));
}

TEST(MeasuredLayersTest, ImageInputLayersOfAVggAnMlpAndAConvNet) {
  Rng rng(1);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      Model vgg, Model::Create(ParseModel("vgg { width_multiplier: 0.125 "
                                          "classifier_width: 16 }"),
                               SampleShape{1, 32, 32}, 10, &rng));
  EXPECT_EQ(ImageInputLayers(vgg), VggImageInput());
  EXPECT_EQ(MeasuredLayers(MeasurementConfig(), vgg.num_weighted_layers(),
                           ImageInputLayers(vgg)),
            Range(8));
  // An MLP on images flattens them first.
  NFALAB_ASSERT_OK_AND_ASSIGN(Model mlp,
                              Model::Create(ParseModel("depth: 2 width: 5"),
                                            SampleShape{1, 4, 4}, 3, &rng));
  EXPECT_EQ(ImageInputLayers(mlp), std::vector<bool>(3, false));
  NFALAB_ASSERT_OK_AND_ASSIGN(
      Model conv,
      Model::Create(ParseModel("layers { type: 'conv2d' out_channels: 2 } "
                               "layers { type: 'flatten' } "
                               "layers { type: 'linear' out_features: 4 } "
                               "layers { type: 'linear' }"),
                    SampleShape{1, 4, 4}, 3, &rng));
  EXPECT_THAT(ImageInputLayers(conv), ElementsAre(true, false, false));
  // A conv whose output is 1 x 1 still takes an image.
  NFALAB_ASSERT_OK_AND_ASSIGN(
      Model to_one_by_one,
      Model::Create(ParseModel("layers { type: 'conv2d' out_channels: 2 "
                               "kernel_size: 4 padding: 0 } "
                               "layers { type: 'flatten' } "
                               "layers { type: 'linear' }"),
                    SampleShape{1, 4, 4}, 3, &rng));
  ASSERT_EQ(to_one_by_one.weighted_layer(0).output_shape().ToString(),
            "[2, 1, 1]");
  EXPECT_THAT(ImageInputLayers(to_one_by_one), ElementsAre(true, false));
}

// conv2d(3) relu conv2d(2) relu flatten linear(4) relu linear on 2 x 4 x 4
// images; conv_bias and linear_bias say which layers have one.
Model SmallConvNet(bool conv_bias, bool linear_bias) {
  const std::string conv = conv_bias ? "true" : "false";
  const std::string linear = linear_bias ? "true" : "false";
  Rng rng(3);
  absl::StatusOr<Model> model = Model::Create(
      ParseModel(absl::StrCat(
          "layers { type: 'conv2d' out_channels: 3 bias: ", conv, " } ",
          "layers { type: 'activation' activation: 'relu' } ",
          "layers { type: 'conv2d' out_channels: 2 stride: 2 bias: ", conv,
          " } ", "layers { type: 'activation' activation: 'relu' } ",
          "layers { type: 'flatten' } ",
          "layers { type: 'linear' out_features: 4 bias: ", linear, " } ",
          "layers { type: 'activation' activation: 'relu' } ",
          "layers { type: 'linear' bias: ", linear, " }")),
      SampleShape{2, 4, 4}, 2, &rng);
  NFALAB_CHECK(model.ok()) << model.status();
  // Biases large enough to move the ReLUs' patterns.
  for (int l = 0; l < model->num_weighted_layers(); ++l) {
    Vector& bias = model->weighted_layer(l).bias();
    for (Eigen::Index i = 0; i < bias.size(); ++i) {
      bias[i] = static_cast<float>(rng.Uniform(-1, 1));
    }
  }
  return *std::move(model);
}

Dataset ImageData(int n) {
  Rng rng(5);
  Dataset data;
  data.shape = {2, 4, 4};
  data.x = Matrix(n, 32);
  data.y = Matrix(n, 2);
  for (Eigen::Index i = 0; i < data.x.size(); ++i) {
    data.x.data()[i] = static_cast<float>(rng.Normal());
  }
  for (Eigen::Index i = 0; i < data.y.size(); ++i) {
    data.y.data()[i] = static_cast<float>(rng.Normal());
  }
  return data;
}

// All four weighted layers measured, and the K of each.
std::vector<MatrixD> Kernels(const Model& model, bool drop_bias,
                             const Dataset& data) {
  MeasurementConfig config;
  config.set_include_classifier(true);
  config.set_include_readout(true);
  config.set_drop_bias(drop_bias);
  absl::StatusOr<Measurement> measurement =
      Measurement::Create(config, 4, data, ImageInputLayers(model));
  NFALAB_CHECK(measurement.ok()) << measurement.status();
  NFALAB_CHECK(measurement->layers() == Range(4));
  absl::StatusOr<std::vector<MatrixD>> kernels =
      measurement->ComputeKernels(model);
  NFALAB_CHECK(kernels.ok()) << kernels.status();
  return *std::move(kernels);
}

TEST(DropBiasTest, KIsTheKOfACopyWithoutTheConvBiases) {
  const Model model = SmallConvNet(/*conv_bias=*/true, /*linear_bias=*/true);
  const Dataset data = ImageData(7);
  Model by_hand = model;
  for (int l : {0, 1}) by_hand.weighted_layer(l).bias().setZero();
  NFALAB_ASSERT_OK_AND_ASSIGN(
      std::vector<MatrixD> expected,
      ComputePtk(by_hand, data.x, Range(4), PtkOptions()));
  const std::vector<MatrixD> dropped = Kernels(model, true, data);
  const std::vector<MatrixD> kept = Kernels(model, false, data);
  NFALAB_ASSERT_OK_AND_ASSIGN(
      std::vector<MatrixD> as_is,
      ComputePtk(model, data.x, Range(4), PtkOptions()));
  ASSERT_EQ(dropped.size(), 4u);
  for (int l = 0; l < 4; ++l) {
    SCOPED_TRACE(l);
    EXPECT_THAT(dropped[l], ApproxEq(expected[l], 1e-12, 0.0));
    EXPECT_THAT(kept[l], ApproxEq(as_is[l], 1e-12, 0.0));
  }
  // The conv biases matter: K of the first conv moves with them.
  EXPECT_GT((dropped[0] - kept[0]).norm(), 1e-3 * kept[0].norm());
  // The network measured keeps its biases.
  EXPECT_EQ(model.weighted_layer(0).bias(),
            SmallConvNet(true, true).weighted_layer(0).bias());
}

// Only layers on images lose their bias: a net whose only biases are in
// the classifier has the same K with drop_bias, though those biases move
// its K (zeroing them would change it).
TEST(DropBiasTest, TheClassifiersBiasesAreKept) {
  const Model model = SmallConvNet(/*conv_bias=*/false, /*linear_bias=*/true);
  const Dataset data = ImageData(7);
  const std::vector<MatrixD> dropped = Kernels(model, true, data);
  const std::vector<MatrixD> kept = Kernels(model, false, data);
  Model without = model;
  for (int l : {2, 3}) without.weighted_layer(l).bias().setZero();
  NFALAB_ASSERT_OK_AND_ASSIGN(
      std::vector<MatrixD> zeroed,
      ComputePtk(without, data.x, Range(4), PtkOptions()));
  for (int l = 0; l < 4; ++l) {
    SCOPED_TRACE(l);
    EXPECT_THAT(dropped[l], ApproxEq(kept[l], 0.0, 0.0));
  }
  EXPECT_GT((zeroed[0] - kept[0]).norm(), 1e-3 * kept[0].norm());
}

}  // namespace
}  // namespace nfalab
