// The small synthetic regression run that trainer tests start from
// (depth 2, width 24, 256 training rows, 4 epochs of batch 32), and a
// helper that runs a config in a fresh directory under the test's TempDir.
#ifndef NFALAB_TESTS_EXPERIMENT_SMALL_RUN_H_
#define NFALAB_TESTS_EXPERIMENT_SMALL_RUN_H_

#include <string>

#include "absl/status/statusor.h"
#include "core/check.h"
#include "experiment/config_io.h"
#include "experiment/experiment_config.pb.h"
#include "experiment/trainer.h"
#include "gtest/gtest.h"

namespace nfalab {
namespace testing {

inline ExperimentConfig SmallRunConfig() {
  absl::StatusOr<ExperimentConfig> config =
      ParseConfig(R"pb(
                    name: "small"
                    seed: 5
                    data {
                      source: "synthetic"
                      n_train: 256
                      n_test: 64
                      synthetic { input_dim: 8 teacher_width: 16 }
                    }
                    model { depth: 2 width: 24 }
                    optimizer { learning_rate: 0.2 }
                    training { epochs: 4 batch_size: 32 }
                  )pb",
                  "small");
  NFALAB_CHECK(config.ok()) << config.status();
  return *config;
}

// <TempDir>/<prefix>_<name>.
inline std::string SmallRunDir(const std::string& prefix,
                               const std::string& name) {
  return ::testing::TempDir() + "/" + prefix + "_" + name;
}

}  // namespace testing
}  // namespace nfalab

#endif  // NFALAB_TESTS_EXPERIMENT_SMALL_RUN_H_
