// How much memory this process can still get from the machine, so that a run
// can be refused before it allocates more than there is.
//
//   absl::StatusOr<int64_t> available = AvailableMemoryBytes();
//   if (available.ok() && needed > *available) { ... refuse ... }
//
// The figure is the kernel's MemAvailable (/proc/meminfo, Linux >= 3.14):
// free memory plus the page cache and reclaimable slab that can be dropped
// without swapping. Where that line is missing it falls back to sysinfo(2)'s
// freeram + bufferram, which undercounts the page cache. Neither sees cgroup
// or ulimit limits.
#ifndef NFALAB_CORE_SYSTEM_MEMORY_H_
#define NFALAB_CORE_SYSTEM_MEMORY_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nfalab {

// Bytes available to allocate now; Unavailable if the system does not say.
absl::StatusOr<int64_t> AvailableMemoryBytes();

// The MemAvailable line of /proc/meminfo text ("MemAvailable: 123 kB"), in
// bytes. NotFound if there is no such line, InvalidArgument if it is
// malformed.
absl::StatusOr<int64_t> ParseMemAvailable(absl::string_view meminfo);

}  // namespace nfalab

#endif  // NFALAB_CORE_SYSTEM_MEMORY_H_
