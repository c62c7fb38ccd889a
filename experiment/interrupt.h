// Interrupts that stop a run cleanly. While a ScopedInterruptHandlers is
// alive, SIGINT and SIGTERM only record the signal; the training loop polls
// PendingInterruptSignal() after every optimizer step, then saves what a
// resume needs and returns Cancelled (experiment/trainer.h). A second signal
// while the first is pending ends the process at once with the signal's
// default action; every results file is written atomically, so that leaves
// the files of the first signal or older ones, never half-written ones.
//
//   ScopedInterruptHandlers handlers;
//   options.interrupt_signal = [](int64_t) { return PendingInterruptSignal();
//   };
//   ... RunExperiment(config, options) ...
//   if (PendingInterruptSignal() == SIGINT) exit code 130
#ifndef NFALAB_EXPERIMENT_INTERRUPT_H_
#define NFALAB_EXPERIMENT_INTERRUPT_H_

#include <signal.h>

#include <string>

namespace nfalab {

// Installs the SIGINT and SIGTERM handlers (sigaction) and clears any
// recorded signal; the destructor restores the previous handlers. A signal
// that was ignored when the process started (nohup, a background job of a
// script) stays ignored. Not nestable.
class ScopedInterruptHandlers {
 public:
  ScopedInterruptHandlers();
  ~ScopedInterruptHandlers();
  ScopedInterruptHandlers(const ScopedInterruptHandlers&) = delete;
  ScopedInterruptHandlers& operator=(const ScopedInterruptHandlers&) = delete;

 private:
  struct sigaction previous_int_;
  struct sigaction previous_term_;
};

// The first SIGINT or SIGTERM received since the handlers were installed,
// or 0. Stays set after they are removed, until the next installation.
int PendingInterruptSignal();

// "SIGINT", "SIGTERM", or "signal <n>".
std::string SignalName(int signal);

}  // namespace nfalab

#endif  // NFALAB_EXPERIMENT_INTERRUPT_H_
