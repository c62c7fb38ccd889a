#include "core/malloc_tuning.h"

#include <malloc.h>

namespace nfalab {

bool RetainFreedMemory() {
  constexpr int kMmapThreshold = 32 << 20;  // glibc's maximum on 64 bits.
  constexpr int kTrimThreshold = 512 << 20;
  const bool mmap_set = mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 1;
  const bool trim_set = mallopt(M_TRIM_THRESHOLD, kTrimThreshold) == 1;
  return mmap_set && trim_set;
}

}  // namespace nfalab
