// The nfalab binary (//:nfalab). All logic lives in cli/cli.cc.
#include <unistd.h>

#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "core/malloc_tuning.h"

int main(int argc, char** argv) {
  nfalab::RetainFreedMemory();  // Before any thread starts.
  std::vector<std::string> args(argv + 1, argv + argc);
  // The one place nfalab catches an exception: an allocation the memory
  // estimate (experiment/memory_estimate.h) did not foresee, or one beyond
  // a ulimit, ends the run with an error line instead of an abort.
  try {
    return nfalab::RunCli(args, std::cout, std::cerr,
                          /*interactive=*/isatty(STDOUT_FILENO) == 1);
  } catch (const std::bad_alloc&) {
    std::cout.flush();
    std::cerr << "error: out of memory (std::bad_alloc): the run needed more "
                 "memory than the system (or its ulimit) would give; reduce "
                 "model.width / model.widths, training.batch_size, "
                 "measurement.chunk_size or data.n_train\n";
    return 1;
  }
}
