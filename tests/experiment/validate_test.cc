// ValidateConfig's rules for the run name and repeated measurement entries
// (the other fields are covered in config_test.cc).
#include "experiment/validate.h"

#include <string>

#include "absl/status/status.h"
#include "core/check.h"
#include "experiment/config_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::IsOk;
using ::nfalab::testing::StatusIs;
using ::testing::HasSubstr;

ExperimentConfig Config(const std::string& text) {
  absl::StatusOr<ExperimentConfig> config = ParseConfig(text, "test");
  NFALAB_CHECK(config.ok()) << config.status();
  return *config;
}

ExperimentConfig Named(const std::string& name) {
  ExperimentConfig config;
  config.set_name(name);
  return config;
}

TEST(ValidateNameTest, PathEscapingNameIsRejectedNamingTheRule) {
  EXPECT_THAT(ValidateConfig(Named("../../../x")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "name \"../../../x\" is not a valid run name: it must "
                       "be 1 to 200 characters from A-Z a-z 0-9 . _ - =, and "
                       "not \".\" or \"..\" (without --out the run is written "
                       "to runs/<name>)"));
}

TEST(ValidateNameTest, RejectsEveryNameThatIsNotOneSafeComponent) {
  for (const std::string& name :
       {std::string(""), std::string("."), std::string(".."),
        std::string("a/b"), std::string("/abs"), std::string("a b"),
        std::string("tab\there"), std::string("caf\xc3\xa9"),
        std::string("nul\0x", 5), std::string(201, 'a')}) {
    EXPECT_THAT(ValidateConfig(Named(name)),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("is not a valid run name")))
        << name;
  }
}

TEST(ValidateNameTest, AcceptsConfigAndStudyRunNames) {
  for (const std::string& name :
       {std::string("experiment"), std::string("Teacher-MLP.v2"),
        std::string("irrelevant_std=0.25__optimizer=slo__seed12"),
        std::string("..."), std::string(200, 'a')}) {
    EXPECT_THAT(ValidateConfig(Named(name)), IsOk()) << name;
  }
}

TEST(ValidateMeasurementTest, RepeatedMeasureIsRejectedNamingItAndTheField) {
  EXPECT_THAT(
      ValidateConfig(Config(
          R"pb(measurement { measures: [ "uc_nfc", "c_nfc", "uc_nfc" ] })pb")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "measurement.measures lists \"uc_nfc\" twice (entries 0 and "
               "2)"));
}

TEST(ValidateMeasurementTest, RepeatedLayerIsRejectedNamingItAndTheField) {
  EXPECT_THAT(
      ValidateConfig(Config(R"pb(measurement { layers: [ 2, 1, 2 ] })pb")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "measurement.layers lists layer 2 twice (entries 0 and 2)"));
}

TEST(ValidateMeasurementTest, DistinctMeasuresAndLayersAreAccepted) {
  EXPECT_THAT(ValidateConfig(Config(R"pb(
                measurement {
                  measures: [ "uc_nfc", "c_nfc", "weight_change" ]
                  layers: [ 3, 1, 6 ]
                })pb")),
              IsOk());
}

}  // namespace
}  // namespace nfalab
