// AvailableMemoryBytes and the /proc/meminfo parser behind it.
#include "core/system_memory.h"

#include <sys/sysinfo.h>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kMeminfo[] =
    "MemTotal:       24683620 kB\n"
    "MemFree:         1519264 kB\n"
    "MemAvailable:   22518504 kB\n"
    "Buffers:          340312 kB\n";

TEST(SystemMemoryTest, ParsesMemAvailableInKibibytes) {
  NFALAB_ASSERT_OK_AND_ASSIGN(const int64_t bytes, ParseMemAvailable(kMeminfo));
  EXPECT_EQ(bytes, int64_t{22518504} * 1024);
}

TEST(SystemMemoryTest, MissingMemAvailableIsNotFound) {
  EXPECT_THAT(ParseMemAvailable("MemTotal: 1000 kB\nMemFree: 10 kB\n"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("MemAvailable")));
}

TEST(SystemMemoryTest, MalformedMemAvailableIsInvalidArgument) {
  for (const char* text :
       {"MemAvailable: lots kB\n", "MemAvailable: 12 MB\n", "MemAvailable:\n",
        "MemAvailable: -5 kB\n", "MemAvailable: 99999999999999999999 kB\n"}) {
    EXPECT_THAT(ParseMemAvailable(text),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("malformed MemAvailable")))
        << text;
  }
}

// The machine's figure is positive and at most its total RAM.
TEST(SystemMemoryTest, AvailableMemoryIsPositiveAndAtMostTheTotal) {
  struct sysinfo info;
  ASSERT_EQ(sysinfo(&info), 0);
  NFALAB_ASSERT_OK_AND_ASSIGN(const int64_t available, AvailableMemoryBytes());
  const double total = static_cast<double>(info.totalram) * info.mem_unit;
  EXPECT_GT(available, 0);
  EXPECT_LE(static_cast<double>(available), total);
}

}  // namespace
}  // namespace nfalab
