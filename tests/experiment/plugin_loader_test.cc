// LoadPlugin's errors: a missing file, a file that is not a shared library,
// and a real shared library that registers nothing. (Loading a real plugin
// is tests/plugins/.)
#include "experiment/plugin_loader.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "core/file_io.h"
#include "datasets/dataset_source.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "layers/activation.h"
#include "metrics/alignment_measure.h"
#include "optimizers/optimizer.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::StatusIs;
using ::testing::HasSubstr;

// The test's runfiles directory is the current directory.
std::string RunfilePath(const std::string& relative) {
  char cwd[4096];
  EXPECT_NE(getcwd(cwd, sizeof(cwd)), nullptr);
  return std::string(cwd) + "/" + relative;
}

size_t RegisteredNameCount() {
  return ActivationRegistry::Global().Names().size() +
         AlignmentMeasureRegistry::Global().Names().size() +
         OptimizerRegistry::Global().Names().size() +
         DatasetSourceRegistry::Global().Names().size();
}

TEST(PluginLoaderTest, MissingFileIsNotFoundNamingIt) {
  const std::string path = RunfilePath("no/such/libplugin.so");
  EXPECT_THAT(LoadPlugin(path), StatusIs(absl::StatusCode::kNotFound,
                                         HasSubstr(path + " does not exist")));
  EXPECT_THAT(LoadPlugin(""), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("needs a path")));
}

TEST(PluginLoaderTest, FileThatIsNotASharedLibraryIsInvalidArgument) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  ASSERT_NE(tmp, nullptr);
  const std::string path = std::string(tmp) + "/text_plugin.so";
  ASSERT_TRUE(WriteFileAtomically(path, "not an ELF file\n").ok());
  // The message names the path and carries dlerror()'s explanation, which
  // itself names the file again.
  EXPECT_THAT(LoadPlugin(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("cannot load plugin " + path + ": ")));
}

TEST(PluginLoaderTest, SharedLibraryThatRegistersNothingIsNotAPlugin) {
  const std::string path = RunfilePath("tests/experiment/libnot_a_plugin.so");
  ASSERT_EQ(access(path.c_str(), R_OK), 0) << path;
  const size_t before = RegisteredNameCount();
  for (int attempt = 0; attempt < 2; ++attempt) {  // Still rejected again.
    EXPECT_THAT(
        LoadPlugin(path),
        StatusIs(absl::StatusCode::kInvalidArgument,
                 HasSubstr(path +
                           " is not an nfalab plugin: it registered no "
                           "activation, measure, optimizer or dataset source")))
        << "attempt " << attempt;
  }
  EXPECT_EQ(RegisteredNameCount(), before);
}

}  // namespace
}  // namespace nfalab
