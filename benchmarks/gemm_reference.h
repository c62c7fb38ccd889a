// The machine's GEMM limit that every benchmark's `flops` is read against:
// square sgemm C = A B (A, B: [n, n], 2 n^3 FLOPs) on the BLAS backend for
// n = 1024, 2048 and 4096, registered in each benchmark binary by
// NFALAB_BENCHMARK_BEST_SGEMM(), so that the best of the three comes from
// the same binary and run as the benchmarks beside it. Run the binary with
// OPENBLAS_NUM_THREADS=1 for the one-core limit of one-core figures.
//
// A GEMM of "the same FLOP count" in the benchmark's own shape is no such
// limit: a thin shape like [10000 x 256] x [256 x 3712] is bound by writing
// its output and runs at a quarter of the square rate, flattering a slow
// kernel beside it. It is not offered here.
#ifndef NFALAB_BENCHMARKS_GEMM_REFERENCE_H_
#define NFALAB_BENCHMARKS_GEMM_REFERENCE_H_

#include <cstdint>

#include "benchmark/benchmark.h"
#include "core/random.h"
#include "core/tensor.h"

namespace nfalab {

// Times C = A B with A: [rows, inner], B: [inner, cols] of uniform entries.
inline void RunGemm(benchmark::State& state, int64_t rows, int64_t inner,
                    int64_t cols) {
  Rng rng(/*seed=*/12345);
  Matrix a(rows, inner), b(inner, cols), c(rows, cols);
  for (Matrix* m : {&a, &b}) {
    for (Eigen::Index k = 0; k < m->size(); ++k) {
      m->data()[k] = static_cast<float>(rng.Uniform(-1.0, 1.0));
    }
  }
  for (auto _ : state) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  state.counters["flops"] = benchmark::Counter(
      2.0 * rows * inner * static_cast<double>(cols) * state.iterations(),
      benchmark::Counter::kIsRate);
}

inline void RunSquareGemm(benchmark::State& state, int64_t n) {
  RunGemm(state, n, n, n);
}

inline void BM_SquareSgemm(benchmark::State& state) {
  RunSquareGemm(state, state.range(0));
}

}  // namespace nfalab

// BM_SquareSgemm/1024, /2048 and /4096 (wall time, `flops` counter).
#define NFALAB_BENCHMARK_BEST_SGEMM()     \
  BENCHMARK(::nfalab::BM_SquareSgemm)     \
      ->Arg(1024)                         \
      ->Arg(2048)                         \
      ->Arg(4096)                         \
      ->Unit(benchmark::kMillisecond)     \
      ->UseRealTime()

namespace nfalab {

}  // namespace nfalab

#endif  // NFALAB_BENCHMARKS_GEMM_REFERENCE_H_
