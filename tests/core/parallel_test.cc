#include "core/parallel.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

#ifdef NFALAB_OPENBLAS
extern "C" {
int openblas_get_num_threads(void);
void openblas_set_num_threads(int threads);
}
#endif

namespace nfalab {
namespace {

TEST(ParallelForTest, RunsEveryTaskOnceOnItsFixedWorker) {
  for (int workers : {1, 2, 3, 8}) {
    for (int tasks : {0, 1, 2, 5, 17}) {
      std::vector<std::atomic<int>> runs(tasks);
      std::vector<int> worker_of(tasks, -1);
      std::mutex mutex;
      std::set<std::thread::id> threads;
      ParallelFor(tasks, workers, [&](int task, int worker) {
        runs[task].fetch_add(1);
        worker_of[task] = worker;
        std::lock_guard<std::mutex> lock(mutex);
        threads.insert(std::this_thread::get_id());
      });
      const int used = std::max(1, std::min(workers, tasks));
      for (int task = 0; task < tasks; ++task) {
        EXPECT_EQ(runs[task].load(), 1) << workers << " workers, task " << task;
        EXPECT_EQ(worker_of[task], task % used)
            << workers << " workers, task " << task;
      }
      if (tasks > 0) {
        EXPECT_EQ(static_cast<int>(threads.size()), used)
            << workers << " workers, " << tasks << " tasks";
      }
    }
  }
}

// The pool threads take job after job: every task of 20000 small jobs runs
// once, with workers sleeping or spinning in between.
TEST(ParallelForTest, ThePoolRunsManyJobsInARow) {
  std::atomic<int> runs{0};
  for (int job = 0; job < 20000; ++job) {
    ParallelFor(3, 2, [&](int, int) { runs.fetch_add(1); });
    if (job % 5000 == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(runs.load(), 60000);
}

// A forked child has none of the pool's threads; it starts its own.
TEST(ParallelForTest, AForkedChildRunsJobs) {
  ParallelFor(2, 2, [](int, int) {});  // The parent's pool exists.
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    alarm(10);  // A hang fails instead of blocking the test.
    std::atomic<int> runs{0};
    ParallelFor(4, 2, [&](int, int) { runs.fetch_add(1); });
    _exit(runs.load() == 4 ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "child status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(ParallelForTest, WorkInsideATaskStaysOnItsThread) {
  ASSERT_EQ(setenv("NFALAB_THREADS", "4", /*overwrite=*/1), 0);
  EXPECT_EQ(ParallelWorkers(), 4);
  std::vector<int> nested(3, 0);
  ParallelFor(3, 3, [&](int task, int) { nested[task] = ParallelWorkers(); });
  EXPECT_EQ(nested, std::vector<int>({1, 1, 1}));
  EXPECT_EQ(ParallelWorkers(), 4);  // And back outside.
  ASSERT_EQ(unsetenv("NFALAB_THREADS"), 0);
}

TEST(ParallelWorkersTest, ReadsNfalabThreadsAndIgnoresBadValues) {
  ASSERT_EQ(setenv("NFALAB_THREADS", "3", 1), 0);
  EXPECT_EQ(ParallelWorkers(), 3);
  ASSERT_EQ(unsetenv("NFALAB_THREADS"), 0);
  const int fallback = ParallelWorkers();
  EXPECT_GE(fallback, 1);
  for (const char* bad : {"0", "-2", "two", ""}) {
    ASSERT_EQ(setenv("NFALAB_THREADS", bad, 1), 0);
    EXPECT_EQ(ParallelWorkers(), fallback) << "\"" << bad << "\"";
  }
  ASSERT_EQ(unsetenv("NFALAB_THREADS"), 0);
}

#ifdef NFALAB_OPENBLAS
TEST(ScopedSingleThreadedBlasTest, SetsOneThreadAndRestores) {
  openblas_set_num_threads(2);
  const int outside = ParallelWorkers();
  {
    ScopedSingleThreadedBlas single(/*active=*/true);
    EXPECT_EQ(openblas_get_num_threads(), 1);
    // The workers keep OpenBLAS's count from before the scope.
    EXPECT_EQ(ParallelWorkers(), outside);
  }
  EXPECT_EQ(openblas_get_num_threads(), 2);
  {
    ScopedSingleThreadedBlas inactive(/*active=*/false);
    EXPECT_EQ(openblas_get_num_threads(), 2);
  }
  EXPECT_EQ(openblas_get_num_threads(), 2);
}
#endif

}  // namespace
}  // namespace nfalab
