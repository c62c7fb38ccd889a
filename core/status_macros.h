// Status propagation helpers (absl 20220623 ships none).
//
//   absl::Status Load() {
//     NFALAB_RETURN_IF_ERROR(Validate(config));
//     NFALAB_ASSIGN_OR_RETURN(Dataset data, ReadDataset(path));
//     ...
//   }
//
// AnnotateStatus keeps the code and prefixes context as errors move up:
//   return AnnotateStatus(status, absl::StrCat("layer ", i));
#ifndef NFALAB_CORE_STATUS_MACROS_H_
#define NFALAB_CORE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nfalab {

// Returns `status` with "context: " prefixed to its message; OK stays OK.
absl::Status AnnotateStatus(const absl::Status& status,
                            absl::string_view context);

}  // namespace nfalab

#define NFALAB_STATUS_CONCAT_INNER_(a, b) a##b
#define NFALAB_STATUS_CONCAT_(a, b) NFALAB_STATUS_CONCAT_INNER_(a, b)

#define NFALAB_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    const ::absl::Status nfalab_status_ = (expr);    \
    if (!nfalab_status_.ok()) return nfalab_status_; \
  } while (false)

#define NFALAB_ASSIGN_OR_RETURN(lhs, expr) \
  NFALAB_ASSIGN_OR_RETURN_IMPL_(           \
      NFALAB_STATUS_CONCAT_(nfalab_statusor_, __LINE__), lhs, expr)

#define NFALAB_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // NFALAB_CORE_STATUS_MACROS_H_
