// gmock matchers for absl::Status / absl::StatusOr (absl 20220623 has no
// public ones).
//
//   EXPECT_THAT(status, StatusIs(absl::StatusCode::kNotFound,
//                                HasSubstr("gleu")));
//   EXPECT_THAT(LoadConfig(path), IsOk());
//   NFALAB_ASSERT_OK_AND_ASSIGN(Model mlp, Model::Create(...));
#ifndef NFALAB_TESTS_STATUS_MATCHERS_H_
#define NFALAB_TESTS_STATUS_MATCHERS_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nfalab::testing {

inline const absl::Status& GetStatus(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  if (!status.ok()) *result_listener << "status is " << status;
  return status.ok();
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has code " + ::testing::PrintToString(code) +
               " and a message that " +
               ::testing::DescribeMatcher<std::string>(message_matcher)) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code &&
         ::testing::ExplainMatchResult(
             message_matcher, std::string(status.message()), result_listener);
}

}  // namespace nfalab::testing

#define NFALAB_TESTING_CONCAT_INNER_(a, b) a##b
#define NFALAB_TESTING_CONCAT_(a, b) NFALAB_TESTING_CONCAT_INNER_(a, b)

#define NFALAB_ASSERT_OK(expr) ASSERT_THAT((expr), ::nfalab::testing::IsOk())

#define NFALAB_ASSERT_OK_AND_ASSIGN(lhs, expr) \
  NFALAB_ASSERT_OK_AND_ASSIGN_IMPL_(           \
      NFALAB_TESTING_CONCAT_(nfalab_statusor_, __LINE__), lhs, expr)

#define NFALAB_ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                      \
  ASSERT_THAT(statusor, ::nfalab::testing::IsOk());            \
  lhs = std::move(statusor).value()

#endif  // NFALAB_TESTS_STATUS_MATCHERS_H_
