// Config loading, overrides and validation: every shipped example loads, and
// every kind of bad config gets its own error naming the field.
#include <dirent.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "core/file_io.h"
#include "experiment/config_io.h"
#include "experiment/validate.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::IsOk;
using ::nfalab::testing::StatusIs;
using ::testing::HasSubstr;

std::vector<std::string> ExampleConfigs() {
  std::vector<std::string> paths;
  DIR* dir = opendir("experiment/configs");
  if (dir == nullptr) return paths;
  while (dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (absl::EndsWith(name, ".pbtxt")) {
      paths.push_back("experiment/configs/" + name);
    }
  }
  closedir(dir);
  return paths;
}

TEST(ConfigTest, EveryExampleConfigLoadsAndValidates) {
  const std::vector<std::string> paths = ExampleConfigs();
  ASSERT_GE(paths.size(), 3u) << "examples not found in the runfiles";
  for (const std::string& path : paths) {
    SCOPED_TRACE(path);
    absl::StatusOr<ExperimentConfig> config = LoadConfig(path);
    ASSERT_THAT(config, IsOk());
    EXPECT_THAT(ValidateConfig(*config), IsOk());
    // The file names its run after itself.
    EXPECT_TRUE(absl::StrContains(path, config->name())) << config->name();
  }
}

TEST(ConfigTest, EmptyConfigIsTheValidDefaultExperiment) {
  absl::StatusOr<ExperimentConfig> config = ParseConfig("", "empty");
  ASSERT_THAT(config, IsOk());
  EXPECT_THAT(ValidateConfig(*config), IsOk());
  EXPECT_EQ(config->model().depth(), 5);
  EXPECT_EQ(config->model().width(), 256);
  EXPECT_EQ(config->model().activation(), "relu");
  EXPECT_FALSE(config->model().bias());
  EXPECT_EQ(config->optimizer().name(), "sgd");
  EXPECT_EQ(config->training().batch_size(), 128);
}

TEST(ConfigTest, MissingFileIsNotFoundNamingThePath) {
  EXPECT_THAT(LoadConfig("/nonexistent/run.pbtxt"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("/nonexistent/run.pbtxt")));
}

TEST(ConfigTest, UnknownFieldNamesFileLineAndField) {
  EXPECT_THAT(
      ParseConfig("seed: 1\nmodel {\n  widht: 3\n}\n", "bad.pbtxt"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               ::testing::AllOf(HasSubstr("bad.pbtxt:3:"), HasSubstr("widht"),
                                HasSubstr("nfalab.ModelConfig"))));
}

TEST(ConfigTest, MalformedValueIsRejected) {
  EXPECT_THAT(
      ParseConfig("model { depth: \"three\" }", "bad.pbtxt"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad.pbtxt:1:")));
}

absl::Status ValidateText(absl::string_view text) {
  absl::StatusOr<ExperimentConfig> config = ParseConfig(text, "test");
  if (!config.ok()) return config.status();
  return ValidateConfig(*config);
}

TEST(ValidateTest, ZeroWidthIsRejectedNamingTheField) {
  EXPECT_THAT(ValidateText("model { width: 0 }"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("model.width must be >= 1, got 0")));
}

TEST(ValidateTest, ZeroEntryInWidthsIsRejectedNamingTheIndex) {
  EXPECT_THAT(ValidateText("model { depth: 2 widths: [4, 0] }"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("model.widths[1] must be >= 1")));
}

TEST(ValidateTest, WidthsOfWrongLengthAreRejected) {
  EXPECT_THAT(ValidateText("model { depth: 3 widths: [4, 5] }"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("model.widths has 2 entries")));
}

TEST(ValidateTest, ZeroDepthIsRejected) {
  EXPECT_THAT(
      ValidateText("model { depth: 0 }"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("model.depth")));
}

TEST(ValidateTest, NegativeLearningRateIsRejected) {
  EXPECT_THAT(ValidateText("optimizer { learning_rate: -0.1 }"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("optimizer.learning_rate")));
}

TEST(ValidateTest, MomentumOfOneIsRejected) {
  EXPECT_THAT(ValidateText("optimizer { momentum: 1 }"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("optimizer.momentum")));
}

TEST(ValidateTest, UnknownActivationListsTheKnownOnes) {
  EXPECT_THAT(
      ValidateText("model { activation: \"gleu\" }"),
      StatusIs(absl::StatusCode::kNotFound,
               ::testing::AllOf(HasSubstr("model.activation"),
                                HasSubstr("no activation named \"gleu\""),
                                HasSubstr("gelu"), HasSubstr("relu"))));
}

TEST(ValidateTest, UnknownOptimizerIsRejected) {
  EXPECT_THAT(ValidateText("optimizer { name: \"adamw\" }"),
              StatusIs(absl::StatusCode::kNotFound,
                       ::testing::AllOf(HasSubstr("optimizer.name"),
                                        HasSubstr("sgd"))));
}

TEST(ValidateTest, UnknownDatasetSourceIsRejected) {
  EXPECT_THAT(ValidateText("data { source: \"imagenet\" }"),
              StatusIs(absl::StatusCode::kNotFound,
                       ::testing::AllOf(HasSubstr("data.source"),
                                        HasSubstr("synthetic"))));
}

TEST(ValidateTest, NonPositiveEpochsBatchAndSamplesAreRejected) {
  EXPECT_THAT(ValidateText("training { epochs: 0 }"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("training.epochs")));
  EXPECT_THAT(ValidateText("training { batch_size: 0 }"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("training.batch_size")));
  EXPECT_THAT(
      ValidateText("data { n_train: 0 }"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("data.n_train")));
  EXPECT_THAT(
      ValidateText("data { n_test: -1 }"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("data.n_test")));
}

TEST(ValidateTest, BadScheduleIsRejected) {
  EXPECT_THAT(ValidateText("optimizer { schedule { initial_epochs: -1 } }"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("optimizer.schedule.initial_epochs")));
}

TEST(ValidateTest, BadMeasurementFieldsAreRejected) {
  EXPECT_THAT(ValidateText("measurement { measure_every: -1 }"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("measurement.measure_every")));
  EXPECT_THAT(ValidateText("measurement { measure_samples: -5 }"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("measurement.measure_samples")));
  EXPECT_THAT(ValidateText("measurement { chunk_size: 0 }"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("measurement.chunk_size")));
  EXPECT_THAT(ValidateText("measurement { measures: [\"uc_nfc\", \"cka\"] }"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("measurement.measures[1]")));
  EXPECT_THAT(ValidateText("model { depth: 2 } measurement { layers: 0 }"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("layers are numbered 1..3")));
  EXPECT_THAT(ValidateText("model { depth: 2 } measurement { layers: 3 }"),
              IsOk());
}

TEST(ValidateTest, BadPreprocessingIsRejectedBeforeLoading) {
  EXPECT_THAT(ValidateText("data { source: \"fashion_mnist\" preprocess { "
                           "input_scale: -1 } }"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("data.preprocess.input_scale")));
}

TEST(ValidateTest, SloTargetBeyondTheModelIsRejected) {
  EXPECT_THAT(
      ValidateText("model { depth: 2 } optimizer { name: \"slo\" options { "
                   "[type.googleapis.com/nfalab.SloOptions] { "
                   "target_layers: [1, 4] } } }"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("optimizer.options (nfalab.SloOptions)."
                         "target_layers[1] is 4")));
  EXPECT_THAT(
      ValidateText("model { depth: 2 } optimizer { name: \"slo\" options { "
                   "[type.googleapis.com/nfalab.SloOptions] { "
                   "target_layers: 3 } } }"),
      IsOk());
}

// Configs written before optimizer.options still load: the deprecated
// optimizer.slo reads as the options, and errors name it.
TEST(ValidateTest, DeprecatedSloAliasStillValidates) {
  EXPECT_THAT(ValidateText("model { depth: 2 } optimizer { name: \"slo\" slo { "
                           "target_layers: [1, 4] } }"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("optimizer.slo.target_layers[1] is 4")));
  EXPECT_THAT(ValidateText("model { depth: 2 } optimizer { name: \"slo\" "
                           "slo { target_layers: 3 } }"),
              IsOk());
  EXPECT_THAT(
      ValidateText("optimizer { name: \"slo\" slo { target_layers: 1 } "
                   "options { [type.googleapis.com/nfalab.SloOptions] { "
                   "target_layers: 1 } } }"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("optimizer.slo and optimizer.options are both set")));
}

TEST(ValidateTest, OptionsAreCheckedAgainstTheEntrysDeclaredType) {
  EXPECT_THAT(ValidateText("optimizer { name: \"sgd\" options { "
                           "[type.googleapis.com/nfalab.SloOptions] { } } }"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("optimizer \"sgd\" takes no options")));
  EXPECT_THAT(
      ValidateText("data { source: \"synthetic\" options { "
                   "[type.googleapis.com/nfalab.SloOptions] { } } }"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("data.options is set (nfalab.SloOptions), but dataset "
                         "source \"synthetic\" takes no options")));
  EXPECT_THAT(
      ValidateText("model { layers { type: \"linear\" options { "
                   "[type.googleapis.com/nfalab.SloOptions] { } } } }"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("model.layers[0].options is set (nfalab.SloOptions), "
                         "but layer \"linear\" takes no options")));
}

// A type URL naming a message this binary does not have is a parse error
// naming it (a plugin's options need the plugin loaded first).
TEST(ConfigTest, OptionsOfAnUnknownTypeAreAParseError) {
  EXPECT_THAT(ParseConfig("optimizer { name: \"x\" options { "
                          "[type.googleapis.com/my.Missing] { a: 1 } } }",
                          "bad.pbtxt"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::AllOf(HasSubstr("bad.pbtxt:1:"),
                                        HasSubstr("my.Missing"))));
}

// Options round-trip through the text a run writes as config.pbtxt, and an
// override can set them (as a study's `set:` does).
TEST(ConfigTest, OptionsRoundTripThroughTextAndOverrides) {
  absl::StatusOr<ExperimentConfig> config = ParseConfig(
      "optimizer { name: \"slo\" options { "
      "[type.googleapis.com/nfalab.SloOptions] { target_layers: 2 "
      "base_speed: 0.25 } } }",
      "options.pbtxt");
  ASSERT_THAT(config, IsOk());
  const std::string text = ConfigToText(*config);
  EXPECT_THAT(text, HasSubstr("[type.googleapis.com/nfalab.SloOptions]"));
  absl::StatusOr<ExperimentConfig> again = ParseConfig(text, "config.pbtxt");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->SerializeAsString(), config->SerializeAsString());

  ExperimentConfig overridden;
  ASSERT_THAT(ApplyOverride("optimizer.options={[type.googleapis.com/"
                            "nfalab.SloOptions] { target_layers: 2 "
                            "base_speed: 0.25 }}",
                            &overridden),
              IsOk());
  EXPECT_EQ(overridden.optimizer().options().SerializeAsString(),
            config->optimizer().options().SerializeAsString());
}

TEST(OverrideTest, SetsNestedScalarsEnumsAndStrings) {
  ExperimentConfig config;
  ASSERT_THAT(ApplyOverride("model.width=64", &config), IsOk());
  ASSERT_THAT(ApplyOverride("seed=7", &config), IsOk());
  ASSERT_THAT(ApplyOverride("optimizer.learning_rate=0.25", &config), IsOk());
  ASSERT_THAT(ApplyOverride("training.loss=CROSS_ENTROPY", &config), IsOk());
  ASSERT_THAT(ApplyOverride("model.activation=tanh", &config), IsOk());
  ASSERT_THAT(ApplyOverride("name=\"quoted name\"", &config), IsOk());
  ASSERT_THAT(ApplyOverride("model.bias=true", &config), IsOk());
  EXPECT_EQ(config.model().width(), 64);
  EXPECT_EQ(config.seed(), 7u);
  EXPECT_DOUBLE_EQ(config.optimizer().learning_rate(), 0.25);
  EXPECT_EQ(config.training().loss(), TrainingConfig::CROSS_ENTROPY);
  EXPECT_EQ(config.model().activation(), "tanh");
  EXPECT_EQ(config.name(), "quoted name");
  EXPECT_TRUE(config.model().bias());
}

TEST(OverrideTest, RepeatedFieldIsReplacedNotAppended) {
  absl::StatusOr<ExperimentConfig> config =
      ParseConfig("model { depth: 2 widths: [8, 8] }", "test");
  ASSERT_THAT(config, IsOk());
  ASSERT_THAT(ApplyOverride("model.widths=[3,5]", &*config), IsOk());
  ASSERT_EQ(config->model().widths_size(), 2);
  EXPECT_EQ(config->model().widths(0), 3);
  EXPECT_EQ(config->model().widths(1), 5);
  ASSERT_THAT(ApplyOverride("model.widths=4, 6, 9", &*config), IsOk());
  EXPECT_EQ(config->model().widths_size(), 3);
}

TEST(OverrideTest, OverrideWinsOverTheFileAndKeepsSiblings) {
  absl::StatusOr<ExperimentConfig> config =
      ParseConfig("model { depth: 2 width: 8 }", "test");
  ASSERT_THAT(config, IsOk());
  ASSERT_THAT(ApplyOverride("model.width=16", &*config), IsOk());
  EXPECT_EQ(config->model().width(), 16);
  EXPECT_EQ(config->model().depth(), 2);
}

TEST(OverrideTest, UnknownFieldListsTheKnownOnes) {
  ExperimentConfig config;
  EXPECT_THAT(ApplyOverride("model.widht=3", &config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::AllOf(
                           HasSubstr("unknown config field \"model.widht\""),
                           HasSubstr("width"), HasSubstr("depth"))));
  EXPECT_THAT(ApplyOverride("nosuch=3", &config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown config field")));
}

TEST(OverrideTest, BadValueNamesTheFieldAndType) {
  ExperimentConfig config;
  EXPECT_THAT(
      ApplyOverride("model.width=wide", &config),
      StatusIs(absl::StatusCode::kInvalidArgument,
               ::testing::AllOf(HasSubstr("model.width"), HasSubstr("wide"))));
  EXPECT_THAT(
      ApplyOverride("training.loss=HINGE", &config),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("training.loss")));
}

TEST(OverrideTest, MissingEqualsAndSubfieldOfScalarAreRejected) {
  ExperimentConfig config;
  EXPECT_THAT(ApplyOverride("model.width", &config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("field.path=value")));
  EXPECT_THAT(ApplyOverride("seed.low=1", &config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not a message field")));
}

TEST(ConfigTest, TextRoundTripPreservesTheConfig) {
  absl::StatusOr<ExperimentConfig> config = ParseConfig(
      "name: \"x\" seed: 3 model { depth: 2 widths: [3, 4] activation: "
      "\"tanh\" } optimizer { momentum: 0.5 schedule { initial_epochs: 1 } }",
      "test");
  ASSERT_THAT(config, IsOk());
  absl::StatusOr<ExperimentConfig> again =
      ParseConfig(ConfigToText(*config), "round trip");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->SerializeAsString(), config->SerializeAsString());
}

}  // namespace
}  // namespace nfalab
