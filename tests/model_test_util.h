// Models written as ModelConfig text, for tests.
#ifndef NFALAB_TESTS_MODEL_TEST_UTIL_H_
#define NFALAB_TESTS_MODEL_TEST_UTIL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/random.h"
#include "core/sample_shape.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "layers/model_config.pb.h"
#include "layers/sequential.h"

namespace nfalab {
namespace testing {

// The config `text` describes; a parse error fails the test.
inline ModelConfig ParseModel(const std::string& text) {
  ModelConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config))
      << text;
  return config;
}

// Model::Create of `text` for `input` samples and `outputs` outputs.
inline absl::StatusOr<Model> BuildModel(const std::string& text,
                                        const SampleShape& input, int outputs,
                                        uint64_t seed = 7) {
  Rng rng(seed);
  return Model::Create(ParseModel(text), input, outputs, &rng);
}

// The registry names of the model's layers, in order.
inline std::vector<std::string> LayerTypes(const Model& model) {
  std::vector<std::string> types;
  for (int j = 0; j < model.num_layers(); ++j) {
    types.push_back(model.layer(j).type());
  }
  return types;
}

}  // namespace testing
}  // namespace nfalab

#endif  // NFALAB_TESTS_MODEL_TEST_UTIL_H_
