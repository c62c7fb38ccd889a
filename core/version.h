// The nfalab release. Checkpoints and summary.json record it, so a file can
// be traced to the code that wrote it.
#ifndef NFALAB_CORE_VERSION_H_
#define NFALAB_CORE_VERSION_H_

namespace nfalab {

inline constexpr char kNfalabVersion[] = "0.11.0";

}  // namespace nfalab

#endif  // NFALAB_CORE_VERSION_H_
