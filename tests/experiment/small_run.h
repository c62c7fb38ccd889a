// The small synthetic regression run that trainer tests start from
// (depth 2, width 24, 256 training rows, 4 epochs of batch 32), a helper
// that runs a config in a fresh directory under the test's TempDir, and
// small image data for the "npy" source.
#ifndef NFALAB_TESTS_EXPERIMENT_SMALL_RUN_H_
#define NFALAB_TESTS_EXPERIMENT_SMALL_RUN_H_

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "core/check.h"
#include "core/file_io.h"
#include "core/npy.h"
#include "core/random.h"
#include "core/tensor.h"
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

// Writes n_train training and n_test test images of 2 x 8 x 8 (Gaussian
// pixels from Rng(seed)) with two regression targets, smooth functions of
// the pixels, as X_{train,test}.npy and y_{train,test}.npy (the "npy"
// source's files) into `dir`, which it creates.
inline void WriteImageRegressionNpy(const std::string& dir, uint64_t seed,
                                    int n_train, int n_test) {
  NFALAB_CHECK(MakeDirectories(dir).ok());
  Rng rng(seed);
  for (const auto& [split, n] : std::vector<std::pair<std::string, int>>{
           {"train", n_train}, {"test", n_test}}) {
    Matrix x(n, 2 * 8 * 8), y(n, 2);
    for (Eigen::Index i = 0; i < x.size(); ++i) {
      x.data()[i] = static_cast<float>(rng.Normal());
    }
    for (int i = 0; i < n; ++i) {
      y(i, 0) = std::tanh(x.row(i).head(64).mean() * 4);
      y(i, 1) = x.row(i).tail(64).cwiseAbs().mean() - 0.8f;
    }
    NFALAB_CHECK(WriteNpy(dir + "/X_" + split + ".npy", x, {n, 2, 8, 8}).ok());
    NFALAB_CHECK(WriteNpy(dir + "/y_" + split + ".npy", y).ok());
  }
}

// <TempDir>/<prefix>_<name>.
inline std::string SmallRunDir(const std::string& prefix,
                               const std::string& name) {
  return ::testing::TempDir() + "/" + prefix + "_" + name;
}

}  // namespace testing
}  // namespace nfalab

#endif  // NFALAB_TESTS_EXPERIMENT_SMALL_RUN_H_
