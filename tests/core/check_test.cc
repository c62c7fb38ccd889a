#include "core/check.h"

#include <string>

#include "gtest/gtest.h"

namespace nfalab {
namespace {

// Counts how often it is streamed, to see whether the message is evaluated.
int g_message_evaluations = 0;
std::string CountedMessage() {
  ++g_message_evaluations;
  return "counted";
}

TEST(CheckTest, TrueConditionDoesNothingAndSkipsTheMessage) {
  g_message_evaluations = 0;
  int x = 3;
  NFALAB_CHECK(x == 3) << CountedMessage();
  NFALAB_CHECK(true) << CountedMessage() << CountedMessage();
  NFALAB_CHECK(x > 0 && x < 5);
  EXPECT_EQ(g_message_evaluations, 0);
}

TEST(CheckTest, ConditionIsEvaluatedExactlyOnce) {
  int calls = 0;
  auto condition = [&calls]() {
    ++calls;
    return true;
  };
  NFALAB_CHECK(condition()) << "unused";
  EXPECT_EQ(calls, 1);
}

TEST(CheckTest, WorksAsTheBodyOfAnUnbracedIfElse) {
  // The macro is one expression, so it binds to the right `if`.
  int branch = 0;
  for (bool take_if : {true, false}) {
    if (take_if)
      NFALAB_CHECK(branch >= 0) << "in if";
    else
      branch = 2;
  }
  EXPECT_EQ(branch, 2);
}

TEST(CheckTest, ConditionWithLowPrecedenceOperatorsIsParenthesised) {
  // Without parentheses around `condition`, `a || b ? ...` and `a = b`-like
  // expressions would parse differently.
  bool a = false, b = true;
  NFALAB_CHECK(a || b) << "parenthesised";
  int value = 0;
  NFALAB_CHECK(true ? value == 0 : false);
  SUCCEED();
}

#ifdef NDEBUG
TEST(CheckTest, DcheckIsCompiledOutInOptimisedBuilds) {
  int calls = 0;
  auto condition = [&calls]() {
    ++calls;
    return false;
  };
  g_message_evaluations = 0;
  NFALAB_DCHECK(condition()) << CountedMessage();
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(g_message_evaluations, 0);
}
#endif

TEST(CheckDeathTest, FalseConditionDiesWithFileLineConditionAndMessage) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto fail = [] { NFALAB_CHECK(false) << "msg " << 42; };
  const int check_line = __LINE__ - 1;  // The line of the check above.
  EXPECT_DEATH(fail(), "check_test\\.cc:" + std::to_string(check_line) +
                           ": check failed: false msg 42");
}

TEST(CheckDeathTest, MessageShowsTheConditionText) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const int layer = 7, num_layers = 3;
  EXPECT_DEATH(NFALAB_CHECK(layer < num_layers) << "layer " << layer,
               "check failed: layer < num_layers layer 7");
}

TEST(CheckDeathTest, FalseConditionWithoutMessageStillDies) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(NFALAB_CHECK(1 + 1 == 3), "check failed: 1 \\+ 1 == 3");
}

TEST(CheckDeathTest, FailureEvaluatesTheMessage) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(NFALAB_CHECK(false) << CountedMessage(), "false counted");
}

#ifndef NDEBUG
TEST(CheckDeathTest, DcheckDiesInDebugBuilds) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(NFALAB_DCHECK(false) << "debug", "check failed: false debug");
}
#endif

}  // namespace
}  // namespace nfalab
