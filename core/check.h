// Invariant checks for programmer errors (never for user input, which gets an
// absl::Status). A failed check prints file:line and the message, then aborts.
//
//   NFALAB_CHECK(layer < num_layers()) << "layer " << layer;
//   NFALAB_DCHECK(i < n);  // compiled out with -c opt (NDEBUG)
#ifndef NFALAB_CORE_CHECK_H_
#define NFALAB_CORE_CHECK_H_

#include <sstream>

namespace nfalab::internal {

// Collects the streamed message; its destructor prints and aborts.
class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition);
  [[noreturn]] ~CheckFailure();
  std::ostream& stream() { return stream_; }

 private:
  std::ostringstream stream_;
};

// Lets `cond ? (void)0 : Voidify() & stream` type-check.
struct Voidify {
  void operator&(std::ostream&) {}
};

}  // namespace nfalab::internal

#define NFALAB_CHECK(condition)                                              \
  (condition)                                                                \
      ? (void)0                                                              \
      : ::nfalab::internal::Voidify() &                                      \
            ::nfalab::internal::CheckFailure(__FILE__, __LINE__, #condition) \
                .stream()

#ifdef NDEBUG
#define NFALAB_DCHECK(condition) \
  while (false) NFALAB_CHECK(condition)
#else
#define NFALAB_DCHECK(condition) NFALAB_CHECK(condition)
#endif

#endif  // NFALAB_CORE_CHECK_H_
