// Every registered optimizer (built-ins and //plugins:all) passes
// CheckOptimizer (cli/conformance.h): created from
// ConformanceOptimizerConfig(name), 5 full-batch steps at lr 0.01 lower the
// MSE of a tiny tanh MLP, without and with bias. Planted faults show that
// each check fails.
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cli/conformance.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "optimizers/optimizer.h"
#include "optimizers/slo_options.pb.h"
#include "tests/plugins/conformance_test_util.h"

namespace nfalab {
namespace {

using ::nfalab::testing::ExpectNoFailedCheck;
using ::nfalab::testing::RowOf;
using ::testing::ElementsAre;
using ::testing::MatchesRegex;

class OptimizerConformanceTest : public ::testing::TestWithParam<std::string> {
};

TEST_P(OptimizerConformanceTest, PassesEveryCheck) {
  const std::vector<ConformanceCheck> checks = CheckOptimizer(GetParam());
  ASSERT_EQ(checks.size(), 3u) << FormatCheck(checks.front());
  ExpectNoFailedCheck(checks);
}

INSTANTIATE_TEST_SUITE_P(
    AllOptimizers, OptimizerConformanceTest,
    ::testing::ValuesIn(OptimizerRegistry::Global().Names()),
    [](const ::testing::TestParamInfo<std::string>& info) {
      return info.param;
    });

TEST(OptimizerChecksTest, SgdRowsShowTheLossGoingDown) {
  const ConformanceCheck row =
      RowOf(CheckOptimizer("sgd"), "loss descent (no bias)");
  EXPECT_EQ(row.result, CheckResult::kPass);
  EXPECT_THAT(row.detail,
              MatchesRegex("MSE [0-9.]+ -> [0-9.]+ in 5 steps at lr 0.01"));
}

// Planted faults.

// Steps along +gradient.
class GradientAscent : public Optimizer {
 public:
  explicit GradientAscent(double learning_rate) : Optimizer(learning_rate) {}
  absl::Status Step(const Gradients& gradients,
                    const std::vector<ParameterBlock>& parameters) override {
    for (size_t i = 0; i < parameters.size(); ++i) {
      *parameters[i].weight +=
          static_cast<float>(learning_rate()) * gradients.weight[i];
    }
    return absl::OkStatus();
  }
};

class StepFails : public Optimizer {
 public:
  StepFails() : Optimizer(0.01) {}
  absl::Status Step(const Gradients&,
                    const std::vector<ParameterBlock>&) override {
    return absl::InvalidArgumentError("no step today");
  }
};

TEST(OptimizerChecksTest, ConfigIsTheDefaultAtASmallRatePlusExampleOptions) {
  const OptimizerConfig sgd = ConformanceOptimizerConfig("sgd");
  EXPECT_EQ(sgd.name(), "sgd");
  EXPECT_EQ(sgd.learning_rate(), 0.01);
  EXPECT_EQ(sgd.momentum(), 0.0);
  EXPECT_FALSE(sgd.has_options());  // sgd declares no options.
  // slo's registered example, not a name-specific rule in the checks.
  const OptimizerConfig slo = ConformanceOptimizerConfig("slo");
  SloOptions options;
  ASSERT_TRUE(slo.options().UnpackTo(&options));
  EXPECT_THAT(options.target_layers(), ElementsAre(1));
}

// A planted optimizer that needs its options: the checks hand it the
// example it registered, so it passes.
TEST(OptimizerChecksTest, EntryWithOptionsIsCreatedFromItsExample) {
  SloOptions example;
  example.add_target_layers(7);
  const ScopedRegistration<OptimizerRegistry> planted(
      OptimizerRegistry::Global(), "test_needs_options",
      [](const OptimizerConfig& config)
          -> absl::StatusOr<std::unique_ptr<Optimizer>> {
        SloOptions options;
        if (!config.options().UnpackTo(&options) ||
            options.target_layers_size() != 1 ||
            options.target_layers(0) != 7) {
          return absl::InvalidArgumentError("no example options");
        }
        return std::make_unique<StepFails>();
      },
      std::make_shared<const SloOptions>(example));
  const std::vector<ConformanceCheck> checks =
      CheckOptimizer("test_needs_options");
  ASSERT_EQ(checks.size(), 3u);
  EXPECT_EQ(checks[0].result, CheckResult::kPass) << checks[0].detail;
}

TEST(OptimizerChecksTest, GradientAscentFails) {
  const ScopedRegistration<OptimizerRegistry> planted(
      OptimizerRegistry::Global(), "test_ascent",
      [](const OptimizerConfig& config)
          -> absl::StatusOr<std::unique_ptr<Optimizer>> {
        return std::make_unique<GradientAscent>(config.learning_rate());
      });
  const std::vector<ConformanceCheck> checks = CheckOptimizer("test_ascent");
  ASSERT_EQ(checks.size(), 3u);
  EXPECT_EQ(checks[0].result, CheckResult::kPass);
  for (const ConformanceCheck& row : {checks[1], checks[2]}) {
    EXPECT_EQ(row.result, CheckResult::kFail) << row.check;
    EXPECT_EQ(row.name, "test_ascent");
    EXPECT_THAT(row.detail, MatchesRegex("MSE ([0-9.]+) -> ([0-9.]+) in 5 "
                                         "steps at lr 0.01: no descent"));
  }
}

TEST(OptimizerChecksTest, OptimizerNeedingOptionsFailsWithTheCreationError) {
  const ScopedRegistration<OptimizerRegistry> planted(
      OptimizerRegistry::Global(), "test_needs_momentum",
      [](const OptimizerConfig& config)
          -> absl::StatusOr<std::unique_ptr<Optimizer>> {
        if (config.momentum() == 0) {
          return absl::InvalidArgumentError(
              "optimizer.momentum must be > 0 for test_needs_momentum");
        }
        return std::make_unique<GradientAscent>(config.learning_rate());
      });
  const std::vector<ConformanceCheck> checks =
      CheckOptimizer("test_needs_momentum");
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].check, "create with default config");
  EXPECT_EQ(checks[0].result, CheckResult::kFail);
  EXPECT_EQ(checks[0].detail,
            "optimizer.momentum must be > 0 for test_needs_momentum");
}

TEST(OptimizerChecksTest, FailingStepFailsWithItsMessage) {
  const ScopedRegistration<OptimizerRegistry> planted(
      OptimizerRegistry::Global(), "test_step_fails",
      [](const OptimizerConfig&) -> absl::StatusOr<std::unique_ptr<Optimizer>> {
        return std::make_unique<StepFails>();
      });
  const ConformanceCheck row =
      RowOf(CheckOptimizer("test_step_fails"), "loss descent (bias)");
  EXPECT_EQ(row.result, CheckResult::kFail);
  EXPECT_EQ(row.detail, "step 1 failed: no step today");
}

}  // namespace
}  // namespace nfalab
