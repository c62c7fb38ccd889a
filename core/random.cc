#include "core/random.h"

#include <cmath>
#include <cstring>

#include "core/check.h"

namespace nfalab {
namespace {

uint64_t SplitMix64(uint64_t* x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t RotateLeft(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Rng::Rng(uint64_t seed) {
  uint64_t x = seed;
  for (uint64_t& word : s_) word = SplitMix64(&x);
}

uint64_t Rng::NextU64() {
  const uint64_t result = RotateLeft(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = RotateLeft(s_[3], 45);
  return result;
}

double Rng::Uniform() {
  return static_cast<double>(NextU64() >> 11) * 0x1.0p-53;
}

double Rng::Normal() {
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return spare_normal_;
  }
  double u, v, s;
  do {
    u = 2.0 * Uniform() - 1.0;
    v = 2.0 * Uniform() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double factor = std::sqrt(-2.0 * std::log(s) / s);
  spare_normal_ = v * factor;
  has_spare_normal_ = true;
  return u * factor;
}

uint64_t Rng::UniformInt(uint64_t n) {
  NFALAB_CHECK(n > 0) << "UniformInt needs a positive bound";
  // Reject the top partial block so every residue is equally likely.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do {
    x = NextU64();
  } while (x >= limit);
  return x % n;
}

Rng Rng::Fork() { return Rng(NextU64()); }

Rng::State Rng::SaveState() const {
  // The spare normal is folded in so a restored stream continues exactly.
  uint64_t spare_bits = 0;
  std::memcpy(&spare_bits, &spare_normal_, sizeof(spare_bits));
  return {s_[0], s_[1], s_[2], s_[3],
          has_spare_normal_ ? spare_bits : ~uint64_t{0}};
}

Rng Rng::FromState(const State& state) {
  Rng rng;
  for (int i = 0; i < 4; ++i) rng.s_[i] = state[i];
  // ~0 is a NaN bit pattern that Normal() never produces: "no spare".
  rng.has_spare_normal_ = state[4] != ~uint64_t{0};
  if (rng.has_spare_normal_) {
    std::memcpy(&rng.spare_normal_, &state[4], sizeof(rng.spare_normal_));
  }
  return rng;
}

}  // namespace nfalab
