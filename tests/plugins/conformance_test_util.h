// Helpers for the tests of cli/conformance.h.
//
//   ExpectNoFailedCheck(CheckOptimizer("sgd"));
//   EXPECT_EQ(RowOf(checks, "deterministic").result, CheckResult::kFail);
//   ScopedRegistration<AlignmentMeasureRegistry> planted(
//       AlignmentMeasureRegistry::Global(), "test_bad",
//       FactoryOf<AlignmentMeasure, BadMeasure>());
#ifndef NFALAB_TESTS_PLUGINS_CONFORMANCE_TEST_UTIL_H_
#define NFALAB_TESTS_PLUGINS_CONFORMANCE_TEST_UTIL_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/conformance.h"
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

// A registry factory making a default-constructed T as a Base; `Args` are
// the registry's factory arguments (ignored).
template <typename Base, typename T, typename... Args>
std::function<absl::StatusOr<std::unique_ptr<Base>>(Args...)> FactoryOf() {
  return [](Args...) -> absl::StatusOr<std::unique_ptr<Base>> {
    return std::unique_ptr<Base>(std::make_unique<T>());
  };
}

}  // namespace nfalab::testing

#endif  // NFALAB_TESTS_PLUGINS_CONFORMANCE_TEST_UTIL_H_
