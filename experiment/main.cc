// The nfalab binary (//:nfalab). All logic lives in experiment/cli.cc.
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "experiment/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return nfalab::RunCli(args, std::cout, std::cerr,
                        /*interactive=*/isatty(STDOUT_FILENO) == 1);
}
