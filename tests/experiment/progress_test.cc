// The progress line: its text, throttling, clearing, and silence off a
// terminal.
#include "experiment/progress.h"

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nfalab {
namespace {

using ::testing::HasSubstr;

TEST(ProgressLineTest, FormatShowsCountRateAndEta) {
  // 1200 of 4000 in 0.5 s: 2400/s, 2800 left -> 1.17 s, rounded up to 2 s.
  EXPECT_EQ(ProgressLine::Format("epoch 3", 1200, 4000, "samples", 0.5),
            "epoch 3  1200/4000 samples  2.4k samples/s  ETA 2s");
  // Done: no ETA.
  EXPECT_EQ(ProgressLine::Format("epoch 3", 4000, 4000, "samples", 2.0),
            "epoch 3  4000/4000 samples  2.0k samples/s");
  // Nothing done yet: no rate.
  EXPECT_EQ(ProgressLine::Format("load", 0, 10, "files", 0.0),
            "load  0/10 files");
  // Long ETAs in minutes.
  EXPECT_THAT(ProgressLine::Format("x", 1, 1000, "steps", 1.0),
              HasSubstr("ETA 16m39s"));
}

TEST(ProgressLineTest, NonInteractiveOutputStaysEmpty) {
  std::ostringstream out;
  ProgressLine progress(&out, /*interactive=*/false);
  progress.Start("epoch 0", 10, "samples");
  for (int i = 1; i <= 10; ++i) progress.Update(i);
  progress.Clear();
  EXPECT_EQ(out.str(), "");
}

TEST(ProgressLineTest, InteractiveRedrawsInPlaceAndClears) {
  std::ostringstream out;
  ProgressLine progress(&out, /*interactive=*/true);
  progress.Start("epoch 0", 10, "samples");
  progress.Update(10);  // The last update is always drawn.
  const std::string drawn = out.str();
  ASSERT_FALSE(drawn.empty());
  EXPECT_EQ(drawn.front(), '\r');
  EXPECT_THAT(drawn, HasSubstr("epoch 0  10/10 samples"));
  EXPECT_EQ(drawn.find('\n'), std::string::npos);
  progress.Clear();
  const std::string cleared = out.str().substr(drawn.size());
  // Blank the line and return to its start.
  EXPECT_EQ(cleared, "\r" + std::string(drawn.size() - 1, ' ') + "\r");
}

TEST(ProgressLineTest, UpdatesAreThrottled) {
  std::ostringstream out;
  ProgressLine progress(&out, /*interactive=*/true);
  progress.Start("epoch 0", 1000000, "samples");
  for (int i = 1; i < 1000; ++i) progress.Update(i);
  // At most one draw per 100 ms; the loop takes far less than a second.
  size_t draws = 0;
  for (char c : out.str()) draws += c == '\r';
  EXPECT_LE(draws, 2u);
}

}  // namespace
}  // namespace nfalab
