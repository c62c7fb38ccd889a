// LoadPlugin's errors: a missing file, a file that is not a shared library,
// and a real shared library that registers nothing; and the fingerprint
// comparison behind the ABI guard. (Loading real plugins, and refusing a
// mis-built one, is tests/plugins/.)
#include "cli/plugin_loader.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "core/file_io.h"
#include "core/plugin_abi.h"
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
  EXPECT_THAT(LoadPlugin(path).status(),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr(path + " does not exist")));
  EXPECT_THAT(LoadPlugin("").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("needs a path")));
}

TEST(PluginLoaderTest, FileThatIsNotASharedLibraryIsInvalidArgument) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  ASSERT_NE(tmp, nullptr);
  const std::string path = std::string(tmp) + "/text_plugin.so";
  ASSERT_TRUE(WriteFileAtomically(path, "not an ELF file\n").ok());
  // Refused while reading its fingerprint, before dlopen.
  EXPECT_THAT(LoadPlugin(path).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(path + " is not a well-formed ELF")));
}

TEST(PluginLoaderTest, SharedLibraryThatRegistersNothingIsNotAPlugin) {
  const std::string path = RunfilePath("tests/cli/libnot_a_plugin.so");
  ASSERT_EQ(access(path.c_str(), R_OK), 0) << path;
  const size_t before = RegisteredNameCount();
  for (int attempt = 0; attempt < 2; ++attempt) {  // Still rejected again.
    EXPECT_THAT(LoadPlugin(path).status(),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr(path +
                                   " is not an nfalab plugin: it registers "
                                   "nothing with nfalab's NFALAB_REGISTER_* "
                                   "macros (no .nfalab_abi section)")))
        << "attempt " << attempt;
  }
  EXPECT_EQ(RegisteredNameCount(), before);
  EXPECT_TRUE(LoadedPlugins().empty());
}

constexpr char kBinary[] =
    "nfalab-plugin-abi api=1 cplusplus=201703L eigen_max_align_bytes=64 "
    "ndebug=1";

TEST(AbiDifferencesTest, EqualFingerprintsHaveNone) {
  EXPECT_EQ(DescribeAbiDifferences(kBinary, kBinary), "");
}

TEST(AbiDifferencesTest, NamesEachDifferingSettingWithBothValues) {
  EXPECT_EQ(DescribeAbiDifferences(
                "nfalab-plugin-abi api=1 cplusplus=201402L "
                "eigen_max_align_bytes=16 ndebug=1",
                kBinary),
            "cplusplus=201402L (nfalab: 201703L), "
            "eigen_max_align_bytes=16 (nfalab: 64)");
}

TEST(AbiDifferencesTest, SettingsKnownToOnlyOneSideDiffer) {
  // A plugin from a newer nfalab with a setting this binary does not know,
  // and one that lacks a setting.
  EXPECT_EQ(DescribeAbiDifferences(
                "nfalab-plugin-abi api=1 cplusplus=201703L "
                "eigen_max_align_bytes=64 ndebug=1 new_setting=7",
                kBinary),
            "new_setting=7 (nfalab: (absent))");
  EXPECT_EQ(DescribeAbiDifferences(
                "nfalab-plugin-abi api=1 cplusplus=201703L ndebug=1", kBinary),
            "eigen_max_align_bytes=(absent) (nfalab: 64)");
}

TEST(AbiDifferencesTest, ThisBinarysFingerprintNamesEveryDocumentedSetting) {
  // The binary compares against NFALAB_ABI_FINGERPRINT; each key the header
  // documents must be in it, or a difference there would go unnoticed.
  const std::string fingerprint = NFALAB_ABI_FINGERPRINT;
  for (const char* key :
       {" api=", " cplusplus=", " eigen=", " eigen_max_align_bytes=",
        " eigen_max_static_align_bytes=", " eigen_simd=", " eigen_index=",
        " eigen_use_blas=", " ndebug=", " cxx11_abi="}) {
    EXPECT_THAT(fingerprint, HasSubstr(key));
  }
  EXPECT_THAT(fingerprint, HasSubstr(" cplusplus=201703L"));
  EXPECT_THAT(fingerprint, HasSubstr(" ndebug=1"));  // Bazel's -c opt.
}

}  // namespace
}  // namespace nfalab
