// The `nfalab` command line:
//
//   nfalab train [--config=FILE] [--out=DIR] [--field.path=value ...]
//   nfalab study STUDY.pbtxt [--out=DIR] [--shard=i/N]
//   nfalab report [--out=DIR] DIR...
//   nfalab list
//   nfalab check-plugin PATH.so...
//   nfalab help | --help
// Every command takes --plugin=PATH (repeatable), loaded before anything
// else (cli/plugin_loader.h).
//
// RunCli returns the process exit code. User mistakes print one
// "error: ..." line on `err` and return non-zero; they never abort. A train
// stopped by SIGINT or SIGTERM prints one line with the --resume command and
// returns 128 + the signal (130, 143).
#ifndef NFALAB_CLI_CLI_H_
#define NFALAB_CLI_CLI_H_

#include <ostream>
#include <string>
#include <vector>

namespace nfalab {

// `args` excludes the program name. `interactive`: `out` is a terminal, so
// long phases show a self-updating progress line.
int RunCli(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err, bool interactive = false);

// What `nfalab list` prints: four sections ("activations:", "alignment
// measures:", "optimizers:", "dataset sources:"), each with one line per
// registered name, sorted, and its one-line description.
std::string ListRegistries();

}  // namespace nfalab

#endif  // NFALAB_CLI_CLI_H_
