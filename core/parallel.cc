#include "core/parallel.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <memory>
#include <mutex>
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

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

// Threads kept for ParallelFor: starting a thread per call costs 50-150 us
// on this project's VMs, as much as a small GEMM. A pool thread waits for
// its own ticket, so a job wakes only the threads it needs; between jobs
// it spins (pause, no system call) for about 0.1 ms, the gap between a
// step's layers, then sleeps. One job runs at a time.
class WorkerPool {
 public:
  static WorkerPool*& Global() {
    static WorkerPool* pool = [] {
      // A forked child has none of the parent's threads: it starts a new
      // pool (the old one is left, unusable, to the child's exit).
      pthread_atfork(nullptr, nullptr, [] { Global() = new WorkerPool(); });
      return new WorkerPool();  // Never destroyed: its threads outlive main.
    }();
    return pool;
  }

  // Runs run_worker(w) for w in [0, workers), 0 on the calling thread;
  // returns when all have returned.
  void Run(int workers, const std::function<void(int)>& run_worker) {
    std::lock_guard<std::mutex> one_job(dispatch_mutex_);
    while (static_cast<int>(tickets_.size()) < workers - 1) {
      tickets_.emplace_back(0);
      std::atomic<uint64_t>* ticket = &tickets_.back();
      const int worker = static_cast<int>(tickets_.size());
      std::thread([this, ticket, worker] { Loop(ticket, worker); }).detach();
    }
    job_ = &run_worker;
    pending_.store(workers - 1, std::memory_order_relaxed);
    ++job_number_;
    {
      std::lock_guard<std::mutex> lock(sleep_mutex_);
      for (int t = 0; t < workers - 1; ++t) {
        tickets_[t].store(job_number_, std::memory_order_release);
      }
    }
    wake_.notify_all();
    run_worker(0);
    while (pending_.load(std::memory_order_acquire) != 0) CpuRelax();
  }

 private:
  static constexpr int kSpins = 20000;

  void Loop(std::atomic<uint64_t>* ticket, int worker) {
    uint64_t seen = 0;
    for (;;) {
      uint64_t now = ticket->load(std::memory_order_acquire);
      for (int spin = 0; now == seen && spin < kSpins; ++spin) {
        CpuRelax();
        now = ticket->load(std::memory_order_acquire);
      }
      if (now == seen) {
        std::unique_lock<std::mutex> lock(sleep_mutex_);
        wake_.wait(lock, [&] {
          return ticket->load(std::memory_order_acquire) != seen;
        });
        now = ticket->load(std::memory_order_acquire);
      }
      seen = now;
      (*job_)(worker);
      pending_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  std::mutex dispatch_mutex_;
  // Thread w + 1's job number; a deque keeps them in place as it grows.
  std::deque<std::atomic<uint64_t>> tickets_;
  uint64_t job_number_ = 0;
  const std::function<void(int)>* job_ = nullptr;
  std::atomic<int> pending_{0};
  std::mutex sleep_mutex_;
  std::condition_variable wake_;
};

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
  // Inside a task the work stays on its thread (same worker numbers).
  if (workers == 1 || in_parallel_task) {
    for (int worker = 0; worker < workers; ++worker) run(worker);
    return;
  }
  WorkerPool::Global()->Run(workers, run);
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
