// The SIGINT/SIGTERM handlers: the first signal is only recorded, a second
// one kills, ignored signals stay ignored, and the old handlers come back.
#include "experiment/interrupt.h"

#include <signal.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nfalab {
namespace {

// The handler currently installed for `signal`.
void (*CurrentHandler(int signal))(int) {
  struct sigaction action;
  sigaction(signal, nullptr, &action);
  return action.sa_handler;
}

TEST(InterruptTest, FirstSignalIsRecordedNotFatal) {
  for (const int signal : {SIGINT, SIGTERM}) {
    ScopedInterruptHandlers handlers;
    EXPECT_EQ(PendingInterruptSignal(), 0);
    ASSERT_EQ(raise(signal), 0);
    EXPECT_EQ(PendingInterruptSignal(), signal);
  }
}

TEST(InterruptTest, TheFirstSignalIsKeptAndSurvivesTheHandlers) {
  {
    ScopedInterruptHandlers handlers;
    ASSERT_EQ(raise(SIGTERM), 0);
  }
  EXPECT_EQ(PendingInterruptSignal(), SIGTERM);
  ScopedInterruptHandlers again;  // Installing clears it.
  EXPECT_EQ(PendingInterruptSignal(), 0);
}

TEST(InterruptTest, RestoresThePreviousHandlers) {
  const auto before_int = CurrentHandler(SIGINT);
  const auto before_term = CurrentHandler(SIGTERM);
  {
    ScopedInterruptHandlers handlers;
    EXPECT_NE(CurrentHandler(SIGINT), before_int);
    EXPECT_NE(CurrentHandler(SIGTERM), before_term);
  }
  EXPECT_EQ(CurrentHandler(SIGINT), before_int);
  EXPECT_EQ(CurrentHandler(SIGTERM), before_term);
}

TEST(InterruptTest, AnIgnoredSignalStaysIgnored) {
  struct sigaction ignore = {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction previous;
  ASSERT_EQ(sigaction(SIGINT, &ignore, &previous), 0);
  {
    ScopedInterruptHandlers handlers;
    EXPECT_EQ(CurrentHandler(SIGINT), SIG_IGN);
    ASSERT_EQ(raise(SIGINT), 0);
    EXPECT_EQ(PendingInterruptSignal(), 0);
  }
  sigaction(SIGINT, &previous, nullptr);
}

TEST(InterruptDeathTest, ASecondSignalKillsAtOnce) {
  EXPECT_EXIT(
      {
        ScopedInterruptHandlers handlers;
        raise(SIGINT);
        raise(SIGINT);
        _exit(0);  // Not reached.
      },
      ::testing::KilledBySignal(SIGINT), "");
}

TEST(InterruptTest, SignalNames) {
  EXPECT_EQ(SignalName(SIGINT), "SIGINT");
  EXPECT_EQ(SignalName(SIGTERM), "SIGTERM");
  EXPECT_EQ(SignalName(SIGHUP), "signal 1");
}

}  // namespace
}  // namespace nfalab
