// The main of every benchmark target: Google Benchmark's, except that a
// benchmark that stops with SkipWithError makes the binary exit 1, so a
// broken benchmark fails its `bazel test` smoke run instead of passing, and
// that the console output is coloured only on a terminal. The console is
// always the display (--benchmark_format is not read); for JSON use
// --benchmark_out=FILE --benchmark_out_format=json. The allocator is tuned
// as in nfalab's own main (core/malloc_tuning.h).
#include <unistd.h>

#include <vector>

#include "benchmark/benchmark.h"
#include "core/malloc_tuning.h"

namespace {

class ErrorCountingReporter : public benchmark::ConsoleReporter {
 public:
  // Colour only on a terminal (the library's own flag does not reach a
  // reporter built here), counters as columns.
  ErrorCountingReporter()
      : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_ColorTabular : OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.error_occurred) ++errors_;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  int errors() const { return errors_; }

 private:
  int errors_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  nfalab::RetainFreedMemory();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  ErrorCountingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return reporter.errors() > 0 ? 1 : 0;
}
