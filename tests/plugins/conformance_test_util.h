// Helpers for the tests of experiment/conformance.h.
//
//   ExpectNoFailedCheck(CheckOptimizer("sgd"));
//   EXPECT_EQ(RowOf(checks, "deterministic").result, CheckResult::kFail);
#ifndef NFALAB_TESTS_PLUGINS_CONFORMANCE_TEST_UTIL_H_
#define NFALAB_TESTS_PLUGINS_CONFORMANCE_TEST_UTIL_H_

#include <string>
#include <vector>

#include "experiment/conformance.h"
#include "gtest/gtest.h"

namespace nfalab::testing {

// The row whose `check` is `check`; adds a test failure if there is none.
inline ConformanceCheck RowOf(const std::vector<ConformanceCheck>& checks,
                              const std::string& check) {
  for (const ConformanceCheck& row : checks) {
    if (row.check == check) return row;
  }
  ADD_FAILURE() << "no row \"" << check << "\"";
  return {};
}

// Every row passed or was not checked; a failed row reports its detail.
inline void ExpectNoFailedCheck(const std::vector<ConformanceCheck>& checks) {
  for (const ConformanceCheck& check : checks) {
    EXPECT_NE(check.result, CheckResult::kFail) << FormatCheck(check);
  }
}

}  // namespace nfalab::testing

#endif  // NFALAB_TESTS_PLUGINS_CONFORMANCE_TEST_UTIL_H_
