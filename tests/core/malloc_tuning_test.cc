#include "core/malloc_tuning.h"

#include <sys/resource.h>

#include <cstdlib>
#include <cstring>

#include "gtest/gtest.h"

namespace nfalab {
namespace {

long MinorFaults() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

// Page faults of the third round of: allocate and fill eight 4 MiB blocks
// (a step's layer buffers), then free them all.
long FaultsOfARepeatedStep() {
  constexpr int kBlocks = 8;
  constexpr size_t kBytes = size_t{4} << 20;
  long before = 0;
  for (int round = 0; round < 3; ++round) {
    if (round == 2) before = MinorFaults();
    void* blocks[kBlocks];
    for (void*& block : blocks) {
      block = std::malloc(kBytes);
      std::memset(block, round, kBytes);
    }
    for (void* block : blocks) std::free(block);
  }
  return MinorFaults() - before;
}

// With glibc's defaults the 32 MiB freed at the end of a round exceed the
// trim threshold (twice the dynamic mmap threshold, 8 MiB here), the heap
// is trimmed, and refilling faults in all 8192 pages again; once retained,
// the freed memory is reused. One test binary, so the default runs first.
TEST(MallocTuningTest, FreedBlocksAreReusedWithoutPageFaults) {
  const long by_default = FaultsOfARepeatedStep();
  ASSERT_TRUE(RetainFreedMemory());
  const long retained = FaultsOfARepeatedStep();
  EXPECT_GT(by_default, 4000) << "glibc's default should trim and refault";
  EXPECT_LT(retained, 100);
}

}  // namespace
}  // namespace nfalab
