// The command line: exit codes, the one-line errors and overrides.
#include "experiment/cli.h"

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "core/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nfalab {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct CliRun {
  int exit_code;
  std::string out;
  std::string err;
};

CliRun RunNfalab(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = RunCli(args, out, err);
  return {code, out.str(), err.str()};
}

// A user error gives a non-zero exit and exactly one "error: " line.
void ExpectOneErrorLine(const CliRun& run, const std::string& fragment) {
  EXPECT_NE(run.exit_code, 0);
  EXPECT_THAT(run.err, StartsWith("error: "));
  EXPECT_THAT(run.err, HasSubstr(fragment));
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
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

}  // namespace
}  // namespace nfalab
