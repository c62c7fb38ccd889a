// The checkpoint file's envelope: a corrupt, truncated, foreign or
// incompatible checkpoint.pb is refused with the reason.
#include "experiment/checkpoint.h"

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "core/check.h"
#include "core/file_io.h"
#include "core/random.h"
#include "core/sha256.h"
#include "core/version.h"
#include "experiment/config_io.h"
#include "experiment/trainer.h"
#include "experiment/validate.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "optimizers/slo_options.h"
#include "tests/status_matchers.h"
#include "tests/test_seed.h"

namespace nfalab {
namespace {

using ::nfalab::testing::IsOk;
using ::nfalab::testing::StatusIs;
using ::testing::AllOf;
using ::testing::Eq;
using ::testing::HasSubstr;

constexpr char kSource[] = "D/checkpoint.pb";

// A real checkpoint of a tiny run, and that run's metrics.csv.
struct SmallRun {
  std::string checkpoint;
  std::string metrics_csv;
};

const SmallRun& TinyRun() {
  static const SmallRun* run = [] {
    absl::StatusOr<ExperimentConfig> config = ParseConfig(
        R"pb(
          name: "tiny"
          data {
            source: "synthetic"
            n_train: 12
            n_test: 4
            synthetic { input_dim: 3 teacher_width: 4 }
          }
          model { depth: 1 width: 3 }
          optimizer { momentum: 0.9 }
          training { epochs: 2 batch_size: 5 }
          measurement { measure_samples: 6 }
          checkpoint_every: 1
        )pb",
        "tiny");
    NFALAB_CHECK(config.ok()) << config.status();
    RunOptions options;
    options.out_dir = ::testing::TempDir() + "/checkpoint_test_tiny";
    NFALAB_CHECK(RunExperiment(*config, options).ok());
    absl::StatusOr<std::string> checkpoint =
        ReadFile(options.out_dir + "/checkpoint.pb");
    absl::StatusOr<std::string> metrics =
        ReadFile(options.out_dir + "/metrics.csv");
    NFALAB_CHECK(checkpoint.ok() && metrics.ok());
    return new SmallRun{*checkpoint, *metrics};
  }();
  return *run;
}

CheckpointFile Envelope(const std::string& bytes) {
  CheckpointFile file;
  NFALAB_CHECK(file.ParseFromString(bytes));
  return file;
}

TEST(CheckpointTest, ParsesWhatWriteCheckpointWroteAndReserializesIt) {
  const std::string& bytes = TinyRun().checkpoint;
  NFALAB_ASSERT_OK_AND_ASSIGN(const Checkpoint checkpoint,
                              ParseCheckpoint(bytes, kSource));
  EXPECT_EQ(checkpoint.epochs_done(), 2);
  EXPECT_EQ(checkpoint.step(), 6);  // 3 batches of 5, 5, 2 per epoch.
  EXPECT_EQ(checkpoint.config().name(), "tiny");
  EXPECT_EQ(checkpoint.nfalab_version(), kNfalabVersion);
  EXPECT_EQ(SerializeCheckpoint(checkpoint), bytes);

  const CheckpointFile file = Envelope(bytes);
  EXPECT_EQ(file.magic(), "nfalab checkpoint");
  EXPECT_EQ(file.format_version(), 2);
  EXPECT_EQ(file.nfalab_version(), kNfalabVersion);
  EXPECT_EQ(absl::BytesToHexString(file.payload_sha256()),
            Sha256Hex(file.payload()));
}

// Every single-bit error anywhere in the file is refused: the checksum
// covers the payload, and every envelope field is checked (the version also
// against its copy inside the payload).
TEST(CheckpointTest, EveryFlippedBitIsRefused) {
  const std::string& bytes = TinyRun().checkpoint;
  ASSERT_GT(bytes.size(), 500u);
  int accepted = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = bytes;
      flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
      const absl::StatusOr<Checkpoint> parsed =
          ParseCheckpoint(flipped, kSource);
      if (parsed.ok()) {
        ADD_FAILURE() << "byte " << i << " bit " << bit << " was accepted";
        if (++accepted == 5) return;
        continue;
      }
      EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(parsed.status().message(), HasSubstr(kSource));
    }
  }
}

TEST(CheckpointTest, EveryTruncationIsRefusedAsTruncated) {
  const std::string& bytes = TinyRun().checkpoint;
  for (size_t length = 0; length < bytes.size(); ++length) {
    EXPECT_THAT(ParseCheckpoint(bytes.substr(0, length), kSource),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr(kSource), HasSubstr("truncated"))))
        << "truncated to " << length << " of " << bytes.size() << " bytes";
  }
}

TEST(CheckpointTest, ChecksumMismatchNamesBothDigests) {
  CheckpointFile file = Envelope(TinyRun().checkpoint);
  const std::string recorded = Sha256Hex(file.payload());
  std::string& payload = *file.mutable_payload();
  payload[payload.size() / 2] ^= 0x10;
  EXPECT_THAT(ParseCheckpoint(file.SerializeAsString(), kSource),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Eq(absl::StrCat("checkpoint D/checkpoint.pb is corrupt: "
                                       "SHA-256 of the payload is ",
                                       Sha256Hex(payload), ", the file says ",
                                       recorded))));
}

TEST(CheckpointTest, ForeignFilesAreNotCheckpoints) {
  const std::string not_a_checkpoint =
      "D/checkpoint.pb is not an nfalab checkpoint";
  EXPECT_THAT(
      ParseCheckpoint(TinyRun().metrics_csv, kSource),
      StatusIs(absl::StatusCode::kInvalidArgument, Eq(not_a_checkpoint)));
  Rng rng(::nfalab::testing::TestSeed(/*salt=*/7));
  for (int trial = 0; trial < 20; ++trial) {
    std::string noise(1 + rng.UniformInt(3000), '\0');
    for (char& c : noise) c = static_cast<char>(rng.UniformInt(256));
    if (noise[0] == '\x0a') noise[0] = 'x';  // Not the magic's first byte.
    EXPECT_THAT(
        ParseCheckpoint(noise, kSource),
        StatusIs(absl::StatusCode::kInvalidArgument, Eq(not_a_checkpoint)))
        << absl::CHexEscape(noise.substr(0, 40));
  }
}

TEST(CheckpointTest, TheBareCheckpointOfOldReleasesIsRefusedAsSuch) {
  const std::string bare = Envelope(TinyRun().checkpoint).payload();
  EXPECT_THAT(
      ParseCheckpoint(bare, kSource),
      StatusIs(absl::StatusCode::kInvalidArgument,
               Eq("D/checkpoint.pb is a checkpoint of nfalab before 0.9.0 "
                  "(format 1, without a checksum); this nfalab reads format 2 "
                  "only: rerun the training")));
}

TEST(CheckpointTest, AnotherFormatVersionIsRefusedNamingBothVersions) {
  CheckpointFile file = Envelope(TinyRun().checkpoint);
  file.set_format_version(3);
  file.set_nfalab_version("1.4.2");
  EXPECT_THAT(ParseCheckpoint(file.SerializeAsString(), kSource),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Eq(absl::StrCat(
                           "checkpoint D/checkpoint.pb has format "
                           "version 3 (written by nfalab 1.4.2), but "
                           "nfalab ",
                           kNfalabVersion, " reads format version 2 only"))));
}

TEST(CheckpointTest, AnotherReleaseWithTheSameFormatLoads) {
  NFALAB_ASSERT_OK_AND_ASSIGN(Checkpoint checkpoint,
                              ParseCheckpoint(TinyRun().checkpoint, kSource));
  checkpoint.set_nfalab_version("0.9.7");
  NFALAB_ASSERT_OK_AND_ASSIGN(
      const Checkpoint parsed,
      ParseCheckpoint(SerializeCheckpoint(checkpoint), kSource));
  EXPECT_EQ(parsed.nfalab_version(), "0.9.7");
  EXPECT_EQ(parsed.SerializeAsString(), checkpoint.SerializeAsString());
}

TEST(CheckpointTest, EnvelopeVersionMustMatchThePayloads) {
  CheckpointFile file = Envelope(TinyRun().checkpoint);
  file.set_nfalab_version("0.9.1");
  EXPECT_THAT(ParseCheckpoint(file.SerializeAsString(), kSource),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Eq(absl::StrCat("checkpoint D/checkpoint.pb is "
                                       "corrupt: the envelope says nfalab "
                                       "0.9.1 but the payload says nfalab ",
                                       kNfalabVersion))));
}

TEST(CheckpointTest, PayloadThatDoesNotParseIsRefused) {
  CheckpointFile file = Envelope(TinyRun().checkpoint);
  file.set_payload("\xff\xff\xff");
  file.set_payload_sha256(Sha256(file.payload()));
  EXPECT_THAT(ParseCheckpoint(file.SerializeAsString(), kSource),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Eq("checkpoint D/checkpoint.pb is corrupt: its "
                          "payload does not parse as a Checkpoint")));
}

TEST(CheckpointTest, ReadCheckpointNamesThePath) {
  const std::string path = ::testing::TempDir() + "/checkpoint_test_bad.pb";
  ASSERT_THAT(WriteFileAtomically(path, "epoch,step\n"), IsOk());
  EXPECT_THAT(ReadCheckpoint(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Eq(path + " is not an nfalab checkpoint")));
  EXPECT_THAT(ReadCheckpoint(path + ".missing"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(".missing")));
}

// A tiny SLO run with its options given as `slo_text` (inside optimizer {}),
// written to `dir`: its checkpoint's config and its metrics.csv.
struct SloRun {
  ExperimentConfig checkpoint_config;
  std::string metrics_csv;
  std::string config_pbtxt;
};

SloRun RunSlo(const std::string& slo_text, const std::string& dir) {
  absl::StatusOr<ExperimentConfig> config =
      ParseConfig(absl::StrCat(R"pb(
                                 name: "tiny_slo"
                                 data {
                                   source: "synthetic"
                                   n_train: 12
                                   n_test: 4
                                   synthetic { input_dim: 3 teacher_width: 4 }
                                 }
                                 model { depth: 1 width: 3 }
                                 training { epochs: 2 batch_size: 5 }
                                 measurement { measure_samples: 6 }
                                 checkpoint_every: 1
                                 optimizer { name: "slo" momentum: 0.9)pb",
                               " ", slo_text, " }"),
                  "tiny_slo");
  NFALAB_CHECK(config.ok()) << config.status();
  RunOptions options;
  options.out_dir = ::testing::TempDir() + "/" + dir;
  options.overwrite = true;
  const absl::StatusOr<RunResult> run = RunExperiment(*config, options);
  NFALAB_CHECK(run.ok()) << run.status();
  absl::StatusOr<ExperimentConfig> resumed = LoadResumeConfig(options.out_dir);
  NFALAB_CHECK(resumed.ok()) << resumed.status();
  absl::StatusOr<std::string> metrics =
      ReadFile(options.out_dir + "/metrics.csv");
  absl::StatusOr<std::string> written =
      ReadFile(options.out_dir + "/config.pbtxt");
  NFALAB_CHECK(metrics.ok() && written.ok());
  return {*resumed, *metrics, *written};
}

// A checkpoint written with the deprecated `slo {}` still resumes: its
// config validates and names the same options. The options form gives the
// same run byte for byte, and its config.pbtxt parses back to the config
// the checkpoint holds.
TEST(CheckpointTest, SloAliasAndOptionsFormCheckpointsResumeAlike) {
  const SloRun alias =
      RunSlo("slo { target_layers: 2 base_speed: 0.5 }", "slo_alias");
  const SloRun options = RunSlo(
      "options { [type.googleapis.com/nfalab.SloOptions] { target_layers: 2 "
      "base_speed: 0.5 } }",
      "slo_options");
  EXPECT_THAT(ValidateConfig(alias.checkpoint_config), IsOk());
  EXPECT_THAT(ValidateConfig(options.checkpoint_config), IsOk());
  NFALAB_ASSERT_OK_AND_ASSIGN(
      const SloOptions from_alias,
      SloOptionsOf(alias.checkpoint_config.optimizer()));
  NFALAB_ASSERT_OK_AND_ASSIGN(
      const SloOptions from_options,
      SloOptionsOf(options.checkpoint_config.optimizer()));
  EXPECT_EQ(from_alias.SerializeAsString(), from_options.SerializeAsString());
  EXPECT_EQ(from_options.base_speed(), 0.5);
  EXPECT_EQ(alias.metrics_csv, options.metrics_csv);

  EXPECT_THAT(options.config_pbtxt,
              HasSubstr("[type.googleapis.com/nfalab.SloOptions]"));
  NFALAB_ASSERT_OK_AND_ASSIGN(
      const ExperimentConfig reparsed,
      ParseConfig(options.config_pbtxt, "config.pbtxt"));
  EXPECT_EQ(reparsed.optimizer().SerializeAsString(),
            options.checkpoint_config.optimizer().SerializeAsString());
}

}  // namespace
}  // namespace nfalab
