#include "experiment/interrupt.h"

#include <atomic>

#include "absl/strings/str_cat.h"

namespace nfalab {
namespace {

// Lock-free, so the handler may touch it (async-signal-safe), and atomic, so
// the training thread may read it while a handler on another thread writes.
std::atomic<int> pending_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void RecordInterrupt(int signal) {
  int none = 0;
  if (!pending_signal.compare_exchange_strong(none, signal)) {
    // The second signal: the default action (termination) once the handler
    // returns. Both calls are async-signal-safe.
    ::signal(signal, SIG_DFL);
    raise(signal);
  }
}

void Install(int signal, struct sigaction* previous) {
  sigaction(signal, nullptr, previous);
  if (previous->sa_handler == SIG_IGN) return;
  struct sigaction action = {};
  action.sa_handler = RecordInterrupt;
  sigemptyset(&action.sa_mask);
  // Restart interrupted system calls: the loop notices the flag at the next
  // step; nothing else needs to see EINTR.
  action.sa_flags = SA_RESTART;
  sigaction(signal, &action, nullptr);
}

}  // namespace

ScopedInterruptHandlers::ScopedInterruptHandlers() {
  pending_signal.store(0);
  Install(SIGINT, &previous_int_);
  Install(SIGTERM, &previous_term_);
}

ScopedInterruptHandlers::~ScopedInterruptHandlers() {
  sigaction(SIGINT, &previous_int_, nullptr);
  sigaction(SIGTERM, &previous_term_, nullptr);
}

int PendingInterruptSignal() { return pending_signal.load(); }

std::string SignalName(int signal) {
  switch (signal) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    default:
      return absl::StrCat("signal ", signal);
  }
}

}  // namespace nfalab
