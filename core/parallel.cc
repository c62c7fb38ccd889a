#include "core/parallel.h"

#include <algorithm>
#include <cstdlib>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"

#ifdef NFALAB_OPENBLAS
extern "C" {
int openblas_get_num_threads(void);
void openblas_set_num_threads(int threads);
}
#endif

namespace nfalab {
namespace {

// Set on the threads of a running ParallelFor: work nested in a task stays
// on its thread.
thread_local bool in_parallel_task = false;

}  // namespace

int ParallelWorkers() {
  if (in_parallel_task) return 1;
  if (const char* env = std::getenv("NFALAB_THREADS")) {
    int threads = 0;
    if (absl::SimpleAtoi(env, &threads) && threads > 0) return threads;
  }
#ifdef NFALAB_OPENBLAS
  // OpenBLAS's count when first asked (at start-up it follows
  // OPENBLAS_NUM_THREADS), not while a ScopedSingleThreadedBlas holds it
  // at 1.
  static const int blas_threads = std::max(1, openblas_get_num_threads());
  return blas_threads;
#else
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
#endif
}

void ParallelFor(int tasks, int workers,
                 const std::function<void(int task, int worker)>& fn) {
  workers = std::max(1, std::min(workers, tasks));
  auto run = [&](int worker) {
    const bool outer = in_parallel_task;
    in_parallel_task = true;
    for (int task = worker; task < tasks; task += workers) fn(task, worker);
    in_parallel_task = outer;
  };
  std::vector<std::thread> threads;
  threads.reserve(workers - 1);
  for (int worker = 1; worker < workers; ++worker) {
    threads.emplace_back(run, worker);
  }
  run(0);
  for (std::thread& thread : threads) thread.join();
}

ScopedSingleThreadedBlas::ScopedSingleThreadedBlas(bool active) {
#ifdef NFALAB_OPENBLAS
  if (!active) return;
  ParallelWorkers();  // Reads OpenBLAS's own count first, if not yet done.
  previous_threads_ = openblas_get_num_threads();
  if (previous_threads_ > 1) {
    openblas_set_num_threads(1);
  } else {
    previous_threads_ = 0;
  }
#else
  (void)active;
#endif
}

ScopedSingleThreadedBlas::~ScopedSingleThreadedBlas() {
#ifdef NFALAB_OPENBLAS
  if (previous_threads_ > 0) openblas_set_num_threads(previous_threads_);
#endif
}

}  // namespace nfalab
