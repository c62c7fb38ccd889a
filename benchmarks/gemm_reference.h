// The reference every benchmark compares against: a plain row-major float
// GEMM C = A B with A: [rows, inner] and B: [inner, N], N chosen so that its
// 2 rows inner N FLOPs match `flops` (to the nearest N). Reports the same
// `flops` rate counter as the benchmark it stands beside, so their ratio is
// the efficiency of the benchmarked code relative to the BLAS backend.
#ifndef NFALAB_BENCHMARKS_GEMM_REFERENCE_H_
#define NFALAB_BENCHMARKS_GEMM_REFERENCE_H_

#include <cmath>
#include <cstdint>

#include "benchmark/benchmark.h"
#include "core/random.h"
#include "core/tensor.h"

namespace nfalab {

inline void RunGemmWithFlops(benchmark::State& state, int64_t rows,
                             int64_t inner, double flops) {
  const int64_t n = std::llround(flops / (2.0 * rows * inner));
  Rng rng(/*seed=*/12345);
  Matrix a(rows, inner), b(inner, n), c(rows, n);
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
  state.counters["N"] = static_cast<double>(n);
  state.counters["flops"] = benchmark::Counter(
      2.0 * rows * inner * static_cast<double>(n) * state.iterations(),
      benchmark::Counter::kIsRate);
}

}  // namespace nfalab

#endif  // NFALAB_BENCHMARKS_GEMM_REFERENCE_H_
