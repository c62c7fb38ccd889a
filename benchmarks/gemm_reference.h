// The references every benchmark compares against: plain row-major float
// GEMMs C = A B on the BLAS backend, reporting the same `flops` rate counter
// as the benchmarks they stand beside, so that a ratio of `flops` is the
// efficiency of the benchmarked code relative to the backend.
//
//   RunGemmWithFlops  A: [rows, inner], B: [inner, N], N chosen so that its
//                     2 rows inner N FLOPs match `flops` (to the nearest N):
//                     a GEMM of the benchmark's own shape and size.
//   RunSquareGemm     A, B: [n, n] (2 n^3 FLOPs): the machine's best GEMM
//                     rate, for n large enough (2048) to reach it.
#ifndef NFALAB_BENCHMARKS_GEMM_REFERENCE_H_
#define NFALAB_BENCHMARKS_GEMM_REFERENCE_H_

#include <cmath>
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

inline void RunGemmWithFlops(benchmark::State& state, int64_t rows,
                             int64_t inner, double flops) {
  const int64_t n = std::llround(flops / (2.0 * rows * inner));
  RunGemm(state, rows, inner, n);
  state.counters["N"] = static_cast<double>(n);
}

inline void RunSquareGemm(benchmark::State& state, int64_t n) {
  RunGemm(state, n, n, n);
}

}  // namespace nfalab

#endif  // NFALAB_BENCHMARKS_GEMM_REFERENCE_H_
