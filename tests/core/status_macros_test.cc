#include "core/status_macros.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace nfalab {
namespace {

using ::nfalab::testing::IsOk;
using ::nfalab::testing::StatusIs;
using ::testing::Eq;

// Records which steps ran, to check that the macros return early.
class Trace {
 public:
  absl::Status Step(const std::string& name, absl::Status result) {
    steps_.push_back(name);
    return result;
  }
  absl::StatusOr<int> Value(const std::string& name,
                            absl::StatusOr<int> result) {
    steps_.push_back(name);
    return result;
  }
  const std::vector<std::string>& steps() const { return steps_; }

 private:
  std::vector<std::string> steps_;
};

// ---------------------------------------------------------------------------
// NFALAB_RETURN_IF_ERROR.

absl::Status TwoSteps(Trace& trace, absl::Status first, absl::Status second) {
  NFALAB_RETURN_IF_ERROR(trace.Step("first", first));
  NFALAB_RETURN_IF_ERROR(trace.Step("second", second));
  trace.Step("end", absl::OkStatus()).IgnoreError();
  return absl::OkStatus();
}

TEST(StatusMacrosTest, ReturnIfErrorContinuesOnOk) {
  Trace trace;
  EXPECT_THAT(TwoSteps(trace, absl::OkStatus(), absl::OkStatus()), IsOk());
  EXPECT_THAT(trace.steps(), ::testing::ElementsAre("first", "second", "end"));
}

TEST(StatusMacrosTest, ReturnIfErrorReturnsTheFirstErrorUnchanged) {
  Trace trace;
  EXPECT_THAT(TwoSteps(trace, absl::NotFoundError("no file"),
                       absl::InternalError("never reached")),
              StatusIs(absl::StatusCode::kNotFound, Eq("no file")));
  EXPECT_THAT(trace.steps(), ::testing::ElementsAre("first"));
}

TEST(StatusMacrosTest, ReturnIfErrorReturnsALaterError) {
  Trace trace;
  EXPECT_THAT(
      TwoSteps(trace, absl::OkStatus(), absl::OutOfRangeError("past end")),
      StatusIs(absl::StatusCode::kOutOfRange, Eq("past end")));
  EXPECT_THAT(trace.steps(), ::testing::ElementsAre("first", "second"));
}

TEST(StatusMacrosTest, ReturnIfErrorEvaluatesItsArgumentOnce) {
  int calls = 0;
  auto step = [&calls]() {
    ++calls;
    return absl::InvalidArgumentError("bad");
  };
  auto run = [&]() -> absl::Status {
    NFALAB_RETURN_IF_ERROR(step());
    return absl::OkStatus();
  };
  EXPECT_THAT(run(), StatusIs(absl::StatusCode::kInvalidArgument, Eq("bad")));
  EXPECT_EQ(calls, 1);
}

TEST(StatusMacrosTest, ReturnIfErrorWorksInAStatusOrFunction) {
  auto run = [](absl::Status status) -> absl::StatusOr<int> {
    NFALAB_RETURN_IF_ERROR(status);
    return 7;
  };
  EXPECT_THAT(run(absl::OkStatus()), IsOk());
  EXPECT_EQ(*run(absl::OkStatus()), 7);
  EXPECT_THAT(run(absl::AbortedError("stop")),
              StatusIs(absl::StatusCode::kAborted, Eq("stop")));
}

TEST(StatusMacrosTest, ReturnIfErrorIsASingleStatementInIfElse) {
  // Must compile and behave as one statement without braces.
  auto run = [](bool check, absl::Status status) -> absl::Status {
    if (check)
      NFALAB_RETURN_IF_ERROR(status);
    else
      return absl::CancelledError("unchecked");
    return absl::OkStatus();
  };
  EXPECT_THAT(run(true, absl::OkStatus()), IsOk());
  EXPECT_THAT(run(true, absl::UnknownError("x")),
              StatusIs(absl::StatusCode::kUnknown, Eq("x")));
  EXPECT_THAT(run(false, absl::OkStatus()),
              StatusIs(absl::StatusCode::kCancelled, Eq("unchecked")));
}

// ---------------------------------------------------------------------------
// NFALAB_ASSIGN_OR_RETURN.

absl::StatusOr<int> SumOfTwo(Trace& trace, absl::StatusOr<int> a,
                             absl::StatusOr<int> b) {
  NFALAB_ASSIGN_OR_RETURN(const int x, trace.Value("a", std::move(a)));
  NFALAB_ASSIGN_OR_RETURN(int y, trace.Value("b", std::move(b)));
  return x + y;
}

TEST(StatusMacrosTest, AssignOrReturnAssignsValues) {
  Trace trace;
  absl::StatusOr<int> sum = SumOfTwo(trace, 3, 4);
  ASSERT_THAT(sum, IsOk());
  EXPECT_EQ(*sum, 7);
  EXPECT_THAT(trace.steps(), ::testing::ElementsAre("a", "b"));
}

TEST(StatusMacrosTest, AssignOrReturnReturnsTheErrorEarly) {
  Trace trace;
  EXPECT_THAT(SumOfTwo(trace, absl::DataLossError("corrupt"), 4),
              StatusIs(absl::StatusCode::kDataLoss, Eq("corrupt")));
  EXPECT_THAT(trace.steps(), ::testing::ElementsAre("a"));

  Trace second;
  EXPECT_THAT(SumOfTwo(second, 3, absl::UnavailableError("later")),
              StatusIs(absl::StatusCode::kUnavailable, Eq("later")));
  EXPECT_THAT(second.steps(), ::testing::ElementsAre("a", "b"));
}

TEST(StatusMacrosTest, AssignOrReturnWorksInAStatusFunction) {
  int out = -1;
  auto run = [&out](absl::StatusOr<int> value) -> absl::Status {
    NFALAB_ASSIGN_OR_RETURN(out, std::move(value));  // Existing variable.
    return absl::OkStatus();
  };
  EXPECT_THAT(run(41), IsOk());
  EXPECT_EQ(out, 41);
  EXPECT_THAT(run(absl::PermissionDeniedError("no")),
              StatusIs(absl::StatusCode::kPermissionDenied, Eq("no")));
  EXPECT_EQ(out, 41);  // Untouched on error.
}

TEST(StatusMacrosTest, AssignOrReturnMovesMoveOnlyValues) {
  auto make = [](bool ok) -> absl::StatusOr<std::unique_ptr<int>> {
    if (!ok) return absl::InternalError("no int");
    return std::make_unique<int>(5);
  };
  auto run = [&make](bool ok) -> absl::StatusOr<int> {
    NFALAB_ASSIGN_OR_RETURN(std::unique_ptr<int> p, make(ok));
    return *p + 1;
  };
  ASSERT_THAT(run(true), IsOk());
  EXPECT_EQ(*run(true), 6);
  EXPECT_THAT(run(false), StatusIs(absl::StatusCode::kInternal, Eq("no int")));
}

TEST(StatusMacrosTest, AssignOrReturnCanBeUsedTwiceInOneScope) {
  auto run = []() -> absl::StatusOr<std::string> {
    NFALAB_ASSIGN_OR_RETURN(std::string a, absl::StatusOr<std::string>("left"));
    NFALAB_ASSIGN_OR_RETURN(std::string b,
                            absl::StatusOr<std::string>("right"));
    return a + "|" + b;
  };
  ASSERT_THAT(run(), IsOk());
  EXPECT_EQ(*run(), "left|right");
}

// ---------------------------------------------------------------------------
// AnnotateStatus.

TEST(StatusMacrosTest, AnnotateStatusKeepsCodeAndPrefixesMessage) {
  const absl::Status annotated = AnnotateStatus(
      absl::NotFoundError("no activation named \"gleu\""), "layer 2");
  EXPECT_THAT(annotated, StatusIs(absl::StatusCode::kNotFound,
                                  Eq("layer 2: no activation named \"gleu\"")));
}

TEST(StatusMacrosTest, AnnotateStatusNestsOutermostFirst) {
  absl::Status status = absl::InvalidArgumentError("bad width");
  status = AnnotateStatus(status, "layer 1");
  status = AnnotateStatus(status, "config.pbtxt");
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                               Eq("config.pbtxt: layer 1: bad width")));
}

TEST(StatusMacrosTest, AnnotateStatusLeavesOkAlone) {
  const absl::Status status = AnnotateStatus(absl::OkStatus(), "context");
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.message(), "");
  EXPECT_EQ(status, absl::OkStatus());
}

TEST(StatusMacrosTest, AnnotateStatusKeepsEveryErrorCode) {
  for (int code = 1; code <= 16; ++code) {
    const auto status_code = static_cast<absl::StatusCode>(code);
    SCOPED_TRACE(absl::StatusCodeToString(status_code));
    EXPECT_THAT(AnnotateStatus(absl::Status(status_code, "m"), "c"),
                StatusIs(status_code, Eq("c: m")));
  }
}

}  // namespace
}  // namespace nfalab
