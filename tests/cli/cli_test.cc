// The command line: exit codes, the one-line errors and overrides.

#include <sys/stat.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/file_io.h"
#include "datasets/dataset_source.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "layers/activation.h"
#include "layers/layer.h"
#include "metrics/alignment_measure.h"
#include "optimizers/optimizer.h"
#include "tests/cli_runner.h"

namespace nfalab {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::StartsWith;

bool Exists(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0;
}

TEST(CliTest, HelpDocumentsEveryFlagAndExitsZero) {
  for (const char* flag : {"--help", "help"}) {
    const CliRun run = RunNfalab({flag});
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_THAT(run.out, HasSubstr("--config=FILE"));
    EXPECT_THAT(run.out, HasSubstr("--out=DIR"));
    EXPECT_THAT(run.out, HasSubstr("--FIELD.PATH=VALUE"));
  }
  EXPECT_EQ(RunNfalab({"train", "--help"}).exit_code, 0);
}

TEST(CliTest, NoArgumentsPrintsUsageAndFails) {
  const CliRun run = RunNfalab({});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_THAT(run.out, HasSubstr("usage"));
}

TEST(CliTest, UnknownCommandIsOneErrorLine) {
  ExpectOneErrorLine(RunNfalab({"fly"}), "unknown command \"fly\"");
}

TEST(CliTest, MissingConfigFileIsOneErrorLine) {
  ExpectOneErrorLine(
      RunNfalab({"train", "--config=/no/such.pbtxt", "--out=/tmp/x"}),
      "/no/such.pbtxt");
}

// ReadFile used to swallow the EIO and run the default experiment with rc 0.
TEST(CliTest, UnreadableConfigIsOneErrorLineAndCreatesNothing) {
  const std::string out_dir = ::testing::TempDir() + "/cli_unreadable_config";
  const CliRun run =
      RunNfalab({"train", "--config=/proc/self/mem", "--out=" + out_dir});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err,
            "error: config file: cannot read /proc/self/mem: Input/output "
            "error\n");
  struct stat info;
  EXPECT_NE(stat(out_dir.c_str(), &info), 0) << out_dir << " was created";
}

// A layer list that cannot be built or measured: one error line naming the
// field, and no run directory.
struct BadLayerList {
  const char* name;
  const char* model_and_more;  // Text after the config's data block.
  const char* fragment;
};

TEST(CliTest, BadLayerListsAreOneErrorLineAndWriteNothing) {
  const BadLayerList cases[] = {
      {"unknown_type", "model { layers { type: 'conv9' } }",
       "model.layers[0].type: no layer named \"conv9\"; registered: "
       "[activation, avgpool2d, conv2d, dropout, flatten, global_avgpool, "
       "linear, maxpool2d]"},
      {"with_depth", "model { depth: 2 layers { type: 'linear' } }",
       "model.layers is set, so model.depth must be left out"},
      {"no_weighted",
       "model { layers { type: 'activation' activation: 'relu' } }",
       "model.layers has no weighted layer"},
      {"outputs", "model { layers { type: 'linear' out_features: 5 } }",
       "but the task has 1 outputs"},
      {"measured_layer",
       "model { layers { type: 'linear' out_features: 8 } "
       "layers { type: 'activation' activation: 'relu' } "
       "layers { type: 'linear' } } measurement { layers: 3 }",
       "measurement.layers[0] is 3; the model's weighted layers are numbered "
       "1..2"},
      {"slo_target",
       "model { layers { type: 'linear' out_features: 8 } "
       "layers { type: 'activation' activation: 'relu' } "
       "layers { type: 'linear' } } optimizer { name: 'slo' options { "
       "[type.googleapis.com/nfalab.SloOptions] { target_layers: 4 } } }",
       "optimizer.options (nfalab.SloOptions).target_layers[0] is 4; the "
       "model's weighted layers are numbered 1..2"},
  };
  for (const BadLayerList& bad : cases) {
    SCOPED_TRACE(bad.name);
    const std::string dir =
        ::testing::TempDir() + "/cli_bad_layers_" + bad.name;
    const std::string config = dir + ".pbtxt";
    ASSERT_TRUE(WriteFileAtomically(
                    config, absl::StrCat("data { n_train: 16 n_test: 4 "
                                         "synthetic { input_dim: 3 } }\n",
                                         bad.model_and_more, "\n"))
                    .ok());
    ExpectOneErrorLine(
        RunNfalab({"train", "--config=" + config, "--out=" + dir + "/run"}),
        bad.fragment);
    EXPECT_FALSE(Exists(dir)) << dir << " was created";
  }
}

TEST(CliTest, UnknownOverrideFieldIsOneErrorLine) {
  ExpectOneErrorLine(RunNfalab({"train", "--model.widht=3", "--out=/tmp/x"}),
                     "model.widht");
}

TEST(CliTest, ImpossibleValueIsOneErrorLine) {
  ExpectOneErrorLine(RunNfalab({"train", "--model.width=0", "--out=/tmp/x"}),
                     "model.width must be >= 1");
}

TEST(CliTest, UnknownActivationIsOneErrorLine) {
  ExpectOneErrorLine(
      RunNfalab({"train", "--model.activation=gleu", "--out=/tmp/x"}),
      "no activation named \"gleu\"");
}

TEST(CliTest, FlagWithoutValueIsOneErrorLine) {
  ExpectOneErrorLine(RunNfalab({"train", "--config"}),
                     "--config needs a value");
  ExpectOneErrorLine(RunNfalab({"train", "stray"}), "unexpected argument");
}

TEST(CliTest, TrainsWithOverridesAndWritesResults) {
  const std::string out_dir = ::testing::TempDir() + "/cli_test_run";
  const CliRun run = RunNfalab(
      {"train", "--out=" + out_dir, "--name=cli", "--data.n_train=128",
       "--data.n_test=32", "--data.synthetic.input_dim=4", "--model.depth=1",
       "--model.width=8", "training.epochs=2"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  EXPECT_THAT(run.out, HasSubstr("epoch    1/1"));
  EXPECT_THAT(run.out, HasSubstr(out_dir + "/metrics.csv"));
  absl::StatusOr<std::string> config = ReadFile(out_dir + "/config.pbtxt");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_THAT(*config, HasSubstr("width: 8"));
  EXPECT_THAT(*config, HasSubstr("epochs: 2"));
}

// A small, fast experiment for the commands below.
std::vector<std::string> TrainSmall(std::vector<std::string> args) {
  args.insert(args.begin(), {"train", "--data.n_train=64", "--data.n_test=16",
                             "--data.synthetic.input_dim=4", "--model.depth=1",
                             "--model.width=8", "--training.epochs=2"});
  return args;
}

// The reproduction of issue 9: the second run used to overwrite the first
// run's config and metrics, and the resume then mixed the two runs.
TEST(CliTest, ASecondRunIntoTheSameDirectoryIsRefused) {
  const std::string dir = ::testing::TempDir() + "/cli_mixed_runs";
  const CliRun first = RunNfalab(
      TrainSmall({"--checkpoint_every=1", "--seed=1", "--out=" + dir}));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  absl::StatusOr<std::string> metrics = ReadFile(dir + "/metrics.csv");
  absl::StatusOr<std::string> config = ReadFile(dir + "/config.pbtxt");
  ASSERT_TRUE(metrics.ok() && config.ok());

  const CliRun second = RunNfalab(
      TrainSmall({"--seed=2", "--training.epochs=1", "--out=" + dir}));
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_EQ(second.err,
            "error: " + dir +
                " already holds a run (checkpoint.pb, config.pbtxt, "
                "metrics.csv, nfc.svg, ...); pass --overwrite to replace it, "
                "or --resume=" +
                dir + " to continue it\n");
  EXPECT_EQ(ReadFile(dir + "/metrics.csv").value_or(""), *metrics);
  EXPECT_EQ(ReadFile(dir + "/config.pbtxt").value_or(""), *config);

  const CliRun third = RunNfalab({"train", "--resume=" + dir});
  ASSERT_EQ(third.exit_code, 0) << third.err;
  EXPECT_EQ(ReadFile(dir + "/metrics.csv").value_or(""), *metrics);
  EXPECT_EQ(ReadFile(dir + "/config.pbtxt").value_or(""), *config);
}

TEST(CliTest, OverwriteReplacesTheRunAndRefusesResume) {
  const std::string dir = ::testing::TempDir() + "/cli_overwrite";
  ASSERT_EQ(RunNfalab(TrainSmall({"--seed=1", "--out=" + dir})).exit_code, 0);
  const CliRun again =
      RunNfalab(TrainSmall({"--seed=2", "--out=" + dir, "--overwrite"}));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(ReadFile(dir + "/config.pbtxt").value_or(""),
              HasSubstr("seed: 2"));
  ExpectOneErrorLine(RunNfalab({"train", "--resume=" + dir, "--overwrite"}),
                     "does not take --config, --out or --overwrite");
}

TEST(CliTest, OverwriteNeverEmptiesADirectoryThatIsNotARun) {
  const std::string dir = ::testing::TempDir() + "/cli_not_a_run";
  ASSERT_TRUE(MakeDirectories(dir + "/src").ok());
  ASSERT_TRUE(WriteFileAtomically(dir + "/src/main.cc", "int main() {}").ok());
  ASSERT_TRUE(WriteFileAtomically(dir + "/metrics.csv", "mine").ok());
  ExpectOneErrorLine(
      RunNfalab(TrainSmall({"--out=" + dir, "--overwrite"})),
      dir +
          " does not look like an nfalab run directory (it holds src, "
          "which is neither a regular file nor an .npy export); refusing "
          "to empty it");
  EXPECT_EQ(ReadFile(dir + "/metrics.csv").value_or(""), "mine");
  EXPECT_TRUE(Exists(dir + "/src/main.cc"));
}

TEST(CliTest, HelpDocumentsListAndPlugin) {
  const CliRun run = RunNfalab({"--help"});
  EXPECT_THAT(run.out, HasSubstr("nfalab list"));
  EXPECT_THAT(run.out, HasSubstr("--plugin=PATH"));
}

// The lines of `registry`'s section in `listing`: the header line, then
// "  <name><padding>  <description>" per name, in Names() order (sorted).
template <typename RegistryT>
void ExpectSection(const std::string& listing, const std::string& header,
                   const RegistryT& registry,
                   const std::vector<std::string>& builtins) {
  const std::vector<std::string> lines = absl::StrSplit(listing, '\n');
  const auto start = std::find(lines.begin(), lines.end(), header + ":");
  ASSERT_NE(start, lines.end()) << header << " missing in:\n" << listing;
  const std::vector<std::string> names = registry.Names();
  for (const std::string& name : builtins) {
    EXPECT_THAT(names, Contains(name)) << header;
  }
  ASSERT_GE(lines.end() - start, static_cast<long>(names.size()) + 1);
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& line = *(start + 1 + i);
    const std::string description = registry.Description(names[i]);
    ASSERT_FALSE(description.empty()) << names[i];
    EXPECT_THAT(line, StartsWith("  " + names[i] + " ")) << header;
    EXPECT_GE(line.size(), description.size());
    EXPECT_EQ(line.substr(line.size() - description.size()), description)
        << line;
  }
}

TEST(CliTest, ListPrintsEveryRegisteredNameWithItsDescription) {
  const CliRun run = RunNfalab({"list"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(run.out, ListRegistries());
  ExpectSection(run.out, "layers", LayerRegistry::Global(),
                {"activation", "avgpool2d", "conv2d", "dropout", "flatten",
                 "global_avgpool", "linear", "maxpool2d"});
  ExpectSection(run.out, "activations", ActivationRegistry::Global(),
                {"gelu", "identity", "leaky_relu", "quadratic", "relu",
                 "sigmoid", "softplus", "tanh"});
  ExpectSection(run.out, "alignment measures",
                AlignmentMeasureRegistry::Global(),
                {"c_nfc", "c_singular_alignment", "left_gram_alignment",
                 "nfc_sqrt", "singular_alignment", "uc_nfc", "weight_change"});
  ExpectSection(run.out, "optimizers", OptimizerRegistry::Global(),
                {"sgd", "slo"});
  ExpectSection(run.out, "dataset sources", DatasetSourceRegistry::Global(),
                {"cifar10", "cifar100", "csv", "fashion_mnist", "idx", "npy",
                 "synthetic"});
  // The sections come in this order.
  const size_t layers = run.out.find("layers:");
  const size_t activations = run.out.find("activations:");
  EXPECT_LT(layers, activations);
  const size_t measures = run.out.find("alignment measures:");
  const size_t optimizers = run.out.find("optimizers:");
  const size_t sources = run.out.find("dataset sources:");
  EXPECT_LT(activations, measures);
  EXPECT_LT(measures, optimizers);
  EXPECT_LT(optimizers, sources);
  EXPECT_NE(sources, std::string::npos);
}

TEST(CliTest, ListWithAnArgumentIsOneErrorLine) {
  ExpectOneErrorLine(RunNfalab({"list", "activations"}),
                     "list takes no arguments");
}

TEST(CliTest, MissingPluginIsOneErrorLineAndCreatesNoRunDirectory) {
  const std::string out_dir = ::testing::TempDir() + "/cli_plugin_run";
  const std::vector<std::string> train = {
      "train",           "--out=" + out_dir, "--data.n_train=16",
      "--model.depth=1", "--model.width=4",  "--training.epochs=1"};
  std::vector<std::string> before = train;
  before.insert(before.begin(), "--plugin=/nonexistent.so");
  ExpectOneErrorLine(RunNfalab(before),
                     "plugin /nonexistent.so does not exist");
  std::vector<std::string> after = train;
  after.insert(after.end(), {"--plugin", "/nonexistent.so"});
  ExpectOneErrorLine(RunNfalab(after), "plugin /nonexistent.so does not exist");
  EXPECT_FALSE(Exists(out_dir)) << out_dir;
  ExpectOneErrorLine(
      RunNfalab({"study", "s.pbtxt", "--plugin=/nonexistent.so"}),
      "/nonexistent.so does not exist");
  ExpectOneErrorLine(RunNfalab({"list", "--plugin=/nonexistent.so"}),
                     "/nonexistent.so does not exist");
}

TEST(CliTest, PluginWithoutPathIsOneErrorLine) {
  ExpectOneErrorLine(RunNfalab({"train", "--plugin"}),
                     "--plugin needs a value");
  ExpectOneErrorLine(RunNfalab({"list", "--plugin="}),
                     "--plugin needs a value");
}

}  // namespace
}  // namespace nfalab
