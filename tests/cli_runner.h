// Runs the nfalab command line in-process for tests (RunCli), capturing
// what it prints, and checks the one-line form of a user error.
//
//   const CliRun run = RunNfalab({"study", path, "--shard=4/3"});
//   ExpectOneErrorLine(run, "\"4/3\"");
#ifndef NFALAB_TESTS_CLI_RUNNER_H_
#define NFALAB_TESTS_CLI_RUNNER_H_

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nfalab {

struct CliRun {
  int exit_code;
  std::string out;
  std::string err;
};

inline CliRun RunNfalab(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = RunCli(args, out, err);
  return {code, out.str(), err.str()};
}

// A user error gives a non-zero exit and exactly one "error: " line.
inline void ExpectOneErrorLine(const CliRun& run, const std::string& fragment) {
  EXPECT_NE(run.exit_code, 0);
  EXPECT_THAT(run.err, ::testing::StartsWith("error: "));
  EXPECT_THAT(run.err, ::testing::HasSubstr(fragment));
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
}

}  // namespace nfalab

#endif  // NFALAB_TESTS_CLI_RUNNER_H_
