// TestSeed: seeds for randomised tests. Deterministic by default, and
// --gtest_random_seed=N reruns a test with other random inputs. (The flag,
// unlike UnitTest::random_seed(), is not derived from the clock when 0.)
//
//   Rng rng(TestSeed(/*salt=*/1));
#ifndef NFALAB_TESTS_TEST_SEED_H_
#define NFALAB_TESTS_TEST_SEED_H_

#include <cstdint>

#include "gtest/gtest.h"

namespace nfalab::testing {

inline uint64_t TestSeed(uint64_t salt) {
  return salt + 1000003u * static_cast<uint64_t>(GTEST_FLAG_GET(random_seed));
}

}  // namespace nfalab::testing

#endif  // NFALAB_TESTS_TEST_SEED_H_
