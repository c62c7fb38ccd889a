// Both cores where BLAS alone does not use them: independent tasks (PTK
// chunks, say) on worker threads, each calling a single-threaded BLAS. Many
// small GEMMs on a multithreaded OpenBLAS spend their time waking and
// spinning its threads; one task per core keeps every core in a kernel.
//
// Results stay reproducible: ParallelFor only decides which thread runs a
// task, so a caller that gives each task its own output and combines the
// outputs in task order gets the same bits for any number of workers (with
// OpenBLAS at one thread per call, as ScopedSingleThreadedBlas sets).
//
//   const int workers = ParallelWorkers();
//   ScopedSingleThreadedBlas single_threaded(workers > 1);
//   ParallelFor(tasks, workers, [&](int task, int worker) { ... });
#ifndef NFALAB_CORE_PARALLEL_H_
#define NFALAB_CORE_PARALLEL_H_

#include <functional>

namespace nfalab {

// Worker threads to use: 1 inside a ParallelFor task (no nesting), else
// NFALAB_THREADS when set to a positive integer, else OpenBLAS's thread
// count as it was before any ScopedSingleThreadedBlas (it follows
// OPENBLAS_NUM_THREADS) in an OpenBLAS build, else the hardware's core
// count.
int ParallelWorkers();

// Runs fn(task, worker) for every task in [0, tasks) on `workers` threads
// (the caller's among them, the others from a pool kept for the process),
// worker in [0, workers); returns when all are done. A worker takes tasks
// worker, worker + workers, ... in order, so the assignment is fixed for a
// given worker count. Inside a task it runs on the calling thread. fn must
// not throw. Pool threads spin for about 0.1 ms after a job, then sleep.
void ParallelFor(int tasks, int workers,
                 const std::function<void(int task, int worker)>& fn);

// While alive and `active`, OpenBLAS runs each call on the calling thread;
// the previous thread count comes back on destruction. A no-op without
// OpenBLAS (Eigen's own kernels are single-threaded here). OpenBLAS's
// count is process-wide: do not overlap it with BLAS work elsewhere that
// expects its threads.
class ScopedSingleThreadedBlas {
 public:
  explicit ScopedSingleThreadedBlas(bool active);
  ~ScopedSingleThreadedBlas();
  ScopedSingleThreadedBlas(const ScopedSingleThreadedBlas&) = delete;
  ScopedSingleThreadedBlas& operator=(const ScopedSingleThreadedBlas&) = delete;

 private:
  int previous_threads_ = 0;  // 0: nothing to restore.
};

}  // namespace nfalab

#endif  // NFALAB_CORE_PARALLEL_H_
