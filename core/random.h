// Rng: a small deterministic random number generator (xoshiro256**, seeded
// through splitmix64) with its own distributions, so the same seed gives the
// same stream bit for bit, independent of the standard library's
// implementation-defined distributions.
//
//   Rng rng(/*seed=*/42);
//   double u = rng.Uniform();          // [0, 1)
//   double z = rng.Normal();           // N(0, 1)
//   rng.Shuffle(&indices);
//   Rng child = rng.Fork();            // an independent stream
//
// State() / FromState() save and restore the exact position (checkpoints).
#ifndef NFALAB_CORE_RANDOM_H_
#define NFALAB_CORE_RANDOM_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace nfalab {

class Rng {
 public:
  using State = std::array<uint64_t, 5>;  // 4 words + cached normal flag/bits.

  explicit Rng(uint64_t seed);

  uint64_t NextU64();
  // Uniform in [0, 1) with 53 random bits.
  double Uniform();
  // Uniform in [lo, hi).
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Standard normal (Marsaglia polar method; the spare value is cached).
  double Normal();
  // Uniform integer in [0, n), unbiased (rejection). n must be positive.
  uint64_t UniformInt(uint64_t n);
  // Fisher-Yates shuffle.
  template <typename T>
  void Shuffle(std::vector<T>* values) {
    for (size_t i = values->size(); i > 1; --i) {
      std::swap((*values)[i - 1], (*values)[UniformInt(i)]);
    }
  }
  // A generator seeded from this one's stream; advances this generator.
  Rng Fork();

  State SaveState() const;
  static Rng FromState(const State& state);

 private:
  Rng() = default;

  std::array<uint64_t, 4> s_{};
  bool has_spare_normal_ = false;
  double spare_normal_ = 0.0;
};

}  // namespace nfalab

#endif  // NFALAB_CORE_RANDOM_H_
