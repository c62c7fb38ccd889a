// File helpers shared by the dataset readers: bounded whole-file reads and
// path checks, with errors that name the path.
#ifndef NFALAB_DATASETS_FILE_UTIL_H_
#define NFALAB_DATASETS_FILE_UTIL_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nfalab {

// The whole file at `path`. NotFound if it does not exist,
// FailedPrecondition if it is not a regular file, InvalidArgument if it is
// larger than `max_bytes` (checked before anything is allocated).
absl::StatusOr<std::string> ReadFileUpTo(const std::string& path,
                                         int64_t max_bytes);

bool IsDirectory(const std::string& path);
bool IsRegularFile(const std::string& path);

// `name` if it is absolute, else `directory`/`name`.
std::string JoinPath(absl::string_view directory, absl::string_view name);

}  // namespace nfalab

#endif  // NFALAB_DATASETS_FILE_UTIL_H_
